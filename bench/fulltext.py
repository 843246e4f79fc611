"""Throughput of `--full-text` page fetching against a bare httpx loop.

    nice python bench/fulltext.py [--pages 200] [--latency 0.05] [--concurrency 16]

Serves the test fixtures' article pages from 127.0.0.1 (our tests and
benches bind no other address) with a fixed latency per request, then
fetches every page, in one run. A real batch spreads its pages over many
hosts at 2 requests each (`policy.PAGE_REQUESTS_PER_HOST`); one host stands
for them here, so this process raises the per-host limit to
`--concurrency` for both loops alike:

- bare: an httpx AsyncClient with the same limits (16 at once, the same
  per-host limit and timeouts), reading each body; nothing else;
- fetch: rewriter's `PageFetcher` (address guard, robots.txt, manual
  redirects, size and type checks, charset decoding);
- full: `FullText.page` as a batch uses it: fetch, extraction (in a thread)
  and the page cache write.

Prints the wall time of each (best of `--rounds`) and the ratios, then the
extraction CPU per page, measured serially.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rewriter import policy  # noqa: E402
from tests.pageserver import PageServer, Route, fixture_page  # noqa: E402

NAMES = ["ledger-etf-inflows", "coinwire-exchange-halt", "tribune-stablecoin-audit"]


async def pool(urls: list[str], concurrency: int, get) -> None:
    queue = iter(urls)

    async def worker() -> None:
        for url in queue:
            await get(url)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def bare(urls: list[str], concurrency: int) -> None:
    import httpx2

    hosts: dict[str, asyncio.Semaphore] = {}
    async with httpx2.AsyncClient(
        timeout=httpx2.Timeout(policy.PAGE_READ_TIMEOUT_S, connect=policy.PAGE_CONNECT_TIMEOUT_S),
        follow_redirects=True, max_redirects=policy.PAGE_MAX_REDIRECTS, trust_env=False,
    ) as client:  # fmt: skip

        async def get(url: str) -> None:
            host = httpx2.URL(url).host
            slot = hosts.setdefault(host, asyncio.Semaphore(policy.PAGE_REQUESTS_PER_HOST))
            async with slot:
                response = await client.get(url)
                assert response.status_code == 200 and len(response.content) > 1000

        await pool(urls, concurrency, get)


async def ours_fetch(urls: list[str], concurrency: int, allowed: frozenset[str]) -> None:
    from rewriter.pages.fetch import PageFetcher

    fetcher = PageFetcher(allowed)

    async def get(url: str) -> None:
        page = await fetcher.fetch(url)
        assert page.html and len(page.html) > 1000

    try:
        await pool(urls, concurrency, get)
    finally:
        await fetcher.aclose()


async def ours_full(urls: list[str], concurrency: int, allowed: frozenset[str], cache_dir: Path) -> None:
    from rewriter.cache import ResponseCache
    from rewriter.pages.source import FullText
    from rewriter.settings import CacheMode, FullTextMode

    cache = ResponseCache(cache_dir, CacheMode.REFRESH)  # write, never read: every page fetched
    pages = FullText(cache, FullTextMode.ALWAYS, allowed, concurrency=concurrency)

    async def get(url: str) -> None:
        page = await pages.page(url)
        assert page.words > 100

    try:
        await pool(urls, concurrency, get)
    finally:
        await pages.aclose()
        cache.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from rewriter import policy

    policy.PAGE_REQUESTS_PER_HOST = args.concurrency  # one host stands for many (see the docstring)
    bodies = [fixture_page(n) for n in NAMES]
    servers = [PageServer()]
    for server in servers:
        server.__enter__()
        for number in range(args.pages):
            server.routes[f"/p{number}"] = Route(bodies[number % len(bodies)], delay=args.latency)
    urls = [f"{servers[n % len(servers)].base}/p{n}" for n in range(args.pages)]
    allowed = frozenset({"127.0.0.1"})
    best = {"bare": float("inf"), "fetch": float("inf"), "full": float("inf")}
    try:
        for round_ in range(args.rounds):
            for name in best:
                with tempfile.TemporaryDirectory() as tmp:
                    run = {
                        "bare": lambda: bare(urls, args.concurrency),
                        "fetch": lambda: ours_fetch(urls, args.concurrency, allowed),
                        "full": lambda: ours_full(urls, args.concurrency, allowed, Path(tmp)),
                    }[name]
                    started = time.perf_counter()
                    asyncio.run(run())
                    best[name] = min(best[name], time.perf_counter() - started)
    finally:
        for server in servers:
            server.__exit__()
    floor = args.pages * args.latency / args.concurrency
    print(f"{args.pages} pages, {args.latency * 1000:.0f} ms latency, concurrency {args.concurrency} "
          f"(floor {floor:.2f} s), best of {args.rounds}")  # fmt: skip
    for name, wall in best.items():
        print(f"{name:<6} {wall:6.2f} s   {wall / best['bare']:.2f}x bare")

    from rewriter.pages.extract import extract_article

    html = [b.decode("utf-8") for b in bodies]
    started = time.process_time()
    for number in range(60):
        extract_article(html[number % len(html)])
    print(f"extraction CPU: {1000 * (time.process_time() - started) / 60:.1f} ms per page (these 3 pages)")


if __name__ == "__main__":
    main()
