"""JSON objects one at a time: JSON Lines streamed (never the whole file in
memory), or the article list of a JSON document.

An object is either a news API article (upper-case keys, recognised and
mapped by `newsapi`) or an object with the site's own keys (`title`,
`description`, `body`, `publishedAt`, ...), told apart one by one. The arrow
runs one way: this module uses `newsapi`, never the reverse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.errors import InputError
from rewriter.readers.pending import ItemFailure, ItemSkipped, PendingItem, digest_of, require_text


def site_fields(raw: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    """FeedItem fields from the site's own keys; the source defaults to the file's name."""
    from rewriter.naming import slugify

    source = raw.get("source")
    if source is None:
        source = {"name": path.stem, "key": slugify(path.stem, fallback="jsonl"), "type": "JSONL"}
    elif isinstance(source, str):
        source = {"name": source, "key": slugify(source, fallback="jsonl"), "type": "JSONL"}
    external_id = raw.get("externalId", raw.get("id"))
    link = raw.get("url") or raw.get("link")
    if external_id in (None, "") and isinstance(link, str) and link.strip():
        external_id = hashlib.sha256(link.strip().encode("utf-8")).hexdigest()[:16]
    tags = raw.get("tags") or []
    category = raw.get("category") or (tags[0] if isinstance(tags, list) and tags else policy.DEFAULT_CATEGORY)
    return {
        "title": raw.get("title"),
        "publishedAt": raw.get("publishedAt"),
        "lang": raw.get("lang") or "en",
        "externalId": external_id,
        "source": source,
        "category": category,
        "tags": tags,
        "stickyWeight": raw.get("stickyWeight") or 0,
        "sentiment": raw.get("sentiment"),
        "score": raw.get("score") or 0,
        "draft": raw.get("draft") or False,
        "coverImage": raw.get("coverImage"),
        "link": link,
        "text": {
            "title": raw.get("title"),
            "subtitle": raw.get("subtitle") or raw.get("description") or "",
            "body": raw.get("body") or "",
        },
    }


def map_object(raw: Any, where: str, path: Path) -> Any:
    """A FeedItem, or ItemSkipped, for one JSON object of either shape."""
    from rewriter.readers.markdown import make_item
    from rewriter.readers.newsapi import is_news_article, news_fields, skip_reason

    if not isinstance(raw, dict):
        raise InputError(f"expected a JSON object, got {type(raw).__name__}", where=where)
    if is_news_article(raw):
        reason = skip_reason(raw)
        if reason:
            return ItemSkipped(where, reason)
        fields = news_fields(raw, where)
    else:
        status = raw.get("status")
        if status is not None and str(status).strip().upper() != "ACTIVE":
            return ItemSkipped(where, f"status is {status!r}, not ACTIVE")
        fields = site_fields(raw, where, path)
    return require_text(make_item(fields, where))


def pending_object(raw: Any, where: str, path: Path, data: bytes | None = None) -> Any:
    """A PendingItem for one raw object; `data` is its raw text when already at hand."""
    if data is None:
        data = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return PendingItem(where, digest_of(data, "json"), lambda: map_object(raw, where, path))


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def iter_json_lines(path: Path, on_count: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Pending items of a JSON Lines file, one line at a time."""
    try:
        if on_count is not None:
            on_count(_count_lines(path))
        lines = path.open("rb")
    except OSError as exc:
        yield ItemFailure(str(path), InputError(f"cannot read: {exc.strerror}", where=str(path)))
        return
    with lines:
        for number, line in enumerate(lines, 1):
            where = f"{path} line {number}"
            line = line.strip()
            if not line:
                continue
            if len(line) > policy.MAX_INPUT_BYTES:
                yield ItemFailure(where, InputError("line is over the size limit for one item", where=where))
                continue
            try:
                raw = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield ItemFailure(where, InputError(f"not valid JSON: {str(exc) or 'nested too deeply'}", where=where))
                continue
            yield PendingItem(where, digest_of(line, "json"), _builder(raw, where, path))


def _builder(raw: Any, where: str, path: Path) -> Callable[[], Any]:
    return lambda: map_object(raw, where, path)


def iter_json_document(path: Path, on_count: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Pending items of a JSON document; falls back to JSON Lines for `.json` files holding them."""
    from rewriter.readers.newsapi import articles_of, parse_json_document

    try:
        document = parse_json_document(path)
    except InputError as exc:
        if "Extra data" in str(exc):  # several JSON values: JSON Lines under a .json name
            yield from iter_json_lines(path, on_count)
            return
        yield ItemFailure(str(path), exc)
        return
    try:
        articles = articles_of(document, str(path))
    except InputError as exc:
        yield ItemFailure(str(path), exc)
        return
    if on_count is not None:
        on_count(len(articles))
    for index in range(len(articles)):
        raw, articles[index] = articles[index], None  # let each article go once handed out
        where = f"{path} item {index + 1}"
        yield pending_object(raw, where, path)
