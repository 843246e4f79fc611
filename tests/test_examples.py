"""The committed `examples/` export replays offline with the README's commands."""

from __future__ import annotations

import shutil

import frontmatter

from rewriter.render import FRONT_MATTER_ORDER
from tests.conftest import EXAMPLES, run_cli

DRAFTS = sorted((EXAMPLES / "drafts").glob("*.md"))


def replay(tmp_path, out):
    env = {"REWRITER_CACHE_MODE": "replay"}  # and no key, no base URL, no server
    return run_cli("rewrite", *map(str, DRAFTS), "-o", f"{out}/", env=env, cwd=tmp_path)


def test_examples_replay_offline_and_a_rerun_changes_nothing(tmp_path):
    imported = run_cli("cache", "import", str(EXAMPLES / "cache.jsonl"))
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "out"
    first = replay(tmp_path, out)
    assert "Traceback" not in first.stderr
    articles = sorted(out.glob("*.md"))
    assert [a.name for a in articles] == [d.name for d in DRAFTS], first.stderr
    drafts = 0
    for article in articles:
        post = frontmatter.loads(article.read_text(encoding="utf-8"))
        keys = list(post.metadata)
        assert [k for k in keys if k in FRONT_MATTER_ORDER] == [k for k in FRONT_MATTER_ORDER if k in keys]
        assert post["ai"]["rewritten"] is True
        headings = [line for line in post.content.splitlines() if line.startswith("## ")]
        assert headings == ["## Overview", "## What Happened", "## Impact on the crypto market"]
        bullets = [line for line in post.content.splitlines() if line.startswith("- ")]
        assert 3 <= len(bullets) <= 6
        drafts += post["draft"] is True and "warnings" in post["ai"]
    # Exit status 1 exactly when some article had to be kept as a draft.
    assert first.returncode == (1 if drafts else 0), first.stderr
    snapshot = {a: a.read_bytes() for a in articles}
    second = replay(tmp_path, out)
    assert second.returncode == 0
    assert {a: a.read_bytes() for a in articles} == snapshot


def test_replay_works_from_a_copy_of_the_examples(tmp_path):
    copy = tmp_path / "examples"
    # (without the example site's installed packages and build output, if any)
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("node_modules", "dist", ".astro"))
    run_cli("cache", "import", str(copy / "cache.jsonl"))
    result = run_cli(
        "rewrite", str(copy / "drafts" / "doj-north-korea.md"), "-o", str(tmp_path / "doj.md"),
        env={"REWRITER_CACHE_MODE": "replay"},
    )  # fmt: skip
    assert "no recorded response" not in result.stderr and "Traceback" not in result.stderr
    article = frontmatter.loads((tmp_path / "doj.md").read_text(encoding="utf-8"))
    # The tiny model's answer may be kept as a draft; the exit status says so.
    assert result.returncode == (1 if article["draft"] else 0), result.stderr
