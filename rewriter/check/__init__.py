"""The pre-publish check (spec §5): find what keeps an article from going live.

Runs without network or model, and imports nothing heavy (no openai, pydantic,
diskcache or rich), so it suits pre-commit hooks and CI. Every problem names a
stable rule code (RW001...) and the line it is on.

Where things are:
- `rules.py`: the table of every rule: code, what it blocks, severity, and the
  function that finds it (RW017 -> `readable.glued_words`); the order they run.
- `document.py`: the article read: front matter parsed (RW001), body cut into
  sections, the line of every key.
- `front.py` (keys and values), `sections.py` (headings and bullets),
  `text.py` (mojibake, HTML, template markers, AI talk), `readable.py`
  (the gate's rules that need no source): the rules, one function each.
- `report.py`: what was found (`Problem`, `ArticleResult`, `Report`).
- `walk.py`: the files found and checked (`check_paths`, `check_text`).
Mojibake itself is found by `rewriter.mojibake`, as for the normaliser.
"""

from __future__ import annotations

from rewriter.check.document import key_lines
from rewriter.check.front import DESCRIPTION_LIMIT, ELLIPSIS, valid_utc_time
from rewriter.check.profile import Profile
from rewriter.check.report import REFRESH_HINT, ArticleResult, Problem, Report
from rewriter.check.rules import RULES, TABLE, WARNING_RULES
from rewriter.check.walk import check_file, check_paths, check_text, find_articles

# Where these lived before the check became a package; tests and bench/mojibake.py use them.
from rewriter.check.text import (  # noqa: F401
    _AI_TALK,
    _AI_TALK_HINTS,
    _SCRIPT,
    _SCRIPT_HINTS,
    _TEMPLATE,
    _may_have_template_marker,
)
from rewriter.mojibake import (  # noqa: F401
    BADNESS_MATCH_MAX,
    BADNESS_PATTERN_CRC32,
    _badness,
    may_have_any_mojibake,
    may_have_mojibake,
    mojibake_fix,
    mojibake_problem,
)

__all__ = [
    "DESCRIPTION_LIMIT", "ELLIPSIS", "REFRESH_HINT", "RULES", "TABLE", "WARNING_RULES",
    "ArticleResult", "Problem", "Profile", "Report",
    "check_file", "check_paths", "check_text", "find_articles", "key_lines", "valid_utc_time",
]  # fmt: skip
