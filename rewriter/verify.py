"""Claims, not only words: a second request checks each sentence against the source.

The publish gate (`rewriter.gate`) reads words: it sees an invented name or
figure, never an invented cause, a consequence stated as fact, a figure
given to the wrong thing, speculation as certainty or a superlative the item
lacks (issue 19: it caught 0 of those six kinds). A capable model can: it
gets the item and the answer's sentences, numbered, and labels each one
`supported`, `inference` or `unsupported`, quoting the item's words behind
it (`prompts/verify/`).

The labels are not taken on trust. A sentence is published only when

- its label allows it where it stands: Overview and What Happened state
  only what the item says (`supported`); an Impact bullet may also be a
  hedged `inference`;
- its quote is the item's own text (`policy.VERIFY_QUOTE_MATCH`, with
  rapidfuzz, so a dropped comma or curly quote does not matter), and, for a
  statement of fact in an article written in the item's language, shares a
  content word with the sentence, so a verifier cannot wave a sentence
  through with an unrelated line of the item (an inference may rest on a
  premise in other words).

Everything else is a finding with the same cure as the gate's: a re-ask
naming the claim, then dropping the sentence, then a draft that quotes it.
The request goes through the same client as the rewrite, so it is cached,
replayed offline, and becomes a Batch line on the Batch paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from rewriter import policy
from rewriter.answer import RewriteAnswer
from rewriter.model import ModelClient, Shape
from rewriter.review import Facts, Problem, sentences

#: The name of the verification prompt's folder (beside `rewrite/`).
VERIFY_PROMPT = "verify"
LABELS = ("supported", "inference", "unsupported")
#: Claim kinds of a finding (`Problem.kind`): the sentence says what the item
#: does not, or states an inference as fact outside the Impact section.
KINDS = ("unsupported", "inference")


def verify_schema(_figures: object = None) -> dict[str, Any]:
    """The answer's schema, the same for every server (it carries no figures)."""
    label = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "label": {"type": "string", "enum": list(LABELS)},
            "quote": {"type": "string"},
            "note": {"type": "string"},
        },
        "required": ["n", "label", "quote", "note"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"sentences": {"type": "array", "items": label}},
        "required": ["sentences"],
        "additionalProperties": False,
    }


VERIFY = Shape("verify", verify_schema, figures=False, max_tokens=policy.VERIFY_MAX_TOKENS)


class Label(BaseModel):
    model_config = ConfigDict(extra="ignore")

    n: int
    label: Literal["supported", "inference", "unsupported"]
    quote: str = ""
    note: str = ""

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class VerifyAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sentences: list[Label]


def parse_verdict(content: str) -> VerifyAnswer:
    """The verifier's labels; raises ValueError with a readable reason."""
    try:
        return VerifyAnswer.model_validate(json.loads(content.strip(), strict=False))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the verification is not valid JSON ({exc.msg} at char {exc.pos})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        raise ValueError(f"the verification does not match its schema: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class Claim:
    """One numbered sentence of an answer and the field it stands in."""

    n: int
    field: str
    text: str

    @property
    def section(self) -> str:
        return self.field.split("[")[0]


def claims(answer: RewriteAnswer) -> list[Claim]:
    """The answer's sentences in reading order, numbered from 1; an Impact bullet is one claim."""
    found: list[tuple[str, str]] = [("overview", s) for s in sentences(answer.overview)]
    for i, paragraph in enumerate(answer.what_happened):
        found += [(f"what_happened[{i}]", s) for s in sentences(paragraph)]
    found += [(f"impact[{i}]", b) for i, b in enumerate(answer.impact)]
    return [Claim(n, name, text) for n, (name, text) in enumerate(found, start=1)]


_SECTION_NAMES = {"overview": "overview", "what_happened": "what happened", "impact": "impact"}


def verify_messages(article: str, answer: RewriteAnswer, folder: Path | None = None) -> list[dict[str, str]]:
    """The verification request: the item's text, then the numbered sentences."""
    numbered = "\n".join(f"{c.n}. ({_SECTION_NAMES[c.section]}) {c.text}" for c in claims(answer))
    return verify_prompt(folder).render({"article": article, "sentences": numbered})


def verify_prompt(folder: Path | None = None) -> Any:
    """`verify/` of the user's prompt folder when it has one, else the packaged one."""
    from rewriter.prompts import load_prompt

    own = folder is not None and (folder / VERIFY_PROMPT / "system.md").is_file()
    return load_prompt(folder if own else None, VERIFY_PROMPT)


@dataclass
class Verdict:
    """What the verifier found in one answer, and what asking it cost."""

    problems: list[Problem] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    cached: bool = True
    #: The sentences found unsupported, as written (what `drop_unsupported` removes).
    rejected: frozenset[str] = frozenset()


def judge(answer: RewriteAnswer, verdict: VerifyAnswer, facts: Facts) -> list[Problem]:
    """The findings in the verifier's labels for `answer` (see the module docstring)."""
    labels = {label.n: label for label in verdict.sentences}
    problems = []
    for claim in claims(answer):
        label = labels.get(claim.n)
        reason = _objection(claim, label, facts)
        if reason is None:
            continue
        kind = "inference" if label is not None and label.label == "inference" else "unsupported"
        problems.append(
            Problem(kind, claim.field, f'{claim.field} {reason}: "{_short(claim.text)}"', sentence=claim.text)
        )
    return problems


def _objection(claim: Claim, label: Label | None, facts: Facts) -> str | None:
    """Why the sentence may not be published, or None."""
    if label is None:
        return "was given no label by the verifier"
    if label.label == "unsupported":
        note = f" ({_short(label.note, 100)})" if label.note.strip() else ""
        return f"states what the news item does not support{note}"
    if label.label == "inference" and claim.section != "impact":
        return "states an inference as fact; keep to what the news item says"
    if not quoted_in(label.quote, facts.source.text):
        return "has no words of the news item behind it"
    if label.label == "supported" and facts.source.same_language and not shares_content(claim.text, label.quote):
        return "is not what the quoted words of the news item say"
    return None


_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": " "})
_SPACES = re.compile(r"\s+")


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_QUOTE_MARKS).casefold()).strip(" .,;:\"'")


def quoted_in(quote: str, source: str) -> bool:
    """Whether `quote` is the source's text, give or take punctuation and quote marks."""
    quote = _plain(quote)
    if len(quote) < policy.VERIFY_MIN_QUOTE_CHARS:
        return False
    text = _plain(source)
    if quote in text:
        return True
    from rapidfuzz import fuzz

    return fuzz.partial_ratio(quote, text, score_cutoff=policy.VERIFY_QUOTE_MATCH) > 0


def shares_content(sentence: str, quote: str) -> bool:
    """Whether the sentence and its quote share a content word (stemmed) or a figure."""
    from rewriter.gate.story import content_stems

    digits = set(re.findall(r"\d+", sentence)) & set(re.findall(r"\d+", quote))
    return bool(digits) or bool(set(content_stems(sentence)) & set(content_stems(quote)))


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def verify(
    answer: RewriteAnswer, facts: Facts, client: ModelClient, *, where: str, model: str | None = None,
    folder: Path | None = None,
) -> Verdict:  # fmt: skip
    """Ask the verifier about `answer` and judge its labels.

    An answer the verifier could not give (invalid JSON, cut off) is a
    finding, never a pass: nothing unverified is published while
    verification is on. Transport errors and a replay's miss are raised, as
    for the rewrite itself.
    """
    from rewriter.errors import ModelError
    from rewriter.model import InvalidAnswer

    messages = verify_messages(facts.source.text, answer, folder)
    try:
        completion = await client.complete(messages, parse_verdict, where=f"{where} (verification)", shape=VERIFY, model=model)
    except InvalidAnswer as exc:
        return _unverified(exc.reason, exc.usage)
    except ModelError as exc:
        if exc.last_output is None:
            raise
        return _unverified("the verification was cut off", exc.usage or {})
    problems = judge(answer, completion.parsed, facts)
    return Verdict(
        problems, dict(completion.usage), completion.cached, frozenset(p.sentence for p in problems if p.sentence)
    )


def _unverified(reason: str, usage: dict[str, int]) -> Verdict:
    problem = Problem("unsupported", "answer", f"the claims could not be verified: {reason}")
    return Verdict([problem], dict(usage), cached=False)
