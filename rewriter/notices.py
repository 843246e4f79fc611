"""The one-line notices printed on the terminal while articles are written.

A draft's line gives its reasons, but a small model can give dozens (the same
invented names in every field, each quoted): past `policy.DRAFT_LINE_CHARS`
the line is cut, since the article's `ai.warnings` and the report keep them all.
"""

from __future__ import annotations

from rewriter import policy


def draft_line(target: object, reasons: str) -> str:
    """`draft: TARGET: REASONS`, the reasons cut to a line an editor can read."""
    if len(reasons) > policy.DRAFT_LINE_CHARS:
        cut = reasons[: policy.DRAFT_LINE_CHARS].rsplit(" ", 1)[0]
        reasons = f"{cut} … (cut here; every warning is in the article's ai.warnings)"
    return f"draft: {target}: {reasons}"
