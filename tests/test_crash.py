"""Crash safety: SIGKILL the batch mid-run, rerun, and lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import frontmatter

from tests.fakeserver import FakeServer

ITEMS = 40


def write_feed(path: Path) -> Path:
    lines = [
        json.dumps(
            {
                "externalId": f"story-{n}",
                "title": f"Exchange {n} pauses withdrawals",
                "publishedAt": "2025-11-14T17:46:49Z",
                "body": f"<p>Exchange {n} paused withdrawals after unauthorised transfers.</p>",
                "source": "Example Wire",
            }
        )
        for n in range(ITEMS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env_for(server: FakeServer, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-x",
        "REWRITER_MODEL": "fake-model",
        "REWRITER_CACHE_DIR": str(cache),
    }


def test_sigkill_mid_run_then_rerun_completes_exactly(tmp_path):
    feed = write_feed(tmp_path / "feed.jsonl")
    out = tmp_path / "out"
    with FakeServer(latency=0.15) as server:
        env = env_for(server, tmp_path / "cache")
        process = subprocess.Popen(
            [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--concurrency", "4"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(out.glob("*.md"))) < 8:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        survivors = sorted(out.glob("*.md"))
        assert 8 <= len(survivors) < ITEMS, "the kill should land mid-run"

        # No truncated or corrupt article, no temporary file left behind.
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
        for article in survivors:
            post = frontmatter.loads(article.read_text(encoding="utf-8"))
            assert post["ai"]["rewritten"] is True and "## Impact on the crypto market" in post.content

        # The cache still opens.
        stats = subprocess.run([sys.executable, "-m", "rewriter", "cache", "stats"], env=env, capture_output=True, text=True)
        assert stats.returncode == 0, stats.stderr

        # The rerun rewrites only what is left.
        report = tmp_path / "report.json"
        rerun = subprocess.run(
            [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out), "--report", str(report)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        entries = json.loads(report.read_text(encoding="utf-8"))["items"]
        statuses = {e["status"] for e in entries}
        assert statuses <= {"rewritten", "current"}
        assert sum(e["status"] == "current" for e in entries) == len(survivors)
        assert sum(e["status"] == "rewritten" for e in entries) == ITEMS - len(survivors)
        assert {Path(e["path"]).name for e in entries if e["status"] == "current"} == {p.name for p in survivors}

        # The final set of files equals that of an uninterrupted run.
        clean = tmp_path / "clean"
        uninterrupted = subprocess.run(
            [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(clean)],
            env={**env, "REWRITER_CACHE_DIR": str(tmp_path / "cache2")}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert sorted(p.name for p in out.glob("*.md")) == sorted(p.name for p in clean.glob("*.md"))
    assert len(list(clean.glob("*.md"))) == ITEMS


def test_an_article_has_no_name_until_it_is_written_whole(tmp_path):
    """What SIGKILL can leave: on Linux the file being written has no name
    (O_TMPFILE), so a kill mid-write leaves nothing in the output folder."""
    from rewriter.output import atomic_write

    seen: list[list[str]] = []

    def pieces():
        yield "---\ntitle: half\n"
        seen.append(sorted(os.listdir(tmp_path)))  # the write is half done here
        yield "---\nbody\n"

    atomic_write(tmp_path / "a.md", pieces())
    assert seen == [[]]
    assert os.listdir(tmp_path) == ["a.md"]
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "---\ntitle: half\n---\nbody\n"


def test_the_longest_file_names_can_still_be_written(tmp_path):
    """The temporary name beside a 241-byte name stays within the 255 bytes a name may have."""
    from rewriter.output import atomic_write

    target = tmp_path / ("x" * 238 + ".md")
    atomic_write(target, "text\n")
    assert target.read_text(encoding="utf-8") == "text\n"
    assert os.listdir(tmp_path) == [target.name]
