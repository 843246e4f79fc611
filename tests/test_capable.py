"""A capable model's recorded answers, replayed offline (issue 19's targets).

bench/capable.py rebuilds a cache from the committed answers of a strong
model (honest answers to the current prompt, and the same answers with one
planted unsupported statement each) and replays the batch with no server.
These are quality figures, not timings: the same answers give the same
figures on any machine. A prompt change makes the recorded answers stale
(their keys no longer match), and this test says so instead of passing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def figures() -> dict:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "capable.py"), "report", "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return {(s["set"], s["verify"]): s for s in json.loads(done.stdout)}


def test_nine_in_ten_honest_first_answers_are_publishable_and_few_are_asked_again(figures):
    honest = figures[("honest", True)]
    n = honest["items"]
    assert n >= 60 and honest["unfinished"] == 0, "recorded answers are missing: re-record them (bench/README.md)"
    assert honest["first_publishable"] >= 0.9 * n, honest["findings"]
    assert honest["writer_requests"] <= 1.15 * n
    assert honest["verify_requests"] <= honest["writer_requests"]  # at most one verification an answer


def test_planted_statements_are_caught_in_every_kind_with_verification(figures):
    planted = figures[("planted", True)]
    assert planted["unknown"] == 0
    by_kind = planted["by_kind"]
    assert len(by_kind) == 10 and all(n >= 5 for _, n in by_kind.values())
    assert sum(k for k, _ in by_kind.values()) >= 0.9 * sum(n for _, n in by_kind.values()), planted["missed"]
    assert all(k >= 0.8 * n for k, n in by_kind.values()), planted["missed"]
