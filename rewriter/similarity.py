"""When two sentences say the same thing: one rule for the rewrite and the check.

Kept free of pydantic and other heavy imports so `rewriter check` can use it
and still start fast.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

#: difflib ratio from which two bullets say the same thing.
SAME_BULLET_RATIO = 0.9
_NON_WORD = re.compile(r"[^\w\s]")


def fold(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def repeated_pairs(texts: list[str], threshold: float = SAME_BULLET_RATIO) -> list[tuple[int, int]]:
    """Index pairs (i < j) of texts that say the same thing, equal or nearly equal once folded."""
    folded = [fold(t) for t in texts]
    letters = [Counter(f) for f in folded]
    pairs = []
    for j in range(1, len(folded)):
        matcher = None
        for i in range(j):
            if folded[i] == folded[j]:
                pairs.append((i, j))
                continue
            # ratio() <= 2 * shorter / total and <= 2 * shared letters / total
            # (difflib's real_quick_ratio and quick_ratio), from counts made once.
            total = len(folded[i]) + len(folded[j])
            if (
                total
                and 2 * min(len(folded[i]), len(folded[j])) >= threshold * total
                and 2 * sum((letters[i] & letters[j]).values()) >= threshold * total
            ):
                matcher = matcher or difflib.SequenceMatcher(None, "", folded[j])  # b indexed once
                matcher.set_seq1(folded[i])
                if matcher.ratio() >= threshold:
                    pairs.append((i, j))
    return sorted(pairs)


class NearCopies:
    """Finds texts that repeat one of a fixed set of sentences.

    Each target is indexed once (difflib's `b` side and a letter count), so a
    check costs the cheap bounds for most targets and full matching for few.
    """

    def __init__(self, targets: list[str], threshold: float) -> None:
        self.threshold = threshold
        self._targets = [(t, Counter(t), difflib.SequenceMatcher(None, "", t)) for t in targets]

    def __bool__(self) -> bool:
        return bool(self._targets)

    def matches(self, folded: str) -> bool:
        """True when `folded` (see `fold`) contains, is contained in, or nearly equals a target."""
        letters = Counter(folded)
        for target, target_letters, matcher in self._targets:
            if folded in target or target in folded:
                return True
            total = len(folded) + len(target)
            if (
                2 * min(len(folded), len(target)) >= self.threshold * total
                and 2 * sum((letters & target_letters).values()) >= self.threshold * total
            ):
                matcher.set_seq1(folded)
                if matcher.ratio() >= self.threshold:
                    return True
        return False
