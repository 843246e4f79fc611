"""The `rewriter-check` hook under the real pre-commit framework.

A site's repository installs the hook from this repository, as its
`.pre-commit-config.yaml` would; a commit of a bad article is refused with the
check's own lines, and a good article goes through. pre-commit pip-installs
the package into its own environment once per session (PRE_COMMIT_HOME is
shared between the tests), which takes a while on the first run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_ARTICLE, repaired_seed_text

pytest.importorskip("pre_commit", reason="the pre-commit framework is not installed (pip install -e '.[dev]')")

#: What pre-commit needs to build the package: the working tree as it is now,
#: uncommitted changes included, so the hook tested is the code under test.
PACKAGE_FILES = ("rewriter", "prompts", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_", "GIT_"))}
    return {**env, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, hook_env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding this package, committed; returns (path, commit)."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, repo / name)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hook under test"]):
        result = git(repo, *args, env=hook_env)
        assert result.returncode == 0, result.stderr
    return repo, git(repo, "rev-parse", "HEAD", env=hook_env).stdout.strip()


@pytest.fixture
def site(tmp_path: Path, hook_repo: tuple[Path, str], hook_env: dict[str, str]) -> Path:
    """A site's repository with the hook installed from `hook_repo`."""
    repo_path, rev = hook_repo
    site = tmp_path / "site"
    site.mkdir()
    assert git(site, "init", "-q", env=hook_env).returncode == 0
    (site / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path}\n    rev: {rev}\n    hooks:\n      - id: rewriter-check\n",
        encoding="utf-8",
    )
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=site, capture_output=True, text=True, env=hook_env
    )
    assert install.returncode == 0, install.stdout + install.stderr
    git(site, "add", ".pre-commit-config.yaml", env=hook_env)
    return site


def commit(site: Path, env: dict[str, str], name: str, text: str) -> subprocess.CompletedProcess[str]:
    (site / name).write_text(text, encoding="utf-8")
    git(site, "add", name, env=env)
    return git(site, "commit", "-m", f"add {name}", env=env)


def test_hook_blocks_the_seed_article_at_commit(site: Path, hook_env: dict[str, str]):
    result = commit(site, hook_env, "seed-article.md", SEED_ARTICLE.read_text(encoding="utf-8"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "seed-article.md:3: RW012 'description' has mojibake: 'seizingâ€¦' should read 'seizing…'" in output
    assert "1 article checked: 1 blocked, 0 passed, 0 skipped" in output
    assert git(site, "rev-parse", "--verify", "HEAD", env=hook_env).returncode != 0  # nothing was committed


def test_hook_lets_a_good_but_stale_article_through(site: Path, hook_env: dict[str, str]):
    result = commit(site, hook_env, "seed-article.md", repaired_seed_text())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "rewriter check (pre-publish)" in output and "Passed" in output
    assert git(site, "log", "--oneline", env=hook_env).stdout.count("add seed-article.md") == 1


def test_hook_ignores_files_that_are_not_markdown(site: Path, hook_env: dict[str, str]):
    result = commit(site, hook_env, "notes.txt", "seizingâ€¦ is not an article\n")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "(no files to check)Skipped" in output.replace(".", "")
