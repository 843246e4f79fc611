"""RSS 2.0 and Atom feeds (feedparser), from a file or an http(s) URL.

feedparser parses a whole document at once, which is fine for feeds; each
`FeedItem` is still built only when pulled. Mapping (spec §1): `externalId`
from guid/id (else a hash of the link), `source` from the feed title with
type RSS, `category` the first category, `tags` all of them, `coverImage`
from media:content, text = title + description + content:encoded.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rewriter import policy
from rewriter.errors import InputError


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def fetch(url: str) -> bytes:
    """The feed document at `url`, within the fetch timeout and size limit."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "rewriter (feed reader)"})
    try:
        with urllib.request.urlopen(request, timeout=policy.FEED_FETCH_TIMEOUT_S) as response:
            data = response.read(policy.MAX_FEED_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"HTTP {exc.code} {exc.reason}", where=url) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot fetch the feed: {reason}", where=url) from None
    if len(data) > policy.MAX_FEED_DOCUMENT_BYTES:
        raise InputError(f"feed is over the {policy.MAX_FEED_DOCUMENT_BYTES // 10**6} MB limit", where=url)
    return data


def load(source: str | Path) -> Any:
    """The feedparser result for a file or URL; InputError when it is not a feed."""
    import feedparser

    where = str(source)
    if is_url(source):
        data = fetch(str(source))
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > policy.MAX_FEED_DOCUMENT_BYTES:
                raise InputError(f"file is {size / 1e6:.0f} MB, over the feed size limit", where=where)
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError("no such file", where=where) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=where) from None
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception") or "no RSS or Atom items found"
        raise InputError(f"not a readable RSS/Atom feed: {problem}", where=where)
    return parsed


def _published(entry: Any) -> int | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return calendar.timegm(moment) if moment else None


def _cover_image(entry: Any) -> dict[str, str] | None:
    for media in (*entry.get("media_content", ()), *entry.get("media_thumbnail", ())):
        url = media.get("url") if isinstance(media, dict) else None
        if url and (media.get("medium", "image") == "image") and not str(media.get("type", "image/")).startswith(("video/", "audio/")):
            return {"raw": url}
    return None


def _content(entry: Any) -> str:
    """content:encoded (or Atom content), when it says more than the description."""
    parts = [c.get("value", "") for c in entry.get("content", ()) if isinstance(c, dict)]
    body = "\n\n".join(p for p in parts if p)
    return "" if body.strip() == (entry.get("summary") or "").strip() else body


def entry_fields(entry: Any, feed: Any, where: str, fallback_name: str) -> dict[str, Any]:
    from rewriter.naming import slugify

    name = feed.get("title") or fallback_name
    terms = [t.get("term") for t in entry.get("tags", ()) if isinstance(t, dict) and t.get("term")]
    external_id = entry.get("id") or entry.get("guid")
    link = entry.get("link")
    if not external_id and link:
        external_id = hashlib.sha256(link.encode("utf-8")).hexdigest()[:16]
    lang = (entry.get("language") or feed.get("language") or "en").split("-")[0]
    return {
        "title": entry.get("title"),
        "publishedAt": _published(entry),
        "lang": lang,
        "externalId": external_id,
        "source": {"name": _line(name), "key": slugify(_line(name), fallback="feed"), "type": "RSS"},
        "category": terms[0] if terms else policy.DEFAULT_CATEGORY,
        "tags": terms,
        "coverImage": _cover_image(entry),
        "link": link,
        "text": {"title": entry.get("title"), "subtitle": entry.get("summary") or "", "body": _content(entry)},
    }


def _line(text: str) -> str:
    from rewriter.normalise import normalise_line

    return normalise_line(text)


def iter_feed(source: str | Path, on_count: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Pending items of an RSS/Atom file or URL."""
    from rewriter.readers.pending import ItemFailure, PendingItem, digest_of, require_text
    from rewriter.readers.markdown import make_item

    try:
        parsed = load(source)
    except InputError as exc:
        yield ItemFailure(str(source), exc)
        return
    feed = parsed.feed
    label = str(source) if is_url(source) else str(Path(source))
    fallback = urlparse(str(source)).netloc if is_url(source) else Path(source).stem
    entries = parsed.entries
    if on_count is not None:
        on_count(len(entries))
    for index in range(len(entries)):
        entry, entries[index] = entries[index], None
        where = f"{label} item {index + 1}"

        def build(entry: Any = entry, where: str = where) -> Any:
            return require_text(make_item(entry_fields(entry, feed, where, fallback), where))

        data = json.dumps([feed.get("title"), entry], sort_keys=True, default=str, ensure_ascii=False)
        yield PendingItem(where, digest_of(data.encode("utf-8"), "rss"), build)
