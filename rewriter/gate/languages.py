"""What the gate knows across languages, from the Unicode CLDR (through babel).

An item in one language rewritten in another writes its places, languages and
figures differently: "español" is 'Spanish' and 'Spain', "2 millones" is
'2 million', "2,5 Milliarden" is '2.5 billion'. CLDR, which babel ships, has
every country's and language's name in every language, each country's
official languages, each language's main country, and the long forms of large
numbers ("0 millones", "0 Milliarden", "00億"). Loaded only for an item whose
language is not its article's (or, for figures, not English), once per
language.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rewriter.gate.words import fold_text

#: The powers of ten CLDR gives long number forms for ("0 millones").
_SCALES = ("1000", "1000000", "1000000000", "1000000000000")


def base(lang: str) -> str:
    """`pt-BR` -> `pt`: the language, without its region or script."""
    return lang.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=32)
def _locale(lang: str):
    """The CLDR locale of a language code, or None when CLDR has none."""
    from babel import Locale, UnknownLocaleError

    for code in (lang.replace("-", "_"), base(lang)):
        try:
            return Locale.parse(code)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None


@lru_cache(maxsize=32)
def place_names(item_lang: str, article_lang: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(folded name in the item's language, folded names it grounds in the article's).

    A country's name grounds the country and its official languages ("España"
    -> Spain, Spanish); a language's name grounds the language and its main
    country ("español" -> Spanish, Spain). Names of three letters or more only.
    """
    from babel.core import get_global

    item, article = _locale(item_lang), _locale(article_lang)
    if item is None or article is None:
        return ()
    likely = get_global("likely_subtags")
    official = get_global("territory_languages")
    grounds: dict[str, set[str]] = {}

    def add(name: str | None, *names: str | None) -> None:
        if name and len(name) >= 3:
            grounds.setdefault(fold_text(name).strip(), set()).update(fold_text(n).strip() for n in names if n)

    for code, name in item.territories.items():
        if not code.isalpha():  # "001", "419": world regions, not countries
            continue
        spoken = [lang for lang, info in official.get(code, {}).items() if info.get("official_status") == "official"]
        add(name, article.territories.get(code), *(article.languages.get(lang) for lang in spoken))
    for code, name in item.languages.items():
        territory = likely.get(code, "").split("_")[-1]
        add(name, article.languages.get(code), article.territories.get(territory) if territory.isalpha() else None)
    return tuple((name, frozenset(names)) for name, names in grounds.items() if names)


@lru_cache(maxsize=32)
def stemmer(lang: str):
    """The Snowball stemmer of a language, or None: "española", "españoles" and
    "español" share a stem, so an inflected name still matches its CLDR form."""
    import snowballstemmer

    english = _locale("en")
    name = english.languages.get(base(lang), "").lower() if english is not None else ""
    return snowballstemmer.stemmer(name) if name in snowballstemmer.algorithms() else None


@lru_cache(maxsize=32)
def scale_words(lang: str) -> tuple[tuple[str, float], ...]:
    """The words of a language for thousands, millions, billions and trillions
    with their values, longest first ("mil millones" before "mil"); CLDR's
    long number forms, so "billón" is 10**12 in Spanish and "bilhão" 10**9 in
    Brazilian Portuguese."""
    locale = _locale(lang)
    if locale is None:
        return ()
    words: dict[str, float] = {}
    for forms in locale.compact_decimal_formats.get("long", {}).values():
        for scale, pattern in forms.items():
            if scale not in _SCALES:
                continue
            text = getattr(pattern, "pattern", str(pattern))
            zeros = text.count("0")
            word = text.replace("0", "").replace("'", "").strip()
            if zeros and word and not any(c.isdigit() for c in word):
                words[word.lower()] = float(scale) / 10 ** (zeros - 1)
    return tuple(sorted(words.items(), key=lambda w: -len(w[0])))


@lru_cache(maxsize=32)
def number_pattern(lang: str) -> re.Pattern[str] | None:
    """A figure as the language writes it: its decimal mark and digit grouping
    ("2,5", "1.500.000", "1 500 000"), then one of its scale words."""
    locale = _locale(lang)
    words = scale_words(lang)
    if locale is None or not words:
        return None
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    decimal, group = symbols.get("decimal", "."), symbols.get("group", ",")
    groups = re.escape(group) + ("\u00a0\u202f " if group.isspace() else "")
    number = rf"\d{{1,3}}(?:[{groups}]\d{{3}})+(?:{re.escape(decimal)}\d+)?|\d+(?:{re.escape(decimal)}\d+)?"
    scale = "|".join(re.escape(w) for w, _ in words)
    return re.compile(
        rf"(?<![\w.,])(?:[$€£¥]\s?)?(?P<num>{number})(?:\s?(?P<word>{scale})(?!\w))?", re.IGNORECASE
    )


def read_number(numeral: str, lang: str) -> float | None:
    """The value of a numeral written the language's way ("2,5" -> 2.5 in Spanish)."""
    locale = _locale(lang)
    if locale is None:
        return None
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    decimal, group = symbols.get("decimal", "."), symbols.get("group", ",")
    plain = numeral
    for mark in {group, "\u00a0", "\u202f", " "} if group.isspace() else {group}:
        plain = plain.replace(mark, "")
    try:
        return float(plain.replace(decimal, "."))
    except ValueError:
        return None
