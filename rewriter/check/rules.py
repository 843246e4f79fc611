"""Every rule of `rewriter check`: its code, what it blocks, its severity, and
the function that finds it. `rewriter check --list-rules` prints this table,
and the README's rules table agrees with it (tests/test_check_rules.py).

A rule is a function of one parsed article (`document.Document`) yielding
(line, code, message); no rule knows another. A new rule is one function, one
line in `TABLE` and its place in `ORDER`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rewriter.check import document, front, readable, sections, text
from rewriter.check.document import Document, Found

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Rule:
    """One line of the table: a stable code and what stands behind it."""

    code: str
    #: What it blocks, in a line.
    summary: str
    #: `error` blocks the article; `warning` only with `--strict`.
    severity: str
    #: The functions that report it.
    checks: tuple[Callable[..., Iterable[Found]], ...]

    @property
    def where(self) -> str:
        """`rewriter/check/front.py::stale`: the file and function of each check."""
        return ", ".join(f"{check.__module__.replace('.', '/')}.py::{check.__name__}" for check in self.checks)


TABLE: tuple[Rule, ...] = (
    # RW001 also names a file or folder that cannot be read: `walk.check_file`, `walk.check_paths`.
    Rule("RW001", "front matter is missing or is not safe YAML", ERROR, (document.parse,)),
    Rule("RW002", "a front matter key of spec §4 is missing", ERROR, (front.keys,)),
    Rule("RW003", "a front matter key has the wrong type or value", ERROR, (front.keys,)),
    Rule("RW004", "ai.rewritten is not true", ERROR, (front.not_rewritten,)),
    Rule("RW005", "ai.version is older than the current prompt version (stale; a warning)", WARNING, (front.stale,)),
    Rule("RW006", "publishedAt, updatedAt or ai.expandedAt is not an ISO 8601 UTC time", ERROR, (front.times,)),
    Rule("RW007", "description is longer than the limit", ERROR, (front.description,)),
    Rule("RW008", "description is a cut overview that does not end in '…'", ERROR, (front.description,)),
    Rule("RW009", "a section heading is missing, out of order, unexpected or empty", ERROR, (sections.headings,)),
    Rule("RW010", "the impact section has too few or too many bullets", ERROR, (sections.bullet_count,)),
    Rule("RW011", "an impact bullet repeats another", ERROR, (sections.repeated_bullets,)),
    Rule("RW012", "text has mojibake (encoding damage), repairable or not", ERROR, (text.field_mojibake, text.body_mojibake)),
    Rule("RW013", "the body contains HTML or a script", ERROR, (text.html_and_scripts,)),
    Rule("RW014", "a template marker is left over", ERROR, (text.field_markers, text.template_markers)),
    Rule("RW015", "the text talks about itself as an AI", ERROR, (text.field_markers, text.ai_talk)),
    Rule("RW016", "ai.warnings is present: the rewrite was not clean", ERROR, (front.unresolved_warnings,)),
    Rule("RW017", "the body has words glued together (unreadable prose)", ERROR, (readable.glued_words,)),
    Rule("RW018", "the body mixes in letters of a script the article's language does not use", ERROR, (readable.foreign_letters,)),
    Rule("RW019", "the body exclaims: '!' outside a quotation", ERROR, (readable.exclamations,)),
)  # fmt: skip

#: Rule code -> what it blocks. The README lists each with an example.
RULES: dict[str, str] = {rule.code: rule.summary for rule in TABLE}
#: Rules that warn rather than block: a stale article is not wrong, it could
#: be refreshed, so it passes unless `--strict` asks for every article current.
WARNING_RULES = frozenset(rule.code for rule in TABLE if rule.severity == WARNING)

#: The checks in the order they run, after `document.parse`. Problems are
#: sorted by line, so this orders the problems found on one line.
ORDER: tuple[Callable[[Document], Iterable[Found]], ...] = (
    front.keys,
    front.not_rewritten,
    front.stale,
    front.unresolved_warnings,
    front.times,
    text.field_mojibake,
    text.field_markers,
    sections.headings,
    sections.bullet_count,
    sections.repeated_bullets,
    text.body_mojibake,
    text.html_and_scripts,
    text.template_markers,
    text.ai_talk,
    readable.glued_words,
    readable.foreign_letters,
    readable.exclamations,
    front.description,
)


def examine(doc: Document) -> list[Found]:
    """What every rule finds in one parsed article, in the order they run."""
    found: list[Found] = []
    for check in ORDER:
        found.extend(check(doc))
    return found


def listing() -> list[str]:
    """`rewriter check --list-rules`: a line per rule."""
    return [f"{rule.code}  {rule.severity:<7}  {rule.summary}  [{rule.where}]" for rule in TABLE]
