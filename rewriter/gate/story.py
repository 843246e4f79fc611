"""Sentences stay on the story (issue 14, rule 4).

A sentence's content words (stopwords removed, folded, Snowball-stemmed) must
share enough with the source's. Impact bullets are inferential ("Investors may
reassess their exposure"), so market words on the editors' list count as on
the story too. The threshold was calibrated on tests/fixtures/gate-labelled.jsonl
(bench/gate.py): see bench/README.md, "Publish gate".
"""

from __future__ import annotations

import re

from rewriter.gate.source import Source
from rewriter.gate.words import STOPWORDS, stem

#: Least share of a sentence's content words that the source or the list must have.
ON_STORY_SHARE = 0.2
#: Sentences with fewer content words than this are too short to judge.
MIN_CONTENT_WORDS = 3
_WORD = re.compile(r"[a-z][a-z'’]*[a-z]|[a-z]")


def content_stems(sentence: str) -> list[str]:
    words = _WORD.findall(sentence.lower().replace("’", "'"))
    return [stem(w.removesuffix("'s")) for w in words if len(w) > 2 and w not in STOPWORDS]


def on_story_share(sentence: str, source: Source) -> tuple[float, list[str]]:
    """Share of content words the story has, and the ones it lacks."""
    stems = content_stems(sentence)
    if not stems:
        return 1.0, []
    missing = [s for s in stems if s not in source.stems and s not in source.allow.story]
    return 1 - len(missing) / len(stems), missing


def off_story(sentence: str, source: Source) -> bool:
    stems = content_stems(sentence)
    if len(stems) < MIN_CONTENT_WORDS:
        return False
    share, _ = on_story_share(sentence, source)
    return share < ON_STORY_SHARE
