"""Impact bullets are inference and read as inference (issue 19, spec §3).

The Impact section is the one place an article goes beyond its item, so each
bullet says what may follow, never what will: it carries a hedge (may,
could, might, likely, suggests, raises the prospect of, ...), states nothing
about the future as certain ("will", "is set to"), and makes no superlative
or comparison with the past ("record", "biggest ever", "first time",
"all-time") that the item does not make itself. The last rule holds in every
section: a record the item does not claim is unsupported anywhere. Whether the inference is
sound is the verifier's to judge; these rules only read the words.

Written for English bullets: in another article language they stay silent.
"""

from __future__ import annotations

import re

from rewriter.gate.source import Source

#: Words and phrases that make a bullet read as a possibility.
_HEDGE = re.compile(
    r"\b(?:may|might|could|would|should|likely|unlikely|possibl[ey]|potential(?:ly)?|probabl[ey]|perhaps|"
    r"maybe|conceivably|plausibl[ey]|suggest(?:s|ed|ing)?|signal(?:s|led|ed|ing)?|indicat(?:es?|ed|ing)|"
    r"hint(?:s|ed)?|impl(?:y|ies|ied)|points?\s+to|raises?\s+(?:the\s+)?(?:prospect|possibility|question|risk|chance)s?|"
    r"(?:prospect|possibility|chance|risk)s?\s+of|tends?\s+to|appears?\s+to|seems?\s+to|if|unless|whether|"
    r"depend(?:s|ing)?\s+on|question(?:s|ed)?|uncertain(?:ty)?|worth\s+watching)\b",
    re.IGNORECASE,
)
#: The future stated as certain.
_CERTAIN = re.compile(
    r"\b(?:will(?:\s+not)?|won['’]t|(?:is|are)\s+(?:set|bound|certain|sure|going)\s+to|"
    r"certainly|definitely|inevitabl[ey]|undoubtedly|no\s+doubt)\b",
    re.IGNORECASE,
)
#: Superlatives, and each one's plain form: "highest" rests on an item's "high".
_SUPERLATIVES = {
    "biggest": "big", "largest": "large", "highest": "high", "lowest": "low", "greatest": "great",
    "worst": "bad", "best": "good", "strongest": "strong", "weakest": "weak", "steepest": "steep",
    "sharpest": "sharp", "fastest": "fast", "slowest": "slow", "deepest": "deep", "longest": "long",
    "smallest": "small", "heaviest": "heavy", "hardest": "hard", "toughest": "tough", "wildest": "wild",
    "widest": "wide", "broadest": "broad", "cheapest": "cheap", "busiest": "busy",
}  # fmt: skip
#: Comparisons with the past, and the superlatives above.
_HISTORY = re.compile(
    r"\b(?:records?|record-(?:high|low|breaking|setting)|all-time|ever|historic(?:al(?:ly)?)?|unprecedented|"
    r"first\s+time|never\s+before|in\s+(?:years|decades|a\s+decade|a\s+generation)|the\s+(?:most|least)\s+[a-z]+|"
    + "|".join(_SUPERLATIVES)
    + r")\b",
    re.IGNORECASE,
)


#: Ways of saying "the most there has ever been": an item that says one grounds the others.
_RECORD = ("ever", "all-time", "lifetime", "record", "records", "historic", "of all time")
#: Words after which "record" is the verb ("may record more outflows").
_BEFORE_A_VERB = frozenset({"may", "might", "could", "would", "will", "can", "should", "to", "not"})


def certain_future(sentence: str) -> list[str]:
    """"will", "is set to", ... not governed by an earlier hedge ("may ask whether banks will")."""
    found = []
    for match in _CERTAIN.finditer(sentence):
        if not _HEDGE.search(sentence, 0, match.start()):
            found.append(match.group(0))
    return found


def unhedged(sentence: str) -> bool:
    """True when nothing in the bullet makes it read as a possibility."""
    return _HEDGE.search(sentence) is None


def unsupported_history(sentence: str, source: Source) -> list[str]:
    """Superlatives and comparisons with the past that the item does not make.

    Judged only in the item's own language: the item's "récord" is not found
    as "record".
    """
    if not source.same_language:
        return []
    found = []
    for match in _HISTORY.finditer(sentence):
        words = match.group(0)
        plain = _SUPERLATIVES.get(words.lower())
        if source.has(words) or (plain is not None and plain in source.words) or _not_a_claim(sentence, match):
            continue
        if words.lower() in _RECORD and any(source.has(w) for w in _RECORD):
            continue  # "its lowest level ever" of an item's "all-time low" or "lifetime lows"
        found.append(words)
    return found


def _not_a_claim(sentence: str, match: re.Match[str]) -> bool:
    """"may record", "to record" (the verb), "the most likely" (a hedge)."""
    words = match.group(0).lower()
    if words.startswith("record") and " " not in words and "-" not in words:
        before = sentence[: match.start()].split()
        return bool(before) and before[-1].lower() in _BEFORE_A_VERB
    return words.endswith(("most likely", "least likely"))
