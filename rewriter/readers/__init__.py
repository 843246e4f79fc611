"""Readers: each input format (spec §1) mapped onto `FeedItem`.

`read_items` recognises the format of a path and yields items one at a time,
so a feed of any size is never held whole in memory. A bad item becomes an
`ItemFailure` in the stream instead of stopping the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from rewriter.errors import InputError
from rewriter.readers.pending import ItemFailure, ItemSkipped, PendingItem, ReadResult

__all__ = ["ItemFailure", "ItemSkipped", "PendingItem", "ReadResult", "iter_source", "read_items", "source_format"]



FEED_SUFFIXES = (".xml", ".rss", ".atom")
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
MARKDOWN_SUFFIXES = (".md", ".markdown")


def source_format(source: str | Path) -> str:
    """`feed`, `json`, `jsonl` or `markdown`, by URL, folder, extension, then content."""
    from rewriter.readers.feed import is_url

    if is_url(source):
        return "feed"
    path = Path(source)
    if path.is_dir():
        return "markdown"
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix == ".json":
        return "json"
    if suffix in JSON_LINES_SUFFIXES:
        return "jsonl"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    try:
        with path.open("rb") as data:
            head = data.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return "markdown"  # its reader reports the file as missing or unreadable
    if head.startswith(b"<"):
        return "feed"
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        return "jsonl" if b"\n{" in head else "json"
    return "markdown"


def _pending_drafts(source: Path, on_count: Callable[[int], None] | None) -> Iterator[PendingItem | ItemFailure]:
    import hashlib

    from rewriter.readers.markdown import markdown_files, read_draft
    from rewriter.regular import special_file

    paths = markdown_files(source) if source.is_dir() else [source]
    if on_count is not None:
        on_count(len(paths))
    for path in paths:
        try:  # never read a FIFO here: its reader refuses it by name
            digest = "" if special_file(path) else hashlib.sha256(b"md\x00" + path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        yield PendingItem(str(path), digest, lambda path=path: read_draft(path))


def iter_source(
    source: str | Path, on_count: Callable[[int], None] | None = None
) -> Iterator[PendingItem | ItemFailure | ItemSkipped]:
    """Pending items of one source, lazily; `on_count` hears how many there are once known."""
    from rewriter.readers.feed import is_url

    if not is_url(source):
        from rewriter.regular import require_regular

        try:
            require_regular(Path(source))
        except InputError as exc:
            yield ItemFailure(str(source), exc)
            return
    kind = source_format(source)
    if kind == "feed":
        from rewriter.readers.feed import iter_feed

        yield from iter_feed(source, on_count)
    elif kind == "json":
        from rewriter.readers.jsonlines import iter_json_document

        yield from iter_json_document(Path(source), on_count)
    elif kind == "jsonl":
        from rewriter.readers.jsonlines import iter_json_lines

        yield from iter_json_lines(Path(source), on_count)
    else:
        yield from _pending_drafts(Path(source), on_count)


def read_items(source: str | Path) -> Iterator[ReadResult]:
    """Items of a feed, JSON/JSON Lines file, Markdown file or folder, one at a time."""
    for pending in iter_source(source):
        if not isinstance(pending, PendingItem):
            yield pending
            continue
        try:
            yield pending.build()
        except InputError as exc:
            yield ItemFailure(pending.where, exc)
