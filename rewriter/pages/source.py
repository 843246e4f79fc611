"""Full text for thin items: the linked page's article becomes the item's source.

`FullText.ground(item)` decides whether an item is thin (or every item with
a link, for `--full-text always`), gets its page through the page cache,
checks that the page is the item's, and returns the item with the page's
text as its source and `source.url` set. Anything that goes wrong (a refused
or hostile page, a paywall, a page about something else) is a warning: the
item goes on with its own text.

The page cache lives in the response cache (keys `rewriter:page:...`), so
`rewriter cache export/import` carry pages too and a replay rebuilds the
same articles offline. An entry keeps the extracted title and text and the
page's ETag and Last-Modified, so a rerun asks the server only whether the
page changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from rewriter import policy
from rewriter.cache import KEY_PREFIX, ResponseCache
from rewriter.items import FeedItem, SourceText, now_iso
from rewriter.pages.extract import Extracted
from rewriter.pages.guard import PageRefused
from rewriter.settings import CacheMode, FullTextMode

_WORD = re.compile(r"\w+", re.UNICODE)


def page_key(url: str) -> str:
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{KEY_PREFIX}page:{policy.CACHE_KEY_VERSION}:{digest}"


def is_thin(item: FeedItem) -> bool:
    return len(item.text.joined().split()) < policy.FULL_TEXT_THIN_WORDS


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 2 or w.isdigit()]


def page_problem(item: FeedItem, page: Extracted) -> str | None:
    """Why the page is not the item's article, or None when it is."""
    if page.words < policy.PAGE_MIN_WORDS:
        return (
            f"the page has {page.words} words of article text (a paywall, a consent wall, "
            "or an article written by a script?)"
        )  # fmt: skip
    wanted = set(_words(item.title))
    if not wanted:
        return None
    opening = " ".join(page.text.split()[: policy.PAGE_MATCH_OPENING_WORDS])
    found = wanted & set(_words(f"{page.title} {opening}"))
    if len(found) < policy.PAGE_MATCH_SHARE * len(wanted):
        shown = page.title or opening[:80]
        return f"the page is not this item's article (its title or opening shares {len(found)} of {len(wanted)} title words: {shown!r})"
    return None


def cut_words(text: str, limit: int) -> str:
    """`text` up to the paragraph where it passes `limit` words."""
    kept, count = [], 0
    for paragraph in text.split("\n\n"):
        if count >= limit:
            break
        kept.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(kept)


def with_page(item: FeedItem, url: str, page: Extracted) -> FeedItem:
    """The item with the page's text as its source, and where it came from."""
    text = SourceText(title=item.text.title, body=cut_words(page.text, policy.PAGE_MAX_WORDS))
    source = item.source.model_copy(update={"url": url})
    return item.model_copy(update={"text": text, "source": source, "source_text": "page", "item_hash": item.source_hash})


@dataclass
class FullText:
    """One run's full-text fetching: the page cache, the fetcher and what happened."""

    cache: ResponseCache
    mode: FullTextMode = FullTextMode.THIN
    allowed_private: frozenset[str] = frozenset()
    timeout: float = policy.PAGE_TIMEOUT_S
    _fetcher: Any = None
    _slots: asyncio.Semaphore | None = None
    concurrency: int = policy.DEFAULT_CONCURRENCY
    counts: dict[str, int] = field(default_factory=lambda: {"thin": 0, "used": 0, "refused": 0})

    def wants(self, item: FeedItem) -> bool:
        if not item.link:
            return False
        thin = is_thin(item)
        self.counts["thin"] += thin
        return self.mode is FullTextMode.ALWAYS or (self.mode is FullTextMode.THIN and thin)

    async def ground(self, item: FeedItem) -> tuple[FeedItem, str | None]:
        """The item to rewrite, and a warning when its page was wanted but not used."""
        if not self.wants(item):
            return item, None
        assert item.link is not None
        try:
            page = await self.page(item.link)
            problem = page_problem(item, page)
            if problem:
                raise PageRefused(problem)
        except PageRefused as exc:
            self.counts["refused"] += 1
            return item, f"page not used ({item.link}): {exc}; rewritten from the feed's text"
        self.counts["used"] += 1
        return with_page(item, item.link, page), None

    async def page(self, url: str) -> Extracted:
        """The page's article through the page cache (revalidated, unless replaying)."""
        from rewriter.pages.guard import check_url

        check_url(url)
        key = page_key(url)
        stored = self.cache.get(key)
        if self.cache.mode is CacheMode.REPLAY:
            if stored is None:
                raise PageRefused("not in the page cache (cache mode is 'replay')")
            return Extracted(stored.get("title", ""), stored.get("text", ""))
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            try:
                fetched = await self.fetcher.fetch(
                    url, stored.get("etag") if stored else None, stored.get("lastModified") if stored else None
                )  # fmt: skip
            except PageRefused:
                if stored is None:
                    raise
                # The page was read before and is down now: its article stays what
                # it was, rather than turning into one written from the feed's text.
                return Extracted(stored.get("title", ""), stored.get("text", ""))
        if fetched.html is None and stored is not None:
            return Extracted(stored.get("title", ""), stored.get("text", ""))
        if fetched.html is None:
            raise PageRefused("HTTP 304 for a page not in the cache")
        from rewriter.pages.extract import extract_article

        page = await asyncio.to_thread(extract_article, fetched.html, fetched.url)
        self.cache.set(key, {
            "url": url, "finalUrl": fetched.url, "etag": fetched.etag, "lastModified": fetched.last_modified,
            "title": page.title, "text": page.text, "fetchedAt": now_iso(),
        })  # fmt: skip
        return page

    @property
    def fetcher(self) -> Any:
        if self._fetcher is None:
            from rewriter.pages.fetch import PageFetcher

            self._fetcher = PageFetcher(self.allowed_private, self.timeout)
        return self._fetcher

    async def aclose(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.aclose()
