"""The batch job, run as a user would: the real CLI against the fake server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NEWS_API_ITEM, RSS_FIXTURE, ctrl_c_as_in_a_terminal, run_cli
from tests.fakeserver import PLAIN_ANSWER, FakeServer, Reply

#: An answer with no figures, so it is grounded for any item.
CLEAN_ANSWER = PLAIN_ANSWER
#: Invented figures in every bullet: dropping them leaves too few, so it is a draft.
UNGROUNDED_ANSWER = {
    **CLEAN_ANSWER,
    "impact": [
        "Traders moved 987 million dollars overnight.",
        "Lenders lost 654 million in the sell-off.",
        "Regulators fined 321 firms last year.",
    ],
}


@pytest.fixture
def fake_server():
    with FakeServer(lambda request: Reply(json.dumps(CLEAN_ANSWER))) as server:
        yield server


def news_article(**changes) -> dict:
    raw = json.loads(NEWS_API_ITEM.read_text(encoding="utf-8"))["Data"][0]
    return {**raw, **changes}


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def numbered(count: int) -> list[dict]:
    return [
        news_article(ID=1000 + n, TITLE=f"Story number {n} about markets", BODY=f"<p>Body of story {n}.</p>")
        for n in range(count)
    ]


def articles(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.md"))


def front(path: Path) -> dict:
    import yaml

    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def test_rss_fixture_becomes_a_folder_of_articles_and_a_report(tmp_path, use_fake):
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = run_cli("batch", str(RSS_FIXTURE), "--out", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    files = articles(out)
    assert len(files) == 49  # item 19 has no text besides its title
    assert len(use_fake.requests) == 49
    titles = {front(p)["title"] for p in files}
    assert "Ripple Had ‘Some Exposure’ to Silicon Valley Bank, Says CEO" in titles
    ripple = next(p for p in files if "ripple-had-some-exposure" in p.name)
    assert ripple.name == "2023-03-12-ripple-had-some-exposure-to-silicon-valley-bank-says-ceo.md"
    meta = front(ripple)
    assert meta["source"]["type"] == "RSS" and meta["sentiment"] == "NEUTRAL"  # from the model
    assert "batch summary" in result.stderr and "\x1b[" not in result.stderr  # plain when not a terminal

    data = json.loads(report.read_text(encoding="utf-8"))
    assert len(data["items"]) == 50
    assert data["totals"]["rewritten"] == 49 and data["totals"]["skipped"] == 1
    assert data["totals"]["tokens"] == {"input": 49 * 100, "output": 49 * 50}
    entry = next(e for e in data["items"] if e["path"] == ripple.name)
    assert entry["status"] == "rewritten" and entry["cached"] is False and entry["error"] is None
    assert entry["id"].endswith(":" + meta["externalId"])
    assert entry["tokens"] == {"input": 100, "output": 50}
    assert entry["latency"] > 0
    skipped = next(e for e in data["items"] if e["status"] == "skipped")
    assert skipped["source"].endswith("item 19") and "title" in skipped["error"]


def test_rerun_skips_current_articles_and_changes_nothing(tmp_path, use_fake):
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(5))
    out, report = tmp_path / "out", tmp_path / "report.json"
    assert run_cli("batch", str(feed), "--out", str(out)).returncode == 0
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in articles(out)}
    requests = len(use_fake.requests)

    again = run_cli("batch", str(feed), "--out", str(out), "--report", str(report))
    assert again.returncode == 0, again.stderr
    assert len(use_fake.requests) == requests
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in articles(out)} == before
    statuses = [e["status"] for e in json.loads(report.read_text())["items"]]
    assert statuses == ["current"] * 5

    # An edited source is rewritten; --force rewrites everything.
    items = numbered(5)
    items[2]["BODY"] = "<p>Body of story 2, corrected.</p>"
    write_jsonl(feed, items)
    third = run_cli("batch", str(feed), "--out", str(out), "--report", str(report))
    assert [e["status"] for e in json.loads(report.read_text())["items"]].count("rewritten") == 1, third.stderr
    forced = run_cli("batch", str(feed), "--out", str(out), "--force", "--report", str(report))
    assert forced.returncode == 0
    assert all(e["status"] == "rewritten" for e in json.loads(report.read_text())["items"])


def test_cache_serves_a_second_output_folder(tmp_path, use_fake):
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(3))
    assert run_cli("batch", str(feed), "--out", str(tmp_path / "a")).returncode == 0
    report = tmp_path / "r.json"
    result = run_cli("batch", str(feed), "--out", str(tmp_path / "b"), "--report", str(report))
    assert result.returncode == 0
    assert len(use_fake.requests) == 3
    data = json.loads(report.read_text())
    assert data["totals"]["cached"] == 3 and data["totals"]["tokens"] == {"input": 0, "output": 0}
    assert all(e["cached"] for e in data["items"])


def test_inactive_and_duplicate_items_are_counted_and_rewritten_once(tmp_path, use_fake):
    items = numbered(2)
    feed = write_jsonl(tmp_path / "feed.jsonl", [items[0], items[1], items[0], news_article(ID=77, STATUS="DELETED")])
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = run_cli("batch", str(feed), "--out", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert len(articles(out)) == 2 and len(use_fake.requests) == 2
    data = json.loads(report.read_text())
    assert data["totals"]["skipped"] == 2
    dup, inactive = [e for e in data["items"] if e["status"] == "skipped"]
    assert dup["source"].endswith("feed.jsonl line 3") and "line 1" in dup["error"]
    assert inactive["source"].endswith("feed.jsonl line 4") and "DELETED" in inactive["error"]


def test_one_failing_item_does_not_stop_the_others_and_a_rerun_finishes(tmp_path, use_fake):
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(4) + [{"TITLE": "broken", "SOURCE_DATA": {}}])
    out, report = tmp_path / "out", tmp_path / "report.json"
    use_fake.queue(Reply(status=400))  # the first request fails for good (400 is not retried)
    result = run_cli("batch", str(feed), "--out", str(out), "--concurrency", "1", "--report", str(report))
    assert result.returncode == 1
    assert len(articles(out)) == 3
    assert "failed:" in result.stderr and "HTTP 400" in result.stderr
    assert "feed.jsonl line 5" in result.stderr  # the invalid item, named
    data = json.loads(report.read_text())
    failed = [e for e in data["items"] if e["status"] == "failed"]
    assert len(failed) == 2
    assert "HTTP 400" in failed[0]["error"] and failed[0]["path"] is None
    assert "line 5" in failed[1]["error"] and "publishedAt" in failed[1]["error"]

    write_jsonl(feed, numbered(4))
    rerun = run_cli("batch", str(feed), "--out", str(out), "--report", str(report))
    assert rerun.returncode == 0, rerun.stderr
    assert len(articles(out)) == 4
    statuses = sorted(e["status"] for e in json.loads(report.read_text())["items"])
    assert statuses == ["current", "current", "current", "rewritten"]


def test_ungrounded_answer_is_written_as_a_draft_and_fails_the_run(tmp_path, use_fake):
    use_fake.default = lambda request: Reply(json.dumps(UNGROUNDED_ANSWER))
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(1))
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = run_cli("batch", str(feed), "--out", str(out), "--report", str(report))
    assert result.returncode == 1
    [path] = articles(out)
    assert front(path)["draft"] is True
    [entry] = json.loads(report.read_text())["items"]
    assert entry["status"] == "draft" and entry["path"] == path.name and "987" in entry["error"]
    # A rerun still reports it: it must not be published.
    assert run_cli("batch", str(feed), "--out", str(out)).returncode == 1


def test_limit_then_full_run_resumes(tmp_path, use_fake):
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(6))
    out = tmp_path / "out"
    assert run_cli("batch", str(feed), "--out", str(out), "--limit", "2").returncode == 0
    assert len(articles(out)) == 2
    report = tmp_path / "r.json"
    assert run_cli("batch", str(feed), "--out", str(out), "--report", str(report)).returncode == 0
    assert len(articles(out)) == 6 and len(use_fake.requests) == 6
    assert [e["status"] for e in json.loads(report.read_text())["items"]] == ["current"] * 2 + ["rewritten"] * 4


def test_concurrency_is_the_number_of_requests_in_flight(tmp_path, fake_server, monkeypatch):
    """--concurrency 3 keeps 3 requests at the server, never more, while other items are written."""
    fake_server.latency = 0.2
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(12))
    result = run_cli("batch", str(feed), "--out", str(tmp_path / "out"), "--concurrency", "3")
    assert result.returncode == 0, result.stderr
    assert len(articles(tmp_path / "out")) == 12
    assert fake_server.peak_in_flight == 3  # the batch has more items than that in progress


def _ignore_ctrl_c() -> None:
    """What a script does to a job it starts in the background: Ctrl-C is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("signum", "preexec"),
    [(signal.SIGINT, ctrl_c_as_in_a_terminal), (signal.SIGTERM, None), (signal.SIGTERM, _ignore_ctrl_c)],
    ids=["ctrl-c", "sigterm", "sigterm-in-background"],
)
def test_ctrl_c_leaves_no_partial_file_and_a_rerun_completes(tmp_path, fake_server, monkeypatch, signum, preexec):
    fake_server.latency = 0.3
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(40))
    out, report = tmp_path / "out", tmp_path / "report.json"
    env = {
        **os.environ, "OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-test",
        "REWRITER_MODEL": "fake-model",
    }  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "-j", "2", "--report", str(report)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not articles(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    written = articles(out)
    assert 0 < len(written) < 40
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    data = json.loads(report.read_text())
    assert data["interrupted"] is True and len(data["items"]) == len(written)

    fake_server.latency = 0
    rerun = subprocess.run(
        [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--report", str(report)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert len(articles(out)) == 40
    totals = json.loads(report.read_text())["totals"]
    assert totals["current"] == len(written)
    assert totals["rewritten"] + totals["cached"] == 40 - len(written)


def test_names_collide_deterministically_and_stay_inside_out(tmp_path, use_fake):
    items = [
        news_article(ID=1, TITLE="Same Title"),
        news_article(ID=2, TITLE="Same Title"),
        news_article(ID=3, TITLE="../../../escape"),
    ]
    feed = write_jsonl(tmp_path / "feed.jsonl", items)
    out = tmp_path / "out"
    assert run_cli("batch", str(feed), "--out", str(out)).returncode == 0
    names = sorted(p.name for p in articles(out))
    assert len(names) == 3 and "2025-11-14-same-title.md" in names
    assert "2025-11-14-escape.md" in names
    assert not list(tmp_path.glob("*.md")) and not (tmp_path.parent / "escape.md").exists()
    # A rerun maps each item to the same file.
    report = tmp_path / "r.json"
    assert run_cli("batch", str(feed), "--out", str(out), "--report", str(report)).returncode == 0
    assert sorted(p.name for p in articles(out)) == names
    assert [e["status"] for e in json.loads(report.read_text())["items"]] == ["current"] * 3
    # Even a folder template keeps everything inside --out.
    assert run_cli("batch", str(feed), "--out", str(out), "--name", "{source}/{id}.md").returncode == 0
    assert (out / "coindesk" / "1.md").is_file()


def test_news_api_document_and_feed_together(tmp_path, use_fake):
    out = tmp_path / "out"
    result = run_cli("batch", str(NEWS_API_ITEM), str(RSS_FIXTURE), "--out", str(out), "--limit", "3")
    assert result.returncode == 0, result.stderr
    files = articles(out)
    assert len(files) == 3
    doj = out / "2025-11-14-us-doj-pursues-north-koreas-illicit-money-machine-seizes-more-crypto.md"
    meta = front(doj)
    assert meta["externalId"] == "54398936" and meta["tags"][:2] == ["ASIA", "POLICY"]
    assert meta["sentiment"] == "NEGATIVE"  # the input's, not the model's


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.jsonl", "--out", "out"], "no such file"),
        (["{feed}", "--out", "out", "--concurrency", "0"], "concurrency"),
        (["{feed}", "--out", "out", "--name", "../{slug}.md"], "inside --out"),
        (["{feed}", "--out", "out", "--name", ".rewriter-index.jsonl"], "must not name hidden files"),
        (["{feed}", "--out", "out", "--name", "{slug!r}.md"], "without '!' or ':'"),
        (["{feed}", "--out", "out", "--name", "{slug:>5000}.md"], "without '!' or ':'"),
        (["{feed}"], "--out"),
    ],
)
def test_usage_errors_exit_2(tmp_path, use_fake, args, message):
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(1))
    result = run_cli("batch", *[a.replace("{feed}", str(feed)) for a in args], cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert not use_fake.requests


def test_a_reader_that_gives_up_fails_its_source_and_the_next_source_is_still_read(tmp_path, monkeypatch):
    from rewriter.batch import plan

    def broken_then_fine(source, on_count=None):
        if str(source) == "first":
            yield "first item"
            raise RecursionError("maximum recursion depth exceeded")
        yield "second item"

    monkeypatch.setattr(plan, "iter_source", broken_then_fine)
    got = list(plan.pending_items(["first", "second"], lambda n: None))
    assert got[0] == "first item" and got[2] == "second item"
    assert got[1].where == "first"
    assert str(got[1].error) == "first: reading stopped: unexpected RecursionError: maximum recursion depth exceeded (please report it)"


def test_a_long_run_keeps_few_report_entries_in_memory_and_writes_the_same_report(tmp_path, monkeypatch):
    """Past REPORT_ENTRIES_IN_MEMORY entries wait in an anonymous file in the output folder; the
    JSON report streamed back from it is byte for byte the one written from memory, in order."""
    from rewriter import policy
    from rewriter.batch.report import BatchReport, ItemReport, ReviewWarning, Tokens, new_report, write_report

    monkeypatch.setattr(policy, "REPORT_ENTRIES_IN_MEMORY", 3)
    out = tmp_path / "out"
    out.mkdir()
    report = new_report([str(tmp_path / "feed.jsonl")], out)
    report.spill_to(out)
    statuses = ["rewritten", "pending", "draft", "failed", "current", "skipped", "rewritten", "draft"]
    for n, status in enumerate(statuses):
        report.add(ItemReport(
            id=f"src:{n}", source=f"feed.jsonl line {n + 1}", status=status, path=f"2025-11-14-ü-{n}.md",
            tokens=Tokens(input=n, output=2 * n), latency=n / 7, error="a \"quoted\" reason\nover lines" if n % 2 else None,
            warnings=[ReviewWarning(message="names 'X'", field="overview", words=["X", "€5"])] if status == "draft" else [],
        ))  # fmt: skip
    assert report.done == len(statuses) and len(report.items) < 3
    assert [e.id for e in report.entries()] == [f"src:{n}" for n in range(len(statuses))]
    assert not [p for p in out.iterdir()]  # the spill file has no name

    write_report(report, tmp_path / "spilled.json")
    whole = BatchReport.model_validate({**report.model_dump(exclude={"items"}), "items": [e.model_dump() for e in report.entries()]})
    write_report(whole, tmp_path / "whole.json")
    assert (tmp_path / "spilled.json").read_bytes() == (tmp_path / "whole.json").read_bytes()
    write_report(report, tmp_path / "page.html")
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert all(f"feed.jsonl line {n + 1}" in page for n in range(len(statuses)))


def test_export_report_lists_every_item_when_entries_are_spilled(tmp_path, monkeypatch):
    """The CLI in this process, so a small REPORT_ENTRIES_IN_MEMORY applies: every item is in the report."""
    from typer.testing import CliRunner

    from rewriter import policy
    from rewriter.cli import app

    monkeypatch.setattr(policy, "REPORT_ENTRIES_IN_MEMORY", 4)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never contacted
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    feed = write_jsonl(tmp_path / "feed.jsonl", numbered(30))
    out, report = tmp_path / "out", tmp_path / "run.json"
    result = CliRunner().invoke(
        app, ["batch", str(feed), "--out", str(out), "--export-requests", str(tmp_path / "req.jsonl"), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in data["items"]) == sorted(f"coindesk:{1000 + n}" for n in range(30))
    assert {e["status"] for e in data["items"]} == {"pending"} and data["totals"]["pending"] == 30
    assert len((tmp_path / "req.jsonl").read_text(encoding="utf-8").splitlines()) == 30
    assert not [p for p in out.iterdir() if p.name.startswith(".rewriter-report")]


def test_a_feed_named_in_another_encoding_is_reported_and_spilled(tmp_path, monkeypatch):
    """A file name that is not UTF-8 (b'caf\\xe9') reaches the report with U+FFFD for the byte:
    spilling entries past the limit and writing --report both work, and the file is still named."""
    from typer.testing import CliRunner

    from rewriter import policy
    from rewriter.cli import app

    monkeypatch.setattr(policy, "REPORT_ENTRIES_IN_MEMORY", 4)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never contacted
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    feed = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.jsonl"))
    write_jsonl(feed, numbered(10))
    out, report = tmp_path / "out", tmp_path / "run.json"
    result = CliRunner().invoke(
        app, ["batch", str(feed), "--out", str(out), "--export-requests", str(tmp_path / "req.jsonl"), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert len(data["items"]) == 10
    assert all("caf\ufffd.jsonl line " in e["source"] for e in data["items"])
    assert len((tmp_path / "req.jsonl").read_text(encoding="utf-8").splitlines()) == 10


def test_batch_help_names_its_sources_in_capitals() -> None:
    """Issue 20: the usage line read `{sources}...`, the parameter's Python name."""
    usage = next(line for line in run_cli("batch", "--help").stdout.splitlines() if "Usage:" in line)
    assert "SOURCES}..." in usage and "sources" not in usage
    usage = next(line for line in run_cli("rewrite", "--help").stdout.splitlines() if "Usage:" in line)
    assert "PATHS}..." in usage and "paths" not in usage
