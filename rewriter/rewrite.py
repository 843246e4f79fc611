"""Rewrite one item: prompt → model (through the cache) → validate → review.

The only loop of our own is here: after an invalid or ungrounded answer we
re-ask with the problems named, on a *new* message list each time (the
caller's messages are never mutated). What is still ungrounded after the
allowed attempts is dropped sentence by sentence if the sections stay within
their limits, and otherwise written as a draft with `ai.warnings`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rewriter import policy
from rewriter.answer import RewriteAnswer, parse_answer
from rewriter.errors import CacheMiss, ModelError
from rewriter.items import FeedItem, now_iso
from rewriter.model import InvalidAnswer, ModelClient
from rewriter.prompts import DEFAULT_IMPACT_HEADING, Prompt
from rewriter.render import (
    OVERVIEW_HEADING, WHAT_HAPPENED_HEADING, describe, order_front_matter, render_body, render_document,
)  # fmt: skip
from rewriter.review import Facts, Problem, Pruned, drop_unsupported, review, warning_lines, word_count
from rewriter.sizing import article_size

if TYPE_CHECKING:
    from rewriter.verify import Verdict

_RAW_ANSWER_IN_REASK = 2000
_TRUNCATED = (
    "your answer was cut off because it was too long or repeated itself; "
    "keep each paragraph and bullet short and never repeat a sentence"
)


def published_phrase(published_at: str) -> str:
    """`14 November 2025`: the date the model may cite, and its figures."""
    moment = dt.datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%B %Y}"


def prompt_values(item: FeedItem) -> dict[str, str]:
    """The prompt's variables: the item's texts, and the lengths its article is asked for."""
    article = item.text.joined()
    words = word_count(article)
    return {
        "title": item.text.title,
        "subtitle": item.text.subtitle,
        "published": published_phrase(item.publishedAt),
        "source": item.source.name,
        "category": item.category,
        "source_words": str(words),
        **article_size(words).prompt_values(),
        "article": article,
    }


def build_messages(item: FeedItem, prompt: Prompt) -> list[dict[str, str]]:
    """The messages for an item; with `language: en` the same bytes as before
    languages existed, so recorded responses still replay."""
    language = prompt.language_name(prompt.article_lang(item.lang))
    return prompt.render({**prompt_values(item), "language": language})


def facts_of(item: FeedItem, prompt: Prompt | None = None) -> Facts:
    """What an answer may use: the source's figures, names and words, the
    publication date for dates that agree with it, and the editors' allow
    list; never the prompt's own sentences."""
    from rewriter.gate.allow import load_allow

    return Facts(
        item.text.joined(),
        instructions=prompt.system if prompt is not None else "",
        headlines=(item.text.title, item.text.subtitle),
        published=item.publishedAt,
        allow=load_allow(prompt.folder if prompt is not None else None),
        lang=prompt.article_lang(item.lang) if prompt is not None else item.lang,  # the answer's language
        item_lang=item.lang,
        outlet=item.source.name,
    )


def _reask_problems(problems: list[Problem]) -> list[str]:
    """The review's findings for the re-ask, invented figures named first and once."""
    invented = list(dict.fromkeys(p.figure for p in problems if p.kind == "ungrounded" and p.figure))
    lines = []
    if invented:
        named = ", ".join(f"'{f}'" for f in invented)
        lines.append(f"these figures are not in the news item, so remove them: {named}")
    lines += [p.message for p in problems if p.kind != "ungrounded" or not p.figure]
    return lines


def reask_message(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        "Your answer has these problems:\n"
        f"{listed}\n"
        "Write the whole JSON object again and fix every problem. Use only figures, names and "
        "quotations that appear in the news item; where it gives none, write without them. "
        "Write plain sentences about the news item, with a space between words."
    )


@dataclass
class Outcome:
    """What rewriting one item produced, for the writer and the report."""

    item: FeedItem
    answer: RewriteAnswer
    model: str
    version: int
    attempts: int
    cached: bool
    warnings: list[str] = field(default_factory=list)
    #: The review's findings behind `warnings`, with the field and figure at fault.
    problems: list[Problem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    latency: float = 0.0
    #: Tokens of the verification requests (also counted in `usage`).
    verify_usage: dict[str, int] = field(default_factory=dict)
    #: The language the article is written in (default: the item's) and its headings.
    lang: str | None = None
    headings: tuple[str, str, str] | None = None

    @property
    def publishable(self) -> bool:
        return not self.warnings


def _add_usage(total: dict[str, int], usage: dict[str, int]) -> None:
    for k, v in usage.items():
        total[k] = total.get(k, 0) + int(v)


async def rewrite_item(
    item: FeedItem,
    prompt: Prompt,
    client: ModelClient,
    *,
    attempts: int = policy.ANSWER_ATTEMPTS,
    review_reasks: bool = True,
    verify: Verification | None = None,
) -> Outcome:
    """Rewrite one item; mojibake left in any text the article shows keeps it a draft.

    With `verify`, every answer the review passes is checked claim by claim
    by a second request (`rewriter.verify`), and what is published is only
    ever an answer, or what is left of one, that the verifier supported.
    """
    outcome = await _answer_item(item, prompt, client, attempts=attempts, review_reasks=review_reasks, verify=verify)
    outcome.lang = prompt.article_lang(item.lang)
    outcome.headings = prompt.headings(outcome.lang)
    outcome.warnings += mojibake_warnings(outcome)
    return outcome


def mojibake_warnings(outcome: Outcome) -> list[str]:
    """A warning per shown field with mojibake repair could not undo, quoting it.

    Readers repair what can be repaired (`normalise`); what is left, in the
    item's own fields or copied into the answer by the model, is never
    published (spec: rewriter must never write mojibake).
    """
    from rewriter.mojibake import find_mojibake

    item, answer = outcome.item, outcome.answer
    fields: list[tuple[str, str]] = [
        ("title", item.title),
        ("description", describe(answer.overview)),
        ("category", item.category),
        *((f"tags[{i}]", tag) for i, tag in enumerate(item.tags)),
        *((str(key), value) for key, value in item.extra.items() if isinstance(value, str)),
        ("overview", answer.overview),
        *((f"what_happened[{i}]", text) for i, text in enumerate(answer.what_happened)),
        *((f"impact[{i}]", text) for i, text in enumerate(answer.impact)),
    ]
    return [
        f"'{name}' has mojibake that could not be repaired: '{damage}'"
        for name, text in fields
        if (damage := find_mojibake(text)) is not None
    ]


@dataclass(frozen=True)
class Verification:
    """Verify each answer's claims with `model` (None: the writer's own)."""

    model: str | None = None


class _Verifier:
    """One item's verification requests, with what they cost."""

    def __init__(self, item: FeedItem, prompt: Prompt, facts: Facts, client: ModelClient, how: Verification) -> None:
        self.item, self.prompt, self.facts, self.client, self.how = item, prompt, facts, client, how
        self.usage: dict[str, int] = {}
        self.cached = True

    async def __call__(self, answer: RewriteAnswer) -> Verdict:
        from rewriter.verify import verify as ask

        verdict = await ask(
            answer, self.facts, self.client, where=self.item.label, model=self.how.model, folder=self.prompt.folder
        )
        _add_usage(self.usage, verdict.usage)
        self.cached = self.cached and verdict.cached
        return verdict


async def _answer_item(
    item: FeedItem, prompt: Prompt, client: ModelClient, *, attempts: int, review_reasks: bool,
    verify: Verification | None = None,
) -> Outcome:  # fmt: skip
    """Ask, validate, review and re-ask until the answer is clean or attempts run out.

    Without `review_reasks` only an unusable answer (cut off, not valid) is
    asked again; the review's findings on a valid one are final. An answer
    the review passes is verified (with `verify`) before it counts as clean:
    verifying one the review already refuses would pay for a request whose
    answer cannot change the re-ask.
    """
    base = build_messages(item, prompt)
    facts = facts_of(item, prompt)
    verifier = _Verifier(item, prompt, facts, client, verify) if verify is not None else None
    messages = base
    usage: dict[str, int] = {}
    cached = True
    latency = 0.0
    valid: list[tuple[RewriteAnswer, list[Problem], Verdict | None]] = []
    last_reason = ""
    last_output: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            completion = await client.complete(messages, parse_answer, where=item.label, numerals=lambda: facts.numerals)
        except CacheMiss:
            # Replay of a re-ask: answers cut off or invalid are never recorded
            # (spec §6), so a recorded run's chain of re-asks ends at its first
            # such answer. The valid answers recorded before it decide, as in the
            # recorded run whenever its later answers were all invalid too; a miss
            # on the first request is still an error naming the request.
            if not valid:
                raise
            break
        except InvalidAnswer as exc:
            cached = False
            _add_usage(usage, exc.usage)
            last_reason, last_output = exc.reason, exc.content
            problems_text = [exc.reason]
            content = exc.content
        except ModelError as exc:
            if exc.last_output is None:  # transport, refusal, ...: not ours to retry
                raise
            # Cut off at max_tokens: a small model sometimes loops; ask again, shorter.
            # Without the loop itself: showing SmolLM2 2,000 characters of it cost
            # ~500 prompt tokens and gave longer, no better answers (bench/README.md,
            # "Cut-off re-asks").
            cached = False
            _add_usage(usage, exc.usage)
            last_reason, last_output = str(exc), exc.last_output
            problems_text = [_TRUNCATED]
            content = ""
        else:
            cached = cached and completion.cached
            _add_usage(usage, completion.usage)
            latency += completion.latency
            problems = review(completion.parsed, facts)
            verdict = None
            if verifier is not None and not any(p.blocking for p in problems):
                verdict = await verifier(completion.parsed)
                problems += verdict.problems
            valid.append((completion.parsed, problems, verdict))
            if not any(p.blocking for p in problems) or not review_reasks:
                break
            problems_text = _reask_problems(problems)
            content = completion.content
        if attempt < attempts:
            answer = [{"role": "assistant", "content": content[:_RAW_ANSWER_IN_REASK]}] if content else []
            messages = [*base, *answer, {"role": "user", "content": reask_message(problems_text)}]

    if not valid:
        raise ModelError(
            f"no valid answer after {attempts} attempt(s): {last_reason}",
            where=item.label,
            attempts=attempts,
            last_output=last_output,
            usage=usage,
        )
    # Fewest blocking problems first; the earliest answer wins a tie.
    ranked = sorted(valid, key=lambda entry: sum(p.blocking for p in entry[1]))
    answer, problems, _ = ranked[0]
    outcome = Outcome(item, answer, client.endpoint.model, prompt.version, attempt, cached, usage=usage, latency=latency)
    try:
        if not any(p.blocking for p in problems):
            return outcome
        for candidate, _, verdict in ranked:
            pruned = await _pruned(candidate, verdict, facts, verifier)
            if pruned is not None:
                outcome.answer, outcome.dropped = pruned.answer, pruned.dropped
                return outcome
        outcome.problems = [p for p in problems if p.blocking]
        outcome.warnings = warning_lines(outcome.problems)
        return outcome
    finally:
        if verifier is not None:
            outcome.verify_usage = verifier.usage
            _add_usage(outcome.usage, verifier.usage)
            outcome.cached = outcome.cached and verifier.cached


async def _pruned(
    candidate: RewriteAnswer, verdict: Verdict | None, facts: Facts, verifier: _Verifier | None
) -> Pruned | None:
    """The candidate without its unsupported sentences, when what is left is publishable.

    Under verification what is left must be verified too: an answer the
    review refused was never sent to the verifier, so what is left of it is
    sent now (one request), and its own unsupported sentences dropped.
    """
    if verdict is not None and any(not p.sentence for p in verdict.problems):
        return None  # the verifier gave no usable answer: nothing of it is verified
    pruned = _publishable_drop(candidate, facts, verdict.rejected if verdict is not None else frozenset())
    if pruned is None or verifier is None or verdict is not None:
        return pruned
    try:
        second = await verifier(pruned.answer)
    except CacheMiss:  # a replay of a run that never verified this: nothing unverified is published
        return None
    if not second.problems:
        return pruned
    if any(not p.sentence for p in second.problems):
        return None
    again = _publishable_drop(pruned.answer, facts, second.rejected)
    return None if again is None else Pruned(again.answer, pruned.dropped + again.dropped)


def _publishable_drop(answer: RewriteAnswer, facts: Facts, rejected: frozenset[str]) -> Pruned | None:
    """`drop_unsupported`, when what is left passes the review."""
    pruned = drop_unsupported(answer, facts, rejected)
    if pruned is None or any(p.blocking for p in review(pruned.answer, facts)):
        return None
    return pruned


def article_front_matter(outcome: Outcome, expanded_at: str | None = None) -> dict[str, Any]:
    item, answer = outcome.item, outcome.answer
    expanded_at = expanded_at or now_iso()
    ai: dict[str, Any] = {
        "rewritten": True,
        "expandedAt": expanded_at,
        "version": outcome.version,
        "model": outcome.model,
        "sourceHash": item.source_hash,
    }
    if item.source_text == "page":  # spec §2: written from the linked page (source.url)
        ai["sourceText"] = "page"
        ai["itemHash"] = item.item_hash
    lang = outcome.lang or item.lang
    if lang != item.lang:  # `lang` states the article; the item's own language is kept
        ai["sourceLang"] = item.lang
    if outcome.dropped:
        ai["dropped"] = outcome.dropped
    if outcome.warnings:
        ai["warnings"] = outcome.warnings
    values: dict[str, Any] = {
        **item.extra,
        "title": item.title,
        "description": describe(answer.overview),
        "publishedAt": item.publishedAt,
        "updatedAt": expanded_at,
        "lang": lang,
        "externalId": item.externalId,
        "source": item.source.model_dump(),
        "category": item.category,
        "tags": item.tags,
        "stickyWeight": item.stickyWeight,
        "sentiment": (item.sentiment or answer.sentiment).value,
        "score": int(item.score) if float(item.score).is_integer() else item.score,
        "draft": item.draft or bool(outcome.warnings),
    }
    if item.coverImage is not None:
        values["coverImage"] = item.coverImage
    values["ai"] = ai
    return order_front_matter(values, item.key_order)


def render_article(outcome: Outcome, impact_heading: str | None = None, expanded_at: str | None = None) -> str:
    """The whole Markdown file for an outcome, under the headings of its
    language (`impact_heading` is the English third heading, for an outcome
    made without a prompt)."""
    answer = outcome.answer
    headings = outcome.headings or (OVERVIEW_HEADING, WHAT_HAPPENED_HEADING, impact_heading or DEFAULT_IMPACT_HEADING)
    body = render_body(answer.overview, answer.what_happened, answer.impact, headings[2], headings[:2])
    return render_document(article_front_matter(outcome, expanded_at), body)
