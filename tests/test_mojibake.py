"""Mojibake with a lost byte, through each reader, the batch job and the check.

Each reader gets three items: the damage in the title, in the description
(news API SUBTITLE, RSS <description>, a draft's `description`) and in the
body. A lost byte that can only be `”` is repaired before the model sees the
text; one that cannot be read back keeps the article a draft with a warning
naming the field, and `rewriter check` reports it under RW012 on its line.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from rewriter.check import check_text
from rewriter.mojibake import find_mojibake, repair_lost_bytes
from rewriter.normalise import normalise_line, normalise_text
from tests.conftest import NEWS_API_ITEM, run_cli
from tests.fakeserver import PLAIN_ANSWER, Reply

#: `Auditor Says “All Clear”`, read as cp1252 and its undefined 0x9D dropped.
REPAIRABLE = "Auditor Says \u00e2\u20ac\u0153All Clear\u00e2\u20ac"
REPAIRED = "Auditor Says \u201cAll Clear\u201d"
#: The same lost byte with no opening quote: `”`, a hyphen, a joiner... cannot tell.
DAMAGED = "Auditor Says All Clear\u00e2\u20ac"
QUOTED = "Clear\u00e2\u20ac"
FIELDS = ("title", "description", "body")
FILLER = "The bank's books were reviewed by an outside firm after weeks of questions from depositors."


def texts(field: str, damage: str) -> dict[str, str]:
    """Title, description and body of one item with `damage` in `field`."""
    values = {"title": f"Bank review number {FIELDS.index(field) + 1} ends", "description": FILLER, "body": FILLER}
    values[field] = damage if field == "title" else f"{FILLER} {damage} after the review."
    return values


def news_api(folder: Path, damage: str) -> Path:
    template = json.loads(NEWS_API_ITEM.read_text(encoding="utf-8"))["Data"][0]
    items = []
    for n, field in enumerate(FIELDS):
        item, values = copy.deepcopy(template), texts(field, damage)
        item.update(ID=1000 + n, TITLE=values["title"], SUBTITLE=values["description"], BODY=f"<p>{values['body']}</p>")
        items.append(item)
    path = folder / "feed.json"
    path.write_text(json.dumps({"Data": items, "Err": {}}, ensure_ascii=False), encoding="utf-8")
    return path


def rss(folder: Path, damage: str) -> Path:
    entries = "".join(
        f"<item><title>{v['title']}</title><guid>item-{n}</guid><pubDate>Mon, 13 Mar 2023 10:00:00 +0000</pubDate>"
        f"<description>{v['description']}</description><content:encoded><![CDATA[<p>{v['body']}</p>]]></content:encoded></item>"
        for n, v in enumerate(texts(f, damage) for f in FIELDS)
    )
    path = folder / "feed.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Wire</title>{entries}</channel></rss>",
        encoding="utf-8",
    )
    return path


def drafts(folder: Path, damage: str) -> Path:
    folder = folder / "drafts"
    folder.mkdir()
    for n, field in enumerate(FIELDS):
        values = texts(field, damage)
        meta = {"title": values["title"], "publishedAt": "2023-03-13T10:00:00Z"}
        if field == "description":  # a draft's description is rewritten when its body is empty
            meta["description"], body = values["description"], ""
        else:
            body = values["body"]
        (folder / f"draft-{n}.md").write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}\n", encoding="utf-8")
    return folder


READERS = {"news API": news_api, "RSS": rss, "Markdown drafts": drafts}


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def copying_model(request: dict) -> Reply:
    """A model that copies the damaged words of the story into its overview."""
    story = request["messages"][-1]["content"]
    answer = dict(PLAIN_ANSWER)
    if QUOTED in story:
        answer["overview"] = f"The auditor said All {QUOTED} in its report. {PLAIN_ANSWER['overview']}"
    return Reply(json.dumps(answer))


def by_field(out: Path) -> dict[str, Path]:
    """The article of each item, keyed by the field its source had damaged."""
    found = {}
    for path in sorted(out.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        field = next((f for n, f in enumerate(FIELDS) if f"number {n + 1} ends" in text), "title")
        found[field] = path
    assert sorted(found) == sorted(FIELDS), list(out.rglob("*.md"))
    return found


@pytest.mark.parametrize("reader", READERS)
def test_a_lost_closing_quote_is_repaired_in_every_field_before_the_model_sees_it(tmp_path, use_fake, reader):
    source = READERS[reader](tmp_path, REPAIRABLE)
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    sent = [r["messages"][-1]["content"] for r in use_fake.requests]
    assert len(sent) == 3
    assert all(REPAIRED in story and "\u00e2\u20ac" not in story for story in sent), sent
    articles = by_field(out)
    assert front(articles["title"])["title"] == REPAIRED
    for path in articles.values():
        meta = front(path)
        assert meta["draft"] is False and "warnings" not in meta["ai"]
    check = run_cli("check", str(out))
    assert check.returncode == 0, check.stdout
    assert "RW012" not in check.stdout


@pytest.mark.parametrize("reader", READERS)
def test_a_lost_byte_that_cannot_be_read_back_keeps_the_article_a_draft(tmp_path, use_fake, reader):
    use_fake.default = copying_model
    source = READERS[reader](tmp_path, DAMAGED)
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr  # drafts fail the run
    articles = by_field(out)
    # In the description and body, the damage reaches the article because the model copied it.
    copied = [
        f"'description' has mojibake that could not be repaired: '{QUOTED}'",
        f"'overview' has mojibake that could not be repaired: '{QUOTED}'",
    ]
    expected = {"title": [f"'title' has mojibake that could not be repaired: '{QUOTED}'", *copied], "description": copied, "body": copied}
    for field, path in articles.items():
        meta = front(path)
        assert meta["draft"] is True, field
        assert [w for w in meta["ai"]["warnings"] if "mojibake" in w] == expected[field], field
    # The check sees it too, with the line, though ftfy proposes no fix.
    check = run_cli("check", "--include-drafts", str(out))
    assert check.returncode == 1
    title_path = articles["title"]
    assert f"{title_path}:2: RW012 'title' has mojibake: 'Clear\u00e2\u20ac' cannot be repaired (a byte was lost)" in check.stdout
    description_path = articles["description"]
    assert f"{description_path}:3: RW012 'description' has mojibake: '{QUOTED}' cannot be repaired (a byte was lost)" in check.stdout
    body_path = articles["body"]
    line = next(n for n, text in enumerate(body_path.read_text(encoding="utf-8").splitlines(), 1) if text.startswith("The auditor said"))
    assert f"{body_path}:{line}: RW012 body has mojibake: '{QUOTED}' cannot be repaired (a byte was lost)" in check.stdout


def test_check_blocks_a_published_article_with_the_issues_title(tmp_path):
    """The issue's case: written as publishable before this fix; the check passed it."""
    from tests.test_check import article

    path = tmp_path / "a.md"
    path.write_text(article(title="Auditor Says \u201cAll Clear\u00e2\u20ac"), encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{path}:2: RW012 'title' has mojibake: 'Clear\u00e2\u20ac' should read 'Clear\u201d'"


# --- the repair itself ------------------------------------------------------------


@pytest.mark.parametrize(
    "damaged, repaired",
    [
        (REPAIRABLE, "Auditor Says \u00e2\u20ac\u0153All Clear\u201d"),  # ftfy repairs the rest
        ("He said \u201cyes\u00e2\u20ac and \u201cno\u00e2\u20ac.", "He said \u201cyes\u201d and \u201cno\u201d."),
        ("\u201cAll Clear\u00e2\u20ac, says auditor", "\u201cAll Clear\u201d, says auditor"),
        # two lost bytes in one quotation: which is the quote, which the hyphen?
        ("\u201cpre\u00e2\u20ac and post\u00e2\u20ac", "\u201cpre\u00e2\u20ac and post\u00e2\u20ac"),
        # mid-word: a hyphen or a joiner, never a quote
        ("\u201cpost\u00e2\u20acwar\u201d", "\u201cpost\u00e2\u20acwar\u201d"),
        # no opening quote: `”`, `‐`, `†`... all possible
        (DAMAGED, DAMAGED),
        ("All Clear\u00e2\u20ac on the books", "All Clear\u00e2\u20ac on the books"),
        # the quotation is already closed later on
        ("\u201cAll Clear\u00e2\u20ac, he said\u201d", "\u201cAll Clear\u00e2\u20ac, he said\u201d"),
        # `â€“` and `â€”` are whole dashes, not quotes or lost bytes
        ("A \u00e2\u20ac\u201c B \u201cx\u00e2\u20ac", "A \u00e2\u20ac\u201c B \u201cx\u201d"),
    ],
)
def test_only_a_lost_byte_with_one_reading_is_repaired(damaged, repaired):
    assert repair_lost_bytes(damaged) == repaired


def test_normalise_never_lets_ftfy_guess_a_lost_byte():
    # ftfy alone reads `â€ ` as `†` (E2 80 A0 with its no-break space lost)
    assert normalise_line("All Clear\u00e2\u20ac on the books") == "All Clear\u00e2\u20ac on the books"
    assert normalise_line("Auditor Says \u00e2\u20ac\u0153All Clear\u00e2\u20ac on Bank") == "Auditor Says \u201cAll Clear\u201d on Bank"
    assert normalise_text("caf\u00c3\u00a9 \u00e2\u20ac\u0153ok\u00e2\u20ac") == "caf\u00e9 \u201cok\u201d"


@pytest.mark.parametrize(
    "text, found",
    [
        ("All Clear\u00e2\u20ac", "Clear\u00e2\u20ac"),
        ("\u00c3ngel D\u00edaz", "\u00c3ngel"),  # `Á` lost its second byte
        ("r\u00c3\u00a9sum\u00c3\u00a9", "r\u00c3\u00a9sum\u00c3\u00a9"),
        ("100\u00c2 % sure", "100\u00c2"),
        ("TAGS CLEAR\u00c2\u20ac", "CLEAR\u00c2\u20ac"),  # upper-cased, as tags are
        ("C\u00c3\u201dTE D'IVOIRE", "C\u00c3\u201dTE"),
        ("LA CA\u00c3DA DE FTX", "CA\u00c3DA"),  # `Í` lost: no Portuguese or Vietnamese `ÃD`
        ("\u00d0\u0430\u0446\u0456\u043e\u043d\u0430\u043b\u044c\u043d\u0438\u0439 \u0431\u0430\u043d\u043a", "\u00d0\u0430\u0446\u0456\u043e\u043d\u0430\u043b\u044c\u043d\u0438\u0439"),  # `Н` lost a byte
        ("\u05d1\u05e0\u05e7 \u05d9\u05e9\u05e8\u00d7\u05dc", "\u05d9\u05e9\u05e8\u00d7\u05dc"),  # Hebrew `א` lost a byte
        ("\u0420\u043e\u00d1\u0081\u00d1\u0081\u0438\u0438", "\u0420\u043e\u00d1\u0081\u00d1\u0081\u0438\u0438"),  # ftfy's badness pattern
        ("S\u00c3O PAULO", None),
        ("B\u00c3I BI\u1ec2N, M\u00c3I M\u00c3I, IRM\u00c3S", None),  # Vietnamese and Portuguese capitals
        ("A\u00c7\u00c3O e INFLA\u00c7\u00c3O", None),
        ("\u201cIRM\u00c3\u201d, diz", None),
        ("CH\u00c2TEAU et ch\u00e2teau", None),
        ("\u00c1ngel D\u00edaz, \u00cd\u00f1igo \u00d1\u00fa\u00f1ez", None),
        ("\u0110\u00c3 C\u00d3 K\u1ebeT QU\u1ea2", None),  # Vietnamese: ĐÃ CÓ KẾT QUẢ
        ("\u65e5\u672c\u9280\u884c\u3001\u30c7\u30b8\u30bf\u30eb\u5186 15\uff05", None),
        ("\u0420\u043e\u0441\u0441\u0438\u044f \u00e9 \u00c9mile", None),
    ],
)
def test_residual_markers(text, found):
    assert find_mojibake(text) == found


def test_check_names_the_damage_in_any_field_even_without_a_fix():
    from tests.test_check import article

    text = article(source={"name": "\u00c3ngel Wire", "key": "angel", "type": "RSS"})
    problems = check_text(text, "a.md").problems
    assert [(p.line, p.code, p.message) for p in problems] == [
        (text.splitlines().index("  name: \u00c3ngel Wire") + 1, "RW012",
         "'source.name' has mojibake: '\u00c3ngel' cannot be repaired (a byte was lost)")
    ]
