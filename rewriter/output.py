"""Writing articles safely: atomic replace, and leave current articles alone.

A write goes to a temporary file in the target folder, is flushed to disk,
then renamed over the target, so a crash or Ctrl-C never leaves half an
article. An article whose `ai.sourceHash` and `ai.version` already match is
not touched at all, so reruns change nothing on disk.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from rewriter.errors import RewriterError
from rewriter.regular import special_file


class UnsafePath(RewriterError):
    """A computed output path would leave the output folder, or would replace a FIFO or device."""


def _read_umask() -> int:
    """The process umask; read once at import, since reading it means setting it."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _mode_for(path: Path) -> int:
    """The file's own mode when it exists, else what the umask gives a new file.

    mkstemp creates 0600, which would make every article unreadable to a web
    server and turn a 0644 draft rewritten in place into 0600.
    """
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename; a link is followed, a FIFO or device refused."""
    if path.is_symlink():  # write the file the link names, and keep the link
        path = path.resolve()
    if path.is_dir():
        raise UnsafePath(f"{path} is a folder; give a file name")
    kind = special_file(path)
    if kind is not None:  # renaming over /dev/full would replace the device itself
        raise UnsafePath(f"{path} is {kind}, not a regular file; it is not replaced")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_ai_block(path: Path) -> dict[str, Any] | None:
    """The `ai` mapping of an existing article, or None if there is none."""
    import frontmatter
    import yaml

    from rewriter.safeyaml import front_matter_handler

    try:
        metadata, _ = frontmatter.parse(path.read_text(encoding="utf-8"), handler=front_matter_handler())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return None
    ai = metadata.get("ai") if isinstance(metadata, dict) else None
    return ai if isinstance(ai, dict) else None


def is_current(path: Path, source_hash: str, version: int) -> bool:
    """True when `path` holds a rewrite of this very source with this prompt version."""
    if not path.is_file():
        return False
    ai = read_ai_block(path)
    return bool(
        ai
        and ai.get("rewritten") is True
        and ai.get("sourceHash") == source_hash
        and ai.get("version") == version
    )


def inside(folder: Path, path: Path) -> Path:
    """`path` resolved, provided it stays within `folder`."""
    root = folder.resolve()
    target = path.resolve()
    if target != root and root not in target.parents:
        raise UnsafePath(f"refusing to write outside {folder}: {path}")
    return target
