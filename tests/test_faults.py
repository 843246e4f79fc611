"""Fault matrix: every way a model server can fail, through the batch job.

For each fault the report gives the item's expected status, no article file is
written for a failed item, and nothing is cached for it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakeserver import Reply

ERROR = json.dumps({"error": {"message": "fake"}}).encode()


def feed(tmp_path: Path, count: int = 1) -> Path:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps(
            {
                "externalId": f"item-{n}",
                "title": f"Exchange {n} pauses withdrawals",
                "publishedAt": "2025-11-14T17:46:49Z",
                "body": "<p>An exchange paused withdrawals after unauthorised transfers.</p>",
                "source": "Example Wire",
            }
        )
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batch(tmp_path: Path, source: Path, *extra: str, env: dict[str, str] | None = None):
    report = tmp_path / "report.json"
    result = run_cli(
        "batch", str(source), "--out", str(tmp_path / "out"), "--report", str(report), "--concurrency", "1", *extra,
        env=env,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(report.read_text(encoding="utf-8"))


def cached_entries() -> int:
    stats = run_cli("cache", "stats").stdout
    return int(next(line for line in stats.splitlines() if line.startswith("entries:")).split(":")[1])


def articles(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "out").glob("*.md"))


def test_429_with_retry_after_is_waited_out(tmp_path, use_fake):
    use_fake.queue(Reply(status=429, body=ERROR, headers={"Retry-After": "1"}))
    result, report = batch(tmp_path, feed(tmp_path))
    assert result.returncode == 0
    assert report["items"][0]["status"] == "rewritten"
    assert len(use_fake.requests) == 2 and len(articles(tmp_path)) == 1


def test_a_burst_of_server_errors_is_retried(tmp_path, use_fake):
    use_fake.queue(Reply(status=500, body=ERROR), Reply(status=503, body=ERROR))
    result, report = batch(tmp_path, feed(tmp_path))
    assert result.returncode == 0 and report["items"][0]["status"] == "rewritten"
    assert len(use_fake.requests) == 3


def test_a_hang_fails_the_item_and_the_batch_goes_on(tmp_path, use_fake):
    use_fake.queue(Reply(content="{}", delay=4))
    env = {"REWRITER_TIMEOUT": "1", "REWRITER_MAX_RETRIES": "0"}
    result, report = batch(tmp_path, feed(tmp_path, 2), env=env)
    assert result.returncode == 1
    first, second = report["items"]
    assert first["status"] == "failed" and "did not answer within 1 s" in first["error"]
    assert first["path"] is None or not Path(first["path"]).exists()
    assert second["status"] == "rewritten"
    assert len(articles(tmp_path)) == 1
    assert cached_entries() == 1  # only the good item's answer


def test_connection_refused_names_the_base_url(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the run: nothing listens
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "sk-x", "REWRITER_MAX_RETRIES": "0"}
    result, report = batch(tmp_path, feed(tmp_path), env=env)
    assert result.returncode == 1
    item = report["items"][0]
    assert item["status"] == "failed" and f"cannot reach the model server at http://127.0.0.1:{port}/v1" in item["error"]
    assert articles(tmp_path) == [] and cached_entries() == 0


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(body=b'{"choices": [ not json'), "malformed response"),
        (Reply(content='{"overview": "x"}', finish_reason="length"), "cut off at max_tokens"),
        (Reply(content="", refusal="I can't help with that."), "the model refused: I can't help with that."),
        (Reply(content="{}", choices=False), "no choices"),
        (Reply(body=b'{"choices": [{"message": {"content": ["parts"]}}]}'), "malformed response"),
        (Reply(body=b'{"choices": "none"}'), "malformed response"),
        (Reply(body=b'{"choices": [{"message": null, "finish_reason": "stop"}]}'), "empty answer"),
    ],
    ids=["malformed-body", "finish-length", "refusal", "empty-choices", "content-list", "choices-text", "null-message"],
)
def test_unusable_answers_fail_the_item_and_are_not_cached(tmp_path, use_fake, reply, message):
    use_fake.default = lambda request: reply
    result, report = batch(tmp_path, feed(tmp_path))
    assert result.returncode == 1
    item = report["items"][0]
    assert item["status"] == "failed" and message in item["error"], item["error"]
    assert articles(tmp_path) == [] and cached_entries() == 0
    assert "failed" in result.stderr


@pytest.mark.parametrize(
    "envelope",
    [{"usage": "lots"}, {"usage": {"prompt_tokens": 10.5, "completion_tokens": "x"}}, {"usage": None}, {"finish_reason": 1}],
    ids=["usage-text", "usage-counts", "usage-null", "finish-reason-number"],
)
def test_a_good_answer_in_an_odd_envelope_is_kept(tmp_path, use_fake, envelope):
    """Token counts only feed the report: a server that garbles them still gets its answer used."""
    from tests.fakeserver import PLAIN_ANSWER, completion

    body = completion(json.dumps(PLAIN_ANSWER))
    body.update({k: v for k, v in envelope.items() if k != "finish_reason"})
    if "finish_reason" in envelope:
        body["choices"][0]["finish_reason"] = envelope["finish_reason"]
    use_fake.default = lambda request: Reply(body=json.dumps(body).encode())
    result, report = batch(tmp_path, feed(tmp_path))
    assert result.returncode == 0, result.stderr
    assert report["items"][0]["status"] == "rewritten" and len(articles(tmp_path)) == 1


def test_schema_failures_are_reasked_then_fail(tmp_path, use_fake):
    use_fake.default = lambda request: Reply(json.dumps({"overview": "only this"}))
    result, report = batch(tmp_path, feed(tmp_path))
    assert result.returncode == 1
    item = report["items"][0]
    assert item["status"] == "failed" and "no valid answer after 3 attempt(s)" in item["error"]
    assert len(use_fake.requests) == 3
    assert "what_happened" in use_fake.requests[1]["messages"][-1]["content"]  # the re-ask names the fault
    assert articles(tmp_path) == [] and cached_entries() == 0
