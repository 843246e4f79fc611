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
from functools import lru_cache
from itertools import pairwise

from rewriter.gate.names import outside_quotations
from rewriter.gate.source import Source, acronym_key
from rewriter.gate.words import (
    HUMP,
    STOPWORDS,
    common,
    fold_word,
    known,
    script_of,
    split_glued,
    stem,
)

#: Scripts each article language is written in (ISO 639-1); other languages
#: are allowed the scripts of their source only.
LANGUAGE_SCRIPTS = {
    **{lang: {"LATIN"} for lang in ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "fi", "pl", "cs", "sk", "sl", "hr", "ro", "hu", "tr", "id", "ms", "vi", "et", "lv", "lt"]},
    "ru": {"CYRILLIC", "LATIN"}, "uk": {"CYRILLIC", "LATIN"}, "el": {"GREEK", "LATIN"},
    "zh": {"CJK", "LATIN"}, "ja": {"CJK", "JAPANESE", "LATIN"}, "ko": {"HANGUL", "CJK", "LATIN"},
    "ar": {"ARABIC", "LATIN"}, "he": {"HEBREW", "LATIN"}, "hi": {"DEVANAGARI", "LATIN"},
}  # fmt: skip
_RAW_TOKEN = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_](?:[\w'’]*[^\W_])?")
_DASH_JOIN = re.compile(r"\s[-–—]+\s|(?<=[A-Za-z’'])[-–—](?=[A-Z])|\s[-–—]+(?=[A-Z])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
#: Glue a reader sees at once: "'s" run into the next word, a comma or
#: colon with no space after it, digits run into words ("$64.60at14:45utc").
_PUNCTUATION_GLUE = re.compile(r"['’]s[A-Z]|[a-z][,;:][A-Za-z]|\d[a-z]{2,}\d|[a-z]{3,}\d+[a-z]{3,}|[A-Za-z]\$\d")
_APOSTROPHE_S_WORD = re.compile(r"['’]s([a-z]{4,})")
#: A word ended by "!" (not "<!--" or "!=").
_EXCLAMATION = re.compile(r"\S*[^\W_][)\]'’\"”?]?[!！]+")
#: A link or markup, whose colons and brackets are not glue.
_LINK = re.compile(r"\]\(|://|<|>|\w+:[/\w]*\(")
#: Every visible glue has one of these: a cheap first look at a whole text.
_MAY_GLUE = re.compile(r"[a-z][A-Z]|['’]s[A-Z]|[a-z][,;:][A-Za-z]|[A-Za-z]\$?\d|\d[a-z]")
_EDGE_PUNCTUATION = ".,;:!?\"'()[]“”‘’«»…"
#: Least share of title-case words that makes a dash-joined string a headline fragment.
FRAGMENT_TITLE_SHARE = 0.5


@lru_cache(maxsize=4096)
def _parts(sentence: str) -> tuple[tuple[str, str], ...]:
    """(whitespace token, word part) pairs: "IMF's-Warnings" -> two parts of one token."""
    return tuple((raw, part) for raw in sentence.split() for part in _PART.findall(raw))


_POSSESSIVE_END = re.compile(r"['’]s?$")


def _humps(part: str) -> list[str]:
    """The camel-case humps of a word part, its possessive aside: "CoinDesk's",
    "MakerDAO's" and "TrueUSD's" are the names CoinDesk, MakerDAO and TrueUSD
    (two humps), not three words run together."""
    return HUMP.findall(_POSSESSIVE_END.sub("", part))


def _camel_glue(humps: list[str]) -> bool:
    """Words run together in camel case: three humps or more ("IMF'sWarningsAbout"),
    or a function word first ("WhileEthereum"); two capitalised words are a name ("BlackRock")."""
    lower_upper = any(a[-1:].islower() and b[:1].isupper() for a, b in pairwise(humps))
    return lower_upper and (len(humps) >= 3 or (len(humps[0]) > 1 and humps[0].lower() in STOPWORDS))


def may_glue(text: str) -> bool:
    """False when `visible_glue` surely finds nothing in the text.

    Ordinary words (all lower case, title case or capitals, once outer
    punctuation is stripped) are passed with string methods alone; only the
    rest is searched, which keeps a clean article's cost to one split.
    """
    for token in text.split():
        if len(token) < 7:
            continue
        core = token.strip(_EDGE_PUNCTUATION)
        if core.isalpha() and (core.islower() or core.istitle() or core.isupper()):
            continue
        if _MAY_GLUE.search(core):
            return True
    return False


def visible_glue(text: str) -> list[str]:
    """Glued tokens found without a dictionary or a source: punctuation and
    digits run into words, camel-case runs of words (`rewriter check`'s RW017)."""
    if not may_glue(text):
        return []
    found = [raw for raw in text.split() if len(raw) > 6 and _PUNCTUATION_GLUE.search(raw) and not _LINK.search(raw)]
    for raw, part in _parts(text):
        if raw not in found and len(part) >= 7 and _camel_glue(_humps(part)):
            found.append(raw)
    return found


def glued_words(sentence: str, source: Source) -> list[str]:
    """Tokens that are runs of words without spaces, as written (unless the source writes them so)."""
    found: list[str] = []
    for raw in sentence.split():
        if len(raw) > 6 and _PUNCTUATION_GLUE.search(raw) and not _LINK.search(raw) and not source.has(raw):
            found.append(raw)
    for raw, part in _parts(sentence):
        if raw in found or len(part) < 7 or (part.isalpha() and part.islower() and known(part)):
            continue
        if _glued(part, source) and not source.has(part) and fold_word(part) not in source.allow.names:
            found.append(raw)
    return found


def _glued(part: str, source: Source) -> bool:
    humps = _humps(part)
    if _camel_glue(humps):
        return True
    tail = _APOSTROPHE_S_WORD.search(part)
    for hump in humps + ([tail.group(1)] if tail else []):
        word = hump.lower()
        if len(word) >= 7 and word not in source.words and not known(word) and (split_glued(word) or split_glued(word[1:])):
            return True
    return False


def unknown_words(sentence: str, source: Source) -> list[str]:
    """Lower-case words that are neither English nor in the source (capitalised ones are names)."""
    found = []
    for _, part in _parts(sentence):
        if not part[:1].islower():
            continue
        word = fold_word(part)
        if (
            part[:1].islower() and word.isalpha() and len(word) >= 3
            and word not in source.words and stem(word) not in source.stems and not known(word)
            and not split_glued(word)  # the glued rule's
        ):  # fmt: skip
            found.append(part)
    return found


def foreign_script(sentence: str, source: Source) -> list[str]:
    """Tokens with letters of a script that neither the language nor the source uses."""
    if sentence.isascii():
        return []
    return foreign_tokens(sentence, language_scripts(source.lang) | source.scripts)


def language_scripts(lang: str) -> set[str]:
    """The scripts an article in this language may use (none known: empty)."""
    return set(LANGUAGE_SCRIPTS.get(lang.split("-")[0].lower(), ()))


def foreign_tokens(text: str, allowed: set[str]) -> list[str]:
    """Tokens with a letter of a script outside `allowed`."""
    if text.isascii():
        return []
    return [raw for raw in text.split() if not raw.isascii() and any(script_of(c) not in allowed and script_of(c) for c in raw)]


def shouting(sentence: str, source: Source) -> list[str]:
    """Ordinary words in capitals (`GANG`, `HUGE`) that the source does not write in capitals."""
    found = []
    for _, part in _parts(sentence):
        if not part[1:2].isupper():
            continue
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
    text = outside_quotations(sentence) if "!" in sentence or "！" in sentence else ""
    return [m.group(0).strip() for m in _EXCLAMATION.finditer(text)]


def fragment(sentence: str) -> bool:
    """A headline-like string: title-case phrases joined by dashes where a sentence belongs."""
    if not _DASH_JOIN.search(sentence):
        return False
    words = [w for w in _WORD.findall(sentence) if w.lower() not in STOPWORDS]
    if len(words) < 3:
        return False
    title = sum(1 for w in words if w[:1].isupper())
    return title >= FRAGMENT_TITLE_SHARE * len(words)
