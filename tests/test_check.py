"""`rewriter check`, the pre-publish hook: what a site sees before an article goes live.

CLI tests run `python -m rewriter check` in a subprocess and assert the exit
status and the printed `path:line: CODE message` lines; unit tests feed small
strings to single rules.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rewriter import check
from rewriter.check import RULES, check_text, key_lines, valid_utc_time
from rewriter.similarity import repeated_pairs as repeated_bullets
from rewriter.prompts import load_prompt
from rewriter.render import describe, render_body, render_document
from tests.conftest import ROOT, SEED_ARTICLE, repaired_seed_text, run_cli

OVERVIEW = (
    "The U.S. Department of Justice has secured several criminal convictions tied to North Korea's "
    "crypto operations and collected another $15 million in proceeds from hacks, widening a campaign "
    "against the regime's illicit finance networks."
)
PARAGRAPHS = ["The DOJ announced the convictions on Friday.", "Authorities said more seizures may follow."]
BULLETS = [
    "Scrutiny of crypto linked to North Korea is rising.",
    "Regulators may tighten rules for exchanges.",
    "Investors face more compliance checks.",
]
#: The packaged prompt's version: a good article was written with it.
VERSION = load_prompt().version
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<code>RW\d{3}) (?P<message>.+)$")


def article(body: str | None = None, **front_matter: Any) -> str:
    """A good article rendered with the tool's own functions; keywords override keys."""
    values: dict[str, Any] = {
        "title": "DOJ seizes more crypto tied to North Korea",
        "description": describe(OVERVIEW),
        "publishedAt": "2025-11-14T17:46:49.000Z",
        "updatedAt": "2025-11-14T18:34:59.322Z",
        "lang": "en",
        "externalId": "54398936",
        "source": {"name": "CoinDesk", "key": "coindesk", "type": "RSS"},
        "category": "ASIA",
        "tags": ["ASIA", "POLICY"],
        "stickyWeight": 0,
        "sentiment": "NEGATIVE",
        "score": 0,
        "draft": False,
        "ai": {"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION},
    }
    values.update(front_matter)
    if body is None:
        body = render_body(OVERVIEW, PARAGRAPHS, BULLETS, load_prompt().impact_heading)
    return render_document(values, body)


def problems(text: str) -> list[tuple[int, str]]:
    """(line, code) of every problem the check finds in the text."""
    return [(p.line, p.code) for p in check_text(text, "a.md").problems]


def codes(text: str) -> list[str]:
    return [code for _, code in problems(text)]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def parse_output(stdout: str) -> tuple[list[dict[str, str]], str]:
    lines = stdout.strip().splitlines()
    found = [m.groupdict() for m in map(LINE.match, lines[:-1]) if m]
    return found, lines[-1]


def repaired_seed(tmp_path: Path) -> Path:
    repaired = tmp_path / "repaired.md"
    repaired.write_text(repaired_seed_text(), encoding="utf-8")
    return repaired


# --- the seed article (spec/seed-article.md) ----------------------------------


HINT = "`rewriter batch FEED --out DIR` rewrites each when it meets its source again"


def test_seed_article_is_blocked_for_its_mojibake_description_only_and_warned_stale(tmp_path):
    seed = tmp_path / "seed-article.md"
    shutil.copy(SEED_ARTICLE, seed)
    result = run_cli("check", str(seed))
    assert result.returncode == 1, result.stderr
    found, summary = parse_output(result.stdout)
    text = seed.read_text(encoding="utf-8")
    assert found == [
        {
            "path": str(seed),
            "line": str(line_of(text, "description:")),
            "code": "RW012",
            "message": "'description' has mojibake: 'seizingâ€¦' should read 'seizing…'",
        },
        {  # the seed was written with prompt version 1; the packaged prompt is newer: a warning
            "path": str(seed),
            "line": str(line_of(text, "  version:")),
            "code": "RW005",
            "message": f"warning: stale: ai.version is 1, the current prompt version is {VERSION}",
        },
    ]
    assert summary == f"1 article checked: 1 blocked, 0 passed, 0 skipped; 1 stale (older prompt version): {HINT}"
    assert "RW007" not in result.stdout  # 178 characters only because of the mojibake


def test_seed_article_from_the_spec_folder_is_blocked():
    result = run_cli("check", str(SEED_ARTICLE))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{SEED_ARTICLE}:3: RW012 'description' has mojibake: 'seizingâ€¦' should read 'seizing…'"
    assert "RW005 warning: stale: ai.version is 1" in result.stdout.splitlines()[1]
    assert len(result.stdout.splitlines()) == 3


def test_repaired_seed_article_passes_with_a_stale_warning(tmp_path):
    path = repaired_seed(tmp_path)
    result = run_cli("check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{path}:{line_of(path.read_text(encoding='utf-8'), '  version:')}: RW005 warning: "
        f"stale: ai.version is 1, the current prompt version is {VERSION}",
        f"1 article checked: 0 blocked, 1 passed, 0 skipped; 1 stale (older prompt version): {HINT}",
    ]
    assert result.stderr == ""


def test_strict_blocks_a_stale_article(tmp_path):
    result = run_cli("check", "--strict", str(repaired_seed(tmp_path)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "RW005 warning: stale" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 article checked: 1 blocked, 0 passed, 0 skipped; 1 stale")


def test_a_site_of_stale_articles_passes_and_is_told_how_to_refresh(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for n in range(3):
        (content / f"old-{n}.md").write_text(article(ai={"rewritten": True, "version": VERSION - 1,
                                                         "expandedAt": "2025-11-14T18:34:59.322Z"}), encoding="utf-8")
    (content / "new.md").write_text(article(), encoding="utf-8")
    result = run_cli("check", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert sum("RW005 warning:" in line for line in lines) == 3
    assert lines[-1] == f"4 articles checked: 0 blocked, 4 passed, 0 skipped; 3 stale (older prompt version): {HINT}"
    report = json.loads(run_cli("check", "--format", "json", "content", cwd=tmp_path).stdout)
    assert {p["severity"] for p in report["problems"]} == {"warning"}
    assert report["summary"] == {"checked": 4, "blocked": 0, "passed": 4, "skipped": 0, "stale": 3}
    strict = run_cli("check", "--strict", "--format", "json", "content", cwd=tmp_path)
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["summary"]["blocked"] == 3


# --- the command --------------------------------------------------------------


def test_folder_is_searched_for_markdown_and_summarised(tmp_path):
    content = tmp_path / "content"
    (content / "2025" / "11").mkdir(parents=True)
    (content / "good.md").write_text(article(), encoding="utf-8")
    bad = article(ai={"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION, "warnings": ["w"]})
    (content / "2025" / "11" / "bad.md").write_text(bad, encoding="utf-8")
    (content / "draft.md").write_text(article(draft=True, title="{{ title }}"), encoding="utf-8")
    (content / "notes.txt").write_text("not an article", encoding="utf-8")
    result = run_cli("check", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"content/2025/11/bad.md:{line_of(bad, 'warnings:')}: RW016 ai.warnings lists 1 unresolved problem(s): w",
        "content/draft.md: skipped (draft: true)",
        "3 articles checked: 1 blocked, 1 passed, 1 skipped",
    ]


def test_drafts_are_checked_with_include_drafts(tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text(article(draft=True, title="{{ title }}"), encoding="utf-8")
    assert run_cli("check", str(draft)).returncode == 0
    result = run_cli("check", "--include-drafts", str(draft))
    assert result.returncode == 1
    assert f"{draft}:2: RW014 'title' has a left-over template marker '{{{{'" in result.stdout.splitlines()


def test_json_format_gives_the_same_for_ci(tmp_path):
    shutil.copy(SEED_ARTICLE, tmp_path / "seed.md")
    repaired_seed(tmp_path)
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [p for p in report["problems"] if p["path"] == "repaired.md"] == [
        {
            "path": "repaired.md",
            "line": line_of(SEED_ARTICLE.read_text(encoding="utf-8"), "  version:"),
            "code": "RW005",
            "severity": "warning",
            "message": f"stale: ai.version is 1, the current prompt version is {VERSION}",
        }
    ]
    assert [p for p in report["problems"] if p["path"] == "seed.md"] == [
        {
            "path": "seed.md",
            "line": 3,
            "code": "RW012",
            "severity": "error",
            "message": "'description' has mojibake: 'seizingâ€¦' should read 'seizing…'",
        },
        {
            "path": "seed.md",
            "line": line_of(SEED_ARTICLE.read_text(encoding="utf-8"), "  version:"),
            "code": "RW005",
            "severity": "warning",
            "message": f"stale: ai.version is 1, the current prompt version is {VERSION}",
        },
    ]
    assert report["articles"] == [
        {"path": "repaired.md", "status": "passed"},
        {"path": "seed.md", "status": "blocked"},
    ]
    assert report["summary"] == {"checked": 2, "blocked": 1, "passed": 1, "skipped": 0, "stale": 2}


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.md"], "error: no such file or folder: missing.md"),
        ([], "the following arguments are required: PATH"),
        (["--format", "xml", "a.md"], "invalid choice: 'xml'"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    result = run_cli("check", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_help_lists_the_command_and_its_options():
    assert "check" in run_cli("--help").stdout
    result = run_cli("check", "--help")
    assert result.returncode == 0
    assert "--include-drafts" in result.stdout and "--format" in result.stdout


def test_stale_article_is_warned_against_the_prompt_profile(tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts" / "rewrite", prompts)
    (prompts / "profile.yaml").write_text(f"version: {VERSION + 1}\nimpact_heading: Why it matters\n", encoding="utf-8")
    path = tmp_path / "a.md"
    path.write_text(article(), encoding="utf-8")
    result = run_cli("check", "--prompts", str(prompts), str(path))
    assert result.returncode == 1
    text = path.read_text(encoding="utf-8")
    assert (
        f"{path}:{line_of(text, 'version:')}: RW005 warning: stale: ai.version is {VERSION}, the current prompt version is {VERSION + 1}"
        in result.stdout.splitlines()
    )
    assert "RW009 heading '## Why it matters' is missing" in result.stdout
    assert "unexpected heading '## Impact on the crypto market'" in result.stdout


def test_check_never_imports_the_model_client_or_heavy_modules(tmp_path):
    path = repaired_seed(tmp_path)  # non-ASCII text, so the mojibake check runs
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['rewriter', 'check', {str(path)!r}]\n"
        "try:\n"
        "    runpy.run_module('rewriter', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'httpx', 'pydantic', 'pydantic_settings', 'diskcache', 'rich', 'socket'})\n"
        "print(status, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_an_article_written_by_rewrite_passes(tmp_path, use_fake):
    draft = tmp_path / "drafts" / "doj-north-korea.md"
    draft.parent.mkdir()
    shutil.copy(ROOT / "examples" / "drafts" / draft.name, draft)
    assert run_cli("rewrite", str(draft), "-o", f"{tmp_path}/out/").returncode == 0
    result = run_cli("check", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "1 article checked: 0 blocked, 1 passed, 0 skipped"


# --- one rule at a time ---------------------------------------------------------


def test_good_article_has_no_problem():
    assert problems(article()) == []


def test_every_rule_has_a_code_and_is_documented():
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    assert list(RULES) == [f"RW{n:03d}" for n in range(1, len(RULES) + 1)]
    for code in RULES:
        assert f"`{code}`" in docs


@pytest.mark.parametrize(
    "text, expected",
    [
        ("# no front matter\n", [(1, "RW001")]),
        ("---\ntitle: [open\n---\nbody\n", [(2, "RW001")]),
        ("---\ntitle: x\nlang: en: fr\n---\n", [(3, "RW001")]),
        ("---\n- a list\n---\n", [(1, "RW001")]),
        ("---\ntitle: !!python/object:os.system ls\n---\n", [(2, "RW001")]),
        # "billion laughs": refused at the first alias instead of expanded
        ("---\ntitle: x\na: &a [x, x, x]\nb: &b [*a, *a, *a]\ntags: *b\n---\n", [(4, "RW001")]),
    ],
)
def test_front_matter_must_be_safe_yaml_mapping(text, expected):
    assert problems(text) == expected


def test_repeated_key_is_reported_on_its_second_line():
    text = article().replace("lang: en\n", "lang: en\nlang: fr\n")
    assert problems(text) == [(line_of(text, "lang: fr"), "RW001")]


@pytest.mark.parametrize("key", ["title", "publishedAt", "lang", "source", "tags", "draft", "ai"])
def test_every_spec_key_is_required(key):
    text = article()
    start = line_of(text, f"{key}:") - 1
    lines = text.splitlines(keepends=True)
    end = start + 1
    while lines[end].startswith(" "):
        end += 1
    text = "".join(lines[:start] + lines[end:])
    assert (1, "RW002") in problems(text)
    assert f"front matter lacks '{key}'" in str(check_text(text).problems)


def test_cover_image_is_optional_and_kept_with_urls():
    cover = {"raw": "https://images.example/a.jpg?x=$y", "small": "https://images.example/s.jpg"}
    assert problems(article(coverImage=cover)) == []


def test_missing_ai_key_points_at_ai():
    text = article(ai={"rewritten": True, "version": VERSION})
    assert problems(text) == [(line_of(text, "ai:"), "RW002")]


@pytest.mark.parametrize(
    "override, key",
    [
        ({"score": "high"}, "score"),
        ({"tags": "ASIA"}, "tags"),
        ({"tags": ["ASIA", 3]}, "tags"),
        ({"draft": "no"}, "draft"),
        ({"stickyWeight": True}, "stickyWeight"),
        ({"externalId": 54398936}, "externalId"),
        ({"sentiment": "ANGRY"}, "sentiment"),
        ({"source": "CoinDesk"}, "source"),
        ({"title": ""}, "title"),
        ({"ai": {"rewritten": "yes!", "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION}}, "rewritten"),
        ({"ai": {"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": "1"}}, "version"),
    ],
)
def test_wrong_types_are_blocked_on_their_line(override, key):
    text = article(**override)
    assert problems(text) == [(line_of(text, f"{key}:"), "RW003")]


def test_unquoted_timestamp_is_a_wrong_type():
    text = article().replace("publishedAt: '2025-11-14T17:46:49.000Z'", "publishedAt: 2025-11-14T17:46:49.000Z")
    [problem] = check_text(text).problems
    assert (problem.line, problem.code) == (line_of(text, "publishedAt"), "RW003")
    assert "quote it" in problem.message


def test_not_rewritten_is_blocked():
    text = article(ai={"rewritten": False, "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION})
    assert problems(text) == [(line_of(text, "rewritten:"), "RW004")]


def test_older_prompt_version_is_stale():
    text = article(ai={"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": 0})
    assert problems(text) == [(line_of(text, "version:"), "RW005")]


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2025-11-14T17:46:49.000Z", True),
        ("2025-11-14T17:46:49Z", True),
        ("2025-11-14T17:46:49.123456+00:00", True),
        ("2025-11-14T17:46:49.000", False),
        ("2025-11-14T17:46:49+02:00", False),
        ("2025-13-14T17:46:49.000Z", False),
        ("2025-02-30T00:00:00Z", False),
        ("2025-11-14", False),
        ("yesterday", False),
    ],
)
def test_times_must_be_iso_8601_utc(value, ok):
    assert valid_utc_time(value) is ok
    text = article(updatedAt=value)
    assert problems(text) == ([] if ok else [(line_of(text, "updatedAt:"), "RW006")])


def test_expanded_at_is_checked_inside_ai():
    text = article(ai={"rewritten": True, "expandedAt": "14/11/2025", "version": VERSION})
    assert problems(text) == [(line_of(text, "expandedAt:"), "RW006")]


def test_description_longer_than_176_characters_is_blocked():
    text = article(description="x" * 177)
    assert problems(text) == [(3, "RW007")]
    assert problems(article(description="y" * 176)) == []


def test_cut_description_must_end_in_an_ellipsis():
    cut = describe(OVERVIEW)
    assert problems(article(description=cut.rstrip("…"))) == [(3, "RW008")]
    assert problems(article(description=cut.rstrip("…") + "...")) == [(3, "RW008")]
    assert problems(article(description="An editor's own summary of the story.")) == []


def test_mojibake_explains_the_length_of_a_damaged_description():
    damaged = "Seized " * 24 + "seizingâ€¦"  # 176 characters once repaired
    assert len(damaged) == 178
    assert problems(article(description=damaged)) == [(3, "RW012")]


def heading_problems(body: str) -> list[str]:
    return [f"{p.code} {p.message}" for p in check_text(article(body=body)).problems]


def body(*sections: tuple[str, str]) -> str:
    return "\n\n".join(f"## {title}\n\n{text}" if title else text for title, text in sections) + "\n"


OV = ("Overview", OVERVIEW)
WH = ("What Happened", "\n\n".join(PARAGRAPHS))
IM = ("Impact on the crypto market", "\n".join(f"- {b}" for b in BULLETS))


def test_sections_must_all_be_there_in_order_and_filled():
    assert heading_problems(body(OV, WH, IM)) == []
    assert heading_problems(body(OV, IM)) == ["RW009 heading '## What Happened' is missing"]
    assert heading_problems(body(WH, OV, IM))[0].startswith("RW009 headings out of order")
    assert heading_problems(body(OV, ("What Happened", ""), IM)) == ["RW009 section '## What Happened' is empty"]
    assert heading_problems(body(OV, WH, ("Sources", "x"), IM)) == ["RW009 unexpected heading '## Sources'"]
    assert heading_problems(body(("", "Intro."), OV, WH, IM)) == [
        "RW009 text before the first heading; the body starts with '## Overview'"
    ]


def test_missing_heading_is_reported_where_it_belongs():
    text = article(body=body(OV, IM))
    assert problems(text) == [(line_of(text, "## Impact"), "RW009")]


@pytest.mark.parametrize("count, ok", [(2, False), (3, True), (6, True), (7, False)])
def test_impact_has_three_to_six_bullets(count, ok):
    bullets = [
        "Exchanges may face stricter checks.",
        "Liquidity could thin on Asian venues.",
        "Custodians will review their clients.",
        "Stablecoin issuers may freeze more funds.",
        "Miners are unaffected for now.",
        "Tax agencies watch the seizures closely.",
        "Privacy coins draw fresh attention.",
    ][:count]
    text = article(body=body(OV, WH, ("Impact on the crypto market", "\n".join(f"- {b}" for b in bullets))))
    assert problems(text) == ([] if ok else [(line_of(text, "## Impact"), "RW010")])


def test_impact_without_bullets_is_blocked():
    assert codes(article(body=body(OV, WH, ("Impact on the crypto market", "A paragraph instead.")))) == ["RW010"]


def test_repeated_bullet_is_reported_on_its_line():
    bullets = [*BULLETS, "Regulators may tighten rules for exchanges!"]
    text = article(body=body(OV, WH, ("Impact on the crypto market", "\n".join(f"- {b}" for b in bullets))))
    # The "!" is a fault of its own (RW019): news prose does not exclaim.
    assert problems(text) == [(line_of(text, "exchanges!"), "RW011"), (line_of(text, "exchanges!"), "RW019")]


def test_repeated_bullets_agree_with_the_plain_definition():
    from rewriter.similarity import squash as fold  # judged without spaces: a glued copy repeats too

    def lcs(a: str, b: str) -> int:  # longest common subsequence, by the textbook table
        row = [0] * (len(b) + 1)
        for x in a:
            prev, row = row, [0]
            for k, y in enumerate(b):
                row.append(prev[k] + 1 if x == y else max(prev[k + 1], row[k]))
        return row[-1]

    def duplicate_bullets(bullets):  # the rule written out plainly
        f = [fold(b) for b in bullets]
        return [
            (i, j) for i in range(len(f)) for j in range(i + 1, len(f))
            if f[i] == f[j] or 2 * lcs(f[i], f[j]) >= 0.9 * (len(f[i]) + len(f[j]))
        ]  # fmt: skip

    samples = [
        BULLETS,
        ["Prices fell.", "prices fell!", "Volumes rose."],
        ["Investors may sell.", "Investors may sell more.", "Miners may sell."],
        ["Scrutiny of exchanges rises.", "Scrutiny of exchanges rose.", "A new topic."],
    ]
    import random

    rng = random.Random(3)
    words = "prices fell rose sharply miners exchanges regulators may tighten rules investors sell".split()
    for _ in range(300):  # near-duplicates made by dropping or swapping a word
        base = [rng.choice(words) for _ in range(rng.randint(2, 9))]
        variant = list(base)
        if rng.random() < 0.5 and len(variant) > 2:
            variant.pop(rng.randrange(len(variant)))
        else:
            variant[rng.randrange(len(variant))] = rng.choice(words)
        samples.append([" ".join(base), " ".join(variant).capitalize() + ".", " ".join(rng.sample(words, 4))])
    for bullets in samples:
        assert repeated_bullets(bullets) == duplicate_bullets(bullets), bullets


@pytest.mark.parametrize(
    "text, ok",
    [
        ("Prices fell 5% on Friday.", True),
        ("Prices fell… on “Friday”, said the café.", True),
        ("Prices fellâ€¦ on Friday.", False),
        ("The cafÃ© closed.", False),
    ],
)
def test_mojibake_in_the_body_is_reported_on_its_line(text, ok):
    article_text = article(body=body(OV, ("What Happened", text), IM))
    assert problems(article_text) == ([] if ok else [(line_of(article_text, text[:8]), "RW012")])


def test_mojibake_in_any_front_matter_field():
    text = article(tags=["ASIA", "CAFÃ‰"])
    assert problems(text) == [(line_of(text, "tags:"), "RW012")]
    text = article(source={"name": "CoinDesk â€“ Asia", "key": "coindesk", "type": "RSS"})
    assert problems(text) == [(line_of(text, "name:"), "RW012")]


def test_ascii_text_never_loads_ftfy():
    assert check.mojibake_fix("plain ASCII text, with $15 and {braces}") is None


@pytest.mark.parametrize(
    "line, ok",
    [
        ("Authorities <b>said</b> more.", False),
        ('<img src="x.png"> appeared.', False),
        ("<!-- note --> hidden.", False),
        ("<script>alert(1)</script>", False),
        ("[Read more](javascript:alert(1))", False),
        ("See <https://www.justice.gov> for the filing.", True),
        ("Prices rose 5% as 3 < 4 and 5 > 2.", True),
        ("The `<b>` tag is shown as code.", True),
    ],
)
def test_html_and_scripts_in_the_body_are_blocked(line, ok):
    text = article(body=body(OV, ("What Happened", line), IM))
    assert problems(text) == ([] if ok else [(line_of(text, line[:10]), "RW013")])


@pytest.mark.parametrize(
    "line, ok",
    [
        ("Read {{ article }} here.", False),
        ("The $title of the day.", False),
        ("Posted at ${time}.", False),
        ("{% if draft %}Draft{% endif %}", False),
        ("[Insert quote from the DOJ here]", False),
        ("Lorem ipsum dolor sit amet.", False),
        ("$BTC rose to $90,000 while $ETH held.", True),
        ("A 10% {rise} in fees.", True),
    ],
)
def test_left_over_template_markers_are_blocked(line, ok):
    text = article(body=body(OV, ("What Happened", line), IM))
    assert problems(text) == ([] if ok else [(line_of(text, line[:10]), "RW014")])


@pytest.mark.parametrize(
    "line, ok",
    [
        ("As an AI language model, I cannot verify this.", False),
        ("As an AI, I do not hold opinions on markets.", False),
        ("I'm an AI and cannot browse.", False),
        ("Sure, here is the rewritten article.", False),
        ("As of my last update, prices were higher.", False),
        ("As an AI startup, the firm raised $15 million.", True),
        ("The AI model was trained on market data.", True),
    ],
)
def test_text_talking_about_itself_as_an_ai_is_blocked(line, ok):
    text = article(body=body(OV, ("What Happened", line), IM))
    assert problems(text) == ([] if ok else [(line_of(text, line[:10]), "RW015")])


def test_ai_talk_in_the_title_is_blocked():
    text = article(title="As an AI language model, here is the news")
    assert problems(text) == [(2, "RW015")]


def test_warnings_block_the_article():
    text = article(ai={"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION, "warnings": ["x"]})
    assert problems(text) == [(line_of(text, "warnings:"), "RW016")]


def test_extra_keys_are_allowed():
    text = article(ai={"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": VERSION, "model": "m",
                       "sourceHash": "0123456789abcdef"}, slug="doj")  # fmt: skip
    assert problems(text) == []


def test_draft_is_skipped_unless_asked():
    text = article(draft=True, title="{{ title }}")
    assert check_text(text).status == "skipped"
    assert codes(text) == []
    assert check_text(text, include_drafts=True).status == "blocked"


def test_key_lines_map_nested_keys():
    lines, repeated = key_lines("title: x\nsource:\n  name: a\nai:\n  version: 1\n")
    assert lines == {"title": 2, "source": 3, "source.name": 4, "ai": 5, "ai.version": 6}
    assert repeated == []


def test_crlf_and_bom_files_are_read(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbf" + article().replace("\n", "\r\n").encode("utf-8"))
    result = run_cli("check", str(path))
    assert result.returncode == 0, result.stdout


def test_non_utf8_file_is_blocked(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(article().encode("utf-8").replace(b"Friday", b"Fr\xe9day"))
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert f"{path}:1: RW001 the file is not UTF-8 text" in result.stdout


# --- the fast paths give the same answers as the slow ones -------------------------


def test_badness_pattern_is_the_one_verified_for_windowed_search():
    """Every match of ftfy's pattern holds a non-ASCII character and is at most
    BADNESS_MATCH_MAX long; only then is searching near non-ASCII text exact."""
    import zlib

    try:
        import re._constants as sre_constants
        import re._parser as sre_parse
    except ImportError:  # Python 3.10
        import sre_constants  # type: ignore[no-redef]
        import sre_parse  # type: ignore[no-redef]
    from ftfy.badness import BADNESS_RE

    tree = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert tree.getwidth()[1] <= check.BADNESS_MATCH_MAX

    def only_non_ascii(op: Any, av: Any) -> bool:
        if op == sre_constants.LITERAL:
            return av >= 128
        if op == sre_constants.IN:
            return all(
                (o == sre_constants.LITERAL and a >= 128) or (o == sre_constants.RANGE and a[0] >= 128) for o, a in av
            )
        return False

    [(op, (_, branches))] = list(tree)
    assert op == sre_constants.BRANCH
    assert all(any(only_non_ascii(o, a) for o, a in branch) for branch in branches)
    assert zlib.crc32(BADNESS_RE.pattern.encode("utf-8")) == check.BADNESS_PATTERN_CRC32
    assert check._badness()[1] is True


def test_windowed_mojibake_search_agrees_with_ftfy():
    import random

    from ftfy import fix_encoding
    from ftfy.badness import is_bad

    pieces = ["seizing", " ", "…", "â€¦", "â€™", "café", "cafÃ©", "“quoted”", "Ã ", "ÃƒÂ©", "\x85", "œ", "-", "$15", "\n", "x" * 9]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert check.may_have_mojibake(text) == (not text.isascii() and is_bad(text)), text
        assert (check.mojibake_fix(text) is not None) == (fix_encoding(text) != text), text


@pytest.mark.parametrize(
    "text",
    [
        "AS AN AI, I think", "as a large language model", "I’m an AI", "I am only a language model",
        "Here's your rewritten piece", "CERTAINLY! Here is the text", "My knowledge cutoff", "i hope this helps",
        "<SCRIPT>", "JavaScript:alert(1)", "onClick=run()", "$title", "${x}", "[Insert name]", "LOREM IPSUM",
    ],
)  # fmt: skip
def test_hints_let_every_match_through(text):
    lower = text.lower()
    if check._AI_TALK.search(text):
        assert any(hint in lower for hint in check._AI_TALK_HINTS)
    if check._SCRIPT.search(text):
        assert any(hint in lower for hint in check._SCRIPT_HINTS)
    if check._TEMPLATE.search(text):
        assert check._may_have_template_marker(text)
    assert check_text(article(body=body(OV, ("What Happened", text), IM))).problems


def test_a_folder_that_cannot_be_read_blocks_instead_of_passing_unseen(tmp_path, monkeypatch):
    import os

    from rewriter.check import check_paths

    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.md").write_text("not even front matter", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # what a folder at mode 000 does for a user who is not root
        if str(path) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = check_paths([tmp_path])
    assert report.blocked
    assert [(p.path, p.code, p.message) for p in report.problems] == [
        (str(tmp_path / "locked"), "RW001", "cannot read the folder: Permission denied")
    ]
