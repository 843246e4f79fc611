"""The source of one item, indexed once for every rule of the gate.

Phrases are looked up in folded text (lower case, no possessives, single
spaces), in two spellings: hyphens as spaces and hyphens removed, so "G-20",
"G 20" and "G20" are the same name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise

from rewriter.gate.words import STOPWORDS, TOKEN, fold, fold_text, fold_word, scripts, stem

_RAW = re.compile(r"\S+")
_OUTLET_SEPARATOR = re.compile(r"\s*(?::|\||\s[-–—]\s)\s*")
#: Lower-case words that may join the capitalised words of one name.
CONNECTORS = frozenset({"of", "and", "the", "for", "de", "del", "la", "van", "von", "&", "on", "du", "y"})




def capitalised(token: str) -> bool:
    return token[:1].isupper()


def acronym(token: str) -> bool:
    """`IMF`, `G-20`, `ETFs`: two or more capitals and no lower-case letter but a plural s."""
    core = token[:-1] if token.endswith("s") and len(token) > 2 else token
    letters = [c for c in core if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) or (len(letters) == 1 and any(c.isdigit() for c in core) and core[:1].isupper())


_MIXED_CASE = re.compile(r"[a-z][A-Z]")


def mixed_case(token: str) -> bool:
    """`BlackRock`, `iShares`: a capital after a lower-case letter."""
    if token.isascii():
        return _MIXED_CASE.search(token) is not None
    return any(a.islower() and b.isupper() for a, b in pairwise(token))


@lru_cache(maxsize=4096)
def name_runs(text: str) -> tuple[tuple[str, ...], ...]:
    """`runs`, remembered: for the sentences of answers, which the rules read in turn."""
    return runs(text)


def runs(text: str) -> tuple[tuple[str, ...], ...]:
    """Runs of capitalised words, acronyms and mixed-case tokens, joined by connectors.

    "the U.S. Department of Justice said" -> [["U.S.", "Department", "of", "Justice"]].
    A run ends at a comma, colon or other punctuation after a word.
    """
    runs: list[list[str]] = []
    current: list[str] = []
    pending: list[str] = []
    for match in _RAW.finditer(text):
        raw = match.group(0)
        if raw.islower() and not current:  # the common case: an ordinary word outside a name
            continue
        token_match = TOKEN.search(raw)
        token = token_match.group(0) if token_match else ""
        is_name = bool(token) and (capitalised(token) or mixed_case(token))
        if is_name:
            if current and pending:
                current.extend(pending)
            elif not current:
                current = []
            current.append(token)
            pending = []
        elif current and token.lower() in CONNECTORS and not pending and raw == token:
            pending = [token]
            continue
        else:
            if current:
                runs.append(current)
            current, pending = [], []
            continue
        tail = raw[token_match.end():] if token_match else raw
        # Punctuation after the word ends the name, and so does a possessive:
        # "the Federal Reserve's Jerome Powell" is two names, each judged alone.
        if (tail.strip("'’s)\"”") and tail not in ("'s", "’s")) or token.endswith(("'s", "’s")) or tail in ("'s", "’s"):
            runs.append(current)
            current, pending = [], []
    if current:
        runs.append(current)
    return tuple(tuple(run) for run in runs)


def initials(words: tuple[str, ...] | list[str], with_connectors: bool) -> str:
    return "".join(w[0] for w in words if with_connectors or w.lower() not in CONNECTORS).upper()


@dataclass
class Allow:
    """The editors' list (`allow.yaml` beside the prompt): aliases, names always allowed, on-story words."""

    aliases: dict[str, list[str]] = field(default_factory=dict)  # folded name -> folded equivalents
    names: frozenset[str] = frozenset()  # folded
    story: frozenset[str] = frozenset()  # stems

    @classmethod
    def from_data(cls, data: dict) -> Allow:
        aliases: dict[str, list[str]] = {}
        for key, value in (data.get("aliases") or {}).items():
            group = [str(key)] + ([str(v) for v in value] if isinstance(value, list) else [str(value)])
            folded = [fold_text(g).strip() for g in group]
            for name in folded:
                aliases.setdefault(name, []).extend(f for f in folded if f != name)
        names = frozenset(fold_text(str(n)).strip() for n in data.get("names") or ())
        story = frozenset(stem(fold_word(str(w))) for w in data.get("story") or ())
        return cls(aliases, names, story)

    def merged(self, other: Allow) -> Allow:
        aliases = {k: list(v) for k, v in self.aliases.items()}
        for k, v in other.aliases.items():
            aliases.setdefault(k, []).extend(v)
        return Allow(aliases, self.names | other.names, self.story | other.story)


class Source:
    """Title, subtitle and body of one item, with what the rules look up in it.

    `lang` is the article's language, `item_lang` the item's (the article's
    when not given): when they differ, the rules that compare the article's
    words with the item's stay silent, and place and language names are
    matched through their names in the item's language (`translated_names`).
    `outlet` is the name of the outlet that published the item
    (`item.source.name`): the prompt gives it to the model, so it is a known
    name, but a sentence about who published the item is meta-talk
    (`rewriter.gate.meta`).
    """

    def __init__(
        self, text: str, allow: Allow | None = None, lang: str = "en", *, item_lang: str | None = None, outlet: str = ""
    ) -> None:
        self.text = text
        self.allow = allow or Allow()
        self.lang = lang
        self.item_lang = item_lang or lang
        # A feed's title often follows the outlet's name ("CoinDesk: Bitcoin,
        # Ethereum, Crypto News and Price Data"): both are the outlet's names.
        self.outlet = _OUTLET_SEPARATOR.split(outlet, 1)[0].strip() if outlet else ""
        self.outlet_key = fold_text(self.outlet).strip() if self.outlet else ""
        self.outlet_keys = frozenset(k for k in (self.outlet_key, fold_text(outlet).strip() if outlet else "") if k)

    @cached_property
    def same_language(self) -> bool:
        """True when the article is written in the item's language (regions aside)."""
        return self.lang.split("-")[0].lower() == self.item_lang.split("-")[0].lower()

    @cached_property
    def _cognate_index(self) -> dict[str, tuple[str, ...]]:
        """The source's words without accents, by their first three letters."""
        index: dict[str, list[str]] = {}
        for word in self.words:
            plain = _unaccented(word)
            if len(plain) >= 4:
                index.setdefault(plain[:3], []).append(plain)
        return {k: tuple(v) for k, v in index.items()}

    def cognate(self, word: str) -> bool:
        """Whether an item in another language writes the word as a cognate:
        "británica" for 'British', "Industria" for 'Industry', the German
        genitive "Woods" for 'Wood'. Only across languages (a translated name
        cannot be found word for word); the same prefix of four letters, or
        rapidfuzz's ratio of at least `COGNATE_MATCH`."""
        if self.same_language:
            return False
        plain = _unaccented(fold_word(word))
        if len(plain) < 4:
            return False
        from rapidfuzz import fuzz

        return any(
            w[:4] == plain[:4] or fuzz.ratio(w, plain) >= COGNATE_MATCH for w in self._cognate_index.get(plain[:3], ())
        )

    @cached_property
    def translated_names(self) -> frozenset[str]:
        """Folded names, in the article's language, of the places and languages
        the item names in its own ("español" -> spanish, spain); empty when the
        two languages are the same."""
        if self.same_language:
            return frozenset()
        from rewriter.gate.languages import place_names, stemmer

        folded, found = self.folded, set()
        stems = stemmer(self.item_lang)
        by_prefix: dict[str, list[str]] = {}
        for word in self.words:
            by_prefix.setdefault(word[:4], []).append(word)
        roots = frozenset(stems.stemWords(sorted(self.words))) if stems is not None else frozenset()
        for name, names in place_names(self.item_lang, self.lang):
            if " " in name or stems is None:
                if f" {name} " in folded:
                    found |= names
                continue
            # An inflected form: the same stem ("française" of "français"), or
            # the name's stem opening the word ("italiana" of "italiano").
            root = stems.stemWord(name)
            if root in roots or any(w.startswith(root) and len(w) <= len(name) + 2 for w in by_prefix.get(root[:4], ())):
                found |= names
        return frozenset(found)

    # The source's own analysis is done on first use by a rule, and not kept
    # beyond the item: a Batch line needs none of it, and a long run would
    # otherwise hold every source text in a cache.
    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def squashed(self) -> str:
        return fold(self.text, hyphen="")

    def has(self, phrase: str) -> bool:
        """True when the phrase appears in the source, ignoring case, punctuation and possessives."""
        folded = fold_text(phrase)
        if folded == "  ":
            return True
        return folded in self.folded or fold_text(phrase, hyphen="") in self.squashed

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(self.folded.split()) | frozenset(self.squashed.split())

    @cached_property
    def exact_tokens(self) -> frozenset[str]:
        """Tokens as the source spells them (for capitals: `GANG` is not `gang`)."""
        # a hyphenated compound's parts too: "COIN" of "COIN-Aktien", "SEC" of "SEC-registered"
        return frozenset(p.strip("'’") for t in TOKEN.findall(self.text) for p in (t, *t.split("-")))

    @cached_property
    def acronyms(self) -> frozenset[str]:
        """Initials of every capitalised phrase of the source, and its acronyms as written."""
        found = set()
        for run in runs(self.text):
            words = [w for w in run if not acronym(w)]
            for i in range(len(words)):
                for j in range(i + 2, min(len(words), i + 7) + 1):
                    part = words[i:j]
                    if part[0].lower() in CONNECTORS or part[-1].lower() in CONNECTORS:
                        continue
                    found.add(initials(part, True))
                    found.add(initials(part, False))
        return frozenset(found)

    @cached_property
    def written_acronyms(self) -> frozenset[str]:
        return frozenset(acronym_key(t) for t in TOKEN.findall(self.text) if acronym(t))

    @cached_property
    def capitalised_words(self) -> frozenset[str]:
        return frozenset(fold_word(t) for run in runs(self.text) for t in run if len(t) >= 4)

    @cached_property
    def scripts(self) -> set[str]:
        return scripts(self.text)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(stem(w) for w in self.words if w not in STOPWORDS)


#: How alike (rapidfuzz ratio, 0-100) a word and its cognate in the item's
#: language are: "Initiative" and "Iniciativa" 80, "Industry" and "Industria"
#: 82; unrelated words of the same opening stay under 60.
COGNATE_MATCH = 75


def _unaccented(word: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def acronym_key(token: str) -> str:
    """`ETFs` -> `ETF`, `G-20` -> `G20`: an acronym as the index keeps it."""
    core = token[:-1] if token.endswith("s") and not token.endswith("SS") and len(token) > 2 else token
    return re.sub(r"[^A-Z0-9]", "", core.upper())


