"""Writing articles safely: atomic replace, and leave current articles alone.

A write goes to a temporary file in the target folder (one with no name
while it is written, where Linux allows it), is flushed to disk, then renamed
over the target, so a crash or Ctrl-C never leaves half an article, and a
SIGKILL at most a named temporary file in the instant before the rename. An
article whose `ai.sourceHash` and `ai.version` already match is not touched
at all, so reruns change nothing on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rewriter.errors import RewriterError
from rewriter.regular import special_kind


class UnsafePath(RewriterError):
    """A computed output path would leave the output folder, or would replace a FIFO or device."""


def _read_umask() -> int:
    """The process umask; read once at import, since reading it means setting it."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _mode_for(path: Path) -> int:
    """The mode to give what replaces `path`, from one stat; UnsafePath for what must not be replaced.

    An existing file keeps its mode and a new one gets what the umask gives
    (mkstemp's 0600 would make articles unreadable to a web server). A folder
    is refused, and so is a FIFO or device: renaming over /dev/full would
    replace the device itself.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return 0o666 & ~_UMASK
    if stat.S_ISDIR(mode):
        raise UnsafePath(f"{path} is a folder; give a file name")
    kind = special_kind(mode)
    if kind is not None:
        raise UnsafePath(f"{path} is {kind}, not a regular file; it is not replaced")
    return mode & 0o7777


#: Linux can open a file with no name in a folder (O_TMPFILE) and give it one
#: once it is written, through /proc's link to the descriptor.
_UNNAMED = hasattr(os, "O_TMPFILE") and hasattr(os, "O_PATH") and os.path.isdir("/proc/self/fd")


def _unnamed_file(folder: Path) -> int | None:
    """A descriptor of a new file in `folder` that has no name yet, or None
    where the system or file system cannot do that."""
    if not _UNNAMED:
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:  # EOPNOTSUPP, EISDIR, EINVAL: a file system without it
        return None


def _name(fd: int, path: Path) -> str:
    """Give the unnamed file `fd` a temporary name beside `path` (a link never
    replaces an existing name, so a taken one is simply tried again)."""
    # O_PATH: a folder one may write in but not list works as well.
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        while True:
            name = f".{path.name}.{secrets.token_hex(4)}.tmp"  # as long as mkstemp's, for names near NAME_MAX
            try:
                # With a folder descriptor, os.link calls linkat(AT_SYMLINK_FOLLOW),
                # which follows /proc's link to the open file (plain link() would not).
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder, follow_symlinks=True)
                return str(path.parent / name)
            except FileExistsError:
                continue
    finally:
        os.close(folder)


@contextlib.contextmanager
def _replacement(path: Path) -> Iterator[int]:
    """A new file beside `path` (its descriptor), renamed over `path` if the block succeeds.

    A link is followed: the file it names is replaced and the link kept. On
    any error, Ctrl-C included, the new file is removed and `path` is untouched.
    Where it can, the new file has no name while it is written, so even a
    SIGKILL leaves nothing behind; it is named only for the rename, a window
    of two system calls instead of the whole write and fsync.
    """
    if path.is_symlink():
        path = path.resolve()
    mode = _mode_for(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _unnamed_file(path.parent)
    tmp = None
    if fd is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            os.fchmod(fd, mode)
            yield fd
            if tmp is None:
                tmp = _name(fd, path)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def atomic_write(path: Path, text: str | Iterable[str]) -> None:
    """Replace `path` with `text` (a string, or pieces written as they come) in one rename."""
    with _replacement(path) as fd:
        with open(fd, "w", encoding="utf-8", newline="\n", closefd=False) as out:
            if isinstance(text, str):
                out.write(text)
            else:
                out.writelines(text)
        os.fsync(fd)


async def atomic_write_async(path: Path, text: str) -> None:
    """`atomic_write` for the event loop: only the fsync (milliseconds on some disks) runs in a thread.

    The rest is page-cache work of microseconds. A thread doing all of it
    needs the GIL back after each of its ten system calls, and waits for a
    busy event loop to let go of it every time: 35 ms a write at
    concurrency 32, against one wait for fsync alone.
    """
    with _replacement(path) as fd:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(fd, data) :]
        # The thread gets a descriptor of its own and closes it; shielded, it
        # runs even if this write is cancelled meanwhile, and never touches
        # `fd`, which is closed (and its number perhaps reused) at once then.
        await asyncio.shield(asyncio.to_thread(_fsync_and_close, os.dup(fd)))


def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def inside(root: Path, name: str) -> Path:
    """`root / name` resolved, provided it stays within `root` (itself resolved already).

    `name` must be a relative POSIX path of plain parts (no `..`, `.` or
    empty part; `naming.article_name` makes such names), so only a link
    below `root` can lead out: the parts are looked at with one lstat each,
    and the whole path is resolved only when one is a link.
    """
    parts = name.split("/")
    if not name or any(part in ("", ".", "..") for part in parts):
        raise UnsafePath(f"refusing to write outside {root}: {name!r} is not a plain relative name")
    target = root / name
    probe = str(root)
    for part in parts:  # plain strings: the batch planner asks this of every item
        probe = f"{probe}/{part}"
        if os.path.islink(probe):
            resolved = target.resolve()
            if resolved != root and root not in resolved.parents:
                raise UnsafePath(f"refusing to write outside {root}: {target} leads to {resolved}")
            return resolved
    return target
