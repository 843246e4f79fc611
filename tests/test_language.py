"""The article language: `lang` states the language an article is written in.

A Spanish news API item (`LANG: ES`) goes through `rewriter batch` against the
fake server, once with the default profile (`language: en`: an English
article, `lang: en`, `ai.sourceLang: es`) and once with `language: source`
(the prompt asks for Spanish; Spanish headings; `lang: es`). With the default,
the messages are the bytes they were before languages existed, so recorded
responses (examples/cache.jsonl) still replay.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from rewriter.check import check_text
from rewriter.errors import PromptError
from rewriter.prompts import load_prompt
from rewriter.readers.markdown import read_draft
from rewriter.render import describe, render_body, render_document
from rewriter.rewrite import build_messages
from tests.conftest import EXAMPLES, NEWS_API_ITEM, ROOT, run_cli
from tests.fakeserver import Reply

SPANISH_ANSWER = {
    "sentiment": "NEGATIVE",
    "overview": (
        "El banco central del país advirtió a los ahorradores sobre los riesgos de las criptomonedas y pidió "
        "a las plataformas de intercambio que informen con claridad a sus clientes, mientras los reguladores "
        "preparan nuevas normas para el sector. El banco central advirtió el viernes sobre los riesgos de las criptomonedas."
    ),
    "what_happened": ["El banco central publicó un comunicado con advertencias para los ahorradores y las plataformas."],
    "impact": [
        "Las plataformas podrían enfrentar controles más estrictos.",
        "Los ahorradores podrían actuar con más cautela ante las criptomonedas.",
        "Los reguladores podrían acelerar las nuevas normas del sector.",
    ],
}
SPANISH_HEADINGS = ["## Resumen", "## Qué pasó", "## Impacto en el mercado de criptomonedas"]
ENGLISH_HEADINGS = ["## Overview", "## What Happened", "## Impact on the crypto market"]
#: sha256 of the messages for each example draft under the default English
#: profile (prompt version 3, issue 19's contract): the keys of
#: examples/cache.jsonl depend on these bytes, so a change of them is a change
#: of the prompt, and comes with a raised version and a re-recorded cache.
RECORDED_MESSAGES = {
    "doj-north-korea.md": "760d338a34e3ba6bb776575678b4503558abd341b8d76d955edc34ecda9f3602",
    "first-republic-futures.md": "249528862c7091945552e267b0140d8e375d255f1c55728713640adbfd637882",
    "usdc-depeg.md": "dd7ae45d65589b17af067a244d5be13ed62351eb0187b5cc75b2fa07fdcd9b21",
}


def spanish_feed(folder: Path) -> Path:
    item = copy.deepcopy(json.loads(NEWS_API_ITEM.read_text(encoding="utf-8"))["Data"][0])
    item.update(
        LANG="ES",
        TITLE="El banco central advierte sobre las criptomonedas",
        SUBTITLE="Pide a las plataformas que informen a sus clientes",
        BODY="<p>El banco central advirtió el viernes a los ahorradores sobre los riesgos de las criptomonedas.</p>",
    )
    path = folder / "feed.json"
    path.write_text(json.dumps({"Data": [item], "Err": {}}, ensure_ascii=False), encoding="utf-8")
    return path


def source_prompts(folder: Path) -> Path:
    prompts = folder / "prompts"
    shutil.copytree(ROOT / "prompts" / "rewrite", prompts)
    profile = prompts / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("\nlanguage: en\n", "\nlanguage: source\n"), encoding="utf-8")
    return prompts


def article_of(out: Path) -> tuple[dict, list[str], str]:
    [path] = sorted(out.rglob("*.md"))
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), [line for line in body.splitlines() if line.startswith("## ")], str(path)


def test_default_profile_writes_english_and_keeps_the_items_language(tmp_path, use_fake):
    out = tmp_path / "out"
    result = run_cli("batch", str(spanish_feed(tmp_path)), "--out", str(out), "--name", "{lang}/{slug}.md")
    assert result.returncode == 0, result.stdout + result.stderr
    [request] = use_fake.requests
    assert "a clear, neutral article in English, in your own words." in request["messages"][0]["content"]
    meta, headings, path = article_of(out)
    assert Path(path).parent.name == "en"  # `{lang}` in --name is the article's language, as `lang` says
    assert meta["lang"] == "en" and meta["ai"]["sourceLang"] == "es"
    assert headings == ENGLISH_HEADINGS
    check = run_cli("check", path)
    assert check.returncode == 0, check.stdout


def test_language_source_writes_the_items_language(tmp_path, use_fake):
    use_fake.default = lambda request: Reply(json.dumps(SPANISH_ANSWER))
    out = tmp_path / "out"
    prompts = source_prompts(tmp_path)
    result = run_cli("batch", str(spanish_feed(tmp_path)), "--out", str(out), "--prompts", str(prompts), "--name", "{lang}/{slug}.md")
    assert result.returncode == 0, result.stdout + result.stderr
    [request] = use_fake.requests
    assert "a clear, neutral article in Spanish, in your own words." in request["messages"][0]["content"]
    meta, headings, path = article_of(out)
    assert meta["lang"] == "es" and "sourceLang" not in meta["ai"] and Path(path).parent.name == "es"
    assert headings == SPANISH_HEADINGS
    # The description is the cut of the Spanish overview, and the check judges it so.
    assert meta["description"] == describe(SPANISH_ANSWER["overview"]) and meta["description"].endswith("…")
    for args in ([], ["--prompts", str(prompts)]):  # the packaged profile knows Spanish headings too
        check = run_cli("check", *args, path)
        assert check.returncode == 0, check.stdout


def test_default_messages_are_the_bytes_recorded_for_the_example_cache():
    for name, digest in RECORDED_MESSAGES.items():
        messages = build_messages(read_draft(EXAMPLES / "drafts" / name), load_prompt())
        assert hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest() == digest


def test_a_language_the_profile_lacks_gets_english_headings_and_its_code_in_the_prompt(tmp_path):
    prompt = load_prompt(source_prompts(tmp_path))
    assert prompt.headings("sv") == ("Overview", "What Happened", "Impact on the crypto market")
    assert prompt.language_name("sv") == "the language whose ISO 639 code is 'sv'"
    assert prompt.language_name("pt-br") == "Portuguese" and prompt.headings("pt-br")[0] == "Visão geral"
    assert [prompt.headings(code)[0] for code in ("es", "de", "fr", "pt")] == ["Resumen", "Überblick", "Aperçu", "Visão geral"]


def spanish_article(body_headings: tuple[str, str, str], lang: str = "es") -> str:
    overview = SPANISH_ANSWER["overview"]
    values = {
        "title": "El banco central advierte", "description": describe(overview),
        "publishedAt": "2025-11-14T17:46:49.000Z", "updatedAt": "2025-11-14T18:34:59.322Z", "lang": lang,
        "externalId": "1", "source": {"name": "CoinDesk", "key": "coindesk", "type": "RSS"}, "category": "NEWS",
        "tags": ["NEWS"], "stickyWeight": 0, "sentiment": "NEGATIVE", "score": 0, "draft": False,
        "ai": {"rewritten": True, "expandedAt": "2025-11-14T18:34:59.322Z", "version": load_prompt().version},
    }  # fmt: skip
    body = render_body(overview, SPANISH_ANSWER["what_happened"], SPANISH_ANSWER["impact"], body_headings[2], body_headings[:2])
    return render_document(values, body)


def test_check_accepts_the_headings_of_the_articles_language_or_english_only():
    spanish = tuple(h[3:] for h in SPANISH_HEADINGS)
    english = tuple(h[3:] for h in ENGLISH_HEADINGS)
    assert check_text(spanish_article(spanish), "a.md").problems == []
    assert check_text(spanish_article(english), "a.md").problems == []  # English, the fallback
    mixed = check_text(spanish_article((spanish[0], english[1], spanish[2])), "a.md").problems
    assert {(p.code, p.message) for p in mixed} >= {
        ("RW009", "heading '## Qué pasó' is missing"),
        ("RW009", "unexpected heading '## What Happened'"),
    }
    # Spanish headings are not German ones.
    assert {p.code for p in check_text(spanish_article(spanish, lang="de"), "a.md").problems} == {"RW009"}
    # The description cut is judged on the Spanish overview.
    uncut = spanish_article(spanish).replace(describe(SPANISH_ANSWER["overview"]), describe(SPANISH_ANSWER["overview"])[:-1])
    assert [p.code for p in check_text(uncut, "a.md").problems] == ["RW008"]


@pytest.mark.parametrize(
    "profile, message",
    [
        ("version: 2\nlanguage: klingon\n", "profile 'language' must be 'en', 'source' or a language code"),
        ("version: 2\nlanguages:\n  es: {name: Spanish, headings: [Resumen]}\n", "'languages.es.headings' must list three headings"),
    ],
)
def test_bad_language_settings_are_usage_errors(tmp_path, profile, message):
    prompts = source_prompts(tmp_path)
    (prompts / "profile.yaml").write_text(profile, encoding="utf-8")
    with pytest.raises(PromptError, match=message):
        load_prompt(prompts)
    result = run_cli("check", "--prompts", str(prompts), str(tmp_path))
    assert result.returncode == 2 and message in result.stderr


def test_language_source_needs_the_language_variable_in_your_prompt(tmp_path):
    prompts = source_prompts(tmp_path)
    system = prompts / "system.md"
    system.write_text(system.read_text(encoding="utf-8").replace("{{ language }}", "English"), encoding="utf-8")
    with pytest.raises(PromptError, match=r"needs \{\{ language \}\} in system.md or user.md"):
        load_prompt(prompts)
