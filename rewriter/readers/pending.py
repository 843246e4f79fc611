"""What every reader hands back: an item read but not yet built, an item that
failed, an item left out. Kept apart from the readers so each can use them
without importing another (or the package that picks between them)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class PendingItem:
    """An item read but not yet normalised (normalising is the costly part).

    `digest` identifies its raw content, so a rerun can recognise an item it
    has already written without building it; `build()` returns the FeedItem
    (or ItemSkipped) and raises InputError naming the item and field.
    """

    where: str
    digest: str
    build: Callable[[], FeedItem | ItemSkipped]


ReadResult = FeedItem | ItemFailure | ItemSkipped


def digest_of(data: bytes, kind: str) -> str:
    return hashlib.sha256(kind.encode() + b"\x00" + data).hexdigest()


def require_text(item: FeedItem) -> Any:
    """Skip an item that has nothing to rewrite but its title (the model would invent the rest)."""
    if not (item.text.subtitle or item.text.body):
        return ItemSkipped(item.origin, "no text to rewrite besides the title (empty description and body)")
    return item
