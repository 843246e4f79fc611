"""The table of `rewriter check`'s rules (rewriter/check/rules.py): what
`--list-rules` prints and the README's rules table agree with it, and every
rule function it names is one the check runs."""

from __future__ import annotations

import json
import re

from rewriter.check import document, rules
from tests.conftest import ROOT, run_cli

ROW = re.compile(r"^\| `(RW\d{3})` \|(.*)\| (`[^|]*`) \|$")


def readme_rows() -> list[tuple[str, str, str]]:
    """(code, the row's text, its 'found by' cell) of each row of the README's rules table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m[1], m[2], m[3]) for m in map(ROW.match, readme.splitlines()) if m]


def test_the_readme_table_lists_every_rule_in_order_with_its_function_and_severity():
    rows = readme_rows()
    assert [code for code, _, _ in rows] == [rule.code for rule in rules.TABLE]
    for (code, text, found_by), rule in zip(rows, rules.TABLE):
        assert found_by == ", ".join(f"`{where}`" for where in rule.where.split(", ")), code
        assert ("**warning only**" in text) == (rule.severity == rules.WARNING), code


def test_each_function_named_exists_where_it_says_and_runs():
    run = set(rules.ORDER) | {document.parse}
    named = {check for rule in rules.TABLE for check in rule.checks}
    assert named == run  # nothing runs unlisted, nothing listed is left unrun
    for rule in rules.TABLE:
        for where in rule.where.split(", "):
            path, _, function = where.partition("::")
            assert re.search(rf"^def {function}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), where


def test_list_rules_prints_the_table():
    result = run_cli("check", "--list-rules")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [[r.code, r.severity] for r in rules.TABLE]
    assert "RW017  error    the body has words glued together (unreadable prose)  [rewriter/check/readable.py::glued_words]" in lines
    listed = json.loads(run_cli("check", "--list-rules", "--format", "json").stdout)
    assert listed[4] == {
        "code": "RW005", "severity": "warning", "where": "rewriter/check/front.py::stale",
        "summary": "ai.version is older than the current prompt version (stale; a warning)",
    }  # fmt: skip


def test_without_paths_or_list_rules_the_usage_error_is_unchanged():
    result = run_cli("check")
    assert result.returncode == 2
    assert "the following arguments are required: PATH" in result.stderr
