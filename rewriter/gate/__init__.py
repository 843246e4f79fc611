"""The publish gate: nothing invented, unreadable or off the story is published.

Each rule is a small function of one sentence and the indexed source
(`Source`), returning the words it objects to; `examine` runs them all. The
review (`rewriter.review`) turns findings into re-asks, dropped sentences or
draft warnings, the same cure as invented figures; `rewriter check` runs the
rules that need no source (glued words, mixed scripts, exclamations).

Rules that compare the article's words with the item's (off the story,
quotations) stay silent when the item is in another language than the
article: they cannot judge a translation, the verifier can. The Impact rules
(hedged, no certain future, no record the item lacks) apply to the bullets of
that section only, which `examine` is told with `section`.

Free of pydantic and openai so `rewriter check` can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rewriter import policy
from rewriter.gate.names import unsupported_names, unsupported_quotations
from rewriter.gate.prose import (
    exclamations,
    foreign_script,
    fragment,
    glued_words,
    shouting,
    unknown_words,
)
from rewriter.gate.source import Allow, Source
from rewriter.gate.story import off_story

__all__ = ["IMPACT_SECTION", "RULES", "Allow", "Finding", "Source", "describe", "examine"]

_HEDGES = ", ".join(policy.IMPACT_HEDGES[:-1]) + " or " + policy.IMPACT_HEDGES[-1]
#: Rule name -> how a warning or re-ask says what is wrong with the words.
RULES: dict[str, str] = {
    "name": "names {words}, which the news item does not mention",
    "quote": "quotes {words}, which the news item does not say",
    "glued": "glues words together without spaces: {words}",
    "unknown": "uses {words}, which is neither English nor in the news item",
    "script": "mixes in letters of another script: {words}",
    "shouting": "writes {words} in capitals",
    "exclamation": "exclaims ({words}); news prose uses no '!'",
    "fragment": "strings headline phrases together with dashes instead of writing a sentence",
    "off-story": "is not about the news item",
    "meta": "talks about the news item or its publication ({words}) instead of the news; leave that out",
    "certain": f"states the future as certain ({{words}}); an impact is a possibility: write {_HEDGES}",
    "unhedged": f"states an impact as fact; write it as a possibility ({', '.join(policy.IMPACT_HEDGES)})",
    "history": "claims {words}, which the news item does not say; compare only as the item does",
}
#: The section whose sentences are inference, and the rules only it has.
IMPACT_SECTION = "impact"
_SENTENCE_IN_MESSAGE = 120


@dataclass(frozen=True)
class Finding:
    """One rule's objection to one sentence, with the words it objects to."""

    rule: str
    sentence: str
    words: tuple[str, ...] = ()

    def describe(self) -> str:
        return describe(self.rule, self.words, self.sentence)


def describe(rule: str, words: tuple[str, ...], sentence: str) -> str:
    """"names 'MEX', which the news item does not mention, in: "The (MEX) index rose."" """
    named = ", ".join(f"'{w}'" for w in dict.fromkeys(words))
    quoted = sentence if len(sentence) <= _SENTENCE_IN_MESSAGE else sentence[: _SENTENCE_IN_MESSAGE - 1] + "…"
    return f'{RULES[rule].format(words=named)}, in: "{quoted}"'


def examine(sentence: str, source: Source, section: str = "") -> list[Finding]:
    """Every objection of the gate to one sentence of an answer's `section`
    (overview, what_happened, impact), given the item's source."""
    # Imported here: `rewriter check` imports the gate for its prose rules alone,
    # and these two modules compile many patterns (~5 ms of its start-up).
    from rewriter.gate.impact import certain_future, unhedged, unsupported_history
    from rewriter.gate.meta import meta_talk

    found: list[Finding] = []

    def add(rule: str, words: list[str]) -> None:
        if words:
            found.append(Finding(rule, sentence, tuple(dict.fromkeys(words))))

    # The glued and unknown-word rules read English's word list: an article in
    # another language (profile `language: source`) is spared them.
    english = source.lang.split("-")[0].lower() == "en"
    glued = glued_words(sentence, source) if english else []
    add("glued", glued)
    add("script", foreign_script(sentence, source))
    names = unsupported_names(sentence, source)
    if glued:  # a glued token is one fault, not also an invented name
        names = [n for n in names if not any(g in n or n in g for g in glued)]
    add("name", names)
    same = source.same_language
    add("quote", unsupported_quotations(sentence, source) if same else [])
    add("unknown", unknown_words(sentence, source) if english else [])
    add("shouting", [w for w in shouting(sentence, source) if not any(w in n for n in names)])
    add("exclamation", exclamations(sentence))
    if fragment(sentence):
        found.append(Finding("fragment", sentence))
    meta = meta_talk(sentence, source) if english else []
    add("meta", meta)
    if same and not meta and off_story(sentence, source):  # meta-talk is its own fault
        found.append(Finding("off-story", sentence))
    if section == IMPACT_SECTION and english:
        certain = certain_future(sentence)
        add("certain", certain)
        if not certain and unhedged(sentence):
            found.append(Finding("unhedged", sentence))
    # A record or superlative the item does not make is unsupported in any section.
    add("history", unsupported_history(sentence, source) if english else [])
    return found
