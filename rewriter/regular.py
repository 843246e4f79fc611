"""Inputs must be regular files: FIFOs, sockets and devices are refused.

Opening a FIFO for reading waits for a writer, and a device may never end, so
`rewriter check` in a hook or `rewriter batch` in a cron job would hang. Kept
free of heavy imports: `rewriter check` uses it.
"""

from __future__ import annotations

import stat
from pathlib import Path

from rewriter.errors import InputError


def special_file(path: Path) -> str | None:
    """What `path` is when it is neither a regular file nor a folder, else None.

    Opening a FIFO for reading waits for a writer and a device may never end,
    so these are refused before anything opens them.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: the reader says which
    return special_kind(mode)


def special_kind(mode: int) -> str | None:
    """`a FIFO`, `a socket` or `a device` for such an `st_mode`; None for a file or folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"


def require_regular(path: Path) -> None:
    """Raise InputError for a FIFO, socket or device."""
    kind = special_file(path)
    if kind is not None:
        raise InputError(f"is {kind}, not a regular file", where=str(path))
