"""Grounding (spec §3): every number in an article must appear in its source.

Unit tests of the number matching, then the behaviour a user sees through the
CLI against the fake server: the re-ask names the invented figures, an answer
that stays ungrounded becomes a draft with warnings (exit status 1), and
sentences that carry invented figures are dropped and recorded under
`ai.dropped`. Last, real SmolLM2 answers recorded from the llama.cpp server
(examples/cache.jsonl) are replayed offline to show that the
figures it invented never reach a publishable article.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rewriter.answer import RewriteAnswer
from rewriter.review import Facts, drop_unsupported, figures, review
from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import GOOD_ANSWER, Reply

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"
#: Real SmolLM2 answers to the example drafts, re-asks included, recorded with
#: prompt version 1 (before the grammar-level schema).
RECORDED_V1 = Path(__file__).parent / "fixtures" / "smollm2-v1-answers.json"
SEED_SOURCE = (
    "U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto\n\n"
    "The U.S. Department of Justice said on Friday that it has secured several criminal "
    "convictions tied to North Korea's cryptocurrency operations.\n\n"
    "Authorities also reported collecting another $15 million in proceeds from North Korean "
    "crypto heists, adding to earlier seizures."
)
INVENTED = "$20 million"


def values(text: str) -> list[float]:
    return [f.value for f in figures(text)]


# --- number matching ---------------------------------------------------------


@pytest.mark.parametrize("written", ["$15 million", "15 million", "$15M", "$15m", "15,000,000", "$15,000,000", "15 mln"])
def test_every_spelling_of_fifteen_million_is_the_same_figure(written: str) -> None:
    assert values(written) == [15_000_000]
    assert Facts(SEED_SOURCE).unsupported(f"Officials seized {written} in proceeds.") == []


@pytest.mark.parametrize(
    ("source", "written"),
    [
        ("raised $1.2 billion", "raised $1.2bn"),
        ("raised $1.2 billion", "raised 1,200,000,000 dollars"),
        ("fell 50% before the open", "fell 50 percent"),
        ("a $185M exploit", "a $185 million exploit"),
        ("it holds 3,300 BTC", "it holds 3,300 bitcoin"),
    ],
)
def test_other_magnitudes_match_across_spellings(source: str, written: str) -> None:
    assert Facts(source).unsupported(written) == []


@pytest.mark.parametrize("text", ["Web3", "Q4 results", "the ERC20 token", "USDC", "Layer2"])
def test_digits_inside_words_are_not_numbers(text: str) -> None:
    assert figures(text) == []


def test_years_dates_counts_and_percentages_all_count() -> None:
    facts = Facts(SEED_SOURCE)
    text = "In 2023 the agency won 3 cases, on March 13, and prices rose 12%."
    assert [f.text for f in facts.unsupported(text)] == ["2023", "3", "March 13", "12%"]


def test_the_publication_date_may_be_cited() -> None:
    facts = Facts(SEED_SOURCE, "14 November 2025", "2025-11-14")
    assert facts.unsupported("On 14 November 2025 the DOJ spoke.") == []
    assert [f.text for f in facts.unsupported("In 2023 the DOJ spoke.")] == ["2023"]


def test_the_figures_the_real_model_invented_are_caught() -> None:
    facts = Facts(SEED_SOURCE)
    text = "It traced a $20 million transaction in 2023; one hacker was sentenced to 20 years."
    assert [f.text for f in facts.unsupported(text)] == ["$20 million", "2023", "20"]
    assert facts.unsupported("It collected another $15M.") == []


def test_review_names_field_and_figure_and_flags_repeated_bullets() -> None:
    answer = RewriteAnswer.model_validate(
        {
            **GOOD_ANSWER,
            "what_happened": ["The DOJ traced a $20 million transaction in 2023."],
            "impact": [GOOD_ANSWER["impact"][0], GOOD_ANSWER["impact"][0] + "!", GOOD_ANSWER["impact"][2]],
        }
    )
    messages = [p.message for p in review(answer, Facts(SEED_SOURCE)) if p.blocking]
    assert "what_happened[0] uses the figure '$20 million', which is not in the source" in messages
    assert "what_happened[0] uses the figure '2023', which is not in the source" in messages
    assert "impact[1] repeats impact[0]" in messages


def test_dropping_keeps_supported_sentences_and_lists_the_rest() -> None:
    answer = RewriteAnswer.model_validate(
        {
            **GOOD_ANSWER,
            "what_happened": [
                "The Justice Department announced several criminal convictions on Friday. It traced a $20 million transaction in 2023.",
            ],
            "impact": [*GOOD_ANSWER["impact"], "One hacker was sentenced to 20 years."],
        }
    )
    pruned = drop_unsupported(answer, Facts(SEED_SOURCE))
    assert pruned is not None
    assert pruned.answer.what_happened == ["The Justice Department announced several criminal convictions on Friday."]
    assert pruned.answer.impact == GOOD_ANSWER["impact"]
    assert pruned.dropped == ["It traced a $20 million transaction in 2023.", "One hacker was sentenced to 20 years."]


def test_sentences_that_repeat_earlier_ones_are_rejected_then_dropped() -> None:
    # SmolLM2 pads the later sections with the overview's sentences (seen in the quality runs)
    overview = GOOD_ANSWER["overview"]
    answer = RewriteAnswer.model_validate(
        {
            **GOOD_ANSWER,
            "what_happened": [*GOOD_ANSWER["what_happened"], overview],
            "impact": [*GOOD_ANSWER["impact"], GOOD_ANSWER["what_happened"][1]],
        }
    )
    facts = Facts(SEED_SOURCE)
    repeated = [(p.field, p.message) for p in review(answer, facts) if p.kind == "repeated"]
    assert repeated == [
        ("what_happened[2]", "what_happened[2] repeats a sentence written earlier in the answer; say something new"),
        ("impact[3]", "impact[3] repeats a sentence written earlier in the answer; say something new"),
    ]
    pruned = drop_unsupported(answer, facts)
    assert pruned is not None and not any(p.blocking for p in review(pruned.answer, facts))
    assert pruned.answer.what_happened == GOOD_ANSWER["what_happened"]
    assert pruned.answer.impact == GOOD_ANSWER["impact"]
    assert pruned.dropped == [overview, GOOD_ANSWER["what_happened"][1]]


def test_short_and_distinct_sentences_are_not_repeats() -> None:
    answer = RewriteAnswer.model_validate(
        {**GOOD_ANSWER, "what_happened": ["Officials spoke on Friday.", "Officials spoke on Friday. Funds were seized in the case."]}
    )
    assert [p for p in review(answer, Facts(SEED_SOURCE)) if p.kind == "repeated"] == []


def test_sentences_do_not_end_at_abbreviations() -> None:
    from rewriter.review import sentences

    text = "The U.S. Department of Justice spoke on Friday. It seized $15 million. Mr. Kim was named."
    assert sentences(text) == [
        "The U.S. Department of Justice spoke on Friday.",
        "It seized $15 million.",
        "Mr. Kim was named.",
    ]


def test_sentences_copied_from_a_prompts_example_are_rejected() -> None:
    # a small model copies a worked example's sentences into unrelated stories
    example_bullet = "Paused withdrawals could shake user confidence in centralised platforms."
    instructions = f'Example answer: {{"impact": ["{example_bullet}", "Another point."]}}'
    facts = Facts(SEED_SOURCE, instructions=instructions)
    copied = "Paused withdrawals could shake user confidence in centralised crypto platforms."
    answer = RewriteAnswer.model_validate({**GOOD_ANSWER, "impact": [*GOOD_ANSWER["impact"], copied]})
    assert [p.message for p in review(answer, facts)] == [
        "impact[3] copies the example from the instructions instead of using the news item"
    ]
    pruned = drop_unsupported(answer, facts)
    assert pruned is not None and pruned.dropped == [copied]
    assert review(RewriteAnswer.model_validate(GOOD_ANSWER), facts) == []


# Answers SmolLM2 really gave for examples/drafts with the worked example taken
# out of the prompt: valid JSON under the schema, yet labels, the headline and
# a comma instead of prose. None of them may be published.
LABELS_ANSWER = {
    "overview": ",",
    "what_happened": ["USDC Regains Its Peg", "Circle Says Reserves Are Safe"],
    "impact": ["POSITIVE", "NEGATIVE", "NEUTRAL"],
    "sentiment": "POSITIVE",
}


def test_labels_and_the_bare_headline_are_not_prose() -> None:
    facts = Facts(SEED_SOURCE, headlines=("U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto",))
    blocking = {p.field: p.kind for p in review(RewriteAnswer.model_validate(LABELS_ANSWER), facts) if p.blocking}
    assert blocking == {
        "overview": "length",
        "what_happened[0]": "thin", "what_happened[1]": "thin",
        "impact[0]": "thin", "impact[1]": "thin", "impact[2]": "thin",
    }  # fmt: skip
    headline = RewriteAnswer.model_validate(
        {**GOOD_ANSWER, "what_happened": ["U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto!"]}
    )
    assert [(p.field, p.kind) for p in review(headline, facts)] == [
        ("what_happened[0]", "exclamation"), ("what_happened[0]", "thin"),
    ]  # fmt: skip
    assert review(RewriteAnswer.model_validate(GOOD_ANSWER), facts) == []


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("overview", "POSITIVE " * 25),
        ("overview", "Breaking: U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto"),
        ("what_happened", "Breaking: U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto"),
        ("what_happened", "U.S. U.K. E.U. N/A N/A N/A N/A"),
        ("impact", "N/A N/A N/A"),
    ],
)
def test_repeated_words_and_a_near_headline_are_not_prose(field: str, text: str) -> None:
    facts = Facts(SEED_SOURCE, headlines=("U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto",))
    value = text if field == "overview" else [text, *GOOD_ANSWER[field]]
    answer = RewriteAnswer.model_validate({**GOOD_ANSWER, field: value})
    assert any(p.kind == "thin" and p.blocking for p in review(answer, facts))


def test_prose_in_a_script_without_spaces_is_counted_fairly() -> None:
    facts = Facts("")
    assert not facts.thin("美国司法部表示已没收更多加密货币。", 4)
    assert facts.thin("积极", 4)


def test_a_stub_left_after_dropping_an_invented_figure_is_dropped_too() -> None:
    answer = RewriteAnswer.model_validate(
        {**GOOD_ANSWER, "what_happened": [*GOOD_ANSWER["what_happened"], "Markets fell. Bitcoin dropped 12% to $50,000 on Friday."]}
    )
    pruned = drop_unsupported(answer, Facts(SEED_SOURCE))
    assert pruned is not None and pruned.answer.what_happened == GOOD_ANSWER["what_happened"]
    assert review(pruned.answer, Facts(SEED_SOURCE)) == []


def test_labels_are_dropped_when_enough_prose_is_left() -> None:
    answer = RewriteAnswer.model_validate(
        {**GOOD_ANSWER, "what_happened": [*GOOD_ANSWER["what_happened"], "NEGATIVE"], "impact": [*GOOD_ANSWER["impact"], "impact"]}
    )
    pruned = drop_unsupported(answer, Facts(SEED_SOURCE))
    assert pruned is not None and pruned.dropped == ["NEGATIVE", "impact"]
    assert pruned.answer.what_happened == GOOD_ANSWER["what_happened"] and pruned.answer.impact == GOOD_ANSWER["impact"]
    assert drop_unsupported(RewriteAnswer.model_validate(LABELS_ANSWER), Facts(SEED_SOURCE)) is None


def test_an_answer_of_labels_becomes_a_draft_never_an_article(tmp_path, use_fake) -> None:
    use_fake.default = lambda request: Reply(json.dumps(LABELS_ANSWER))
    out = tmp_path / "out.md"
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(out))
    assert result.returncode == 1
    meta, _ = _article(out)
    assert meta["draft"] is True
    # one line for the fields where it is the same problem (issue 20)
    assert any(
        w.startswith("is not a full sentence about the story; write one of at least 4 words (impact[0]")
        for w in meta["ai"]["warnings"]
    ), meta["ai"]["warnings"]
    # Re-asked, naming the problems; the same answer again makes the third ask
    # the very request of the second, which the cache answers.
    assert len(use_fake.requests) == 2
    assert "what_happened[0] is not a full sentence" in use_fake.requests[1]["messages"][-1]["content"]


# --- through the CLI, against the fake server --------------------------------

INVENTED_ANSWER = {
    **GOOD_ANSWER,
    "overview": (
        "The U.S. Department of Justice tied a $20 million transaction in 2023 to North Korean hackers, "
        "one of whom was sentenced to 20 years, and said it collected another $15 million in proceeds "
        "from crypto heists as part of its effort against the regime's money networks."
    ),
}


def _article(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def test_reask_names_the_invented_figures(use_fake, tmp_path: Path) -> None:
    use_fake.queue(Reply(json.dumps(INVENTED_ANSWER)), Reply(json.dumps(GOOD_ANSWER)))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    assert len(use_fake.requests) == 2
    first, second = (r["messages"] for r in use_fake.requests)
    reask = second[-1]
    assert reask["role"] == "user"
    for figure in ("'$20 million'", "'2023'", "'20'"):
        assert figure in reask["content"]
    assert "'$15 million'" not in reask["content"]
    assert second[-2] == {"role": "assistant", "content": json.dumps(INVENTED_ANSWER)}
    assert second[: len(first)] == first  # the original messages are kept, not mutated
    meta, body = _article(tmp_path / "out.md")
    assert meta["draft"] is False and "warnings" not in meta["ai"]
    assert INVENTED not in body


def test_still_ungrounded_answer_is_written_as_a_draft_with_warnings(use_fake, tmp_path: Path) -> None:
    use_fake.default = lambda request: Reply(json.dumps(INVENTED_ANSWER))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 1
    assert "draft:" in result.stderr and "$20 million" in result.stderr
    assert len(use_fake.requests) >= 2  # an identical re-ask is answered from the cache
    meta, _ = _article(tmp_path / "out.md")
    assert meta["draft"] is True
    assert meta["ai"]["rewritten"] is True
    assert any("'$20 million'" in w for w in meta["ai"]["warnings"])
    assert any("'2023'" in w for w in meta["ai"]["warnings"])


def test_sentences_with_invented_figures_are_dropped_and_recorded(use_fake, tmp_path: Path) -> None:
    answer = {
        **GOOD_ANSWER,
        "what_happened": [
            *GOOD_ANSWER["what_happened"],
            "Officials said the funds moved through a $20 million transaction in 2023.",
        ],
        "impact": [*GOOD_ANSWER["impact"], "One hacker was sentenced to 20 years in prison."],
    }
    use_fake.default = lambda request: Reply(json.dumps(answer))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    meta, body = _article(tmp_path / "out.md")
    assert meta["draft"] is False
    assert meta["ai"]["dropped"] == [
        "Officials said the funds moved through a $20 million transaction in 2023.",
        "One hacker was sentenced to 20 years in prison.",
    ]
    assert "20 million" not in body and "20 years" not in body and "2023" not in body
    assert "$15 million" in body


def test_an_answer_cut_off_at_max_tokens_is_asked_again(use_fake, tmp_path: Path) -> None:
    looping = '{"overview": "' + "The DOJ said it acted. " * 200
    use_fake.queue(Reply(looping, finish_reason="length"), Reply(json.dumps(GOOD_ANSWER)))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    assert len(use_fake.requests) == 2
    assert "cut off" in use_fake.requests[1]["messages"][-1]["content"]
    # the loop itself is not sent back: it cost prompt tokens and did not help (issue 20)
    assert [m["role"] for m in use_fake.requests[1]["messages"]] == ["system", "user", "user"]
    meta, _ = _article(tmp_path / "out.md")
    assert meta["draft"] is False



def test_without_review_reasks_the_first_valid_answer_is_final(use_fake, tmp_path: Path) -> None:
    """REWRITER_REVIEW_REASKS=0 (the embedded model's default): the review's
    findings make a draft at once; only an unusable answer is asked again."""
    looping = '{"overview": "' + "The DOJ said it acted. " * 200
    use_fake.queue(Reply(looping, finish_reason="length"), Reply(json.dumps(INVENTED_ANSWER)))
    use_fake.default = lambda request: Reply(json.dumps(GOOD_ANSWER))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env={"REWRITER_REVIEW_REASKS": "0"})
    assert result.returncode == 1
    assert len(use_fake.requests) == 2  # the cut-off answer was asked again, the invented figures were not
    meta, _ = _article(tmp_path / "out.md")
    assert meta["draft"] is True
    assert any("'$20 million'" in w for w in meta["ai"]["warnings"])


def test_a_long_list_of_reasons_is_cut_on_the_terminal_and_kept_in_the_article(use_fake, tmp_path: Path) -> None:
    invented = "Officials said a $20 million transfer in 2023 funded 20 ships, 30 ports and 40 banks."
    answer = {**GOOD_ANSWER, "what_happened": [invented] * 2, "impact": [invented + " Markets fell."] * 4}
    use_fake.default = lambda request: Reply(json.dumps(answer))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env={"REWRITER_REVIEW_REASKS": "0"})
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if line.startswith("draft: "))
    assert line.endswith("(cut here; every warning is in the article's ai.warnings)")
    assert len(line) < 800
    meta, _ = _article(tmp_path / "out.md")
    assert len("; ".join(meta["ai"]["warnings"])) > 800  # the article keeps every reason
    assert any("impact[3]" in w for w in meta["ai"]["warnings"])


def test_review_reasks_default_by_provider(monkeypatch) -> None:
    from rewriter.settings import Settings

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "REWRITER_PROVIDER", "REWRITER_REVIEW_REASKS"):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None).resolved_review_reasks() is False  # the embedded model
    assert Settings(_env_file=None, provider="openai").resolved_review_reasks() is True
    assert Settings(_env_file=None, review_reasks=True).resolved_review_reasks() is True
    monkeypatch.setenv("REWRITER_REVIEW_REASKS", "")  # as .env.example shows it, uncommented
    assert Settings(_env_file=None, provider="openai").resolved_review_reasks() is True


# --- real SmolLM2 answers, recorded from llama.cpp, served again ---------------


def test_recorded_smollm2_inventions_never_reach_a_publishable_article(fake_server, tmp_path: Path) -> None:
    """SmolLM2's real answers, from before the grammar made inventing digits impossible.

    The fake server serves each draft's three recorded answers in turn, so the
    CLI reviews, re-asks and drops exactly what the real model wrote.
    """
    recorded = json.loads(RECORDED_V1.read_text(encoding="utf-8"))["answers"]
    caught = []  # invented figures the model really wrote, and where they ended up
    for name, answers in recorded.items():
        fake_server.requests.clear()
        fake_server.queue(*(Reply(a) for a in answers))
        out = tmp_path / name
        env = {"OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-x", "REWRITER_CACHE_MODE": "off"}
        result = run_cli("rewrite", str(EXAMPLES / "drafts" / name), "-o", str(out), env=env)
        assert "Traceback" not in result.stderr
        facts = _facts_of(name)
        reasks = [r["messages"][-1]["content"] for r in fake_server.requests[1:]]
        caught += [f.text for a in answers[:-1] for f in facts.unsupported(a)]
        for figure in {f.text for f in facts.unsupported(answers[0])}:
            assert f"'{figure}'" in reasks[0], (name, figure)  # the re-ask names it
        if not out.exists():  # no valid answer at all: the item failed, nothing written
            assert result.returncode == 1 and "no valid answer" in result.stderr
            continue
        meta, body = _article(out)
        text = "\n".join(line for line in body.splitlines() if not line.startswith("## "))
        if meta["draft"]:
            assert meta["ai"]["warnings"] and f"draft: {out}" in result.stderr  # held back, and the editor is told why
            assert result.returncode == 1
        else:
            assert facts.unsupported(text) == [], f"{name} was published with invented figures"
    assert {"$2.4 million", "100%", "$1.58"} <= set(caught), "the recording holds real answers with invented figures"


def _facts_of(name: str) -> Facts:
    from rewriter.prompts import load_prompt
    from rewriter.readers.markdown import read_draft
    from rewriter.rewrite import facts_of

    return facts_of(read_draft(EXAMPLES / "drafts" / name), load_prompt())
