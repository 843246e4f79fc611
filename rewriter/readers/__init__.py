"""Readers: each input format (spec §1) mapped onto `FeedItem`.

`read_items` recognises the format of a path and yields items one at a time,
so a feed of any size is never held whole in memory. A bad item becomes an
`ItemFailure` in the stream instead of stopping the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rewriter.errors import InputError
from rewriter.items import FeedItem


@dataclass(frozen=True)
class ItemFailure:
    """An item that could not be read; `error` names the file, item and field."""

    where: str
    error: InputError


@dataclass(frozen=True)
class ItemSkipped:
    """An item deliberately left out (for example STATUS other than ACTIVE)."""

    where: str
    reason: str


ReadResult = FeedItem | ItemFailure | ItemSkipped


def read_items(source: str | Path) -> Iterator[ReadResult]:
    """Items of a Markdown file or a folder of them."""
    from rewriter.readers.markdown import read_markdown_source

    yield from read_markdown_source(Path(source))
