"""Reading input files defensively: size limit, binary check, clear decoding errors."""

from __future__ import annotations

from pathlib import Path

from rewriter import policy
from rewriter.errors import InputError
from rewriter.regular import require_regular


def read_text(path: Path, *, limit: int = policy.MAX_INPUT_BYTES) -> str:
    """The file as UTF-8 text, or an InputError naming the file and the fault."""
    require_regular(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"file is {size / 2**20:.1f} MiB, over the {limit / 2**20:.0f} MiB limit for one document",
                where=str(path),
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder, expected a file", where=str(path)) from None
    except FileNotFoundError:
        raise InputError("no such file", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, not text", where=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            where=str(path),
        ) from None
