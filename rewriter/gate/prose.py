"""Prose a reader can read (issue 14, rule 3): each rule returns the words it objects to.

- glued words: a token made of dictionary words without spaces
  (`IMF'sWarningsaboutCryptocurrencyGrowth`);
- unknown words: neither in wordfreq's English list nor in the source;
- mixed scripts: letters of a script neither the article's language nor the source uses;
- shouting: a word in capitals (three letters or more) that the source does not write so;
- exclamations: `!` outside a quotation;
- fragments: a headline-like string of title-case phrases joined by dashes.
"""

from __future__ import annotations

import re

from rewriter.gate.names import outside_quotations
from rewriter.gate.source import Source, acronym_key
from rewriter.gate.words import HUMP, STOPWORDS, common, fold_word, known, script_of, split_glued

#: Scripts each article language is written in (ISO 639-1); other languages
#: are allowed the scripts of their source only.
LANGUAGE_SCRIPTS = {
    **{lang: {"LATIN"} for lang in "en de fr es it pt nl sv da no nb fi pl cs sk sl hr ro hu tr id ms vi et lv lt".split()},
    "ru": {"CYRILLIC", "LATIN"}, "uk": {"CYRILLIC", "LATIN"}, "el": {"GREEK", "LATIN"},
    "zh": {"CJK", "LATIN"}, "ja": {"CJK", "JAPANESE", "LATIN"}, "ko": {"HANGUL", "CJK", "LATIN"},
    "ar": {"ARABIC", "LATIN"}, "he": {"HEBREW", "LATIN"}, "hi": {"DEVANAGARI", "LATIN"},
}  # fmt: skip
_RAW_TOKEN = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_](?:[\w'’]*[^\W_])?")
_DASH_JOIN = re.compile(r"\s[-–—]+\s|(?<=[A-Za-z’'])[-–—](?=[A-Z])|\s[-–—]+(?=[A-Z])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
#: Least share of title-case words that makes a dash-joined string a headline fragment.
FRAGMENT_TITLE_SHARE = 0.5


def _parts(sentence: str) -> list[tuple[str, str]]:
    """(whitespace token, word part) pairs: "IMF's-Warnings" -> two parts of one token."""
    return [(raw.group(0), part) for raw in _RAW_TOKEN.finditer(sentence) for part in _PART.findall(raw.group(0))]


def glued_words(sentence: str, source: Source) -> list[str]:
    """Tokens that are runs of words without spaces, as written."""
    found: list[str] = []
    for raw, part in _parts(sentence):
        if raw in found or source.has(part) or fold_word(part) in source.allow.names:
            continue
        humps = HUMP.findall(part)
        lower_upper = any(a[-1:].islower() and b[:1].isupper() for a, b in zip(humps, humps[1:]))
        apostrophe_glue = re.search(r"['’]s[A-Z]", part) is not None
        if (len(humps) >= 3 and lower_upper) or apostrophe_glue:
            found.append(raw)
            continue
        for hump in humps:
            word = hump.lower()
            if len(word) >= 7 and word not in source.words and not known(word) and split_glued(word):
                found.append(raw)
                break
    return found


def unknown_words(sentence: str, source: Source) -> list[str]:
    """Lower-case words that are neither English nor in the source (capitalised ones are names)."""
    found = []
    for _, part in _parts(sentence):
        word = fold_word(part)
        if (
            part[:1].islower() and word.isalpha() and len(word) >= 3
            and word not in source.words and not known(word)
            and not split_glued(word)  # the glued rule's
        ):  # fmt: skip
            found.append(part)
    return found


def foreign_script(sentence: str, source: Source) -> list[str]:
    """Tokens with letters of a script that neither the language nor the source uses."""
    if sentence.isascii():
        return []
    allowed = LANGUAGE_SCRIPTS.get(source.lang.split("-")[0].lower(), set()) | source.scripts
    return [raw.group(0) for raw in _RAW_TOKEN.finditer(sentence) if any(script_of(c) not in allowed and script_of(c) for c in raw.group(0))]


def shouting(sentence: str, source: Source) -> list[str]:
    """Ordinary words in capitals (`GANG`, `HUGE`) that the source does not write in capitals."""
    found = []
    for _, part in _parts(sentence):
        letters = part.rstrip("'’s") if part.endswith(("'s", "’s")) else part
        if len(letters) < 3 or not letters.isupper() or not letters.isalpha():
            continue
        if letters in source.exact_tokens or acronym_key(letters) in source.acronyms or fold_word(letters) in source.allow.names:
            continue
        if common(letters):
            found.append(part)
    return found


def exclamations(sentence: str) -> list[str]:
    """`!` outside a quotation, with the word before it."""
    text = outside_quotations(sentence) if "!" in sentence else ""
    return [m.group(0).strip() for m in re.finditer(r"\S*!+", text)]


def fragment(sentence: str) -> bool:
    """A headline-like string: title-case phrases joined by dashes where a sentence belongs."""
    if not _DASH_JOIN.search(sentence):
        return False
    words = [w for w in _WORD.findall(sentence) if w.lower() not in STOPWORDS]
    if len(words) < 4:
        return False
    title = sum(1 for w in words if w[:1].isupper())
    return title >= FRAGMENT_TITLE_SHARE * len(words)
