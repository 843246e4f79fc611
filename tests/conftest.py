"""Shared fixtures: a temporary cache and settings per test, and the fake server.

No test reaches the internet or needs a key: the environment is scrubbed of
OPENAI_* and REWRITER_* variables and every test gets its own cache folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakeserver import FakeServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: Copies of the project's shared fixtures (shared/fixtures, shared/spec), kept
#: in the repository so the suite runs from a clone anywhere.
FIXTURES = ROOT / "tests" / "fixtures"
RSS_FIXTURE = FIXTURES / "coindesk-rss-2023-03-13.xml"
SEED_ARTICLE = FIXTURES / "seed-article.md"
NEWS_API_ITEM = FIXTURES / "coindesk-news-api-item.json"


def repaired_seed_text() -> str:
    """The seed article with its mojibake repaired: publishable, though stale
    (written with prompt version 1), which is a warning, not a block."""
    return SEED_ARTICLE.read_text(encoding="utf-8").replace("seizingâ€¦", "seizing…")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "REWRITER_")):
            monkeypatch.delenv(name)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REWRITER_CACHE_DIR", str(cache))
    # Claim verification (on by default for servers) is a second request per
    # answer: tests of everything else count and script the writer's requests
    # alone, and the verification tests (tests/test_verify.py) turn it on.
    monkeypatch.setenv("REWRITER_VERIFY", "0")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    from rewriter.prompts import load_prompt

    load_prompt.cache_clear()
    return cache


@pytest.fixture
def fake_server():
    with FakeServer() as server:
        yield server


@pytest.fixture
def use_fake(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """Point rewriter at the fake server with a canary key and quick retries."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-canary-0123456789")
    monkeypatch.setenv("REWRITER_MODEL", "fake-model")
    monkeypatch.setenv("REWRITER_TIMEOUT", "5")
    return fake_server


def ctrl_c_as_in_a_terminal() -> None:
    """`preexec_fn` for a child a test sends SIGINT: Ctrl-C at its default.

    A job started with `&` from a script (or under nohup) ignores SIGINT, its
    children inherit that, and Python keeps it, as it should: a test suite run
    that way would see its child ignore the Ctrl-C the test sends (issue 20).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120):
    """Run the installed `rewriter` CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "rewriter", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )
