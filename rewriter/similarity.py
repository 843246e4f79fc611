"""When two sentences say the same thing: one rule for the rewrite and the check.

Similarity is RapidFuzz's `fuzz.ratio` (0-100: twice the longest common
subsequence of characters over the total length) on folded text. It is the
measure difflib's `ratio` approximates, computed in C++: the copy check
compares every sentence of an answer against every sentence of the prompt, and
difflib made that the batch job's largest cost per item.

Kept free of pydantic and other heavy imports (RapidFuzz is imported on first
use) so `rewriter check` can use it and still start fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

#: Similarity (0-1) from which two bullets say the same thing.
SAME_BULLET_RATIO = 0.9
_NON_WORD = re.compile(r"[^\w\s]")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces (remembered: rules fold the same text in turn)."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


_SPACES_AND_PUNCTUATION = re.compile(r"[\W_]+")


@lru_cache(maxsize=4096)
def squash(text: str) -> str:
    """Lower case without spaces or punctuation: glued and spaced variants of a sentence are one text."""
    return _SPACES_AND_PUNCTUATION.sub("", text.lower())


@lru_cache(maxsize=1)
def _ratio() -> Callable[..., float]:
    from rapidfuzz.fuzz import ratio

    return ratio


def near(a: str, b: str, threshold: float = SAME_BULLET_RATIO) -> bool:
    """True when two folded texts are equal or nearly equal."""
    return a == b or bool(_ratio()(a, b, score_cutoff=threshold * 100))


def repeated_pairs(texts: list[str], threshold: float = SAME_BULLET_RATIO) -> list[tuple[int, int]]:
    """Index pairs (i < j) of texts that say the same thing, equal or nearly equal once squashed
    (so "IMF'sWarnings about" repeats "IMF's Warnings about")."""
    folded = [squash(t) for t in texts]
    return sorted((i, j) for j in range(1, len(folded)) for i in range(j) if near(folded[i], folded[j], threshold))


class NearCopies:
    """Finds texts that repeat one of a fixed set of sentences."""

    def __init__(self, targets: list[str], threshold: float) -> None:
        self.threshold = threshold
        self._targets = list(targets)

    def __bool__(self) -> bool:
        return bool(self._targets)

    def matches(self, folded: str) -> bool:
        """True when `folded` (see `fold`) contains, is contained in, or nearly equals a target."""
        if any(folded in target or target in folded for target in self._targets):
            return True
        if not self._targets:
            return False
        from rapidfuzz import fuzz, process

        best = process.extractOne(folded, self._targets, scorer=fuzz.ratio, score_cutoff=self.threshold * 100)
        return best is not None
