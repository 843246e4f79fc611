"""The model call: structured-output negotiation, re-ask, cache keys and modes."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
from pathlib import Path

import pytest

from rewriter import policy
from rewriter.cache import ResponseCache
from rewriter.errors import CacheMiss
from rewriter.model import Endpoint, ModelClient, format_payload
from rewriter.prompts import load_prompt
from rewriter.readers.markdown import read_draft
from rewriter.review import Facts
from rewriter.rewrite import build_messages, rewrite_item
from rewriter.settings import CacheMode
from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import GOOD_ANSWER, FakeServer, Reply

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"


def client_for(server: FakeServer, cache_dir: Path, mode: CacheMode = CacheMode.USE, **endpoint) -> ModelClient:
    fields = {"model": "fake-model", "server_id": server.base_url, "base_url": server.base_url, "api_key": "sk-x"}
    return ModelClient(Endpoint(**{**fields, **endpoint}), ResponseCache(cache_dir, mode), timeout=5, max_retries=0)


def rewrite(client: ModelClient, draft: Path = SEED_DRAFT):
    async def go():
        try:
            return await rewrite_item(read_draft(draft), load_prompt(), client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def formats(server: FakeServer) -> list[str]:
    return [
        "json_schema" if r["response_format"]["type"] == "json_schema"
        else "json_object_schema" if "schema" in r["response_format"] else "json_object"
        for r in server.requests
    ]  # fmt: skip


def test_falls_back_to_json_object_with_schema_and_remembers_it(tmp_path):
    with FakeServer(reject_json_schema=True) as server:
        outcome = rewrite(client_for(server, tmp_path / "c"))
        assert outcome.publishable
        assert formats(server) == ["json_schema", "json_object_schema"]
        # A later run against the same server starts with what worked.
        rewrite(client_for(server, tmp_path / "c", CacheMode.REFRESH))
        assert formats(server)[2:] == ["json_object_schema"]


def test_falls_back_to_plain_json_object(tmp_path):
    rejection = json.dumps({"error": {"message": "response_format.schema is not supported"}}).encode()
    with FakeServer(reject_json_schema=True) as server:
        server.queue(Reply(status=400, body=rejection))
        rewrite(client_for(server, tmp_path / "c"))
        assert formats(server) == ["json_schema", "json_object_schema", "json_object"]


def test_reask_feeds_back_the_error_without_mutating_messages(tmp_path):
    with FakeServer() as server:
        server.queue(Reply("this is not json"), Reply(json.dumps({**GOOD_ANSWER, "impact": ["only one"]})))
        outcome = rewrite(client_for(server, tmp_path / "c"))
        assert outcome.attempts == 3 and outcome.publishable
        first, second, third = (r["messages"] for r in server.requests)
        assert len(first) == 2  # the base messages were never appended to
        assert second[:2] == first and second[2] == {"role": "assistant", "content": "this is not json"}
        assert "not valid JSON" in second[3]["content"]
        assert third[:2] == first and "impact" in third[3]["content"]


def test_invalid_answers_are_never_cached(tmp_path):
    with FakeServer() as server:
        server.default = lambda request: Reply("{\"overview\": 1}")
        with pytest.raises(Exception, match="no valid answer after 3 attempt"):
            rewrite(client_for(server, tmp_path / "c"))
    assert ResponseCache(tmp_path / "c").stats()["entries"] == 0


def test_cache_key_covers_request_not_api_key(tmp_path):
    with FakeServer() as server:
        messages = build_messages(read_draft(SEED_DRAFT), load_prompt())
        base = client_for(server, tmp_path / "c")
        key = base.key(base.body(messages, "json_schema"))
        other_key = client_for(server, tmp_path / "c", api_key="sk-another")
        assert other_key.key(other_key.body(messages, "json_schema")) == key
        assert "sk-x" not in key
        other_model = client_for(server, tmp_path / "c", model="other")
        assert other_model.key(other_model.body(messages, "json_schema")) != key
        other_url = client_for(server, tmp_path / "c", server_id="http://127.0.0.1:1/v1")
        assert other_url.key(other_url.body(messages, "json_schema")) != key
        changed = [messages[0], {**messages[1], "content": messages[1]["content"] + "!"}]
        assert base.key(base.body(changed, "json_schema")) != key
        assert base.key(base.body(messages, "json_object")) != key
        assert key.startswith("rewriter:chat:v1:")


def test_cached_rerun_sends_no_request(tmp_path):
    with FakeServer() as server:
        rewrite(client_for(server, tmp_path / "c"))
        sent = len(server.requests)
        outcome = rewrite(client_for(server, tmp_path / "c"))
        assert outcome.cached and len(server.requests) == sent


def test_replay_miss_names_the_item_and_request(tmp_path):
    with FakeServer() as server:
        with pytest.raises(CacheMiss) as caught:
            rewrite(client_for(server, tmp_path / "c", CacheMode.REPLAY))
        assert server.requests == []
    message = str(caught.value)
    assert str(SEED_DRAFT) in message and "rewriter:chat:v1:" in message and "replay" in message


def test_replay_miss_from_the_cli(tmp_path):
    result = run_cli(
        "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"),
        env={"REWRITER_CACHE_MODE": "replay", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "no recorded response for request rewriter:chat:v1:" in result.stderr
    assert not (tmp_path / "out.md").exists()
    assert "Traceback" not in result.stderr


def test_replay_reproduces_a_run_whose_re_asks_were_cut_off(tmp_path):
    """Cut-off and invalid answers are never recorded, so a replay cannot follow the
    re-asks past them: it stops there, and the recorded answer decides, as it did live."""
    invented = {**GOOD_ANSWER, "overview": GOOD_ANSWER["overview"] + " Authorities traced a $20 million transaction."}
    cut = Reply('{"overview": "Authorities traced', finish_reason="length")
    with FakeServer() as server:
        server.queue(Reply(json.dumps(invented)), cut, cut)
        live = rewrite(client_for(server, tmp_path / "c"))
        assert len(server.requests) == 3
        replayed = rewrite(client_for(server, tmp_path / "c", CacheMode.REPLAY))
        assert len(server.requests) == 3  # the replay sent nothing
    assert live.dropped == ["Authorities traced a $20 million transaction."]
    assert (replayed.answer, replayed.dropped, replayed.warnings) == (live.answer, live.dropped, live.warnings)


# --- what a grammar-driven server (llama.cpp) is held to ------------------------


def test_a_grammar_server_may_only_spell_the_sources_figures_in_prose(tmp_path):
    """llama.cpp turns the schema into a decoding grammar; OpenAI's strict mode gets the portable one."""
    with FakeServer(reject_json_schema=True) as server:
        rewrite(client_for(server, tmp_path / "c"))
        strict, grammar = server.requests[0]["response_format"], server.requests[1]["response_format"]
    assert "pattern" not in json.dumps(strict) and "minLength" not in json.dumps(strict)
    schema = grammar["schema"]["properties"]
    assert schema["what_happened"]["maxItems"] == 2 and schema["impact"]["maxItems"] == 4
    overview, bullet = re.compile(schema["overview"]["pattern"]), re.compile(schema["impact"]["items"]["pattern"])
    assert overview.match(GOOD_ANSWER["overview"])  # its figures ($15 million) are the source's
    assert bullet.match("Authorities collected another $15 million in proceeds.")
    assert bullet.match("On 14 November 2025, officials said they had seized $15M.")  # the date may be cited
    assert bullet.match("美国司法部表示，已没收与朝鲜有关的加密货币。")  # a custom prompt's language
    for bad in (
        "Authorities traced a $20 million transaction.",  # a figure the source does not have
        "The DOJ won cases in 2023 and seized more funds.",
        "The DOJ seized another $1515 million in proceeds.",  # two of the source's figures run together
        "The DOJ seized another $15.15 million in proceeds.",
        "POSITIVE: the case may lift confidence in markets.",  # a label
        "impact_on_market: the case may lift confidence.",
        "Sentiment: POSITIVE, NEGATIVE, NEUTRAL, POSITIVE.",  # the key written into the prose
        "Impacted Banking Systems]]]]]]]]]]]]]]]]]].",
        "Markets " + "moved on the news, " * 20 + "again.",  # a loop, past the bullet's 250 characters
        "Authorities collected another batch of proceeds",  # no full stop
        'Authorities said "more" would follow in time.',  # a quote would need JSON escaping
        "Short one.",
        "the case may lift confidence in the markets.",  # prose opens with a capital
        "POSITIVE news may lift confidence in the months ahead.",  # a label word opens a label, not prose
        "NEUTRAL for the markets in the months ahead.",
        "IMPACT ON THE MARKET may be felt for months.",
        "WHAT HAPPENED is that the DOJ seized funds.",
    ):
        assert not bullet.match(bad), bad
    # two capitals open prose as well: an acronym, a company, an agency
    for good in (
        "US prosecutors may seize more in the months ahead.",
        "FTX said it would repay its customers soon.",
        "SEC officials said the case was still open.",
        "NEWS of the seizure spread across the markets.",  # a word that only starts like a label
        "A court said the funds would be returned.",
    ):
        assert bullet.match(good), good


def test_a_grammar_endpoint_gets_the_grammar_schema_inside_json_schema(tmp_path):
    """The embedded llama.cpp takes `json_schema` and decodes under it, so that mode carries the
    grammar-level schema there; OpenAI's strict `json_schema` keeps the portable one."""
    with FakeServer() as server:
        rewrite(client_for(server, tmp_path / "c", grammar=True))
        rewrite(client_for(server, tmp_path / "d"))
        grammar, strict = (r["response_format"] for r in server.requests)
        held, free = (r["max_tokens"] for r in server.requests)
    assert grammar["type"] == strict["type"] == "json_schema"
    # held by the grammar, an answer of its longest texts, one token a character, still ends
    # (issue 20: a loop cut off at 1,024 tokens failed the item with nothing written)
    assert (held, free) == (policy.GRAMMAR_MAX_TOKENS, policy.MAX_TOKENS) and held >= 2400 + 100
    schema = grammar["json_schema"]["schema"]["properties"]
    assert schema["impact"]["maxItems"] == 4 and "15" in schema["overview"]["pattern"]
    assert "pattern" not in json.dumps(strict)


def test_rewriter_grammar_sends_a_configured_server_the_grammar_schema(use_fake, tmp_path):
    """What `rewriter serve` prints (REWRITER_GRAMMAR=1) keeps the grammar for runs that share it."""
    run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "a.md"))
    run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "b.md"), env={"REWRITER_GRAMMAR": "1"})
    portable, grammar = (r["response_format"]["json_schema"]["schema"] for r in use_fake.requests)
    assert "pattern" not in json.dumps(portable) and "pattern" in json.dumps(grammar)


def test_every_request_carries_the_fixed_seed(fake_server, tmp_path):
    rewrite(client_for(fake_server, tmp_path / "c"))
    assert [r["seed"] for r in fake_server.requests] == [policy.SEED]


@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="needs the 'local' extra")
def test_xllamacpp_converts_the_grammar_schema_it_is_sent():
    """The embedded server's converter takes the grammar schema whole (an llguidance grammar,
    whose regular expressions llama.cpp compiles per request: tests/test_local_server.py
    sends it to the real server)."""
    import xllamacpp

    facts = Facts("It raised $1.5 billion, or 15,000,000 shares, in 2023.", "13 March 2023")
    schema = format_payload("json_schema", facts.numerals, grammar=True)["json_schema"]["schema"]
    grammar = xllamacpp.json_schema_to_grammar(schema)
    assert grammar.startswith("%llguidance")
    embedded = json.loads(grammar.split("%json", 1)[1])
    assert embedded == schema  # every pattern reaches the grammar as written
    pattern = embedded["properties"]["impact"]["items"]["pattern"]
    for numeral in ("1[.]5", "15[,]000[,]000", "2023", "13"):
        assert numeral in pattern
    assert r'[^0-9"\\\x00-\x1f_{}<>|#*=:\[\]' in pattern and "\\s" not in pattern


