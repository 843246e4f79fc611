"""Words the gate rules share: the English word list, tokens, scripts and stems.

The word list is wordfreq's English list (its data file ships in the wheel).
Importing wordfreq itself costs most of a second (regex, langcodes), so the
list is read straight from its data file, and only the part down to a
frequency of about 3 in 100 million: 170,000 words, read in a quarter of a
second, once per process and only when a rule first needs it (`rewriter
check` on clean, short words never does).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: wordfreq's lists are in bins of 1 centibel; bin N holds words of frequency
#: 10**(-N/100). Down to bin 750 (3e-8) is English; below lie typos and names.
_KNOWN_BINS = 750
#: Words from bin 600 up (frequency >= 1e-6, Zipf >= 3) are common: a
#: sentence-initial capital on one of them is grammar, not a name. Zipf 3
#: keeps "Regulators" (3.6), "Paused" (3.4) and "Analysts" (3.8) ordinary
#: words and "Gensler" (1.9), "Binance" (2.6), "Georgieva" (1.7) names; the
#: price is that a very frequent name ("Trump", 4.9) opening a sentence is
#: not checked there (it is wherever else it appears).
_COMMON_BINS = 600

#: A word as written: letters and digits, with inner apostrophes, dots and hyphens.
TOKEN = re.compile(r"[^\W_](?:[\w'’.&-]*[^\W_])?")
_POSSESSIVE = re.compile(r"['’]s?$", re.IGNORECASE)
#: Humps of a camel-cased token: "IMF'sWarningsabout" -> IMF, s, Warningsabout.
HUMP = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+|[a-z]+|[A-Z]|\d+")

#: Short function words: never content, never names, joiners inside a name.
STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "must", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "within", "without", "would", "you", "your", "yours", "yourself", "yourselves", "amid", "among", "says", "said", "say", "according", "per", "via", "yet", "still", "while", "whether", "toward", "towards", "across", "around"]
)


def _bins() -> list[list[str]]:
    import gzip
    import importlib.util
    from pathlib import Path

    import msgpack

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordfreq package is missing; reinstall rewriter")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "large_en.msgpack.gz"
    with gzip.open(path, "rb") as data:
        unpacker = msgpack.Unpacker(data, raw=False)
        count = unpacker.read_array_header()
        unpacker.unpack()  # the header: {'format': 'cB', 'version': 1}
        return [unpacker.unpack() for _ in range(1, min(count, _KNOWN_BINS))]


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    """Every English word of the list, and the common ones (also the parts a glued word splits into)."""
    bins = _bins()
    common = frozenset(w for b in bins[:_COMMON_BINS] for w in b)
    return common.union(w for b in bins[_COMMON_BINS:] for w in b), common


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """Lower case, no possessive, no outer punctuation: "IMF's" -> "imf"."""
    return _POSSESSIVE.sub("", word.lower().replace("’", "'")).strip(".-'&")


#: Plurals the list may lack ("stablecoins"). Not -ed or -ing: the list has
#: the real verb forms, and "regulatoring" is not English.
_INFLECTIONS = (("s", ""), ("es", ""), ("ies", "y"))


def _listed(w: str, words: frozenset[str]) -> bool:
    """`w` or the word it inflects ("stablecoins" -> "stablecoin") is in `words`."""
    if w in words:
        return True
    return any(
        w.endswith(end) and len(w) > len(end) + 2 and w[: -len(end)] + new in words for end, new in _INFLECTIONS
    )


@lru_cache(maxsize=65536)
def known(word: str) -> bool:
    """True for an English word of the list, in any inflection the list lacks ("stablecoins")."""
    w = fold_word(word)
    if not w or w.isdigit():
        return True
    if _listed(w, _lists()[0]):
        return True
    if "-" in w or "." in w:
        return all(known(p) for p in re.split(r"[-.]", w) if p)
    return False


@lru_cache(maxsize=65536)
def common(word: str) -> bool:
    """True for a word of frequency 1e-6 or more (Zipf 3), or an inflection of one;
    a hyphenated word when each part is ("So-called", "Long-term": wordfreq
    splits hyphenated words, so its list has the parts, not the whole)."""
    w = fold_word(word)
    if _listed(w, _lists()[1]):
        return True
    return "-" in w and all(_listed(p, _lists()[1]) for p in w.split("-") if p)


def split_glued(word: str) -> list[str] | None:
    """The frequent words a run of letters is made of ("warningsabout" -> warnings, about), or None.

    Two or three common words, each of three letters or more, found by trying
    every cut: a glued token in model output is a few ordinary words, while a
    real word the list lacks rarely splits that cleanly.
    """
    w = word.lower()
    if len(w) < 7 or not w.isalpha():
        return None
    parts = _lists()[1]
    for i in range(3, len(w) - 2):
        head, tail = w[:i], w[i:]
        if head in parts and len(head) >= 3:
            if tail in parts and len(tail) >= 3:
                return [head, tail]
            for j in range(3, len(tail) - 2):
                if tail[:j] in parts and tail[j:] in parts and len(tail[j:]) >= 3:
                    return [head, tail[:j], tail[j:]]
    return None


@lru_cache(maxsize=65536)
def script_of(char: str) -> str:
    """The script of a letter as Unicode names it: LATIN, CJK, CYRILLIC, ...; "" for others."""
    if char.isascii():
        return "LATIN" if char.isalpha() else ""
    if not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return {"HIRAGANA": "JAPANESE", "KATAKANA": "JAPANESE", "FULLWIDTH": "LATIN"}.get(first, first)


def scripts(text: str) -> set[str]:
    """Every script used by the letters of a text."""
    if text.isascii():
        return {"LATIN"} if any(c.isalpha() for c in text) else set()
    found = {s for s in map(script_of, {c for c in set(text) if not c.isascii()}) if s}
    return found | {"LATIN"} if any(c.isalpha() for c in text if c.isascii()) else found


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a folded word: "warned" and "warning" -> "warn"."""
    return _stemmer().stemWord(word)


# --- folding text to compare it (source.py and languages.py both fold) ----------

_APOSTROPHE_S = re.compile(r"['’]s\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+|_")
_INNER_HYPHEN = re.compile(r"(?<=\w)[-–](?=\w)")
#: "u.k.", "u.s.a.": single letters each followed by a dot.
_DOTTED_INITIALS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.){2,}")


@lru_cache(maxsize=16384)
def fold_text(text: str, hyphen: str = " ") -> str:
    """`fold`, remembered: for the short phrases of answers, which the rules fold in turn."""
    return fold(text, hyphen)


def fold(text: str, hyphen: str = " ") -> str:
    """Lower case, no possessive 's, punctuation to spaces, hyphens to `hyphen`; padded with spaces.

    The squashed spelling (`hyphen=""`) also writes dotted initials as one
    word, so "U.K." and "UK" (and the aliases of either) are the same name.
    """
    text = _APOSTROPHE_S.sub("", text.lower())
    if "-" in text or "–" in text:
        text = _INNER_HYPHEN.sub(hyphen, text)
    if not hyphen and "." in text:
        text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", ""), text)
    return " " + " ".join(_NON_WORD.sub(" ", text).split()) + " "
