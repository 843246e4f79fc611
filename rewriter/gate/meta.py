"""Sentences about the text, not the news (issue 19): meta-talk is not published.

Given a one-sentence item and room for a paragraph, a capable model fills the
room with sentences about the item itself: "The news item does not say how
much money was involved.", "The report was published on 10 March 2023.",
"CoinDesk reported the news on 13 March 2023." A reader learns nothing from
them. Four shapes, each named in the finding by the words that make it:

- the text named as such: "the news item", "this article", "the excerpt";
- what the text leaves out: "the report does not say …", "it does not
  specify …", "the amount was not specified", "no further details were given";
- who published it, or when: a publishing verb with the outlet or the text as
  its subject, and nothing else of the story in the sentence;
- filler attribution: "according to the report", "according to CoinDesk".

The outlet's name (`item.source.name`, which the prompt gives the model as
`Source: CoinDesk`) is a known fact, so it is never an invented name. What
the outlet did is not news, though: a sentence whose point is who published
or reported the item, or when, is meta-talk, and so is "according to
CoinDesk" where the item never names its outlet. Content the item itself
attributes to its outlet ("… Mathieu Michel told CoinDesk") may be
attributed so, and a sentence that carries the story's own content
("CoinDesk published a Q&A with Andrew Chow" for that Q&A) is not about
publication alone. A report, statement or source the item itself speaks of
("a report made public on Monday reveals …") is the story's, not the text's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rewriter.gate.source import Source
from rewriter.gate.story import content_stems
from rewriter.gate.words import stem

#: The text itself, named as such.
_SELF = re.compile(
    r"\bnews\s+(?:item|article|story|piece|snippet|excerpt)s?\b"
    r"|\b(?:this|the|that)\s+(?:article|item|excerpt|snippet|blurb|write-?up)\b"
    r"|\bthis\s+(?:report|story|piece|text)\b",
    re.IGNORECASE,
)
#: Nouns for the text or its publication: meta-talk unless the item itself uses them.
_TEXT_NOUNS = frozenset(
    "news item items article articles report reports story stories piece text source headline coverage "
    "outlet outlets media publication site website post newsletter reporter reporters journalist journalists".split()
)
_TEXT_NOUN = "|".join(sorted(_TEXT_NOUNS, key=len, reverse=True))
#: "… does not say / specify …" after the text (or "it") as subject.
_LEAVES_OUT = re.compile(
    rf"\b(?:it|(?:the|this)\s+(?:news\s+)?(?:{_TEXT_NOUN}))\s+(?:does|do|did)\s*(?:n['’]t|\s+not)\s+"
    r"(?:say|specify|mention|state|give|provide|disclose|reveal|detail|explain|elaborate|indicate|include|name|"
    r"offer|clarify|report|identify|list|confirm)\b"
    r"|\b(?:is|was|are|were|has\s+been|have\s+been)\s+not\s+(?:specified|mentioned|stated)\b"
    r"|\bno\s+(?:further\s+|other\s+|additional\s+|more\s+)?(?:details|information|specifics|explanation)\s+"
    r"(?:\w+\s+){0,4}?(?:was|were|is|are|has\s+been|have\s+been)\s+"
    r"(?:given|provided|available|disclosed|offered|shared|mentioned|reported)\b",
    re.IGNORECASE,
)
#: Verbs of publishing and reporting.
_PUBLISHED = re.compile(
    r"\b(?:publish(?:ed|es|ing)?|posted|report(?:ed|ing)|releas(?:ed|es)|wr(?:ote|itten)|updated|"
    r"cover(?:ed|s)|carr(?:ied|ies)|broke|ran|appeared|made\s+public|came\s+out)\b",
    re.IGNORECASE,
)
#: Words of the publication frame: who, how and when, none of them the story's.
_FRAME_WORDS = tuple(
    (
        "publish published publishes post posted report reported reports released release wrote written updated "
        "cover covered covers carried carries broke ran appeared made public came out first originally initially "
        "extensively widely multiple several various many online "
        "date day time today yesterday earlier later recently week weekend morning afternoon evening hour hours "
        "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
        "september october november december"
    ).split()
)
#: A word each of the patterns `_SELF`, `_LEAVES_OUT` and `_ACCORDING` needs.
_KEYS = (
    "item", "article", "excerpt", "snippet", "blurb", "write", "report", "stor", "piece", "text", "specified",
    "mentioned", "stated", "details", "information", "specifics", "explanation", "according", "n't", "n’t", " not ",
)  # fmt: skip
_TEXT_NOUN_WORD = re.compile(rf"\b(?:{_TEXT_NOUN})\b")
_ACCORDING = re.compile(
    rf"\baccording\s+to\s+(?:(?:the|this|a|an)\s+)?(?:news\s+)?(?P<noun>{_TEXT_NOUN})\b", re.IGNORECASE
)


@lru_cache(maxsize=1)
def _stemmed() -> tuple[frozenset[str], frozenset[str]]:
    """The frame words and the text nouns, stemmed on first use (the stemmer
    is not loaded when `rewriter check` imports the gate)."""
    return frozenset(map(stem, _FRAME_WORDS)), frozenset(map(stem, _TEXT_NOUNS))


def meta_talk(sentence: str, source: Source) -> list[str]:
    """The words that make a sentence about the text or its publication, or []."""
    found: list[str] = []
    lower = sentence.lower()
    if any(key in lower for key in _KEYS):  # what the three patterns need: most sentences have none
        found += [m.group(0) for m in _SELF.finditer(sentence) if not source.has(m.group(0))]
        found += [m.group(0) for m in _LEAVES_OUT.finditer(sentence) if not source.has(m.group(0))]
        found += [m.group(0) for m in _ACCORDING.finditer(sentence) if m.group("noun").lower() not in source.words]
    if source.outlet:
        found += _attributed_to_outlet(sentence, source)
    if not found:
        found += _about_publication(sentence, source)
    return found


def _attributed_to_outlet(sentence: str, source: Source) -> list[str]:
    """"according to CoinDesk", unless the item itself names its outlet."""
    if source.outlet.lower() not in sentence.lower() or source.has(source.outlet):
        return []
    return [m.group(0) for m in _attribution(source.outlet).finditer(sentence)]


@lru_cache(maxsize=64)
def _stems(name: str) -> frozenset[str]:
    return frozenset(stem(w) for w in name.split())


@lru_cache(maxsize=64)
def _attribution(outlet: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:according\s+to|as\s+reported\s+by|reported\s+by)\s+{re.escape(outlet)}\b", re.IGNORECASE)


def _about_publication(sentence: str, source: Source) -> list[str]:
    """A publishing verb with the outlet or the text as its subject, and no
    other word of the story: "The report was published on 10 March 2023."."""
    words = content_stems(sentence)
    frame, text_nouns = _stemmed()
    outlet = _stems(source.outlet_key)
    if text_nouns.isdisjoint(words) and not (outlet and outlet.issubset(words)):
        return []
    verb = _PUBLISHED.search(sentence)
    if verb is None:
        return []
    nouns = {stem(n) for n in _TEXT_NOUN_WORD.findall(sentence.lower()) if n not in source.words}
    if not nouns and not (outlet and outlet.issubset(words)):
        return []
    rest = [w for w in words if w not in frame and w not in outlet and w not in nouns]
    if any(w in source.stems for w in rest):
        return []
    return [verb.group(0)]
