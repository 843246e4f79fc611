"""Secrets never leak, and the cache never unpickles anything."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import diskcache

from rewriter.cache import ResponseCache
from rewriter.model import Endpoint, ModelClient
from rewriter.prompts import load_prompt
from rewriter.readers.markdown import read_draft
from rewriter.rewrite import build_messages
from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import Reply

CANARY = "sk-test-canary-0123456789"
SEED = EXAMPLES / "drafts" / "doj-north-korea.md"


def every_file_text(folder: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


def test_api_key_never_appears_in_output_errors_cache_or_articles(tmp_path, use_fake, isolated_env):
    drafts = tmp_path / "drafts"
    shutil.copytree(EXAMPLES / "drafts", drafts)
    # One item succeeds, one fails with a server error whose body echoes headers.
    use_fake.queue(Reply(status=401, body=json.dumps({"error": {"message": "bad key"}}).encode()))
    first = run_cli("rewrite", str(drafts / "usdc-depeg.md"), "-o", str(tmp_path / "out/a.md"))
    second = run_cli("rewrite", str(SEED), "-o", str(tmp_path / "out/b.md"))
    assert first.returncode == 1 and "HTTP 401" in first.stderr
    assert second.returncode == 0
    export = tmp_path / "export.jsonl"
    assert run_cli("cache", "export", str(export)).returncode == 0
    stats = run_cli("cache", "stats")
    places = {
        "stdout/stderr": first.stdout + first.stderr + second.stdout + second.stderr + stats.stdout,
        "articles": every_file_text(tmp_path / "out"),
        "cache folder": every_file_text(isolated_env),
        "cache export": export.read_text(encoding="utf-8"),
    }
    for where, text in places.items():
        assert CANARY not in text, f"API key leaked into {where}"
    # It was sent where it belongs: the Authorization header.
    sent = [{k.lower(): v for k, v in h.items()}.get("authorization") for h in use_fake.headers]
    assert sent and all(value == f"Bearer {CANARY}" for value in sent)


class Exploit:
    """Unpickling this writes a marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def test_planted_pickle_is_refused_not_unpickled(tmp_path, isolated_env):
    messages = build_messages(read_draft(SEED), load_prompt())
    endpoint = Endpoint(model="fake-model", server_id="http://127.0.0.1:9/v1", base_url="http://127.0.0.1:9/v1")
    client = ModelClient(endpoint, ResponseCache(isolated_env))
    keys = [client.key(client.body(messages, fmt)) for fmt in ("json_schema", "json_object_schema", "json_object")]
    marker = tmp_path / "marker"
    with diskcache.Cache(str(isolated_env)) as attacker:  # default Disk: pickles
        for key in keys:
            attacker.set(key, Exploit(marker))
    result = run_cli(
        "rewrite", str(SEED), "-o", str(tmp_path / "out.md"),
        env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "REWRITER_MODEL": "fake-model"},
    )  # fmt: skip
    assert not marker.exists(), "the planted pickle was executed"
    assert result.returncode == 1
    assert "is not JSON" in result.stderr and "refusing" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.md").exists()


def test_pickled_key_is_refused_on_export(tmp_path, isolated_env):
    ResponseCache(isolated_env).set("rewriter:chat:v1:ok", {"content": "x"})
    with diskcache.Cache(str(isolated_env)) as attacker:
        attacker.set(("tuple", "key"), "value")  # a non-string key is pickled
    result = run_cli("cache", "export", str(tmp_path / "e.jsonl"))
    assert result.returncode == 1 and "pickled" in result.stderr
    assert "Traceback" not in result.stderr


def test_values_are_stored_as_json_text(tmp_path, isolated_env):
    ResponseCache(isolated_env).set("rewriter:chat:v1:k", {"content": "héllo"})
    with diskcache.Cache(str(isolated_env)) as raw:
        row = raw._sql("SELECT mode, value FROM Cache WHERE key = ?", ("rewriter:chat:v1:k",)).fetchone()
    mode, value = row
    assert mode == diskcache.core.MODE_RAW
    assert json.loads(bytes(value)) == {"content": "héllo"}
    assert pickle.PROTO not in bytes(value)[:1]
