"""Claims checked against the source by a verification request (issue 19, rewriter.verify).

Through the CLI against the fake server: verification is on for a server
by default; an unsupported claim is re-asked by name, then dropped, then
kept as a draft; a verifier's quote that the item lacks does not pass; the
verification is cached and replays offline; on the export path its lines
are the next round's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rewriter.answer import RewriteAnswer
from rewriter.review import Facts
from rewriter.verify import VerifyAnswer, claims, judge
from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import GOOD_ANSWER, Reply, completion, is_verification, numbered_sentences, supported_verdict

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"
PLANTED = "Authorities collected the $15 million after North Korea's crypto operations were shut down."
#: GOOD_ANSWER with one planted claim the item does not make (a consequence and a
#: time), in its own paragraph: on the story, and every word and figure the item's,
#: so only the verifier can see it.
PLANTED_ANSWER = {**GOOD_ANSWER, "what_happened": [*GOOD_ANSWER["what_happened"], PLANTED]}


def planted_n() -> int:
    return next(c.n for c in claims(RewriteAnswer.model_validate(PLANTED_ANSWER)) if c.text == PLANTED)


def verdict_flagging(request: dict) -> Reply:
    """The verifier of the fake server: every sentence supported but the planted one."""
    if not is_verification(request):
        return Reply(json.dumps(PLANTED_ANSWER))
    flagged = tuple(n for n, _, text in numbered_sentences(request) if text == PLANTED)
    return Reply(json.dumps(supported_verdict(request, unsupported=flagged)))


def article(path: Path) -> tuple[dict, str]:
    _, meta, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(meta), body


@pytest.fixture
def verifying(use_fake, monkeypatch):
    """The fake server, with verification at its default for a server (on)."""
    monkeypatch.delenv("REWRITER_VERIFY")
    return use_fake


def test_a_server_verifies_every_answer_by_default_and_a_supported_one_is_published(verifying, tmp_path):
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    writer, verifier = verifying.requests
    assert not is_verification(writer) and is_verification(verifier)
    sent = verifier["messages"][-1]["content"]
    assert "$15 million in proceeds" in sent  # the item itself
    assert "1. (overview) The U.S. Department of Justice said" in sent
    assert "6. (impact) Recovered proceeds suggest" in sent  # one sentence, two paragraphs, three bullets
    meta, _ = article(tmp_path / "out.md")
    assert meta["draft"] is False and "warnings" not in meta["ai"]


def test_an_unsupported_claim_is_re_asked_by_name_and_the_new_answer_published(verifying, tmp_path):
    verifying.queue(Reply(json.dumps(PLANTED_ANSWER)))
    verifying.default = lambda request: (
        Reply(json.dumps(supported_verdict(request, unsupported=(planted_n(),) if len(verifying.requests) == 2 else ())))
        if is_verification(request)
        else Reply(json.dumps(GOOD_ANSWER))
    )
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    kinds = ["verify" if is_verification(r) else "write" for r in verifying.requests]
    assert kinds == ["write", "verify", "write", "verify"]
    reask = verifying.requests[2]["messages"][-1]["content"]
    assert f'what_happened[2] states what the news item does not support (the item does not say this): "{PLANTED}"' in reask
    meta, body = article(tmp_path / "out.md")
    assert meta["draft"] is False and PLANTED not in body


def test_a_claim_unsupported_to_the_last_attempt_is_dropped_and_recorded(verifying, tmp_path):
    verifying.default = verdict_flagging
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 0, result.stderr
    meta, body = article(tmp_path / "out.md")
    assert PLANTED not in body and meta["ai"]["dropped"] == [PLANTED]
    assert meta["draft"] is False
    assert GOOD_ANSWER["what_happened"][1] in body  # the supported paragraphs stay


def test_a_verifier_whose_quotes_are_not_in_the_item_passes_nothing(verifying, tmp_path):
    def invented_quotes(request: dict) -> Reply:
        if not is_verification(request):
            return Reply(json.dumps(GOOD_ANSWER))
        labels = [{"n": n, "label": "supported", "quote": "the regime paid every victim back in full", "note": ""}
                  for n, _, _ in numbered_sentences(request)]  # fmt: skip
        return Reply(json.dumps({"sentences": labels}))

    verifying.default = invented_quotes
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 1
    meta, _ = article(tmp_path / "out.md")
    assert meta["draft"] is True
    assert any("has no words of the news item behind it" in w for w in meta["ai"]["warnings"])


def test_a_verification_that_is_not_valid_json_never_publishes(verifying, tmp_path):
    verifying.default = lambda request: Reply("not json" if is_verification(request) else json.dumps(GOOD_ANSWER))
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"))
    assert result.returncode == 1, result.stderr
    meta, _ = article(tmp_path / "out.md")
    assert meta["draft"] is True
    assert any("the claims could not be verified" in w for w in meta["ai"]["warnings"])


def test_verification_is_cached_and_replays_offline(verifying, tmp_path):
    first = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "a.md"))
    assert first.returncode == 0, first.stderr
    sent = len(verifying.requests)
    again = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "b.md"), env={"REWRITER_CACHE_MODE": "replay"})
    assert again.returncode == 0, again.stderr
    assert len(verifying.requests) == sent
    assert article(tmp_path / "a.md")[1] == article(tmp_path / "b.md")[1]


def test_embedded_model_does_not_verify_unless_asked(monkeypatch):
    from rewriter.settings import load_settings

    monkeypatch.delenv("REWRITER_VERIFY")
    assert load_settings().resolved_verify() is False  # no key, no base URL: the embedded model
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert load_settings().resolved_verify() is True
    monkeypatch.setenv("REWRITER_VERIFY", "0")
    assert load_settings().resolved_verify() is False


def test_export_rounds_carry_the_verification_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("REWRITER_VERIFY", "1")
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-test", "REWRITER_MODEL": "fake-model"}
    out, requests, results = tmp_path / "out", tmp_path / "requests.jsonl", tmp_path / "results.jsonl"

    def round_trip() -> list[dict]:
        exported = run_cli("batch", str(SEED_DRAFT), "--out", str(out), "--export-requests", str(requests), env=env)
        assert exported.returncode == 0, exported.stderr
        lines = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines()]
        answers = [
            supported_verdict(line["body"]) if is_verification(line["body"]) else GOOD_ANSWER for line in lines
        ]
        results.write_text(
            "".join(
                json.dumps({"custom_id": line["custom_id"], "error": None,
                            "response": {"status_code": 200, "body": completion(json.dumps(answer))}}) + "\n"
                for line, answer in zip(lines, answers)
            ),
            encoding="utf-8",
        )  # fmt: skip
        if lines:
            assert run_cli("cache", "import", str(results), env=env).returncode == 0
        return [line["body"] for line in lines]

    assert [is_verification(b) for b in round_trip()] == [False]  # round 1: the rewrite
    assert [is_verification(b) for b in round_trip()] == [True]  # round 2: its verification
    assert round_trip() == []  # round 3: the article is written
    meta, _ = article(next(out.glob("*.md")))
    assert meta["draft"] is False


def test_a_batch_file_holds_one_model(tmp_path):
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-test", "REWRITER_MODEL": "big",
           "REWRITER_VERIFY": "1", "REWRITER_VERIFY_MODEL": "small"}  # fmt: skip
    result = run_cli("batch", str(SEED_DRAFT), "--out", str(tmp_path / "o"), "--export-requests", str(tmp_path / "r.jsonl"), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "REWRITER_VERIFY_MODEL (small) must be the writer's model (big)" in result.stderr


# --- how labels are judged ---------------------------------------------------------

SOURCE = (
    "Binance Will Convert $1B of BUSD\n\nBinance tapped its Industry Recovery Initiative funds to cover the move. "
    "The exchange listed a new token last week."
)
ANSWER = RewriteAnswer.model_validate(
    {
        "overview": "Binance will convert $1B of BUSD, using its Industry Recovery Initiative funds.",
        "what_happened": ["Binance tapped its recovery funds to cover the conversion."],
        "impact": ["Demand for BUSD may fall.", "Traders could watch Binance closely.", "Other issuers might follow."],
        "sentiment": "NEUTRAL",
    }
)


def labels(*entries: tuple[str, str]) -> VerifyAnswer:
    return VerifyAnswer.model_validate(
        {"sentences": [{"n": n, "label": label, "quote": quote, "note": ""} for n, (label, quote) in enumerate(entries, 1)]}
    )


def test_an_inference_is_allowed_in_impact_and_a_finding_anywhere_else():
    facts = Facts(SOURCE)
    fine = labels(("supported", "Binance Will Convert $1B of BUSD"), ("supported", "Binance tapped its Industry Recovery"),
                  *[("inference", "Binance Will Convert $1B of BUSD")] * 3)  # fmt: skip
    assert judge(ANSWER, fine, facts) == []
    stated = labels(("inference", "Binance Will Convert $1B of BUSD"), ("supported", "Binance tapped its Industry Recovery"),
                    *[("inference", "Binance Will Convert $1B of BUSD")] * 3)  # fmt: skip
    [problem] = judge(ANSWER, stated, facts)
    assert problem.field == "overview" and problem.kind == "inference"
    assert "states an inference as fact" in problem.message


def test_a_quote_must_be_the_items_words_and_about_the_sentence():
    facts = Facts(SOURCE)
    elided = labels(("supported", "Binance will convert 1B of BUSD"), ("supported", "Binance tapped its Industry Recovery"),
                    *[("inference", "Binance Will Convert $1B of BUSD")] * 3)  # fmt: skip
    assert judge(ANSWER, elided, facts) == []  # a dropped "$" is still the item's quote
    unrelated = labels(("supported", "Binance Will Convert $1B of BUSD"),
                       ("supported", "The exchange listed a new token last week"),
                       *[("inference", "Binance Will Convert $1B of BUSD")] * 3)  # fmt: skip
    found = judge(ANSWER, unrelated, facts)
    assert [p.field for p in found] == ["what_happened[0]"]  # the item's words, but not about the sentence
    missing = VerifyAnswer.model_validate({"sentences": []})
    assert len(judge(ANSWER, missing, facts)) == 5


def test_the_report_counts_and_prices_the_verification_tokens(verifying, tmp_path):
    env = {"REWRITER_PRICE_IN": "1", "REWRITER_PRICE_OUT": "2"}
    result = run_cli("batch", str(SEED_DRAFT), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"), env=env)
    assert result.returncode == 0, result.stderr
    assert "of which verification in / out" in result.stderr and "100 / 50" in result.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["totals"]["tokens"] == {"input": 200, "output": 100}  # the fake answers 100 in, 50 out
    assert report["totals"]["verifyTokens"] == {"input": 100, "output": 50}
    assert report["items"][0]["verifyTokens"] == {"input": 100, "output": 50}
    assert report["cost"] == pytest.approx((200 * 1 + 100 * 2) / 1e6)


def test_a_batch_file_holds_one_model_when_the_writer_is_the_default_model(tmp_path):
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-test", "REWRITER_VERIFY": "1",
           "REWRITER_VERIFY_MODEL": "gpt-4.1-nano"}  # fmt: skip
    result = run_cli("batch", str(SEED_DRAFT), "--out", str(tmp_path / "o"), "--export-requests", str(tmp_path / "r.jsonl"), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "REWRITER_VERIFY_MODEL (gpt-4.1-nano) must be the writer's model (gpt-4o-mini)" in result.stderr
