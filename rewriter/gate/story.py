"""Sentences stay on the story (issue 14, rule 4).

A sentence's content words (stopwords removed, folded, Snowball-stemmed) must
share enough with the source's. Impact bullets are inferential ("Investors may
reassess their exposure"), so market words on the editors' list count as on
the story too. The threshold was calibrated on tests/fixtures/gate-labelled.jsonl
(bench/gate.py): see bench/README.md, "Publish gate".

A sentence that reads as inference ("… points to renewed buying interest",
"Cheaper fees may encourage more activity") says, by its nature, something
the item does not: it needs one word of the story, not a quarter of its
words. Whether the inference is sound is the verifier's to judge.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rewriter.gate.source import Source
from rewriter.gate.words import STOPWORDS, stem

#: Least share of a sentence's content words that the source or the list must have.
ON_STORY_SHARE = 0.25
#: Sentences with fewer content words than this are too short to judge.
MIN_CONTENT_WORDS = 2
_WORD = re.compile(r"[a-z][a-z'’]*[a-z]|[a-z]")


@lru_cache(maxsize=4096)
def content_stems(sentence: str) -> tuple[str, ...]:
    words = _WORD.findall(sentence.lower().replace("’", "'"))
    return tuple(stem(w.removesuffix("'s")) for w in words if len(w) > 2 and w not in STOPWORDS)


def story_words(sentence: str, source: Source) -> tuple[list[str], list[str]]:
    """The sentence's content stems the source has, and those it lacks.

    Market words on the editors' list count as the story's, so an inferential
    bullet ("Investors may reassess their exposure") stays on the story.
    """
    shared, missing = [], []
    for s in content_stems(sentence):
        (shared if s in source.stems or s in source.allow.story else missing).append(s)
    return shared, missing


def off_story(sentence: str, source: Source) -> bool:
    """True when too few of the sentence's own words (neutral ones aside) are the story's:
    a quarter for a statement, one for an inference."""
    shared, missing = story_words(sentence, source)
    judged = len(shared) + len(missing)
    if judged < MIN_CONTENT_WORDS or len(shared) >= ON_STORY_SHARE * judged:
        return False
    from rewriter.gate.impact import unhedged  # here: `rewriter check` never needs impact's patterns

    return not shared or unhedged(sentence)
