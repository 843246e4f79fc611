"""The editor command end to end: drafts in, articles out, through the fake server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frontmatter

from rewriter.prompts import load_prompt
from rewriter.render import FRONT_MATTER_ORDER
from tests.conftest import EXAMPLES, run_cli
from tests.fakeserver import GOOD_ANSWER, Reply

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"


def copy_draft(tmp_path: Path, name: str = "doj-north-korea.md") -> Path:
    target = tmp_path / "drafts" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(EXAMPLES / "drafts" / name, target)
    return target


def test_rewrite_writes_the_spec_article(tmp_path, use_fake):
    draft = copy_draft(tmp_path)
    result = run_cli("rewrite", str(draft), "-o", f"{tmp_path}/out/")
    assert result.returncode == 0, result.stderr
    article = tmp_path / "out" / draft.name
    assert f"wrote {article}" in result.stderr
    text = article.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    keys = list(post.metadata)
    assert keys == [k for k in FRONT_MATTER_ORDER if k in keys]
    assert post["ai"]["rewritten"] is True and post["ai"]["version"] == load_prompt().version
    assert post["updatedAt"] == post["ai"]["expandedAt"]
    assert post["ai"]["sourceHash"] and post["ai"]["model"] == "fake-model"
    assert post["externalId"] == "54398936" and post["sentiment"] == "NEGATIVE"
    assert post["description"].endswith("…") and len(post["description"]) <= 176
    assert "seizingâ€¦" not in text
    body = post.content
    assert body.index("## Overview") < body.index("## What Happened") < body.index("## Impact on the crypto market")
    assert body.count("\n- ") == len(GOOD_ANSWER["impact"])


def test_second_run_changes_nothing_on_disk(tmp_path, use_fake):
    draft = copy_draft(tmp_path)
    out = tmp_path / "out"
    assert run_cli("rewrite", str(draft), "-o", f"{out}/").returncode == 0
    article = out / draft.name
    before = (article.read_bytes(), article.stat().st_mtime_ns)
    requests = len(use_fake.requests)
    again = run_cli("rewrite", str(draft), "-o", f"{out}/")
    assert again.returncode == 0
    assert "current:" in again.stderr
    assert (article.read_bytes(), article.stat().st_mtime_ns) == before
    assert len(use_fake.requests) == requests  # not even a cached lookup went out


def test_force_rewrites_a_current_article(tmp_path, use_fake):
    draft = copy_draft(tmp_path)
    out = tmp_path / "out"
    run_cli("rewrite", str(draft), "-o", f"{out}/")
    result = run_cli("rewrite", str(draft), "-o", f"{out}/", "--force")
    assert result.returncode == 0 and "wrote" in result.stderr


def test_in_place_replaces_the_draft_and_keeps_extra_keys_in_place(tmp_path, use_fake):
    draft = copy_draft(tmp_path, "first-republic-futures.md")
    result = run_cli("rewrite", "--in-place", str(draft))
    assert result.returncode == 0, result.stderr
    post = frontmatter.loads(draft.read_text(encoding="utf-8"))
    keys = list(post.metadata)
    # `editor` followed `tags` in the draft, so it stays right after it.
    assert keys[keys.index("tags") + 1] == "editor"
    assert post["editor"] == "desk-europe"
    again = run_cli("rewrite", "--in-place", str(draft))
    assert again.returncode == 0 and "already rewritten" in again.stderr


def test_unicode_is_written_as_text_not_escapes(tmp_path, use_fake):
    draft = copy_draft(tmp_path, "usdc-depeg.md")  # curly quotes in the title
    use_fake.default = lambda request: Reply(json.dumps({**GOOD_ANSWER, "overview": "Circle’s “USDC” is back… " * 6}))
    result = run_cli("rewrite", str(draft), "-o", str(tmp_path / "a.md"))
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert result.returncode in (0, 1)
    assert "“USDC Regains Its Peg”" in text and "Circle’s" in text
    assert "\\u" not in text


def test_dry_run_shows_a_diff_and_writes_nothing(tmp_path, use_fake):
    draft = copy_draft(tmp_path)
    before = draft.read_bytes()
    result = run_cli("rewrite", "--dry-run", "--in-place", str(draft))
    assert result.returncode == 0, result.stderr
    assert "+## Overview" in result.stdout and "-<p>The U.S. Department" in result.stdout
    assert draft.read_bytes() == before
    assert sorted(p.name for p in draft.parent.iterdir()) == [draft.name]


def test_usage_errors_exit_2(tmp_path, use_fake):
    draft = copy_draft(tmp_path)
    assert run_cli("rewrite", str(draft)).returncode == 2
    both = run_cli("rewrite", str(draft), "--in-place", "-o", "x.md")
    assert both.returncode == 2 and "not both" in both.stderr
    assert run_cli("rewrite", "--bogus", str(draft)).returncode == 2
    prompts = run_cli("rewrite", str(draft), "-o", "x.md", "--prompts", str(tmp_path))
    assert prompts.returncode == 2 and "lacks system.md, user.md" in prompts.stderr
    assert "Traceback" not in prompts.stderr


def test_a_failing_draft_does_not_stop_the_others(tmp_path, use_fake):
    good = copy_draft(tmp_path)
    bad = tmp_path / "drafts" / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    result = run_cli("rewrite", str(bad), str(good), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"error: {bad}: front matter is not valid YAML at line 2" in result.stderr
    assert (tmp_path / "out" / good.name).is_file()
    assert not (tmp_path / "out" / bad.name).exists()
    assert "Traceback" not in result.stderr


def test_prompt_show_prints_the_exact_messages(tmp_path):
    result = run_cli("prompt", "show", str(SEED_DRAFT))
    assert result.returncode == 0, result.stderr
    messages = json.loads(result.stdout)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Published: 14 November 2025" in messages[1]["content"]
    assert "another $15 million in proceeds" in messages[1]["content"]
