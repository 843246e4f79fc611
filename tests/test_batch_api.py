"""`rewriter batch --via batch-api` and `--export-requests`, run as a user would.

Against tests/fakebatch.py, a fake Batch API on 127.0.0.1 whose batches
succeed, fail every fifth line, expire half done, answer in reverse order,
complete with only an error file, or fail validation. The fake counts online
chat requests: a Batch run must send none.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ctrl_c_as_in_a_terminal, run_cli
from tests.fakebatch import FakeBatchServer
from tests.fakeserver import PLAIN_ANSWER, FakeServer, Reply
from tests.test_batch import articles, numbered, write_jsonl

ITEMS = 10


def numbered_answer(body: dict) -> str:
    """PLAIN_ANSWER naming the story's own number (a figure its source has), so a mix-up shows."""
    number = re.search(r"Story number (\d+)", json.dumps(body["messages"])).group(1)
    answer = {**PLAIN_ANSWER, "what_happened": [f"Story number {number} was described in public statements by those involved."]}
    return json.dumps(answer)


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "feed.jsonl", numbered(ITEMS))


def serve(monkeypatch: pytest.MonkeyPatch, *scenarios: str) -> FakeBatchServer:
    server = FakeBatchServer(numbered_answer, list(scenarios))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-canary-0123456789")
    monkeypatch.setenv("REWRITER_MODEL", "fake-model")
    return server


def batch_api(feed: Path, out: Path, *extra: str):
    return run_cli("batch", str(feed), "--out", str(out), "--via", "batch-api", "--poll", "0.05",
                   "--report", str(out.parent / "report.json"), *extra)  # fmt: skip


def report_of(out: Path) -> dict:
    return json.loads((out.parent / "report.json").read_text(encoding="utf-8"))


def request_ids(server: FakeBatchServer, batch_id: str) -> list[str]:
    content = server.files[server.batches[batch_id]["input_file_id"]]["content"].decode()
    return [json.loads(line)["custom_id"] for line in content.splitlines()]


def assert_every_article_is_its_own(out: Path) -> None:
    written = articles(out)
    assert len(written) == ITEMS
    for path in written:
        number = re.search(r"story-number-(\d+)", path.name).group(1)
        assert f"Story number {number} was described" in path.read_text(encoding="utf-8")


def test_all_lines_succeed_in_one_batch_without_an_online_request(tmp_path, monkeypatch, feed):
    with serve(monkeypatch) as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    assert server.online_requests == 0 and len(server.created) == 1
    ids = request_ids(server, server.created[0])
    assert len(ids) == len(set(ids)) == ITEMS
    lines = server.files[server.batches[server.created[0]]["input_file_id"]]["content"].decode().splitlines()
    first = json.loads(lines[0])
    assert first["method"] == "POST" and first["url"] == "/v1/chat/completions"
    assert first["body"]["model"] == "fake-model" and first["body"]["response_format"]["type"] == "json_schema"
    report = report_of(tmp_path / "out")
    assert report["totals"]["failed"] == 0 and report["totals"]["cached"] == ITEMS
    batch = report["batch"]
    assert batch["batches"] == server.created and batch["inFlight"] == []
    assert [r["lines"] for r in batch["rounds"]] == [ITEMS]
    assert batch["tokens"] == {"input": 100 * ITEMS, "output": 50 * ITEMS}
    assert "batch tokens in" in result.stderr


def test_every_fifth_line_failing_is_resubmitted(tmp_path, monkeypatch, feed):
    with serve(monkeypatch, "fail5") as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    first, second = (request_ids(server, b) for b in server.created)
    assert set(second) == {first[4], first[9]}
    assert [r["lines"] for r in report_of(tmp_path / "out")["batch"]["rounds"]] == [ITEMS, 2]


def test_an_expired_batch_keeps_its_finished_half_and_resubmits_the_rest(tmp_path, monkeypatch, feed):
    with serve(monkeypatch, "expire_half") as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    first, second = (request_ids(server, b) for b in server.created)
    assert second == first[ITEMS // 2 :]
    assert "expired, 5/10 done" in result.stderr


def test_output_in_reverse_order_is_matched_by_custom_id(tmp_path, monkeypatch, feed):
    with serve(monkeypatch, "reverse") as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    assert len(server.created) == 1


def test_a_batch_completed_with_only_an_error_file_is_resubmitted(tmp_path, monkeypatch, feed):
    with serve(monkeypatch, "errors_only") as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    assert [len(request_ids(server, b)) for b in server.created] == [ITEMS, ITEMS]


def test_lines_failing_every_round_fail_their_items_and_a_rerun_sends_them_again(tmp_path, monkeypatch, feed):
    """A 500 is the delivery's fault: the line goes into every round of the run (not
    REWRITER_ATTEMPTS of them), then its item fails, and the next run sends it again."""
    monkeypatch.setenv("REWRITER_ATTEMPTS", "1")
    monkeypatch.setenv("REWRITER_BATCH_ROUNDS", "4")
    with serve(monkeypatch, *["errors_only"] * 4) as server:
        result = batch_api(feed, tmp_path / "out", "--limit", "2")
        assert result.returncode == 1
        assert len(server.created) == 4 and [len(request_ids(server, b)) for b in server.created] == [2] * 4
        assert articles(tmp_path / "out") == []
        assert "the Batch API delivered no answer in 4 rounds (4 time(s): HTTP 500: server overloaded)" in result.stderr
        assert "rerun the same command to send it" in result.stderr
        rerun = batch_api(feed, tmp_path / "out", "--limit", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert len(server.created) == 5 and request_ids(server, server.created[4]) == request_ids(server, server.created[0])
    assert len(articles(tmp_path / "out")) == 2


def test_a_batch_api_expiring_the_same_half_of_every_batch_is_rerun_until_all_is_written(tmp_path, monkeypatch, feed):
    """Issue 20: expired lines were counted as failed answers, and a rerun never sent them again."""
    monkeypatch.setenv("REWRITER_ATTEMPTS", "1")  # expiries use up no answer
    monkeypatch.setenv("REWRITER_BATCH_ROUNDS", "2")
    out = tmp_path / "out"
    server = serve(monkeypatch)
    server.default = "expire_half"
    with server:
        first = batch_api(feed, out)
        assert first.returncode == 1
        assert [len(request_ids(server, b)) for b in server.created] == [10, 5]  # 5 expired, then 2 of those
        assert len(articles(out)) == 8
        failed = [e for e in report_of(out)["items"] if e["status"] == "failed"]
        assert len(failed) == 2 and all("batch_expired" in e["error"] and "rerun" in e["error"] for e in failed)
        second = batch_api(feed, out)
        assert second.returncode == 0, second.stderr
        assert [len(request_ids(server, b)) for b in server.created[2:]] == [2, 1]
        assert report_of(out)["totals"]["failed"] == 0
        third = batch_api(feed, out)
    assert third.returncode == 0 and len(server.created) == 4  # nothing left to send
    assert_every_article_is_its_own(out)
    assert server.online_requests == 0


def test_a_request_the_batch_api_rejects_stays_failed_named_with_the_command_that_retries_it(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.rejected = ("Body of story 3.", "Body of story 7.")
        result = batch_api(feed, out)
        assert result.returncode == 1
        assert len(server.created) == 1  # a 400 is not sent again in the same run
        failed = {e["title"]: e["error"] for e in report_of(out)["items"] if e["status"] == "failed"}
        assert sorted(failed) == ["Story number 3 about markets", "Story number 7 about markets"]
        retry = f"rewriter batch {feed} --out {out} --via batch-api --retry-rejected"
        for error in failed.values():
            assert "the Batch API rejected the request: HTTP 400: Invalid 'messages[1].content': string too long." in error
            assert f"send it again with: {retry}" in error
        assert f"2 request(s) rejected by the Batch API (see the report); once the cause is fixed: {retry}" in result.stderr
        rerun = batch_api(feed, out)
        assert rerun.returncode == 1 and len(server.created) == 1  # still failed, still named, not sent
        assert report_of(out)["totals"]["failed"] == 2 and "string too long" in rerun.stderr
        server.rejected = ()
        retried = batch_api(feed, out, "--retry-rejected")
    assert retried.returncode == 0, retried.stderr
    assert len(request_ids(server, server.created[1])) == 2
    assert_every_article_is_its_own(out)


def test_a_batch_failing_validation_reports_the_api_errors(tmp_path, monkeypatch, feed):
    with serve(monkeypatch, "validation") as server:
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 1
    assert "model 'fake-model' is not supported by the Batch API" in result.stderr
    assert articles(tmp_path / "out") == [] and len(server.created) == 1
    report = report_of(tmp_path / "out")
    assert report["totals"]["failed"] == ITEMS
    assert report["batch"]["errors"] == ["line 1: invalid_request: model 'fake-model' is not supported by the Batch API"]


def test_sigkill_after_the_batch_is_created_then_rerun_submits_nothing_twice(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.hold = True
        cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--via", "batch-api", "--poll", "0.05"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
        state = out / ".rewriter-batch" / "state.json"
        deadline = time.monotonic() + 60
        while not (state.exists() and '"batchId": "batch_' in state.read_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert len(server.created) == 1 and articles(out) == []
        server.hold = False
        result = batch_api(feed, out)
    assert result.returncode == 0, result.stderr
    assert len(server.created) == 1  # the rerun polled the batch in flight
    assert_every_article_is_its_own(out)


def test_an_uploaded_file_whose_batch_id_was_lost_is_matched_to_its_batch(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.hold = True
        first = batch_api(feed, out, "--no-wait")
        assert first.returncode == 0, first.stderr
        assert "still running at the provider" in first.stderr and "run the same command again" in first.stderr
        assert report_of(out)["totals"]["pending"] == ITEMS
        state = out / ".rewriter-batch" / "state.json"
        data = json.loads(state.read_text())
        data["files"][0]["batchId"] = None  # as if killed between creating the batch and saving its id
        state.write_text(json.dumps(data))
        server.hold = False
        result = batch_api(feed, out)
    assert result.returncode == 0, result.stderr
    assert len(server.created) == 1
    assert_every_article_is_its_own(out)


def test_cancel_cancels_the_batches_in_flight_and_a_rerun_keeps_their_partial_output(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.hold = True
        assert batch_api(feed, out, "--no-wait").returncode == 0
        cancel = batch_api(feed, out, "--cancel")
        assert cancel.returncode == 0, cancel.stderr
        assert f"cancelled 1 batch(es): {server.created[0]}" in cancel.stderr
        server.hold = False
        result = batch_api(feed, out)
        assert result.returncode == 0, result.stderr
        assert server.batches[server.created[0]]["status"] == "cancelled"
        assert request_ids(server, server.created[1]) == request_ids(server, server.created[0])[ITEMS // 2 :]
    assert_every_article_is_its_own(out)


def without_timestamps(text: str) -> str:
    return re.sub(r"(?m)^(\s*(updatedAt|expandedAt)): .*$", r"\1: X", text)


def test_an_article_through_the_batch_api_is_byte_identical_to_the_online_one(tmp_path, monkeypatch, feed):
    with FakeServer(lambda request: Reply(numbered_answer(request))) as online:
        env = {"OPENAI_BASE_URL": online.base_url, "OPENAI_API_KEY": "sk-test", "REWRITER_MODEL": "fake-model",
               "REWRITER_CACHE_DIR": str(tmp_path / "online-cache")}  # fmt: skip
        done = run_cli("batch", str(feed), "--out", str(tmp_path / "online"), env=env)
        assert done.returncode == 0, done.stderr
    with serve(monkeypatch):
        assert batch_api(feed, tmp_path / "out").returncode == 0
    online_files = articles(tmp_path / "online")
    assert [p.name for p in online_files] == [p.name for p in articles(tmp_path / "out")]
    for path in online_files:
        batch_text = (tmp_path / "out" / path.name).read_bytes().decode("utf-8")
        assert without_timestamps(batch_text) == without_timestamps(path.read_text(encoding="utf-8"))
        assert batch_text != without_timestamps(batch_text)  # the timestamps were there to mask


def test_replay_mode_is_refused_with_a_clear_message(tmp_path, monkeypatch, feed):
    with serve(monkeypatch) as server:
        result = run_cli(
            "batch", str(feed), "--out", str(tmp_path / "out"), "--via", "batch-api", env={"REWRITER_CACHE_MODE": "replay"}
        )
    assert result.returncode == 2 and "REWRITER_CACHE_MODE=use" in result.stderr
    assert "Traceback" not in result.stderr and not server.created


VLLM_SCRIPT = '''
import json, sys
sys.path.insert(0, {root!r})
from tests.test_batch_api import numbered_answer
from tests.fakeserver import completion
with open(sys.argv[1]) as lines, open(sys.argv[2], "w") as out:
    for n, line in enumerate(lines):
        request = json.loads(line)
        body = completion(numbered_answer(request["body"]))
        out.write(json.dumps({{"id": f"vllm-{{n}}", "custom_id": request["custom_id"],
                              "response": {{"status_code": 200, "request_id": f"vllm-batch-{{n}}", "body": body}},
                              "error": None}}) + "\\n")
'''


def test_round_trip_export_vllm_output_import_then_replay(tmp_path, feed):
    from tests.conftest import ROOT

    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-test", "REWRITER_MODEL": "fake-model"}
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    exported = run_cli("batch", str(feed), "--out", str(tmp_path / "out"), "--export-requests", str(requests), env=env)
    assert exported.returncode == 0, exported.stderr
    assert f"wrote {ITEMS} request line(s)" in exported.stderr and articles(tmp_path / "out") == []
    lines = requests.read_text(encoding="utf-8").splitlines()
    assert len({json.loads(line)["custom_id"] for line in lines}) == len(lines) == ITEMS
    script = tmp_path / "answer.py"
    script.write_text(VLLM_SCRIPT.format(root=str(ROOT)), encoding="utf-8")
    subprocess.run([sys.executable, str(script), str(requests), str(results)], check=True)
    imported = run_cli("cache", "import", str(results), env=env)
    assert imported.returncode == 0, imported.stderr
    assert f"imported {ITEMS} answers" in imported.stdout
    replayed = run_cli("batch", str(feed), "--out", str(tmp_path / "out"), env={**env, "REWRITER_CACHE_MODE": "replay"})
    assert replayed.returncode == 0, replayed.stderr
    assert_every_article_is_its_own(tmp_path / "out")


def test_import_refuses_an_output_line_no_export_asked_for(tmp_path):
    stray = write_jsonl(tmp_path / "results.jsonl", [{"custom_id": "rewriter:chat:v1:00", "response": None, "error": None}])
    result = run_cli("cache", "import", str(stray))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no exported request file is known" in result.stderr


def test_lines_are_split_into_files_under_the_line_limit(tmp_path, monkeypatch, feed):
    with serve(monkeypatch) as server:
        result = batch_api(feed, tmp_path / "out", "--file-lines", "4")
    assert result.returncode == 0, result.stderr
    assert [len(request_ids(server, b)) for b in server.created] == [4, 4, 2]
    assert report_of(tmp_path / "out")["batch"]["rounds"][0]["lines"] == ITEMS
    assert_every_article_is_its_own(tmp_path / "out")


def test_ctrl_c_while_polling_leaves_the_batch_running_and_says_how_to_resume(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.hold = True
        cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--via", "batch-api", "--poll", "0.05"]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
            preexec_fn=ctrl_c_as_in_a_terminal,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "in_progress" not in json.dumps(server.batches) and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert f"still running at the provider: {server.created[0]}" in stderr
        assert "run the same command again" in stderr
        assert server.batches[server.created[0]]["status"] == "in_progress"


def test_the_estimated_cost_uses_the_overridden_prices_and_the_batch_discount(tmp_path, monkeypatch, feed):
    monkeypatch.setenv("REWRITER_PRICE_IN", "1.0")
    monkeypatch.setenv("REWRITER_PRICE_OUT", "2.0")
    with serve(monkeypatch):
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    # 1,000 tokens in at $1/M and 500 out at $2/M, half price through the Batch API
    assert report_of(tmp_path / "out")["batch"]["cost"] == 0.001
    assert "$0.0010" in result.stderr


def test_the_batch_api_without_a_configured_server_is_a_usage_error(tmp_path, feed):
    result = run_cli("batch", str(feed), "--out", str(tmp_path / "out"), "--via", "batch-api")
    assert result.returncode == 2
    assert "--via batch-api needs a server with a Batch API" in result.stderr
    assert not (tmp_path / "out").exists()


def reask_once(body: dict) -> str:
    """Invalid JSON or invented figures at first; a clean answer to the re-ask."""
    messages = json.dumps(body["messages"])
    if "Your answer has these problems" in messages:
        return numbered_answer(body)
    if int(re.search(r"Story number (\d+)", messages).group(1)) % 2:
        return "this is not JSON"
    return json.dumps({**PLAIN_ANSWER, "impact": [
        "Traders moved 987 million dollars overnight.", "Lenders lost 654 million in the sell-off.",
        "Regulators fined 321 firms last year.",
    ]})  # fmt: skip


def test_answers_needing_a_reask_become_the_next_rounds_lines(tmp_path, monkeypatch, feed):
    with serve(monkeypatch) as server:
        server.answer = reask_once
        result = batch_api(feed, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_every_article_is_its_own(tmp_path / "out")
    assert [r["lines"] for r in report_of(tmp_path / "out")["batch"]["rounds"]] == [ITEMS, ITEMS]
    second = server.files[server.batches[server.created[1]]["input_file_id"]]["content"].decode().splitlines()
    reasks = [json.loads(line)["body"]["messages"] for line in second]
    assert all(m[-1]["role"] == "user" and "Your answer has these problems" in m[-1]["content"] for m in reasks)
    assert any("987" in m[-1]["content"] for m in reasks)  # the invented figures are named, as online
    # never cached: the five invalid answers; cached: the ten clean ones and the five valid but ungrounded ones
    from rewriter.cache import ResponseCache

    cache = ResponseCache(Path(os.environ["REWRITER_CACHE_DIR"]))
    assert cache.stats()["entries"] == ITEMS + ITEMS // 2


def test_a_second_run_on_the_same_folder_is_refused_while_the_first_works(tmp_path, monkeypatch, feed):
    out = tmp_path / "out"
    with serve(monkeypatch) as server:
        server.hold = True
        cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--via", "batch-api", "--poll", "0.05"]
        first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        try:
            deadline = time.monotonic() + 60
            while not server.created and time.monotonic() < deadline:
                time.sleep(0.02)
            second = batch_api(feed, out, "--no-wait")
        finally:
            first.kill()
            first.wait()
    assert second.returncode == 1
    assert f"another 'rewriter batch' (pid {first.pid}) is working on this folder" in second.stderr
    assert len(server.created) == 1


# --- the review page of a Batch or export run (issue 20) -----------------------------------


def page_rows(html: str) -> dict[str, list[str]]:
    """The item table's rows by status class: each row's text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows: dict[str, list[str]] = {}
    for row in re.findall(r'<tr class="s-(\w+)"[^>]*>(.*?)</tr>', body, flags=re.S):
        rows.setdefault(row[0], []).append(re.sub(r"<[^>]+>", " ", row[1]))
    return rows


def test_the_review_page_shows_pending_items_by_headline_with_the_batch_they_wait_for(tmp_path, monkeypatch, feed):
    out, page = tmp_path / "out", tmp_path / "run.html"
    with serve(monkeypatch) as server:
        server.hold = True
        result = run_cli("batch", str(feed), "--out", str(out), "--via", "batch-api", "--no-wait", "--report", str(page))
        assert result.returncode == 0, result.stderr
        batch_id = server.created[0]
        html = page.read_text(encoding="utf-8")
        rows = page_rows(html)
        assert list(rows) == ["pending"] and len(rows["pending"]) == ITEMS
        for n, row in enumerate(rows["pending"]):
            assert f"Story number {n} about markets" in row and f"waiting for batch {batch_id}, round 1" in row
        assert re.search(r'<li class="s-pending"><b>10</b>pending</li>', html)
        assert 'href="#only-pending">pending (10)</a>' in html
        assert f"Waiting for answers: batch {batch_id}, round 1 (10 items)." in html
        # the JSON report says the same
        assert run_cli("batch", str(feed), "--out", str(out), "--via", "batch-api", "--no-wait",
                       "--report", str(tmp_path / "run.json")).returncode == 0  # fmt: skip
        entries = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["items"]
        assert {e["waitingOn"] for e in entries} == {f"batch {batch_id}, round 1"}
        assert all(e["title"].startswith("Story number") and e["request"] for e in entries)
        # collected, the same page counts what came from the batch as part of what was written
        server.hold = False
        done = run_cli("batch", str(feed), "--out", str(out), "--via", "batch-api", "--poll", "0.05", "--report", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert list(page_rows(html)) == ["rewritten"] and "Waiting for answers" not in html
    assert "<b>10</b>of rewritten and draft: from batch answers</li>" in html


OFFLINE = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-test", "REWRITER_MODEL": "fake-model"}


def test_the_review_page_of_an_export_says_which_request_file_the_items_wait_for(tmp_path, feed):
    requests, page = tmp_path / "requests.jsonl", tmp_path / "run.html"
    result = run_cli("batch", str(feed), "--out", str(tmp_path / "out"), "--export-requests", str(requests),
                     "--report", str(page), env=OFFLINE)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = page_rows(page.read_text(encoding="utf-8"))["pending"]
    assert len(rows) == ITEMS
    assert all("Story number" in row and "waiting for request file requests.jsonl" in row for row in rows)
