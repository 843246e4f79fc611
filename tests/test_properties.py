"""Property tests: normalisation is idempotent; front matter survives a round trip."""

from __future__ import annotations

import frontmatter
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewriter.answer import RewriteAnswer
from rewriter.items import FeedItem, SourceRef, SourceText, Sentiment
from rewriter.normalise import normalise_text
from rewriter.render import dump_yaml
from rewriter.rewrite import Outcome, article_front_matter, render_article

html_bits = st.sampled_from(["<p>", "</p>", "<br>", "<script>x()</script>", "&amp;", "&lt;b&gt;", "â€¦", "\n\n", "  ", "“", "é"])
messy_text = st.lists(st.one_of(st.text(max_size=20), html_bits), max_size=12).map("".join)


@given(messy_text)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_normalisation_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


def _every_pass(text):
    """normalise_text without its shortcuts: passes until nothing changes."""
    from rewriter.normalise import _one_pass

    while text and (fixed := _one_pass(text)) != text:
        text = fixed
    return text or ""


#: Entities that decode into more entities or tags ("&amp;lt;b&amp;gt;"), and the characters of markup.
entity_text = st.lists(st.sampled_from(["&", "amp;", "lt;", "gt;", "#38;", "b", " ", "<", ">", "p", "/"]), max_size=14)


@given(st.one_of(messy_text, entity_text.map("".join), st.text(alphabet="ab &;<>#x\t\n\r\x1b[m\x00é", max_size=30)))
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_normalisation_shortcuts_give_what_every_pass_gives(text):
    assert normalise_text(text) == _every_pass(text)


#: Markup the fast path takes (plain tags, attributes quoted or bare, entities)
#: and markup that must send it to the parser: odd attributes, raw-text and
#: dropped elements, comments, stray and unclosed angle brackets.
tag_names = st.sampled_from(["p", "P", "br", "a", "b", "em", "div", "li", "h2", "span", "img", "td", "figure",
                             "script", "style", "svg", "head", "textarea", "title", "noscript", "x-y", "p2"])
attributes = st.sampled_from(["", ' href="https://x.io/?a=1&amp;b=2"', " class='c'", " id=one", " data-x = \"v\"",
                              " hidden", " src=a.jpg/", ' a="<b>"', ' t="1"x=2', "\u00a0b=1", " \vb=1", " /", ' b=">"'])
tags = st.builds(
    lambda close, name, attrs, end: f"<{close}{name}{attrs}{end}>",
    st.sampled_from(["", "/"]), tag_names, attributes, st.sampled_from(["", "/", " /", " "]),
)
html_text = st.lists(
    st.one_of(
        tags, st.text(alphabet="ab &;#x\t\n\r\f\v\u00a0é<>", max_size=12),
        st.sampled_from(["&amp;", "&amp", "&lt;p&gt;", "&#39;", "&#x27", "&nbsp;", "<!-- c -->", "<!x>", "<?p?>", "< p>", "</ p>", "</>"]),
    ),
    max_size=16,
).map("".join)


#: Only what the fast path takes, so most examples exercise it.
plain_tags = st.builds(
    lambda close, name, attrs, end: f"<{close}{name}{'' if close else attrs}{'' if close else end}>",
    st.sampled_from(["", "/"]), st.sampled_from(["p", "P", "br", "a", "b", "em", "div", "li", "h2", "span", "img", "td"]),
    st.sampled_from(["", ' href="https://x.io/?a=1&amp;b=2"', " class='c'", " id=one", ' data-x = "v"', " hidden"]),
    st.sampled_from(["", "/", " /", " "]),
)
plain_html = st.lists(
    st.one_of(plain_tags, st.text(alphabet="ab &;#x\t\n\r\f\v\u00a0é>", max_size=12),
              st.sampled_from(["&amp;", "&amp", "&lt;p&gt;", "&#39;", "&#x27", "&nbsp;"])),
    max_size=16,
).map("".join)


@given(st.one_of(html_text, plain_html))
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
def test_html_fast_path_gives_what_the_parser_gives(fragment):
    from rewriter.normalise import html_to_text, parsed_html_text

    assert html_to_text(fragment) == parsed_html_text(fragment)


@given(st.one_of(html_text, plain_html, plain_html.map(lambda h: h.replace("&amp;", "&amp;amp;").replace("é", "Ã©"))))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_normalising_html_gives_what_every_pass_gives(fragment):
    assert normalise_text(fragment) == _every_pass(fragment)


def test_html_fast_path_takes_real_feed_bodies():
    """The fixtures' article bodies take the fast path, and it gives the parser's text."""
    import json
    from pathlib import Path

    from rewriter.normalise import _plain_html_text, parsed_html_text

    fixtures = Path(__file__).parent / "fixtures"
    item = json.loads((fixtures / "coindesk-news-api-item.json").read_text(encoding="utf-8"))
    body = (item.get("Data") or [item])[0]["BODY"] if isinstance(item, dict) else item[0]["BODY"]
    paragraphs = _plain_html_text(body)
    assert paragraphs is not None and paragraphs
    assert "\n\n".join(paragraphs) == parsed_html_text(body)


words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
line = words.map(lambda s: " ".join(s.split())).filter(bool)


@given(
    title=line,
    tags=st.lists(line, max_size=4),
    extra=st.dictionaries(st.sampled_from(["editor", "slug", "notes"]), line, max_size=2),
    overview=line,
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_front_matter_round_trip_is_unchanged(title, tags, extra, overview):
    try:
        item = FeedItem(
            title=title, publishedAt="2025-11-14T17:46:49.000Z", externalId="1",
            source=SourceRef(name="S", key="s", type="RSS"), category="NEWS", tags=tags,
            text=SourceText(title=title, body="body"), extra=extra, key_order=["title", *extra],
        )  # fmt: skip
        answer = RewriteAnswer(
            overview=overview, what_happened=["p"], impact=["a", "b", "c"], sentiment=Sentiment.NEUTRAL
        )
    except ValueError:
        return  # text that normalises to nothing is rejected at the border
    outcome = Outcome(item, answer, "m", 1, 1, False)
    stamp = "2025-11-14T18:34:59.322Z"
    rendered = render_article(outcome, "Impact", stamp)
    parsed = frontmatter.loads(rendered)
    assert parsed.metadata == article_front_matter(outcome, stamp)
    assert list(parsed.metadata) == list(article_front_matter(outcome, stamp))
    again = frontmatter.dumps(parsed)  # parse → render again through our own renderer
    from rewriter.render import render_document

    assert render_document(dict(parsed.metadata), parsed.content + "\n") == rendered
    assert again  # python-frontmatter can read and write it too


def reference_yaml(data):
    """What PyYAML's own dumper writes for `data`: the bytes the direct writer must match."""
    import yaml

    from rewriter.render import _DUMP_OPTIONS, _ArticleDumper

    return yaml.dump(data, Dumper=_ArticleDumper, **_DUMP_OPTIONS)


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), yaml_values, max_size=6))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_fast_yaml_is_byte_identical_to_the_reference_dumper(data):
    assert dump_yaml(data) == reference_yaml(data)


#: Text made of what YAML gives meaning to: indicators, quotes, spaces, words
#: that read as numbers, dates, bools or null, and non-ASCII, so the direct
#: writer's every choice of style is exercised, not only its fallback.
yaml_words = st.sampled_from(
    ["a", "Bitcoin", "U.S.", "é", "“x”", "…", "🚀", "0", "12", "0x1F", "1e5", "2025-11-14", "12:30", "yes",
     "No", "null", "~", "true", ".inf", "-", "?", ":", "#", "'", '"', "&", "*", "!", "|", ">", "%", "@",
     "`", ",", "[", "]", "{", "}", "---", "...", "<<", "=", "  ", " "]
)  # fmt: skip
yaml_text = st.lists(yaml_words, min_size=1, max_size=5).map("".join)
tricky_values = st.recursive(
    st.one_of(yaml_text, st.integers(), st.floats(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(yaml_text, inner, max_size=3)),
    max_leaves=10,
)


@given(st.dictionaries(yaml_text, tricky_values, min_size=1, max_size=6))
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
def test_direct_yaml_writer_chooses_the_reference_style(data):
    assert dump_yaml(data) == reference_yaml(data)


def test_real_feed_front_matter_needs_no_fallback(monkeypatch):
    """The RSS fixture's articles are written by the direct writer alone (PyYAML is the slow path)."""
    import yaml

    from rewriter.readers import read_items
    from tests.conftest import FIXTURES

    monkeypatch.setattr(yaml, "dump", lambda *a, **k: pytest.fail("fell back to PyYAML"))
    answer = RewriteAnswer(
        overview="Prices moved after the news: “traders” sold.", what_happened=["p"], impact=["a", "b", "c"],
        sentiment=Sentiment.NEUTRAL,
    )  # fmt: skip
    items = [i for i in read_items(FIXTURES / "coindesk-rss-2023-03-13.xml") if isinstance(i, FeedItem)]
    assert len(items) > 40
    for item in items:
        assert render_article(Outcome(item, answer, "m", 1, 1, False), "Impact").startswith("---\ntitle: ")


@pytest.mark.parametrize("length", [1, 122, 123, 127, 128, 200])
def test_direct_yaml_writer_writes_long_keys_as_pyyaml_does(length):
    """PyYAML counts a key's implicit '!!str' tag against its 128-character limit for `key:`."""
    data = {"k" * length: "v", "nested": {"n" * length: ["x"]}}
    assert dump_yaml(data) == reference_yaml(data)


def test_direct_yaml_writer_leaves_shared_lists_to_pyyaml():
    """PyYAML writes one list used twice as an anchor and an alias; so must we."""
    tags = ["A", "B"]
    data = {"tags": tags, "also": tags}
    assert dump_yaml(data) == reference_yaml(data)
    assert "&id001" in dump_yaml(data)


figure_text = st.lists(
    st.one_of(
        st.sampled_from(["$", "€ ", "£", "¥", "1", "15", ",000", ".5", "2023", "%", " percent", " million", "bn", "k", "M",
                         "Web", "Q", "_", ".", ",", " ", "\n", "٣", "x", "-"]),
        st.text(alphabet="0123456789$€,. abkmMB%", max_size=6),
    ),
    max_size=20,
).map("".join)


@given(figure_text)
@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
def test_figures_finds_what_the_full_pattern_finds(text):
    """`figures` tries the pattern only where a figure can start; it must find what a full scan finds."""
    from rewriter.figures import _NUMBER, figures

    expected = [(m.group(0).strip(), m.group("num")) for m in _NUMBER.finditer(text)]
    assert [(f.text, f.numeral) for f in figures(text)] == expected


any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@given(
    st.lists(st.tuples(st.sampled_from(["system", "user", "assistant"]), any_text), min_size=1, max_size=4),
    st.sampled_from(["json_schema", "json_object_schema", "json_object"]),
    st.booleans(),
    st.lists(st.text(alphabet="0123456789.,", min_size=1, max_size=6), max_size=4),
    any_text,
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_request_json_from_parts_is_the_json_of_the_whole(tmp_path, messages, fmt, grammar, numerals, server):
    """The cache key and the Batch line's body, put together from their parts' JSON, are exactly
    `request_key` of the whole request and `json.dumps` of the body (the key must never change)."""
    import json

    from rewriter.batch.lines import RequestWriter
    from rewriter.cache import ResponseCache
    from rewriter.model import Endpoint, ModelClient

    client = ModelClient(Endpoint(model="m-" + server[:5], server_id=server, grammar=grammar), ResponseCache(tmp_path / "c"))
    chat = [{"role": role, "content": content} for role, content in messages]
    for _ in range(2):  # the second time the response format's JSON is remembered
        body, key, text = client.encoded(chat, fmt, lambda: numerals)
        assert body == client.body(chat, fmt, numerals)
        assert key == client.key(body)
        assert text == json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    lines = tmp_path / f"lines-{abs(hash(key))}.jsonl"
    writer = RequestWriter(lambda n: lines, max_lines=10, max_bytes=10**6)
    writer.add(body, key, text)
    writer.close()
    expected = json.dumps({"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": body},
                          ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    assert lines.read_text(encoding="utf-8") == expected + "\n"
