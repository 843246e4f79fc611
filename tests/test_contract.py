"""The prompt states every rule the review enforces, with the review's own values (issue 19)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rewriter import policy
from rewriter.contract import REVIEW_KINDS, STATED
from rewriter.gate import RULES
from rewriter.prompts import load_prompt
from rewriter.readers.markdown import read_draft
from rewriter.rewrite import build_messages
from rewriter.verify import KINDS as VERIFY_KINDS
from tests.conftest import EXAMPLES, FIXTURES

ROOT = Path(__file__).resolve().parent.parent


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def emitted_kinds() -> set[str]:
    """Every literal kind `review.py` gives a Problem, read from its source."""
    tree = ast.parse((ROOT / "rewriter" / "review.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem"
        and node.args and isinstance(node.args[0], ast.Constant)
    }  # fmt: skip


def test_every_kind_of_finding_has_a_line_in_the_prompt():
    assert emitted_kinds() <= set(REVIEW_KINDS), "review.py emits a kind contract.REVIEW_KINDS lacks"
    kinds = set(REVIEW_KINDS) | set(RULES) | set(VERIFY_KINDS)
    missing = sorted(kinds - STATED.keys())
    assert not missing, f"rules with no line in the prompt: {missing}"
    prompt = load_prompt()
    text = folded(prompt.system + "\n" + prompt.user)
    for kind, words in STATED.items():
        assert folded(words) in text, f"the prompt no longer states the {kind!r} rule: {words!r}"


@pytest.mark.parametrize(
    ("item", "size"),
    [
        (None, policy.ARTICLE_SIZES[0]),  # an RSS item of a headline and a sentence
        (EXAMPLES / "drafts" / "doj-north-korea.md", None),
    ],
)
def test_the_prompt_asks_for_the_lengths_the_review_checks(item, size):
    from rewriter.readers import read_items
    from rewriter.review import word_count

    if item is None:
        feed_item = next(i for i in read_items(FIXTURES / "coindesk-rss-2023-03-13.xml") if hasattr(i, "text"))
    else:
        feed_item = read_draft(item)
    words = word_count(feed_item.text.joined())
    if size is None:
        size = [row for row in policy.ARTICLE_SIZES if words >= row[0]][-1]
    _, (low, high), _, bullets = size
    user = build_messages(feed_item, load_prompt())[1]["content"]
    assert f"The item has {words} words" in user
    assert f"an overview of {low}-{high} words" in user
    assert "three impact sentences" in user and bullets == 3
