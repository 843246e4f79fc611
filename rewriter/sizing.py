"""How long an article may be, given how much its source says (spec §3).

The prompt asks for these lengths, and the review holds the overview to the
same row, so a model is never refused for a rule it was not told (issue 19:
"overview has 37 words; write 40-90" for a prompt that asked for
sentences). Paragraph and bullet counts are asked for, and held only to the
answer's schema. The rows are `policy.ARTICLE_SIZES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rewriter import policy


@dataclass(frozen=True)
class ArticleSize:
    """The lengths one item's article is asked for and held to."""

    overview_words: tuple[int, int]
    paragraphs: tuple[int, int]
    bullets: int

    @property
    def overview_limits(self) -> tuple[int, int]:
        """What the review still publishes: from `MIN_OVERVIEW_WORDS` to half again the maximum."""
        return policy.MIN_OVERVIEW_WORDS, int(self.overview_words[1] * policy.OVERVIEW_OVERRUN)

    def prompt_values(self) -> dict[str, str]:
        """The lengths as the prompt states them: "20-50", "one", "three"."""
        low, high = self.paragraphs
        paragraphs = _spelled(low) if low == high else f"{_spelled(low)} or {_spelled(high)}"
        return {
            "overview_words": f"{self.overview_words[0]}-{self.overview_words[1]}",
            "paragraphs": f"{paragraphs} paragraph{'s' if high > 1 else ''}",
            "bullets": _spelled(self.bullets),
        }


def _spelled(n: int) -> str:
    return ("zero", "one", "two", "three", "four", "five", "six")[n] if 0 <= n <= 6 else str(n)


def article_size(source_words: int) -> ArticleSize:
    """The row of `policy.ARTICLE_SIZES` for a source of this many words."""
    chosen = policy.ARTICLE_SIZES[0]
    for row in policy.ARTICLE_SIZES:
        if source_words >= row[0]:
            chosen = row
    _, overview, paragraphs, bullets = chosen
    return ArticleSize(overview, paragraphs, bullets)
