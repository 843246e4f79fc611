"""Readers: every input format of spec §1 mapped onto the same FeedItem."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rewriter.errors import InputError
from rewriter.items import FeedItem
from rewriter.naming import article_name, check_template, slugify
from rewriter.readers import ItemFailure, ItemSkipped, read_items, source_format
from tests.conftest import NEWS_API_ITEM, RSS_FIXTURE


def news_article() -> dict:
    return json.loads(NEWS_API_ITEM.read_text(encoding="utf-8"))["Data"][0]


def only_item(path: Path) -> FeedItem:
    results = list(read_items(path))
    assert len(results) == 1, results
    assert isinstance(results[0], FeedItem), results[0]
    return results[0]


# --- the news API --------------------------------------------------------------


def test_news_api_item_follows_the_mapping_table_field_by_field():
    item = only_item(NEWS_API_ITEM)
    assert item.title == "U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto"
    assert item.publishedAt == "2025-11-14T17:46:49.000Z"
    assert item.lang == "en"
    assert item.externalId == "54398936"
    assert item.source.model_dump() == {"name": "CoinDesk", "key": "coindesk", "type": "RSS"}
    assert item.category == "ASIA"
    assert item.tags == [
        "ASIA", "POLICY", "FEDERAL BUREAU OF INVESTIGATION", "U.S. DEPARTMENT OF JUSTICE",
        "CRYPTO SEIZURES", "NORTH KOREA", "BITCOIN STRATEGIC RESERVE", "NEWS",
    ]  # fmt: skip
    assert item.sentiment.value == "NEGATIVE"
    assert item.score == 0
    assert item.stickyWeight == 0 and item.draft is False
    assert item.coverImage == {"raw": "https://images.example-cdn.com/coindesk/doj-north-korea.jpg"}
    # The source text: title, subtitle, and the HTML body as plain paragraphs.
    assert item.text.subtitle.startswith("Authorities reported several criminal convictions")
    assert "<p>" not in item.text.body and "North Korea's cryptocurrency" in item.text.body
    assert item.text.body.count("\n\n") == 2


def test_tags_are_deduplicated_in_order(tmp_path):
    raw = news_article()
    raw["KEYWORDS"] = "asia|Bitcoin|BITCOIN| news |"
    (tmp_path / "feed.json").write_text(json.dumps({"Data": [raw]}), encoding="utf-8")
    assert only_item(tmp_path / "feed.json").tags == ["ASIA", "POLICY", "BITCOIN", "NEWS"]


def test_bare_list_and_json_lines_give_the_same_item(tmp_path):
    raw = news_article()
    (tmp_path / "list.json").write_text(json.dumps([raw]), encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text(json.dumps(raw) + "\n", encoding="utf-8")
    (tmp_path / "lines.json").write_text(json.dumps(raw) + "\n" + json.dumps(raw) + "\n", encoding="utf-8")
    expected = only_item(NEWS_API_ITEM).model_dump(exclude={"origin"})
    assert only_item(tmp_path / "list.json").model_dump(exclude={"origin"}) == expected
    assert only_item(tmp_path / "feed.jsonl").model_dump(exclude={"origin"}) == expected
    both = list(read_items(tmp_path / "lines.json"))  # JSON Lines under a .json name
    assert [r.externalId for r in both] == ["54398936", "54398936"]


def test_inactive_items_are_skipped_with_the_reason(tmp_path):
    active, deleted = news_article(), {**news_article(), "ID": 2, "STATUS": "DELETED"}
    (tmp_path / "feed.json").write_text(json.dumps({"Data": [active, deleted]}), encoding="utf-8")
    results = list(read_items(tmp_path / "feed.json"))
    assert isinstance(results[0], FeedItem)
    assert isinstance(results[1], ItemSkipped)
    assert results[1].where.endswith("feed.json item 2")
    assert "DELETED" in results[1].reason


def test_an_invalid_item_names_the_file_item_and_field(tmp_path):
    bad = {**news_article(), "PUBLISHED_ON": None}
    (tmp_path / "feed.json").write_text(json.dumps({"Data": [news_article(), bad]}), encoding="utf-8")
    results = list(read_items(tmp_path / "feed.json"))
    assert isinstance(results[0], FeedItem)
    failure = results[1]
    assert isinstance(failure, ItemFailure)
    assert "feed.json item 2" in str(failure.error)
    assert "publishedAt: missing" in str(failure.error)


def test_a_broken_json_document_is_one_failure_naming_the_line(tmp_path):
    (tmp_path / "feed.json").write_text('{"Data": [\n  {"TITLE": "x",}\n]}', encoding="utf-8")
    [failure] = list(read_items(tmp_path / "feed.json"))
    assert isinstance(failure, ItemFailure)
    assert "not valid JSON at line 2" in str(failure.error)


# --- JSON Lines with the site's own keys -----------------------------------------


def test_json_lines_with_site_keys_stream_line_by_line(tmp_path):
    lines = [
        {"title": "Ether “Merge” Anniversary", "description": "A summary.", "body": "<p>Body text.</p>",
         "publishedAt": "2024-09-15T08:00:00Z", "externalId": 7, "category": "markets", "tags": ["ETH", "eth"],
         "source": {"name": "Wire", "key": "wire", "type": "API"}, "sentiment": "positive"},
        {"description": "No title here.", "publishedAt": "2024-09-15T08:00:00Z", "externalId": "8"},
        "not json at all",
        {"title": "Only a link", "description": "Text.", "publishedAt": 1726387200, "url": "https://example.com/a"},
    ]  # fmt: skip
    text = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    (tmp_path / "site.jsonl").write_text(text + "\n\n", encoding="utf-8")
    first, missing, broken, linked = list(read_items(tmp_path / "site.jsonl"))
    assert first.title == "Ether “Merge” Anniversary"
    assert (first.externalId, first.category, first.tags) == ("7", "MARKETS", ["ETH"])
    assert first.source.key == "wire" and first.sentiment.value == "POSITIVE"
    assert first.text.joined() == "Ether “Merge” Anniversary\n\nA summary.\n\nBody text."
    assert isinstance(missing, ItemFailure)
    assert "site.jsonl line 2" in str(missing.error) and "title" in str(missing.error)
    assert isinstance(broken, ItemFailure) and "site.jsonl line 3" in str(broken.error)
    assert linked.externalId == hashlib.sha256(b"https://example.com/a").hexdigest()[:16]
    assert linked.source.model_dump() == {"name": "site", "key": "site", "type": "JSONL"}
    assert linked.publishedAt == "2024-09-15T08:00:00.000Z"


# --- RSS / Atom ------------------------------------------------------------------


def fixture_titles() -> list[str]:
    root = ET.parse(RSS_FIXTURE).getroot()
    return [" ".join((item.findtext("title") or "").split()) for item in root.iter("item")]


def test_rss_fixture_keeps_every_title_exactly():
    results = list(read_items(RSS_FIXTURE))
    titles = fixture_titles()
    assert len(results) == len(titles) == 50
    for result, title in zip(results, titles):
        if isinstance(result, FeedItem):
            assert result.title == title
    curly = [r.title for r in results if isinstance(r, FeedItem) and "’" in r.title]
    assert "Ripple Had ‘Some Exposure’ to Silicon Valley Bank, Says CEO" in curly
    assert "Banks Shouldn’t ‘Punish’ Crypto Industry, Republican Senators Urge" in curly


def test_rss_item_with_an_empty_description_is_skipped_not_a_crash():
    results = list(read_items(RSS_FIXTURE))
    skipped = [r for r in results if isinstance(r, ItemSkipped)]
    assert len(skipped) == 1
    assert skipped[0].where.endswith("coindesk-rss-2023-03-13.xml item 19")
    assert "nothing" in skipped[0].reason or "no text" in skipped[0].reason
    assert not any(isinstance(r, ItemFailure) for r in results)


def test_rss_mapping():
    first = next(iter(read_items(RSS_FIXTURE)))
    assert first.externalId == "GAHBBCJVKFCXDLONTKPLD5TODI"  # the guid
    assert first.source.name == "CoinDesk: Bitcoin, Ethereum, Crypto News and Price Data"
    assert first.source.key == "coindesk-bitcoin-ethereum-crypto-news-and-price-data"
    assert first.source.type == "RSS"
    assert first.publishedAt == "2023-03-13T10:13:50.000Z"
    assert first.lang == "en"
    assert first.category == "MARKETS"
    assert first.tags == ["MARKETS", "NEWS", "BITCOIN", "STOCK FUTURES"]
    assert first.coverImage["raw"].endswith("ZNWVWGKJERD67ENBNAUCZWDKVM.png")
    assert first.sentiment is None  # filled by the model's answer
    assert first.text.subtitle.startswith("Risk assets pared gains")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example &amp; Co. Wire</title>
  <entry>
    <title>Chain upgrade goes live</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2024-05-01T12:30:00Z</updated>
    <summary>The upgrade shipped.</summary>
    <content type="html">&lt;p&gt;Longer body.&lt;/p&gt;</content>
  </entry>
</feed>
"""

RSS_NO_GUID = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Tiny</title>
<item><title>No guid</title><link>https://example.com/x</link>
<description>Text &amp; more.</description><pubDate>Wed, 01 May 2024 12:30:00 GMT</pubDate></item>
<item><title>No date</title><guid>g2</guid><description>Text.</description></item>
</channel></rss>
"""


def test_atom_entry_maps_with_defaults(tmp_path):
    (tmp_path / "wire.atom").write_text(ATOM, encoding="utf-8")
    item = only_item(tmp_path / "wire.atom")
    assert item.externalId == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert item.source.model_dump() == {"name": "Example & Co. Wire", "key": "example-co-wire", "type": "RSS"}
    assert item.category == "NEWS" and item.tags == []
    assert item.text.joined() == "Chain upgrade goes live\n\nThe upgrade shipped.\n\nLonger body."


def test_rss_without_guid_hashes_the_link_and_names_a_missing_date(tmp_path):
    (tmp_path / "tiny.xml").write_text(RSS_NO_GUID, encoding="utf-8")
    first, second = list(read_items(tmp_path / "tiny.xml"))
    assert first.externalId == hashlib.sha256(b"https://example.com/x").hexdigest()[:16]
    assert first.text.subtitle == "Text & more."
    assert isinstance(second, ItemFailure)
    assert "tiny.xml item 2" in str(second.error) and "publishedAt" in str(second.error)


def test_a_file_that_is_not_a_feed_is_one_failure(tmp_path):
    (tmp_path / "page.xml").write_text("<html><body>hello", encoding="utf-8")
    [failure] = list(read_items(tmp_path / "page.xml"))
    assert isinstance(failure, ItemFailure) and "not a readable RSS/Atom feed" in str(failure.error)


# --- format detection and names -----------------------------------------------------


def test_format_detection(tmp_path):
    (tmp_path / "noext").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "lines").write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    assert source_format("https://example.com/feed") == "feed"
    assert source_format(RSS_FIXTURE) == "feed"
    assert source_format(NEWS_API_ITEM) == "json"
    assert source_format(tmp_path / "x.ndjson") == "jsonl"
    assert source_format(tmp_path) == "markdown"
    assert source_format(tmp_path / "noext") == "feed"
    assert source_format(tmp_path / "lines") == "jsonl"


def test_markdown_folder_is_read_through_the_same_dispatcher(tmp_path):
    (tmp_path / "a.md").write_text("---\ntitle: A\npublishedAt: 2024-01-01\n---\nBody.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("no front matter\n", encoding="utf-8")
    a, b = list(read_items(tmp_path))
    assert a.title == "A" and isinstance(b, ItemFailure)


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "a/b\\c", "..", "Ünïcödé “quotes” — and 100% ☃", "x" * 300, "¿?", "C:\\Windows"],
)
def test_slugs_are_short_ascii_and_never_leave_the_folder(title):
    slug = slugify(title)
    assert slug and slug.isascii() and len(slug) <= 80
    assert "/" not in slug and "\\" not in slug and ".." not in slug


def test_article_names_and_templates():
    item = only_item(NEWS_API_ITEM)
    assert article_name(item) == "2025-11-14-us-doj-pursues-north-koreas-illicit-money-machine-seizes-more-crypto.md"
    assert article_name(item, "{source}/{year}/{id}.md") == "coindesk/2025/54398936.md"
    for bad in ("../{slug}.md", "/abs/{slug}.md", "{title}.md", "{slug"):
        with pytest.raises(InputError):
            check_template(bad)


def test_rss_over_http_from_a_local_server(tmp_path):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(RSS_FIXTURE.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        results = list(read_items(f"{base}/{RSS_FIXTURE.name}"))
        assert sum(isinstance(r, FeedItem) for r in results) == 49
        assert results[0].origin == f"{base}/{RSS_FIXTURE.name} item 1"
        [missing] = list(read_items(f"{base}/nope.xml"))
        assert isinstance(missing, ItemFailure) and "HTTP 404" in str(missing.error)
    finally:
        server.shutdown()
        server.server_close()
