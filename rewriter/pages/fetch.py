"""Fetching a linked page the way a good citizen does.

httpx (httpx2, the one openai ships with), async, inside the batch's own
concurrency: at most `policy.PAGE_REQUESTS_PER_HOST` requests to one host at
once, a User-Agent that names rewriter and where to read about it,
robots.txt honoured (protego), redirects followed by hand so each hop is
checked (`guard`), at most `PAGE_MAX_REDIRECTS` of them, a body of at most
`PAGE_MAX_BYTES` after gzip/brotli decoding, HTML content types only, and
one deadline for the whole page so a server that drips bytes is left.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from rewriter import policy
from rewriter.pages.guard import PageRefused, check_url, resolve

ROBOTS_AGENT = "rewriter"
_REDIRECTS = (301, 302, 303, 307, 308)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("rewriter")
    except PackageNotFoundError:
        own = "dev"
    return f"{ROBOTS_AGENT}/{own} (+{policy.PROJECT_URL})"


@dataclass
class Exchange:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FetchedPage:
    """A page's HTML as text, or `html=None` when the server said it has not changed (304)."""

    url: str
    html: str | None
    etag: str | None = None
    last_modified: str | None = None


def decode_html(body: bytes, content_type: str) -> str:
    """The page as text. UTF-8 first (a page that decodes as UTF-8 is UTF-8,
    whatever its header says: mislabelled pages are common), then the charset
    the header or a <meta> names, then cp1252 with replacements."""
    if b"\x00" in body[:4096]:
        raise PageRefused("binary content served as HTML")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    meta = _META_CHARSET.search(body[:4096])
    for name in (declared.group(1) if declared else None, meta.group(1).decode("ascii") if meta else None):
        if name:
            try:
                return body.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("cp1252", "replace")


@dataclass
class PageFetcher:
    """One run's page fetches; close it with `aclose`."""

    allowed_private: frozenset[str] = frozenset()
    timeout: float = policy.PAGE_TIMEOUT_S
    _client: Any = None
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _robots: dict[str, asyncio.Task] = field(default_factory=dict)

    @property
    def client(self) -> Any:
        if self._client is None:
            import httpx2

            self._client = httpx2.AsyncClient(
                timeout=httpx2.Timeout(policy.PAGE_READ_TIMEOUT_S, connect=policy.PAGE_CONNECT_TIMEOUT_S),
                follow_redirects=False,
                trust_env=False,  # no proxy: the address checked is the address connected to
                headers={"User-Agent": user_agent(), "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
            )
        return self._client

    async def aclose(self) -> None:
        for task in self._robots.values():
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchedPage:
        """The page at `url` (following redirects), within the page deadline; PageRefused says why not."""
        import httpx2

        try:
            return await asyncio.wait_for(self._fetch(url, etag, last_modified), self.timeout)
        except asyncio.TimeoutError:
            raise PageRefused(f"took longer than {self.timeout:g} s in all (a slow or endless page)") from None
        except httpx2.TimeoutException:
            raise PageRefused("timed out waiting for the server") from None
        except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
            raise PageRefused(f"cannot fetch: {exc or type(exc).__name__}") from None

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchedPage:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        for _ in range(policy.PAGE_MAX_REDIRECTS + 1):
            await self._robots_allow(url)
            exchange = await self._exchange(url, headers, page=True)
            if exchange.status not in _REDIRECTS:
                break
            location = exchange.headers.get("location")
            if not location:
                raise PageRefused(f"HTTP {exchange.status} without a Location")
            url = urljoin(url, location)
            if url in seen:
                raise PageRefused(f"redirect loop at {url}")
            seen.add(url)
        else:
            raise PageRefused(f"more than {policy.PAGE_MAX_REDIRECTS} redirects")
        if exchange.status == 304:
            return FetchedPage(url, None, etag, last_modified)
        if exchange.status != 200:
            raise PageRefused(f"HTTP {exchange.status}")
        html = decode_html(exchange.body, exchange.headers.get("content-type", ""))
        return FetchedPage(url, html, exchange.headers.get("etag"), exchange.headers.get("last-modified"))

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(policy.PAGE_REQUESTS_PER_HOST)
        return slot

    async def _exchange(self, url: str, headers: dict[str, str], *, page: bool) -> Exchange:
        """One request to the address checked for the URL's host, its body read within the limits."""
        scheme, host, port = check_url(url)
        address = await resolve(host, port, self.allowed_private)
        client = self.client
        import httpx2

        original = httpx2.URL(url)
        pinned = original.copy_with(host=address)
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        netloc = original.netloc.decode("ascii")
        request = client.build_request("GET", pinned, headers={**headers, "Host": netloc}, extensions=extensions)
        async with self._host_slot(host):
            response = await client.send(request, stream=True)
            try:
                found = Exchange(url, response.status_code, {k.lower(): v for k, v in response.headers.items()})
                if page and response.status_code != 200:
                    return found
                limit = policy.PAGE_MAX_BYTES if page else policy.ROBOTS_MAX_BYTES
                if page:
                    kind = found.headers.get("content-type", "").split(";")[0].strip().lower()
                    if kind not in policy.PAGE_CONTENT_TYPES:
                        raise PageRefused(f"not an HTML page ({kind or 'no content type'})")
                    length = found.headers.get("content-length", "")
                    if length.isdigit() and int(length) > limit:
                        raise PageRefused(f"page is {int(length) / 1e6:.1f} MB, over the {limit // 2**20} MB limit")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        if page:
                            raise PageRefused(f"page is over the {limit // 2**20} MB limit")
                        break
                    chunks.append(chunk)
                found.body = b"".join(chunks)
                return found
            finally:
                await response.aclose()

    async def _robots_allow(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._robots.get(origin)
        if task is None:
            task = self._robots[origin] = asyncio.ensure_future(self._load_robots(origin))
        rules = await asyncio.shield(task)
        if rules is False:
            raise PageRefused(f"{origin}/robots.txt could not be read, so nothing there is fetched")
        if rules is not None and not rules.can_fetch(url, ROBOTS_AGENT):
            raise PageRefused(f"{origin}/robots.txt disallows {parts.path or '/'} for rewriter")

    async def _load_robots(self, origin: str) -> Any:
        """Protego rules; None: no robots.txt (everything allowed); False: unreachable (nothing allowed, RFC 9309)."""
        import httpx2
        from protego import Protego

        url = f"{origin}/robots.txt"
        try:
            for _ in range(policy.PAGE_MAX_REDIRECTS + 1):
                exchange = await self._exchange(url, {}, page=False)
                if exchange.status not in _REDIRECTS or not exchange.headers.get("location"):
                    break
                url = urljoin(url, exchange.headers["location"])
        except (httpx2.HTTPError, httpx2.InvalidURL):
            return False  # a refused host (PageRefused) is said as such, on every link to it
        if 400 <= exchange.status < 500:
            return None
        if exchange.status != 200:
            return False
        return Protego.parse(exchange.body.decode("utf-8", "replace"))
