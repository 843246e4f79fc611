"""Editorial review of a valid answer: grounding, the publish gate and repetition (spec §3).

A small model writes fluent JSON and invents figures ("a $20 million
transaction in 2023"), names, quotations and whole claims, and sometimes
glues words into an unreadable string. Every number in the answer must
therefore appear in the source (the publication date grounds only dates that
agree with it), and every sentence must pass the publish gate
(`rewriter.gate`: names, quotations, readable prose, on the story). `review`
lists what fails, the re-ask names it with the words, and what survives the
re-asks is dropped sentence by sentence or turned into a draft whose
warnings quote the words.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache
from dataclasses import dataclass, field

from rewriter import policy
from rewriter.answer import RewriteAnswer
from rewriter.gate import RULES, Allow, Finding, Source, examine
from rewriter.gate.dates import Date, date_findings, dates, published_date
from rewriter.similarity import NearCopies, fold, near, repeated_pairs, squash
from rewriter.figures import DIGIT as _DIGIT, Figure, figures, same_value
from rewriter.sizing import ArticleSize, article_size

#: A letter or digit (`str.isalnum`): a word holds one.
_ALNUM = re.compile(r"[^\W_]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(\d$])")
#: A full stop that ends an abbreviation, not a sentence: "U.S.", "Inc.", "Nov.".
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]\.)+$|\b(?:Mr|Mrs|Ms|Dr|St|Inc|Corp|Ltd|Co|Jr|Sr|vs|No|Gov|Sen|Rep"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)
#: Sentences shorter than this are never treated as copied from the prompt.
_MIN_COPIED_WORDS = 6
_COPY_SIMILARITY = 0.8
#: Shortest paragraph and bullet that count as prose. Without a worked example
#: a small model sometimes fills the lists with labels ("POSITIVE", "impact")
#: or the headline; those are never published.
_MIN_PARAGRAPH_WORDS = 8
_MIN_BULLET_WORDS = 4
#: Prose uses varied words: below this share of distinct words a text is a
#: word repeated ("POSITIVE POSITIVE ..."), not a sentence.
_MIN_DISTINCT_SHARE = 0.4


class Facts:
    """What a rewrite may use: the source's figures, names, quotations and words.

    `instructions` is the prompt's own text (rules and worked example): a
    small model copies the example's sentences into unrelated stories, so a
    sentence that closely matches one of them is rejected like a made-up figure.
    `published` (ISO time) grounds date expressions that agree with it
    ("13 March", "March 2023"), never other figures: "COVID-13" and "since
    2023" need the source. `allow` is the editors' list (`allow.yaml`; the
    packaged one when not given). `lang` is the answer's language and
    `item_lang` the item's (the same when not given): the item's figures are
    also read in its own language's number words. `outlet` is the name of the
    outlet that published the item (`rewriter.gate.Source`).
    """

    def __init__(
        self, *texts: str, instructions: str = "", headlines: tuple[str, ...] = (), published: str = "",
        allow: Allow | None = None, lang: str = "en", item_lang: str | None = None, outlet: str = "",
    ) -> None:  # fmt: skip
        self.published = published_date(published) if published else None
        self._texts = texts
        if allow is None:
            from rewriter.gate.allow import load_allow

            allow = load_allow()
        self.source = Source("\n\n".join(texts), allow, lang, item_lang=item_lang, outlet=outlet)
        self._instructions = _instruction_sentences(instructions)
        self._headlines = [h for h in map(fold, headlines) if h]
        self._examined: dict[tuple[str, str], list[Finding]] = {}

    def thin(self, text: str, min_words: int) -> bool:
        """True when the text is a label, a word repeated, or the headline rather than prose."""
        folded = fold(text)
        words = folded.split()
        return (
            word_count(text) < min_words
            or len(set(words)) < _MIN_DISTINCT_SHARE * len(words)
            or any(near(folded, h) for h in self._headlines)
        )

    def copied(self, text: str) -> bool:
        """True when the text repeats a sentence of the instructions."""
        folded = fold(text)
        return len(folded.split()) >= _MIN_COPIED_WORDS and self._instructions.matches(folded)

    def rejects(self, sentence: str, section: str = "") -> bool:
        return bool(self.unsupported(sentence)) or self.copied(sentence) or bool(self.gate(sentence, section))

    def gate(self, sentence: str, section: str = "") -> list[Finding]:
        """The publish gate's findings for one sentence of a section (remembered: review and drop both ask)."""
        found = self._examined.get((sentence, section))
        if found is None:
            found = self._examined[(sentence, section)] = examine(sentence, self.source, section)
        return found

    @cached_property
    def size(self) -> ArticleSize:
        """The lengths the answer was asked for, from the source's words (`rewriter.sizing`)."""
        return article_size(word_count("\n\n".join(self._texts)))

    # The source's figures are found on first use: a Batch line for a server
    # without a grammar needs none of them, only the review of an answer does.
    @cached_property
    def _figures(self) -> list[Figure]:
        return [f for text in self._texts for f in figures(text, self.source.item_lang)]

    @cached_property
    def values(self) -> list[float]:
        return sorted({f.value for f in self._figures})

    @cached_property
    def numerals(self) -> tuple[str, ...]:
        """What a grammar-driven server may spell with digits: the figures as
        the source spells them ("15", "1.5", "15,000,000"), and the publication
        date only as a whole date phrase ("13 March 2023", "March 13"). Its
        bare figures are not among them, so the grammar cannot write the
        "13%" on a 13 March item that the review would refuse."""
        return tuple(sorted({f.numeral for f in self._figures} | _date_numerals(self.published)))

    @cached_property
    def _source_dates(self) -> list[Date]:
        """The source's own dates, found only when an answer has a figure to check."""
        return [d for text in self._texts for d in dates(text)]

    def supports(self, figure: Figure) -> bool:
        return any(same_value(figure.value, v) for v in self.values)

    def unsupported(self, text: str) -> list[Figure]:
        """Figures missing from the source; a date that agrees with neither the
        publication date nor a date of the source is named whole."""
        if not _DIGIT.search(text):
            return []
        good, invented = date_findings(text, self.published, self._source_dates)
        if good or invented:
            chars = list(text)
            for d in good + invented:
                chars[d.start : d.end] = " " * (d.end - d.start)
            rest = "".join(chars)
        else:
            rest = text
        named = [Figure(d.text, float(d.year or d.day or 0)) for d in invented]
        found = named + [f for f in figures(rest, self.source.lang) if not self.supports(f)]
        return sorted(found, key=lambda f: text.find(f.text)) if named else found


@lru_cache(maxsize=256)
def _date_numerals(published: dt.date | None) -> frozenset[str]:
    """The publication date as whole phrases (a feed's items share a few dates)."""
    return frozenset(_date_phrases(published)) if published else frozenset()


def _date_phrases(published: dt.date) -> tuple[str, ...]:
    """The publication date as the prompt and a writer spell it, whole or in
    part: each agrees with the date, so the review grounds it (`gate/dates.py`).
    Each has a letter: the grammar tells a phrase from a figure by it."""
    day, month, year = published.day, f"{published:%B}", published.year
    return f"{day} {month} {year}", f"{month} {day}, {year}", f"{day} {month}", f"{month} {day}", f"{month} {year}"


@lru_cache(maxsize=4)
def _instruction_sentences(instructions: str) -> NearCopies:
    """The prompt's sentences, indexed once per prompt rather than once per item."""
    return NearCopies(
        [
            folded for part in re.split(r'[\n"\[\]{}]+', instructions) for s in sentences(part)
            if len((folded := fold(s)).split()) >= _MIN_COPIED_WORDS
        ],
        _COPY_SIMILARITY,
    )


@dataclass(frozen=True)
class Problem:
    """One editorial fault in an answer, phrased for the re-ask and the warnings."""

    kind: str  # "ungrounded" | "copied" | "thin" | "duplicate" | "repeated" | "length" | a gate rule
    field: str
    message: str
    blocking: bool = True
    figure: str = ""  # the invented figure, for "ungrounded"
    words: tuple[str, ...] = ()  # the words a gate rule objects to
    sentence: str = ""  # the sentence at fault, where a finding is about one (the verifier's)


def section_of(field: str) -> str:
    """`impact[2]` -> `impact`: the section a field of the answer belongs to."""
    return field.split("[", 1)[0]


def _fields(answer: RewriteAnswer) -> list[tuple[str, str]]:
    return (
        [("overview", answer.overview)]
        + [(f"what_happened[{i}]", p) for i, p in enumerate(answer.what_happened)]
        + [(f"impact[{i}]", b) for i, b in enumerate(answer.impact)]
    )


def duplicate_bullets(bullets: list[str]) -> list[tuple[int, int]]:
    """Pairs of bullets that say the same thing (equal or nearly equal)."""
    return repeated_pairs(bullets)


def review(answer: RewriteAnswer, facts: Facts) -> list[Problem]:
    """Everything wrong with a schema-valid answer, blocking problems first."""
    problems = []
    for name, text in _fields(answer):
        for fig in {f.text: f for f in facts.unsupported(text)}.values():  # each figure once per field
            problems.append(
                Problem(
                    "ungrounded", name, f"{name} uses the figure '{fig.text}', which is not in the source", figure=fig.text
                )
            )
    for name, text in _fields(answer):
        for sentence in sentences(text):
            for finding in facts.gate(sentence, section_of(name)):
                problems.append(Problem(finding.rule, name, f"{name} {finding.describe()}", words=finding.words))
    for name, text in _fields(answer):
        if any(facts.copied(s) for s in sentences(text)):
            problems.append(
                Problem("copied", name, f"{name} copies the example from the instructions instead of using the news item")
            )
    if facts.thin(answer.overview, 0):  # its length has a rule of its own, below
        problems.append(Problem("thin", "overview", "overview repeats the headline or a word instead of summing up the story"))
    for name, text, least in _prose(answer):
        if facts.thin(text, least):
            problems.append(
                Problem("thin", name, f"{name} is not a full sentence about the story; write one of at least {least} words")
            )
    for i, j in duplicate_bullets(answer.impact):
        problems.append(Problem("duplicate", f"impact[{j}]", f"impact[{j}] repeats impact[{i}]"))
    for name in repeated_sentences(answer):
        problems.append(
            Problem("repeated", name, f"{name} repeats a sentence written earlier in the answer; say something new")
        )
    words = word_count(answer.overview)
    (low, high), (least, most) = facts.size.overview_words, facts.size.overview_limits
    if not least <= words <= most:  # far from what was asked: not published
        problems.append(Problem("length", "overview", f"overview has {words} words; write {low}-{high}"))
    return problems


def repeated_sentences(answer: RewriteAnswer) -> list[str]:
    """Fields with a sentence that (nearly) repeats an earlier sentence of the answer.

    A small model pads the later sections with the overview's sentences, or
    one paragraph with another's. Whole bullets repeating each other are the
    duplicate rule's; here a bullet is compared with the prose above it.
    """
    prose: list[str] = []  # squashed sentences of the overview and paragraphs so far
    repeated = []
    for name, text in _fields(answer):
        parts = sentences(text)
        squashed = [squash(s) for s in parts]
        if any(_repeats(s, prose + squashed[:n]) for n, s in enumerate(parts)):
            repeated.append(name)
        if not name.startswith("impact"):
            prose += squashed
    return repeated


def _repeats(sentence: str, earlier: list[str]) -> bool:
    """True when a sentence, long enough to matter, nearly equals an earlier one (`squash`ed).

    Compared without spaces or punctuation, so a glued copy
    ("IMF'sWarningsabout...") repeats its spaced original.
    """
    if len(fold(sentence).split()) < _MIN_COPIED_WORDS:
        return False
    squashed = squash(sentence)
    return any(near(squashed, e) for e in earlier)


def _prose(answer: RewriteAnswer) -> list[tuple[str, str, int]]:
    """The list items with the fewest words each must have."""
    return [(f"what_happened[{i}]", p, _MIN_PARAGRAPH_WORDS) for i, p in enumerate(answer.what_happened)] + [
        (f"impact[{i}]", b, _MIN_BULLET_WORDS) for i, b in enumerate(answer.impact)
    ]


def word_count(text: str) -> int:
    """Words as an editor counts them: runs between spaces that hold a letter or digit.

    Text in a script written without spaces (Chinese, Japanese) counts one
    word per two letters, so a custom prompt in such a language is not
    blocked wholesale.
    """
    words = [w for w in text.split() if w.isalnum() or _ALNUM.search(w)]
    if len(words) <= 1 and not text.isascii():
        return max(len(words), sum(c.isalnum() for c in text) // 2)
    return len(words)


def sentences(text: str) -> list[str]:
    """Split prose into sentences, not after abbreviations such as "U.S."."""
    return list(_split_sentences(text))


@lru_cache(maxsize=4096)
def _split_sentences(text: str) -> tuple[str, ...]:
    """`sentences`, remembered: the review splits each field for several of its rules."""
    text = text.strip()
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text[start : match.start()]):
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return tuple(p.strip() for p in parts if p.strip())


@dataclass
class Pruned:
    """An answer with unsupported sentences removed, and what was removed."""

    answer: RewriteAnswer
    dropped: list[str] = field(default_factory=list)


def drop_unsupported(answer: RewriteAnswer, facts: Facts, rejected: frozenset[str] = frozenset()) -> Pruned | None:
    """Remove sentences that carry unsupported figures or repeat earlier ones, repeated bullets and labels,
    and the `rejected` ones (the verifier's unsupported claims, as written).

    Returns None when what is left would break a section's limits, so the
    caller falls back to a draft with warnings instead.
    """
    dropped: list[str] = []
    written: list[str] = []  # squashed prose sentences kept so far, to drop later repeats of them

    def repeats(sentence: str) -> bool:
        return _repeats(sentence, written)

    def keep(text: str, section: str) -> str:
        kept = []
        for sentence in sentences(text):
            if sentence in rejected or facts.rejects(sentence, section) or repeats(sentence):
                dropped.append(sentence)
            else:
                kept.append(sentence)
                written.append(squash(sentence))
        return " ".join(kept)

    overview = keep(answer.overview, "overview")
    paragraphs = []
    for paragraph in answer.what_happened:
        kept = keep(paragraph, "what_happened")
        if kept and facts.thin(kept, _MIN_PARAGRAPH_WORDS):  # a label, or a stub left after dropping
            dropped.append(kept)
        elif kept:
            paragraphs.append(kept)
    bullets: list[str] = []
    for bullet in answer.impact:
        if (
            facts.thin(bullet, _MIN_BULLET_WORDS)
            or bullet in rejected
            or any(facts.rejects(s, "impact") or repeats(s) for s in sentences(bullet))
            or any(squash(bullet) == squash(b) for b in bullets)
        ):
            dropped.append(bullet)
        elif duplicate_bullets(bullets + [bullet]):
            dropped.append(bullet)
        else:
            bullets.append(bullet)
    if (
        facts.thin(overview, policy.MIN_OVERVIEW_WORDS)
        or not paragraphs
        or len(bullets) < policy.IMPACT_BULLETS[0]
    ):
        return None
    pruned = answer.model_copy(
        update={"overview": overview, "what_happened": paragraphs, "impact": bullets}
    )
    return Pruned(pruned, dropped)


def warning_lines(problems: list[Problem]) -> list[str]:
    """A draft's `ai.warnings`: each problem once, with the fields it is in.

    A small model repeats its inventions in every field; one line a field
    said the same thing five times. A gate rule's words are grouped by the
    fields they occur in ("names 'Crypto News', which the news item does not
    mention (overview, what_happened[0], impact[1])"); any other problem
    worded the same in several fields is one line naming them. A problem in
    one field keeps its own message (and the sentence it quotes).
    """
    groups: dict[tuple[str, ...], list[Problem]] = {}
    for p in problems:
        if p.words and p.kind in RULES:
            for word in p.words:
                groups.setdefault((p.kind, "word", word), []).append(p)
        else:
            rest = p.message[len(p.field) + 1 :] if p.message.startswith(p.field + " ") else p.message
            groups.setdefault((p.kind, "text", rest), []).append(p)
    # words of one rule found in the same fields share a line
    lines: dict[tuple[str, ...], list[tuple[str, list[Problem]]]] = {}
    for (kind, how, what), found in groups.items():
        fields = tuple(dict.fromkeys(p.field for p in found))
        lines.setdefault((kind, how, *fields) if how == "word" else (kind, how, what, *fields), []).append((what, found))
    out = []
    for key, entries in lines.items():
        kind, how, fields = key[0], key[1], key[2:] if key[1] == "word" else key[3:]
        if how == "text":
            what, found = entries[0]
            out.append(found[0].message if len(fields) == 1 else f"{what} ({', '.join(fields)})")
            continue
        named = RULES[kind].format(words=", ".join(f"'{w}'" for w, _ in entries))
        if len(fields) > 1:
            out.append(f"{named} ({', '.join(fields)})")
            continue
        sources = {id(p): p for _, found in entries for p in found}
        quoted = next(iter(sources.values())).message.partition(', in: "')[2] if len(sources) == 1 else ""
        out.append(f"{fields[0]} {named}" + (f', in: "{quoted}' if quoted else ""))
    return out
