"""Names and quotations come from the source (issue 14, rule 1).

A name is a run of capitalised words, an acronym or a mixed-case token. It is
supported when the source has it (ignoring case, punctuation and
possessives), when it is the acronym of a capitalised phrase of the source or
the reverse, when it is a demonym of a place in the source ("North Korean"
from "North Korea"), when the editors' list allows it (aliases such as
SEC = Securities and Exchange Commission, and domain words such as Bitcoin),
when it is the outlet's own name (the prompt gives it to the model), or when
the item names the place or language in its own language ("español" grounds
Spanish and Spain; `rewriter.gate.languages`). In an item of another
language, a name made only of ordinary English words ("European Central
Bank") is a translation and is not judged.

A capital that opens a sentence is grammar unless the word is rare: a word
among the 20,000 most frequent English words (wordfreq) that starts a sentence
is not taken for a name ("Investors", "Regulators"); a rarer one is
("Gensler", "Binance").
"""

from __future__ import annotations

import re

from rewriter.gate.source import (
    CONNECTORS,
    Source,
    acronym,
    acronym_key,
    capitalised,
    fold_text,
    initials,
    mixed_case,
    name_runs,
)
from rewriter.gate.words import common, fold_word, known, stem

_CALENDAR = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
#: Text between straight or curly double quotes, or curly single quotes that
#: open after a space (an apostrophe in "IMF’s" opens nothing).
_QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|(?:(?<=\s)|^)‘([^’\n]+)’(?![A-Za-z])')


def _first_word_is_grammar(token: str, source: Source) -> bool:
    """A capital that only opens the sentence: a common word, or an English
    word the story itself uses ("Depositors" where the source has "deposits")."""
    if not capitalised(token) or acronym(token) or mixed_case(token):
        return False
    if common(token):
        return True
    folded = fold_word(token)
    return known(folded) and (stem(folded) in source.stems or stem(folded) in source.allow.story)


def name_candidates(sentence: str, source: Source) -> list[list[str]]:
    """The names a sentence uses, without a sentence-initial capital that is an ordinary word."""
    runs = name_runs(sentence)
    first = re.search(r"[^\W_]", sentence)
    out = []
    for run in runs:
        if first and runs and run is runs[0] and sentence[first.start():].startswith(run[0]) and _first_word_is_grammar(run[0], source):
            run = run[1:]
            while run and run[0].lower() in CONNECTORS:
                run = run[1:]
        # "I", "A"; and ordinary words in capitals ("HUGE"), which are the shouting rule's
        run = [t for t in run if (len(t) > 1 or t.isdigit()) and not (t.isupper() and t.isalpha() and len(t) >= 4 and common(t))]
        if run:
            out.append(run)
    return out


_DEMONYM_ENDINGS = ("n", "an", "ian", "ese", "i", "ean", "e")


def _demonym_of(word: str, place: str) -> bool:
    """"korean" of "korea", "chinese" of "china", "canadian" of "canada", "israeli" of "israel"."""
    return any(word in (place + end, place[:-1] + end) for end in _DEMONYM_ENDINGS if len(place) >= 4)


def _demonym(word: str, source: Source) -> bool:
    """A demonym of a capitalised word of the source, or the place of one."""
    return len(word) >= 4 and any(
        _demonym_of(word, place) or _demonym_of(place, word) for place in source.capitalised_words
    )


def _alias(phrase: str, source: Source) -> bool:
    """On the editors' list, the outlet's own name (the prompt gives it), or a
    place or language the item names in its own language."""
    key = fold_text(phrase).strip()
    aliases = source.allow.aliases.get(key, ())
    return (
        key in source.allow.names
        or key in source.outlet_keys
        or any(source.has(a) for a in aliases)
        or key in source.translated_names
        or any(a in source.translated_names for a in aliases)
        or any(_cognates(a.split(), source) for a in aliases)
    )


def _cognates(words: list[str], source: Source) -> bool:
    """Across languages, a name whose words mostly have cognates in the item
    ("Industry Recovery Initiative" for "Iniciativa de Recuperación de la
    Industria": two of three, more than half); an invented one rarely has ("Binance Recovery
    Fund"). The verifier, on by default for servers, judges the claim itself."""
    words = [w for w in words if w.lower() not in CONNECTORS]
    return bool(words) and 2 * sum(source.cognate(w) for w in words) > len(words)


def _token_supported(token: str, source: Source) -> bool:
    head, _, tail = token.partition("-")
    if head and tail[:1].islower():  # "European-built", "Spain-based": the name is the head
        token = head
    folded = fold_word(token)
    if folded in _CALENDAR or source.has(token) or _alias(token, source) or source.cognate(token):
        return True
    if acronym(token):
        key = acronym_key(token)
        return key in source.written_acronyms or key in source.acronyms
    return _demonym(folded, source)


def _run_supported(run: list[str], source: Source) -> bool:
    phrase = " ".join(run)
    if source.has(phrase) or _alias(phrase, source):
        return True
    words = [w for w in run if w.lower() not in CONNECTORS]
    if (
        len(words) >= 2
        and not any(acronym(w) for w in words)
        and (initials(run, True) in source.written_acronyms or initials(run, False) in source.written_acronyms)
    ):  # "Department of Justice" where the source writes DOJ
        return True
    return all(_token_supported(w, source) for w in words) or (not source.same_language and _cognates(words, source))


def unsupported_names(sentence: str, source: Source) -> list[str]:
    """Names in the sentence that the source does not support, as written."""
    return [
        " ".join(run) for run in name_candidates(sentence, source)
        if not _run_supported(run, source) and not _translated(run, source)
    ]  # fmt: skip


def _translated(run: list[str], source: Source) -> bool:
    """A name of ordinary words in an item of another language: "European
    Central Bank" for "Banco Central Europeo" is a translation the lexical
    rule cannot judge (the verifier can). Proper names do not translate, so a
    run with a rare word or an acronym ("Deutsche Telekom", "ECB") is judged."""
    if source.same_language:
        return False
    words = [w for w in run if w.lower() not in CONNECTORS]
    return bool(words) and all(common(w) and not acronym(w) and not mixed_case(w) for w in words)


def quotations(sentence: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(sentence)]


def unsupported_quotations(sentence: str, source: Source) -> list[str]:
    """Quoted text that the source does not contain (ignoring case and punctuation)."""
    return [q for q in quotations(sentence) if not source.has(q)]


def outside_quotations(sentence: str) -> str:
    """The sentence with every quotation blanked out."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), sentence) if ('"' in sentence or "“" in sentence or "‘" in sentence) else sentence
