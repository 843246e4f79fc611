"""The review page: `rewriter batch --report run.html` and `rewriter report run.json -o run.html`.

Runs go through the fake server on 127.0.0.1 (a clean item, a draft with
invented figures, a failure whose last answer is hostile markup) or replay
the committed cache. The page is loaded in headless Chromium from a file URL
where Chromium is installed: its DOM must hold the rows and highlights and
no element the feed or the model smuggled in, and its screenshot must not be
blank.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import PLAIN_ANSWER, Reply

HOSTILE_ANSWER = '<script>alert("answer")</script><img src=x onerror=alert(1)> <a href="javascript:alert(2)">go</a>'
UNGROUNDED_ANSWER = {
    **PLAIN_ANSWER,
    "impact": [
        "Traders moved 987 million dollars overnight.",
        "Lenders lost 654 million in the sell-off.",
        "Analyst Jane Whitfield said regulators fined many firms.",
    ],
}
CHROMIUM_TIMEOUT_S = 120


def jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def story(n: int, title: str, body: str) -> dict:
    return {
        "title": title, "body": body, "publishedAt": f"2024-05-0{n}T10:00:00Z", "externalId": f"story-{n}",
        "category": "MARKETS", "sentiment": "NEUTRAL",
    }  # fmt: skip


def answer_by_story(request: dict) -> Reply:
    """A clean answer, an ungrounded one, or hostile markup that is not JSON at all, by story."""
    text = json.dumps(request.get("messages", []))
    if "Lenders story" in text:
        return Reply(json.dumps(UNGROUNDED_ANSWER))
    if "Broken story" in text:
        return Reply(HOSTILE_ANSWER)
    return Reply(json.dumps(PLAIN_ANSWER))


@pytest.fixture
def mixed_run(tmp_path: Path, use_fake) -> Path:
    """A batch over three stories whose report is written straight to run.html (and run.json beside it)."""
    use_fake.default = answer_by_story
    feed = jsonl(
        tmp_path / "feed.jsonl",
        [
            story(1, "Calm story about markets", "Markets were calm on Tuesday as traders waited."),
            story(2, "Lenders story javascript:alert(3) about losses", "Lenders reported losses of 15 million after the sell-off."),
            story(3, "Broken story about banks", "Banks said little about the weekend."),
        ],
    )  # fmt: skip
    out = tmp_path / "out"
    html = run_cli("batch", str(feed), "--out", str(out), "--report", str(tmp_path / "run.html"))
    assert html.returncode == 1, html.stderr  # a draft and a failure
    rerun = run_cli("batch", str(feed), "--out", str(out), "--force", "--report", str(tmp_path / "run.json"))
    assert rerun.returncode == 1, rerun.stderr
    return tmp_path


# --- the report's contents -----------------------------------------------------------


def test_json_report_carries_what_the_page_needs(mixed_run):
    items = {e["title"]: e for e in json.loads((mixed_run / "run.json").read_text())["items"]}
    calm = items["Calm story about markets"]
    assert calm["status"] == "rewritten" and calm["sourceText"] is None and calm["warnings"] == []
    draft = items["Lenders story javascript:alert(3) about losses"]
    assert draft["status"] == "draft"
    assert "Lenders reported losses of 15 million" in draft["sourceText"]
    assert "Traders moved 987 million dollars overnight." in draft["article"] and "## Overview" in draft["article"]
    by_words = {tuple(w["words"]): w for w in draft["warnings"]}
    assert by_words[("987 million",)]["text"] == "Traders moved 987 million dollars overnight."
    assert by_words[("987 million",)]["field"] == "impact[0]"
    assert any("Jane Whitfield" in w["words"] and w["field"] == "impact[2]" for w in draft["warnings"])
    failed = items["Broken story about banks"]
    assert failed["status"] == "failed" and failed["article"] == HOSTILE_ANSWER
    assert "Banks said little" in failed["sourceText"]
    # A rerun leaves the draft alone but still reports it for review, read back from its file.
    rerun = run_cli(
        "batch",
        str(mixed_run / "feed.jsonl"),
        "--out",
        str(mixed_run / "out"),
        "--report",
        str(mixed_run / "again.json"),
    )
    assert rerun.returncode == 1
    [again] = [e for e in json.loads((mixed_run / "again.json").read_text())["items"] if e["path"] == draft["path"]]
    assert again["status"] == "draft" and again["title"] == draft["title"]
    assert again["article"] == draft["article"] and again["sourceText"] == draft["sourceText"]
    assert [w["message"] for w in again["warnings"]] == [w["message"] for w in draft["warnings"]]


def test_html_report_is_one_self_contained_page_without_script(mixed_run):
    page = (mixed_run / "run.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<link" not in page.lower()
    assert "http://" not in page and "https://" not in page  # nothing remote to load
    assert "&lt;script&gt;alert(&#34;answer&#34;)&lt;/script&gt;" in page
    tree = parse(page)
    [csp] = [a["content"] for t, a in tree.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # so no script may run at all
    assert len(tree.rows) == 3
    assert ("word", "987 million") in tree.marks
    # The JSON report of the same run converts into the same kind of page.
    converted = run_cli("report", str(mixed_run / "run.json"), "-o", str(mixed_run / "converted.html"))
    assert converted.returncode == 0, converted.stderr
    assert "converted.html" in converted.stdout
    assert len(parse((mixed_run / "converted.html").read_text(encoding="utf-8")).rows) == 3


def test_report_of_the_committed_example_replays(tmp_path):
    assert run_cli("cache", "import", str(EXAMPLES / "cache.jsonl")).returncode == 0
    result = run_cli(
        "batch", str(EXAMPLES / "drafts"), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "run.html"),
        env={"REWRITER_CACHE_MODE": "replay"},
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    tree = parse((tmp_path / "run.html").read_text(encoding="utf-8"))
    assert len(tree.rows) == 3
    drafts = [r for r in tree.rows if "s-draft" in r]
    assert len(tree.reviews) == len(drafts) + sum("s-failed" in r for r in tree.rows)
    # The tiny model's answers are kept as drafts with the faulty paragraphs marked.
    assert not drafts or any(kind == "fault" for kind, _ in tree.marks)
    assert "$0cost" in tree.text  # the embedded model costs nothing


def test_cost_is_known_from_the_prices_set_and_unknown_without(tmp_path, use_fake, monkeypatch):
    feed = jsonl(tmp_path / "feed.jsonl", [story(1, "Calm story about markets", "Markets were calm on Tuesday.")])
    unpriced = run_cli("batch", str(feed), "--out", str(tmp_path / "a"), "--report", str(tmp_path / "a.json"))
    assert unpriced.returncode == 0, unpriced.stderr
    assert json.loads((tmp_path / "a.json").read_text())["cost"] is None
    prices = {"REWRITER_PRICE_IN": "2.5", "REWRITER_PRICE_OUT": "10", "REWRITER_CACHE_MODE": "off"}
    run = run_cli("batch", str(feed), "--out", str(tmp_path / "b"), "--report", str(tmp_path / "b.json"), env=prices)
    report = json.loads((tmp_path / "b.json").read_text())
    tokens = report["totals"]["tokens"]
    assert tokens["input"] > 0 and report["model"] == "fake-model", run.stderr
    assert report["cost"] == pytest.approx((tokens["input"] * 2.5 + tokens["output"] * 10) / 1e6)
    assert run_cli("report", str(tmp_path / "b.json")).returncode == 0  # -o defaults to b.html
    assert f"${report['cost']:.4f}" in parse((tmp_path / "b.html").read_text(encoding="utf-8")).text


@pytest.mark.parametrize(
    ("content", "args", "status", "message"),
    [
        ("{not json", [], 1, "not a JSON report"),
        ('{"sources": [], "items": "no"}', [], 1, "not a batch report"),
        ('{"sources": [], "out": ".", "startedAt": "x"}', ["-o", "page.txt"], 2, "name it with .html"),
    ],
    ids=["not-json", "not-a-report", "not-html"],
)
def test_report_command_rejects_bad_input_naming_the_file(tmp_path, content, args, status, message):
    bad = tmp_path / "run.json"
    bad.write_text(content, encoding="utf-8")
    result = run_cli("report", str(bad), *args, cwd=tmp_path)
    assert result.returncode == status
    assert message in result.stderr and "Traceback" not in result.stderr
    if status == 1:
        assert str(bad) in result.stderr
    assert not list(tmp_path.glob("*.html")) and not (tmp_path / "page.txt").exists()


# --- hostile text ---------------------------------------------------------------------------

HOSTILE = [
    "<script>alert('title')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(2)">click</a>',
    "javascript:alert(3)",
    '"><svg onload=alert(4)>',
    "</pre></td></tr></table><iframe src=//evil.example></iframe>",
    "{{ 7*7 }} {% raw %}",
]


def hostile_report(tmp_path: Path) -> Path:
    """A JSON report (it is untrusted too: anyone can hand one over) with markup in every text field."""
    evil = " ".join(HOSTILE)
    item = {
        "id": evil, "source": evil, "status": "draft", "path": evil, "cached": False,
        "tokens": {"input": 12, "output": 34}, "latency": 1.5, "error": evil, "title": evil,
        "sourceText": f"Source {evil} with 15 coins.", "article": f"## Overview\n\nArticle {evil} with 99 coins.\n",
        "warnings": [{"message": evil, "field": "overview", "text": f"Article {evil}", "words": ["99", evil]}],
        "dropped": [evil],
    }  # fmt: skip
    report = {
        "sources": [evil], "out": evil, "startedAt": evil, "wallTime": 1.0, "model": evil, "cost": None,
        "totals": {"draft": 1}, "items": [item, {**item, "status": "failed"}],
    }  # fmt: skip
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_hostile_text_is_escaped_everywhere(tmp_path):
    result = run_cli("report", str(hostile_report(tmp_path)), "-o", str(tmp_path / "hostile.html"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "hostile.html").read_text(encoding="utf-8")
    tree = parse(page)
    assert_no_hostile_elements(tree)
    for text in HOSTILE:
        assert text in tree.text  # shown, as text
    assert "49" not in tree.text  # no template ran on the data


# --- in a real browser --------------------------------------------------------------------


class Page(HTMLParser):
    """What a test needs from a page: elements, attributes, rows, marks and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: list[str] = []  # class of each table body row
        self.reviews: list[str] = []
        self.marks: list[tuple[str, str]] = []
        self._mark: list[str] | None = None
        self._in_body = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append(attributes.get("class", ""))
        elif tag == "section" and "review" in attributes.get("class", ""):
            self.reviews.append(attributes.get("class", ""))
        elif tag == "mark":
            self._mark = [attributes.get("class", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "mark" and self._mark is not None:
            classes, *parts = self._mark
            for kind in classes.split():
                self.marks.append((kind, "".join(parts)))
            self._mark = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._mark is not None:
            self._mark.append(data)

    @property
    def text(self) -> str:
        return "".join(self._text)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def assert_no_hostile_elements(page: Page) -> None:
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "img", "svg", "iframe", "object", "embed", "link", "base", "form"}, names
    for tag, attributes in page.tags:
        assert not [a for a in attributes if a.startswith("on")], (tag, attributes)
        for name in ("href", "src", "action"):
            assert not attributes.get(name, "").strip().lower().startswith("javascript:"), (tag, attributes)
            assert "//" not in attributes.get(name, ""), (tag, attributes)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium)")
    return found


def browse(page: Path, tmp_path: Path, *args: str, fragment: str = "") -> subprocess.CompletedProcess[str]:
    """Load a page from a file URL in headless Chromium, offline and with a fresh profile."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args,
        page.resolve().as_uri() + fragment,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=CHROMIUM_TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_in_chromium_the_dom_holds_rows_and_highlights_and_no_hostile_element(mixed_run, tmp_path):
    dom = parse(browse(mixed_run / "run.html", tmp_path, "--dump-dom").stdout)
    assert sorted(r.split()[0] for r in dom.rows) == ["s-draft", "s-failed", "s-rewritten"]
    assert ("word", "987 million") in dom.marks and ("word", "654 million") in dom.marks
    assert ("word", "Jane Whitfield") in dom.marks  # an unsupported name, too
    assert any(kind == "fault" and text.startswith("Traders moved") for kind, text in dom.marks)
    assert len(dom.reviews) == 2
    assert HOSTILE_ANSWER in dom.text and "javascript:alert(3)" in dom.text
    assert_no_hostile_elements(dom)
    # The hand-made hostile report, too.
    assert run_cli("report", str(hostile_report(tmp_path)), "-o", str(tmp_path / "hostile.html")).returncode == 0
    hostile = parse(browse(tmp_path / "hostile.html", tmp_path, "--dump-dom").stdout)
    assert_no_hostile_elements(hostile)
    for text in HOSTILE:
        assert text in hostile.text


def test_in_chromium_the_page_renders_and_filters_by_status(mixed_run, tmp_path):
    from PIL import Image

    shots = {}
    for name, fragment in (("all", ""), ("failed", "#only-failed")):
        shot = tmp_path / f"{name}.png"
        browse(mixed_run / "run.html", tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", fragment=fragment)
        image = Image.open(shot).convert("RGB")
        assert image.size == (1280, 1600)
        colours = image.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 200, "the page looks blank"
        white = max(count for count, _ in colours)
        assert white < 0.97 * image.size[0] * image.size[1]
        shots[name] = image
    # Filtering by status (#only-failed, no script) hides rows: the screenshots differ.
    assert shots["all"].tobytes() != shots["failed"].tobytes()


def test_highlight_marks_whole_figures_and_nests_a_figure_in_its_paragraph():
    from rewriter.report_html import Segment, highlight, whole, whole_line

    text = "## Impact\n\nIn 2015 it held 1 coin.\n\n- Impact\n- Traders moved 987 million dollars overnight.\n"
    needles = [
        (whole("1"), "word"), (whole("987 million"), "word"),
        (whole_line("Impact"), "fault"), (whole_line("Traders moved 987 million dollars overnight."), "fault"),
    ]  # fmt: skip
    assert highlight(text, needles) == [
        Segment("## Impact\n\nIn 2015 it held "),
        Segment("1", ("word",)),
        Segment(" coin.\n\n- "),
        Segment("Impact", ("fault",)),
        Segment("\n- "),
        Segment("Traders moved ", ("fault",)),
        Segment("987 million", ("fault", "word")),
        Segment(" dollars overnight.", ("fault",)),
        Segment("\n"),
    ]
    assert highlight("", [(whole("x"), "word")]) == [] and highlight("plain", []) == [Segment("plain")]
