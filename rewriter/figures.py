"""Figures as writers spell them: "$15M", "15 million", "15,000,000" are one value.

Grounding (spec §3) compares values, not spellings: every figure an answer
writes must have its value among the source's. In an item in another
language its own spellings count too ("2 millones de euros", "2,5
Milliarden"), from CLDR (`rewriter.gate.languages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MULTIPLIERS = {
    "%": 1, "percent": 1, "per cent": 1,
    "k": 1e3, "thousand": 1e3,
    "m": 1e6, "mn": 1e6, "mln": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12,
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,])"  # not the tail of a word ("Web3", "Q4") or number
    r"(?:[$€£¥]\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<word>%|(?:percent|per cent|thousand|million|billion|trillion|mln|mn|bn|tn)\b)"
    r"|(?P<letter>[kKmMbBtT]|mn|bn|mln|tn)(?![A-Za-z]))?"
)
DIGIT = re.compile(r"\d")
#: Where a figure can start: a currency sign or a digit (the pattern's first
#: element is optional, so the regex engine cannot skip ahead to these itself).
_FIGURE_START = re.compile(r"[$€£¥\d]")


@dataclass(frozen=True)
class Figure:
    """A number as written (`$15M`), its value (15000000.0) and its digits (`15`)."""

    text: str
    value: float
    numeral: str = ""


def figures(text: str, lang: str = "en") -> list[Figure]:
    """Every number in the text, with magnitude words folded in.

    In another language than English, its own spellings count too: its
    decimal mark and grouping and its words for large numbers ("2 millones de
    euros" is 2,000,000; "2,5 Milliarden" 2,500,000,000), from CLDR
    (`rewriter.gate.languages`), alongside the English reading.
    """
    found = _figures_en(text)
    if not lang.lower().startswith("en"):
        found += _figures_in(text, lang)
    return found


def _figures_in(text: str, lang: str) -> list[Figure]:
    """The figures a language's own number words and marks spell."""
    from rewriter.gate.languages import number_pattern, read_number, scale_words

    pattern = number_pattern(lang)
    if pattern is None or not DIGIT.search(text):
        return []
    scales = dict(scale_words(lang))
    found = []
    for match in pattern.finditer(text):
        number = read_number(match.group("num"), lang)
        if number is None:
            continue
        value = number * scales.get((match.group("word") or "").lower(), 1)
        numeral = f"{number:f}".rstrip("0").rstrip(".")  # as English writes it: "2,5" -> "2.5"
        found.append(Figure(match.group(0).strip(), value, numeral))
    return found


def _figures_en(text: str) -> list[Figure]:
    """Figures as English writes them."""
    found = []
    # What `_NUMBER.finditer` finds, tried only where a figure can start: the
    # full pattern is slow to try at every character of a long text.
    start, number, pos = _FIGURE_START.search, _NUMBER.match, 0
    while (candidate := start(text, pos)) is not None:
        match = number(text, candidate.start())  # its look-behind still sees the text before
        if match is None:
            pos = candidate.start() + 1
            continue
        numeral = match.group("num")
        unit = (match.group("word") or match.group("letter") or "").lower()
        value = float(numeral.replace(",", "")) * _MULTIPLIERS.get(unit, 1)
        found.append(Figure(match.group(0).strip(), value, numeral))
        pos = match.end()
    return found


def same_value(a: float, b: float) -> bool:
    """Equal, but for floating-point error."""
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
