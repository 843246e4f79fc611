"""The model's answer (spec §3) and the JSON schema the server is held to.

Structural rules live here (types, list lengths, non-empty text): an answer
that breaks them is *invalid*, is never cached and triggers a re-ask.
Editorial rules (grounding, repeated bullets) live in `review.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rewriter import policy
from rewriter.items import Sentiment
from rewriter.normalise import normalise_line

_MIN_P, _MAX_P = policy.WHAT_HAPPENED_PARAGRAPHS
_MIN_B, _MAX_B = policy.IMPACT_BULLETS


_MARKDOWN_LEAD = re.compile(r"^(?:\s*(?:#{1,6}|>|[-*+•]|\d+[.)])\s+)+")


def _clean(text: str) -> str:
    """Model output is untrusted: plain text, one line, no Markdown structure.

    HTML is reduced to text (scripts dropped), mojibake repaired, and leading
    heading/quote/list markers removed, so no answer can add a heading, a
    list or markup to the article whatever the source told the model.
    """
    return _MARKDOWN_LEAD.sub("", normalise_line(text)).strip()


class RewriteAnswer(BaseModel):
    """Three sections and a sentiment, as JSON."""

    model_config = ConfigDict(extra="ignore")

    overview: str = Field(min_length=1, max_length=policy.ANSWER_FIELD_MAX_CHARS)
    what_happened: list[str] = Field(min_length=_MIN_P, max_length=_MAX_P)
    impact: list[str] = Field(min_length=_MIN_B, max_length=_MAX_B)
    sentiment: Sentiment

    @field_validator("overview")
    @classmethod
    def _overview(cls, value: str) -> str:
        value = _clean(value)
        if not value:
            raise ValueError("is empty")
        return value

    @field_validator("what_happened", mode="before")
    @classmethod
    def _paragraphs(cls, value: Any) -> Any:
        if isinstance(value, str):  # one string with blank lines is fine too
            value = [p for p in re.split(r"\n\s*\n", value)]
        if isinstance(value, list):
            value = [_clean(p) for p in value if isinstance(p, str) and _clean(p)]
        return value

    @field_validator("impact", mode="before")
    @classmethod
    def _bullets(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = [_clean(b) for b in value if isinstance(b, str)]
            value = [b for b in value if b]
        return value

    @field_validator("sentiment", mode="before")
    @classmethod
    def _sentiment(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


def response_schema(numerals: Sequence[str] | None = None) -> dict[str, Any]:
    """JSON schema sent to the server; list limits stop a small model looping.

    Without `numerals` this is the portable schema (OpenAI's strict
    `json_schema`): types and list lengths only. With them it is the schema
    for a grammar-driven server (llama.cpp's `json_schema`, or llama-cpp-python's
    `json_object` + `schema`), which turns it into a decoding grammar, so a
    small model cannot write what the review would only reject afterwards:
    every text is a sentence (a capital, long enough, a full stop; no labels
    such as "POSITIVE" or `key_names`),
    the only figures it can spell are `numerals`, the source's own (an
    invented "$20 million" cannot even be generated), and the lists are
    shorter, since a small model fills every place it is given and then
    repeats itself. The upper bounds are a few hundred characters: llama.cpp
    expands a bounded repetition into one nested rule per character, and a
    `maxLength` of the answer's own 1,500 crashed its server.
    """
    if numerals is None:
        overview = paragraph = bullet = {"type": "string"}
        paragraphs, bullets = (_MIN_P, _MAX_P), (_MIN_B, _MAX_B)
    else:
        overview = _sentence_pattern(numerals, *policy.DECODE_CHARS["overview"])
        paragraph = _sentence_pattern(numerals, *policy.DECODE_CHARS["paragraph"])
        bullet = _sentence_pattern(numerals, *policy.DECODE_CHARS["bullet"])
        paragraphs, bullets = policy.DECODE_WHAT_HAPPENED_PARAGRAPHS, policy.DECODE_IMPACT_BULLETS
    return {
        "type": "object",
        "properties": {  # sentiment first: a small model otherwise writes it into the prose
            "sentiment": {"type": "string", "enum": [s.value for s in Sentiment]},
            "overview": overview,
            "what_happened": {
                "type": "array", "items": paragraph, "minItems": paragraphs[0], "maxItems": paragraphs[1],
            },
            "impact": {
                "type": "array", "items": bullet, "minItems": bullets[0], "maxItems": bullets[1],
            },
        },
        "required": ["sentiment", "overview", "what_happened", "impact"],
        "additionalProperties": False,
    }  # fmt: skip


#: What prose may not hold besides the source's figures (as the inside of a
#: bracket class): no digits, no JSON quote or backslash (so the answer is
#: always valid JSON), no control characters, and none of the marks a small
#: model uses for labels, lists and markup ("Sentiment: POSITIVE", "]]]]",
#: `key_names`).
_NOT_PROSE = r'0-9"\\\x00-\x1f_{}<>|#*=:\[\]'
_PROSE_CHAR = f"[^{_NOT_PROSE}]"
#: What may follow a figure: a prose character that cannot glue it to the next
#: figure ("13" "03" "2023" -> "13032023", "13" "." "2021" -> "13.2021");
#: a full stop or comma only before a space.
_AFTER_FIGURE = f"([^{_NOT_PROSE}.,]|[.,][ ])"
#: What may follow a date phrase ("13 March 2023"): as after a figure, and
#: no letter or hyphen, so the date stays a date the review recognises (not
#: "13 Marchemine" or "2023-03-13T18"). A phrase is also always preceded by a
#: space (not "COVID-13 March").
_AFTER_DATE = f"([^{_NOT_PROSE}.,a-zA-Z-]|[.,][ ])"
#: Words that make a text a label rather than prose ("POSITIVE", "IMPACT ON
#: THE MARKET"). Prose may open with two capitals ("US regulators", "FTX
#: said", "SEC"), just not with one of these (nor a word they begin).
_LABELS = (*(s.value for s in Sentiment), "IMPACT", "OVERVIEW", "SENTIMENT", "WHAT HAPPENED")
#: What prose cannot open with besides `_NOT_PROSE`: a lower-case letter, a
#: space or punctuation. A script without case (Chinese, a custom prompt's
#: language) opens as it likes. (llama.cpp's grammar knows no `\s`: white
#: space is a space, the rest is in `_NOT_PROSE`.)
_NOT_FIRST = f"a-z .,;!?'{_NOT_PROSE}"
#: How prose ends: a full stop (or the full stop of a script such as Chinese).
_END = "[.!?。！？]"


def _opening(labels: Sequence[str] = _LABELS) -> str:
    """How prose opens: any text that does not begin with one of `labels`.

    Spelled without look-ahead (which the grammar converters lack): a walk
    of the labels' letter tree, where each alternative follows a label's
    first letters and then leaves it with a letter no label continues with.
    The alternatives are disjoint, and the longest is as long as the longest
    label.
    """
    tree: dict[str, dict] = {}
    for label in labels:
        node = tree
        for char in label:
            node = node.setdefault(char, {})
        node[""] = {}  # a whole label: no way on from here

    alternatives = []

    def walk(node: dict[str, dict], prefix: str, excluded: str) -> None:
        if "" in node:
            return
        alternatives.append(f"{prefix}[^{excluded}{''.join(sorted(node))}]")
        for char in sorted(node):
            walk(node[char], prefix + char, _NOT_PROSE)

    walk(tree, "", _NOT_FIRST)
    return f"({'|'.join(alternatives)})"


_OPENING = _opening()
_OPENING_MAX = max(map(len, _LABELS))


def _sentence_pattern(numerals: Sequence[str], min_chars: int, max_chars: int) -> dict[str, Any]:
    """Prose of `min_chars` to `max_chars` units: an opening (see `_opening`),
    then units that are each a prose character or one of `numerals` (never
    two figures run together), then a full stop (`_END`). A numeral with a
    letter is a date phrase ("13 March 2023"): its figures are then written
    only inside it, after a space and before no letter (`_AFTER_DATE`).

    Written in the regex subset llama.cpp's converters accept: plain groups,
    `|`, `{m,n}` and bracket classes (no `(?:`, no look-ahead, no backslash
    escapes outside brackets; a `.` or `,` inside a numeral goes in
    brackets). A pattern the converter cannot read would silently give no
    constraint at all (a test converts this one with xllamacpp's own
    `json_schema_to_grammar`).
    """
    ordered = sorted(set(numerals), key=lambda n: (-len(n), n))
    spelled = ["".join(c if c.isdigit() else f"[{c}]" for c in n) for n in ordered if not _is_phrase(n)]
    phrases = ["".join(c if c.isalnum() else f"[{c}]" for c in n) for n in ordered if _is_phrase(n)]
    units, ends = [_PROSE_CHAR], []
    if spelled:
        figure = f"({'|'.join(spelled)})"
        units.append(f"{figure}{_AFTER_FIGURE}")
        ends.append(figure)
    if phrases:
        date = f"[ ]({'|'.join(phrases)})"
        units.append(f"{date}{_AFTER_DATE}")
        ends.append(date)
    unit, last = "|".join(units), (f"({'|'.join(ends)})?" if ends else "")
    # the opening is 1 to _OPENING_MAX characters, the end one
    units = f"{{{min_chars - 2},{max_chars - 1 - _OPENING_MAX}}}"
    return {"type": "string", "pattern": f"^{_OPENING}({unit}){units}{last}{_END}$"}


def _is_phrase(numeral: str) -> bool:
    """A date phrase ("13 March 2023") rather than a figure ("1.5", "15,000")."""
    return any(c.isalpha() for c in numeral)


def parse_answer(content: str) -> RewriteAnswer:
    """Parse and validate raw model output; raises ValueError with a readable reason."""
    text = content.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.S)
    if fenced:
        text = fenced.group(1)
    try:
        # strict=False: small models put raw newlines and tabs inside strings
        # (llama.cpp's grammar allows them); every field is flattened anyway.
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(data, dict):
        raise ValueError("the answer must be a JSON object")
    try:
        return RewriteAnswer.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(f"the answer does not match the schema: {problems}") from None
