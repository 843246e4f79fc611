"""`rewriter batch --full-text`: thin items rewritten from their linked pages.

Pages are served from 127.0.0.1 (tests/pageserver.py): article pages of
fictional news sites written for these tests, with their chrome (menus,
consent banner, ads, share bars, related links, newsletter box, comments,
footer, scripts), and hostile ones.
The model is the fake OpenAI-compatible server; the CLI runs as a user runs it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from rewriter import policy
from rewriter.batch.index import front_matter
from rewriter.normalise import source_hash
from tests.conftest import run_cli
from tests.pageserver import PageServer, Route, fixture_page

ARTICLES = {
    "/etf": ("ledger-etf-inflows", "Spot bitcoin funds log a fifth straight week of inflows as the basis trade unwinds"),
    "/halt": ("coinwire-exchange-halt", "Harborline exchange halts withdrawals for nine hours after hot-wallet signing fault"),
    "/stablecoin": ("tribune-stablecoin-audit", "Stablecoin issuer Lumen Dollar publishes first audited reserve report after redemption scare"),
}
CONSENT = (
    b"<html><head><title>Before you continue</title></head><body><h1>We value your privacy</h1>"
    + b"<p>We and our partners use cookies and similar technologies to store and access information on your device. "
    * 20
    + b"</p><button>Accept all</button></body></html>"
)
SCRIPTED = (
    b"<html><head><title>Markets rally</title></head><body><div id=a></div><script>"
    b"document.getElementById('a').innerHTML = '<p>" + b"Bitcoin rose sharply on Tuesday as markets rallied. " * 40 + b"</p>';"
    b"</script></body></html>"
)


def feed(items: list[tuple[str, str, str | None]]) -> str:
    """An RSS 2.0 feed whose items (title, description, link) are thin."""
    entries = []
    for number, (title, description, link) in enumerate(items, 1):
        link_xml = f"<link>{escape(link)}</link>" if link else ""
        entries.append(
            f"<item><title>{escape(title)}</title>{link_xml}<guid isPermaLink='false'>item-{number}</guid>"
            f"<description>{escape(description)}</description><pubDate>Wed, 27 Nov 2019 10:00:00 GMT</pubDate></item>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Test Wire</title>"
        f"<link>http://example.invalid/</link><description>test</description>{''.join(entries)}</channel></rss>"
    )


@pytest.fixture
def pages():
    with PageServer() as server:
        for path, (name, _) in ARTICLES.items():
            server.routes[path] = Route(fixture_page(name), etag=f'"{name}"')
        server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
        server.routes["/consent"] = Route(CONSENT)
        yield server


def articles(out: Path) -> dict[str, dict]:
    return {p.name: front_matter(p) for p in sorted(out.glob("*.md"))}


def by_guid(out: Path) -> dict[str, dict]:
    return {meta["externalId"]: meta for meta in articles(out).values()}


def test_thin_items_are_rewritten_from_their_pages_end_to_end(tmp_path: Path, use_fake, pages: PageServer) -> None:
    items = [(title, "A short item.", pages.base + path) for path, (_, title) in ARTICLES.items()]
    items.append(("Markets wait for the central bank", "Traders held positions.", pages.base + "/consent"))
    items.append(("A story with no link at all", "Only this sentence.", None))
    (tmp_path / "feed.xml").write_text(feed(items), encoding="utf-8")
    out, report = tmp_path / "out", tmp_path / "run.json"
    before = sorted(p.name for p in tmp_path.iterdir())

    result = run_cli("batch", "feed.xml", "--out", str(out), "--report", str(report),
                     "--full-text", "--allow-private-hosts", "127.0.0.1", cwd=tmp_path)  # fmt: skip

    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    found = by_guid(out)
    assert len(found) == 5
    for number, (path, (name, _)) in enumerate(ARTICLES.items(), 1):
        meta = found[f"item-{number}"]
        assert meta["source"]["url"] == pages.base + path
        assert meta["ai"]["sourceText"] == "page"
    # the page's own words reached the model, not the chrome around them
    prompts = json.dumps([r["messages"] for r in use_fake.requests])
    assert "head of research at Northgate Digital" in prompts
    assert "preliminary findings do not indicate that any customer funds were taken" in prompts
    for chrome in ("142 partners", "Miners sell reserves as hashprice", "Not your keys, not your coins",
                   "Story continues below", "READ ALSO", "Crypto, decoded", "Most read in Finance"):  # fmt: skip
        assert chrome not in prompts, chrome
    # the consent wall is not used: the item goes on with its own text, with a warning
    consent = found["item-4"]
    assert "url" not in consent["source"] and "sourceText" not in consent["ai"]
    assert "warning: test-wire:item-4: page not used" in result.stderr
    entry = next(e for e in json.loads(report.read_text())["items"] if e["id"].endswith("item-4"))
    assert "not this item's article" in entry["pageWarning"] or "words of article text" in entry["pageWarning"]
    assert "url" not in found["item-5"]["source"]
    # a good citizen: robots.txt read once, a User-Agent naming rewriter and where to read about it
    assert pages.paths().count("/robots.txt") == 1
    agents = {r["headers"].get("User-Agent") for r in pages.requests}
    assert len(agents) == 1 and agents.pop().startswith("rewriter/") and policy.PROJECT_URL in pages.requests[0]["headers"]["User-Agent"]
    assert pages.most_active <= policy.PAGE_REQUESTS_PER_HOST
    assert "thin items" in result.stderr and "written from their pages" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "out", "run.json", "cache"])
    checked = run_cli("check", str(out), "--include-drafts", "--format", "json", cwd=tmp_path)
    problems = json.loads(checked.stdout)["problems"]
    assert not [p for p in problems if "url" in p["message"] or "sourceText" in p["message"] or "itemHash" in p["message"]]

    # a rerun finds every article current and fetches nothing
    pages.requests.clear()
    again = run_cli("batch", "feed.xml", "--out", str(out), "--full-text", "--allow-private-hosts", "127.0.0.1", cwd=tmp_path)
    assert again.returncode in (0, 1), again.stderr
    assert [p for p in pages.paths() if p != "/consent"] == [], pages.paths()

    # forced: the cached pages are revalidated (ETag), the server answers 304, the articles are the same
    pages.requests.clear()
    forced = run_cli("batch", "feed.xml", "--out", str(tmp_path / "out2"), "--full-text",
                     "--allow-private-hosts", "127.0.0.1", cwd=tmp_path)  # fmt: skip
    assert forced.returncode in (0, 1), forced.stderr
    sent = {r["path"]: r["headers"].get("If-None-Match") for r in pages.requests}
    assert sent["/etf"] == '"ledger-etf-inflows"'
    assert [m["ai"]["sourceHash"] for m in by_guid(tmp_path / "out2").values()] == [m["ai"]["sourceHash"] for m in found.values()]


def test_replay_rebuilds_the_same_articles_offline_pages_included(tmp_path: Path, use_fake, pages: PageServer) -> None:
    items = [(title, "A short item.", pages.base + path) for path, (_, title) in ARTICLES.items()]
    (tmp_path / "feed.xml").write_text(feed(items), encoding="utf-8")
    first = run_cli("batch", "feed.xml", "--out", "a", "--full-text", "--allow-private-hosts", "127.0.0.1", cwd=tmp_path)
    assert first.returncode in (0, 1), first.stderr
    exported = run_cli("cache", "export", "recorded.jsonl", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert sum('"rewriter:page:' in line for line in (tmp_path / "recorded.jsonl").read_text().splitlines()) == 3

    env = {"REWRITER_CACHE_DIR": str(tmp_path / "fresh"), "REWRITER_CACHE_MODE": "replay"}
    assert run_cli("cache", "import", "recorded.jsonl", env=env, cwd=tmp_path).returncode == 0
    pages.requests.clear()
    asked = len(use_fake.requests)
    replay = run_cli("batch", "feed.xml", "--out", "b", "--full-text", "--allow-private-hosts", "127.0.0.1", env=env, cwd=tmp_path)
    assert replay.returncode in (0, 1), replay.stderr
    assert pages.requests == [] and len(use_fake.requests) == asked  # nothing asked of the page or model server

    def body(path: Path) -> str:
        return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]

    a, b = sorted((tmp_path / "a").glob("*.md")), sorted((tmp_path / "b").glob("*.md"))
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 3
    for left, right in zip(a, b):
        assert body(left) == body(right)
        assert front_matter(left)["ai"]["sourceHash"] == front_matter(right)["ai"]["sourceHash"]
        assert front_matter(right)["ai"]["sourceText"] == "page"


def test_off_by_default_the_summary_counts_thin_items(tmp_path: Path, use_fake, pages: PageServer) -> None:
    items = [(title, "A short item.", pages.base + path) for path, (_, title) in ARTICLES.items()]
    (tmp_path / "feed.xml").write_text(feed(items), encoding="utf-8")
    result = run_cli("batch", "feed.xml", "--out", "out", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert pages.requests == []
    assert "--full-text would fetch their pages" in result.stderr
    assert all("sourceText" not in m["ai"] for m in articles(tmp_path / "out").values())


def test_page_text_is_the_source_hash(tmp_path: Path, use_fake, pages: PageServer) -> None:
    from rewriter.pages.extract import extract_article
    from rewriter.pages.source import cut_words

    path, (name, title) = next(iter(ARTICLES.items()))
    (tmp_path / "feed.xml").write_text(feed([(title, "Short.", pages.base + path)]), encoding="utf-8")
    env = {"REWRITER_FULL_TEXT": "always"}
    result = run_cli("batch", "feed.xml", "--out", "out", "--allow-private-hosts", "127.0.0.1", env=env, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    page = extract_article(fixture_page(name).decode("utf-8"))
    from rewriter.items import SourceText

    expected = SourceText(title=title, body=cut_words(page.text, policy.PAGE_MAX_WORDS)).hash
    assert [m["ai"]["sourceHash"] for m in articles(tmp_path / "out").values()] == [expected]


HOSTILE = {
    "/huge": (Route(b"x", headers={"Content-Type": "text/html", "Content-Length": str(6 * 2**20)}), "MB limit"),
    "/endless": (Route(endless=True), "MB limit"),
    "/drip": (Route(b"<html>" + b"a" * 200, drip=0.05), "longer than"),
    "/binary": (Route(b"\x89PNG\r\n\x1a\n" + bytes(200), headers={"Content-Type": "image/png"}), "not an HTML page"),
    "/nul": (Route(b"<html>\x00\x01\x02" + bytes(300), headers={"Content-Type": "text/html"}), "binary content"),
    "/loop": (Route(status=302, headers={"Location": "/loop2", "Content-Type": "text/html"}), "redirect loop"),
    "/loop2": (Route(status=302, headers={"Location": "/loop", "Content-Type": "text/html"}), "redirect loop"),
    "/to-loopback": (Route(status=302, headers={"Content-Type": "text/html"}), "private, loopback"),
    "/scripted": (Route(SCRIPTED), "words of article text"),
    "/private/page": (Route(b"<p>secret</p>"), "robots.txt disallows"),
    "/gone": (Route(b"<p>gone</p>", status=404), "HTTP 404"),
}


def test_hostile_pages_warn_and_the_items_go_on_with_their_feed_text(tmp_path: Path, use_fake, pages: PageServer) -> None:
    pages.routes.update({path: route for path, (route, _) in HOSTILE.items()})
    # the same loopback server under a name the run does not allow: refused before connecting
    pages.routes["/to-loopback"].headers["Location"] = f"http://localhost:{pages.port}/etf"
    links = [pages.base + p for p in HOSTILE if p != "/loop2"]
    links += ["ftp://127.0.0.1/article", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/"]
    items = [(f"Hostile story number {i}", "Thin text.", link) for i, link in enumerate(links, 1)]
    (tmp_path / "feed.xml").write_text(feed(items), encoding="utf-8")
    result = run_cli("batch", "feed.xml", "--out", "out", "--full-text", "--allow-private-hosts", "127.0.0.1",
                     env={"REWRITER_PAGE_TIMEOUT": "2"}, cwd=tmp_path, timeout=300)  # fmt: skip
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    assert not any(r["path"] == "/etf" for r in pages.requests)  # the redirect to it was refused before connecting
    warnings = {line.split(": ", 2)[1]: line for line in result.stderr.splitlines() if line.startswith("warning: ")}
    assert len(warnings) == len(links), result.stderr
    for number, path in enumerate([p for p in HOSTILE if p != "/loop2"], 1):
        assert HOSTILE[path][1] in warnings[f"test-wire:item-{number}"], (path, warnings[f"test-wire:item-{number}"])
    tail = [warnings[f"test-wire:item-{n}"] for n in range(len(links) - 2, len(links) + 1)]
    assert "only http and https" in tail[0] and "only http and https" in tail[1] and "link-local" in tail[2]
    written = articles(tmp_path / "out")
    assert len(written) == len(links)
    assert all("sourceText" not in m["ai"] and "url" not in m["source"] for m in written.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "feed.xml", "out"]


def test_a_mislabelled_charset_is_read_as_what_it_is(tmp_path: Path, use_fake, pages: PageServer) -> None:
    name, title = ARTICLES["/etf"]
    page = fixture_page(name).replace(b"A team led by analysts", "A caf\u00e9 team led by analysts".encode("utf-8"))
    pages.routes["/latin"] = Route(page, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    (tmp_path / "feed.xml").write_text(feed([(title, "Short.", pages.base + "/latin")]), encoding="utf-8")
    result = run_cli("batch", "feed.xml", "--out", "out", "--full-text", "--allow-private-hosts", "127.0.0.1", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    prompts = json.dumps([r["messages"] for r in use_fake.requests], ensure_ascii=False)
    assert "A café team led by analysts" in prompts and "cafÃ©" not in prompts


def test_private_hosts_are_refused_unless_named(tmp_path: Path, use_fake, pages: PageServer) -> None:
    name, title = ARTICLES["/etf"]
    (tmp_path / "feed.xml").write_text(feed([(title, "Short.", pages.base + "/etf")]), encoding="utf-8")
    result = run_cli("batch", "feed.xml", "--out", "out", "--full-text", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert pages.requests == []
    assert "127.0.0.1 is a private, loopback or link-local address" in result.stderr


def test_full_text_flag_checks_its_value(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(feed([("A title", "Short.", None)]), encoding="utf-8")
    result = run_cli("batch", "--out", "out", "--full-text=sometimes", "feed.xml", cwd=tmp_path)
    assert result.returncode == 2 and "--full-text takes thin, always or off" in result.stderr


# --- the fetcher and its guard, as a library --------------------------------


def _page(server: PageServer, path: str, **kwargs):
    import asyncio

    from rewriter.cache import ResponseCache
    from rewriter.pages.source import FullText
    from rewriter.settings import CacheMode, FullTextMode

    async def go():
        pages = FullText(ResponseCache(Path("cache"), CacheMode.OFF), FullTextMode.ALWAYS, frozenset({"127.0.0.1"}), **kwargs)
        try:
            return await pages.page(server.base + path)
        finally:
            await pages.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2", "0.0.0.0", "10.1.2.3", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]"])
def test_private_addresses_are_refused_after_resolution(host: str) -> None:
    import asyncio

    from rewriter.pages.guard import PageRefused, check_url, resolve

    _, name, port = check_url(f"http://{host}:8080/story")
    with pytest.raises(PageRefused, match="private, loopback or link-local"):
        asyncio.run(resolve(name, port, frozenset({"127.0.0.1"})))


def test_at_most_two_requests_per_host_at_once(tmp_path: Path, pages: PageServer) -> None:
    import asyncio

    from rewriter.cache import ResponseCache
    from rewriter.pages.source import FullText
    from rewriter.settings import CacheMode, FullTextMode

    body = fixture_page("ledger-etf-inflows")
    for n in range(6):
        pages.routes[f"/slow{n}"] = Route(body, delay=0.2)

    async def go() -> None:
        full = FullText(ResponseCache(tmp_path / "c", CacheMode.OFF), FullTextMode.ALWAYS, frozenset({"127.0.0.1"}), concurrency=8)
        try:
            await asyncio.gather(*(full.page(f"{pages.base}/slow{n}") for n in range(6)))
        finally:
            await full.aclose()

    asyncio.run(go())
    assert pages.most_active == policy.PAGE_REQUESTS_PER_HOST


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_pages_are_read(pages: PageServer, encoding: str) -> None:
    import gzip

    import brotli

    raw = fixture_page("coinwire-exchange-halt")
    body = gzip.compress(raw) if encoding == "gzip" else brotli.compress(raw)
    pages.routes["/packed"] = Route(body, headers={"Content-Type": "text/html", "Content-Encoding": encoding})
    page = _page(pages, "/packed")
    assert "preliminary findings do not indicate" in page.text
    assert encoding in pages.requests[-1]["headers"]["Accept-Encoding"]


def test_a_page_over_the_limit_once_decompressed_is_refused(pages: PageServer) -> None:
    import gzip

    from rewriter.pages.guard import PageRefused

    bomb = gzip.compress(b"<p>" + b"a" * (policy.PAGE_MAX_BYTES + 10) + b"</p>")
    pages.routes["/bomb"] = Route(bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    with pytest.raises(PageRefused, match="MB limit"):
        _page(pages, "/bomb")


def test_exported_batch_requests_carry_the_pages(tmp_path: Path, use_fake, pages: PageServer) -> None:
    items = [(title, "A short item.", pages.base + path) for path, (_, title) in ARTICLES.items()]
    (tmp_path / "feed.xml").write_text(feed(items), encoding="utf-8")
    result = run_cli("batch", "feed.xml", "--out", "out", "--full-text", "--allow-private-hosts", "127.0.0.1",
                     "--export-requests", "requests.jsonl", cwd=tmp_path)  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    lines = (tmp_path / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and use_fake.requests == []
    assert "head of research at Northgate Digital" in "".join(lines)
    assert "written from their pages" in result.stderr


def test_an_allowed_host_name_is_asked_at_the_address_checked_under_its_own_name(pages: PageServer) -> None:
    import asyncio

    from rewriter.cache import ResponseCache
    from rewriter.pages.source import FullText
    from rewriter.settings import CacheMode, FullTextMode

    pages.routes["/etf"] = Route(fixture_page("ledger-etf-inflows"))

    async def go():
        full = FullText(ResponseCache(Path("c"), CacheMode.OFF), FullTextMode.ALWAYS, frozenset({"localhost"}))
        try:
            return await full.page(f"http://localhost:{pages.port}/etf")
        finally:
            await full.aclose()

    try:
        page = asyncio.run(go())
    except Exception as exc:  # localhost resolving to ::1 first, where nothing listens
        pytest.skip(f"localhost is not 127.0.0.1 here: {exc}")
    assert "Northgate Digital" in page.text
    assert pages.requests[-1]["headers"]["Host"] == f"localhost:{pages.port}"


def test_an_unreadable_robots_txt_means_nothing_is_fetched(pages: PageServer) -> None:
    from rewriter.pages.guard import PageRefused

    pages.routes["/robots.txt"] = Route(b"down", status=503, headers={"Content-Type": "text/plain"})
    with pytest.raises(PageRefused, match="robots.txt could not be read"):
        _page(pages, "/etf")
    assert pages.paths() == ["/robots.txt"]


def test_a_page_read_before_is_used_when_its_server_is_down(tmp_path: Path, pages: PageServer) -> None:
    import asyncio

    from rewriter.cache import ResponseCache
    from rewriter.pages.source import FullText
    from rewriter.settings import CacheMode, FullTextMode

    cache = ResponseCache(tmp_path / "c", CacheMode.USE)

    async def read():
        full = FullText(cache, FullTextMode.ALWAYS, frozenset({"127.0.0.1"}))
        try:
            return await full.page(pages.base + "/halt")
        finally:
            await full.aclose()

    first = asyncio.run(read())
    pages.routes["/halt"] = Route(b"oops", status=500, headers={"Content-Type": "text/plain"})
    assert asyncio.run(read()) == first
    cache.close()
