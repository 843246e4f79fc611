"""Quality of the embedded model on real feed items: valid, grounded, publishable.

Runs the first N items of the CoinDesk RSS fixture through the tool's own
prompt, re-ask loop and grounding (`rewriter.rewrite.rewrite_item`) on the
embedded llama.cpp server, with a fresh cache, and reports per item and in
total:

- schema-valid: an answer that passed the pydantic model came back
- grounded: the answer finally kept has no figure missing from the source
  (after dropping unsupported sentences, if that was possible)
- duplicate bullets: the kept answer still repeats a bullet
- copies the prompt's example: the kept answer repeats a sentence of the prompt
- thin: the kept answer has a label or the bare headline for a paragraph or bullet
- publishable: the rendered article is in the spec's format, grounded and not
  a draft
- seconds per item
- the publish gate (issue 14): the drafts' warnings by rule, the first
  answers each rule blocks, those that rule alone stands between and
  publication, and how many each gate rule alone (with the older rules) would
  have let through

Also counts the first answer alone (what a bare model call gives), and the
throughput: wall time, items per minute and generated tokens per second, with
`--concurrency` items in flight at once (what the batch job's `--concurrency`
does) against `--slots` slots of the embedded server.

    /tmp/devvenv/bin/python bench/quality.py            # first 20 items
    /tmp/devvenv/bin/python bench/quality.py --items 5 --json out.json
    /tmp/devvenv/bin/python bench/quality.py --prompts /tmp/variant   # compare a prompt
    /tmp/devvenv/bin/python bench/quality.py --slots 4 --concurrency 4  # parallel slots
    REWRITER_GRAMMAR=1 python bench/quality.py --base-url http://127.0.0.1:8123/v1  # another server

`--base-url` sends the same requests to a server already running (llama-cpp-python's,
`rewriter serve`, ...) instead of the embedded one: the same prompt, review and
re-ask policy (`REWRITER_REVIEW_REASKS`, `REWRITER_ATTEMPTS`), another server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURE = ROOT / "tests" / "fixtures" / "coindesk-rss-2023-03-13.xml"
HEADINGS = ("## Overview", "## What Happened")


def feed_items(path: Path, limit: int) -> list[Any]:
    """Items of an RSS file: rewriter's own reader if it has one, else feedparser."""
    try:
        from rewriter.readers import read_items
        from rewriter.items import FeedItem

        items = [r for r in read_items(path) if isinstance(r, FeedItem)]
        if items:
            return items[:limit]
    except Exception:  # no RSS reader yet (it only knows Markdown)
        pass
    import feedparser

    from rewriter.items import FeedItem, SourceText

    feed = feedparser.parse(str(path))
    items = []
    for n, entry in enumerate(feed.entries[:limit], 1):
        cats = [t.get("term", "") for t in entry.get("tags", [])]
        items.append(
            FeedItem.model_validate(
                {
                    "title": entry.get("title"),
                    "publishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", entry.published_parsed),
                    "externalId": entry.get("id") or entry.get("link"),
                    "source": {"name": feed.feed.get("title", "feed"), "key": "coindesk", "type": "RSS"},
                    "category": (cats[0] if cats else "NEWS").upper(),
                    "tags": cats,
                    "text": SourceText(
                        title=entry.get("title") or "",
                        subtitle="",
                        body=entry.get("summary") or entry.get("description") or "",
                    ),
                    "origin": f"{path.name} item {n}",
                }
            )
        )
    return items


@dataclass
class ItemResult:
    n: int
    title: str
    seconds: float
    attempts: int = 0
    first_valid: bool = False
    first_grounded: bool = False
    valid: bool = False
    grounded: bool = False
    duplicates: bool = False
    copied: bool = False
    thin: bool = False
    format_ok: bool = False
    draft: bool = False
    publishable: bool = False
    dropped: int = 0
    ungrounded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    first_rules: list[str] = field(default_factory=list)  # blocking problem kinds of the first valid answer
    warning_rules: list[str] = field(default_factory=list)  # the kinds behind a draft's warnings
    completion_tokens: int = 0


def article_format_ok(text: str, impact_heading: str) -> bool:
    """Front matter keys in the spec's order, three headings, 3-6 bullets, ai.rewritten."""
    import yaml

    from rewriter.render import FRONT_MATTER_ORDER

    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    keys = [k for k in meta if k in FRONT_MATTER_ORDER]
    if keys != [k for k in FRONT_MATTER_ORDER if k in meta] or meta["ai"].get("rewritten") is not True:
        return False
    headings = re.findall(r"^## .*$", body, flags=re.M)
    if headings != [*HEADINGS, f"## {impact_heading}"]:
        return False
    bullets = re.findall(r"^- ", body.split(f"## {impact_heading}")[1], flags=re.M)
    return 3 <= len(bullets) <= 6


class RecordingClient:
    """Wraps the run's ModelClient to see each attempt's answer."""

    def __init__(self, inner: Any, facts: Any) -> None:
        self.inner, self.facts = inner, facts
        self.endpoint = inner.endpoint
        self.attempts: list[tuple[bool, bool]] = []  # (valid, grounded)
        self.rules: list[list[str]] = []  # blocking problem kinds of each valid answer
        self.completion_tokens = 0

    async def complete(self, messages, parse, *, where, **options):  # type: ignore[no-untyped-def]
        from rewriter.model import InvalidAnswer
        from rewriter.review import review

        try:
            done = await self.inner.complete(messages, parse, where=where, **options)
        except Exception as exc:  # an invalid or cut-off answer cost its tokens too
            self.completion_tokens += int((getattr(exc, "usage", None) or {}).get("completion_tokens", 0))
            if isinstance(exc, InvalidAnswer):
                self.attempts.append((False, False))
            raise
        problems = review(done.parsed, self.facts)
        self.completion_tokens += int(done.usage.get("completion_tokens", 0))
        ungrounded = [p for p in problems if p.kind == "ungrounded"]
        self.attempts.append((True, not ungrounded))
        self.rules.append(sorted({p.kind for p in problems if p.blocking}))
        return done


async def bench(items: list[Any], run: Any, concurrency: int = 1) -> list[ItemResult]:
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int, item: Any) -> ItemResult:
        async with gate:
            return await bench_item(n, item, run)

    return list(await asyncio.gather(*(one(n, item) for n, item in enumerate(items, 1))))


async def bench_item(n: int, item: Any, run: Any) -> ItemResult:
    from rewriter.errors import RewriterError
    from rewriter.review import duplicate_bullets, review
    from rewriter.rewrite import facts_of, render_article, rewrite_item

    facts = facts_of(item, run.prompt)
    client = RecordingClient(run.client, facts)
    started = time.perf_counter()
    result = ItemResult(n, item.title, 0.0)
    try:
        outcome = await rewrite_item(  # type: ignore[arg-type]
            item, run.prompt, client, attempts=run.settings.attempts, review_reasks=run.settings.resolved_review_reasks()
        )
    except RewriterError as exc:
        result.error = str(exc)
    else:
        article = render_article(outcome, run.prompt.impact_heading)
        ungrounded = [p.message for p in review(outcome.answer, facts) if p.kind == "ungrounded"]
        result.valid = True
        result.grounded = not ungrounded
        result.ungrounded = ungrounded
        result.duplicates = bool(duplicate_bullets(outcome.answer.impact))
        problems = review(outcome.answer, facts)
        result.copied = any(p.kind == "copied" for p in problems)
        result.thin = any(p.kind == "thin" for p in problems)
        result.problems = [p.message for p in problems]
        result.answer = outcome.answer.model_dump(mode="json")
        result.format_ok = article_format_ok(article, run.prompt.impact_heading)
        result.draft = not outcome.publishable
        if result.draft:
            result.warning_rules = sorted({p.kind for p in problems if p.blocking})
        result.dropped = len(outcome.dropped)
        result.publishable = result.format_ok and result.grounded and not result.draft
        if outcome.publishable and ungrounded:  # the one thing that must never happen
            result.error = "UNGROUNDED ARTICLE WRITTEN AS PUBLISHABLE"
    result.seconds = time.perf_counter() - started
    result.attempts = len(client.attempts)
    result.completion_tokens = client.completion_tokens
    if client.attempts:
        result.first_valid, result.first_grounded = client.attempts[0]
    if client.rules:
        result.first_rules = client.rules[0]
    print(_row(result), flush=True)
    return result


def _row(r: ItemResult) -> str:
    flags = "".join(
        mark if ok else "."
        for mark, ok in (("V", r.valid), ("G", r.grounded), ("F", r.format_ok), ("P", r.publishable))
    )
    extra = " dup" if r.duplicates else ""
    extra += " copied" if r.copied else ""
    extra += f" dropped={r.dropped}" if r.dropped else ""
    extra += f" {r.error}" if r.error else ""
    extra += f" {'; '.join(r.problems)}" if r.problems and not r.publishable else ""
    return f"{r.n:2d} {flags} tries={r.attempts} {r.seconds:5.1f}s  {r.title[:60]}{extra}"


#: The publish gate's rules (issue 14); the others are the review's older rules.
GATE_RULES = ("name", "quote", "glued", "unknown", "script", "shouting", "exclamation", "fragment", "off-story")


def _alone(results: list[ItemResult]) -> dict[str, int]:
    """For each gate rule: first answers that the older rules and that rule
    alone would pass, though the whole gate blocks them."""
    older = [r for r in results if r.first_valid and not set(r.first_rules) - set(GATE_RULES)]
    return {rule: sum(bool(r.first_rules) and rule not in r.first_rules for r in older) for rule in GATE_RULES}


def summary(results: list[ItemResult], wall: float) -> dict[str, Any]:
    n = len(results)
    valid = [r for r in results if r.valid]

    def pct(count: int, of: int) -> str:
        return f"{count}/{of} ({100 * count / of:.0f} %)" if of else "0/0"

    firsts = [r for r in results if r.attempts]
    return {
        "items": n,
        "first answer schema-valid": pct(sum(r.first_valid for r in firsts), len(firsts)),
        "first answer grounded (of valid)": pct(
            sum(r.first_grounded for r in firsts if r.first_valid), sum(r.first_valid for r in firsts)
        ),
        "schema-valid": pct(len(valid), n),
        "grounded": pct(sum(r.grounded for r in results), n),
        "duplicate bullets": pct(sum(r.duplicates for r in results), n),
        "copies the prompt's example": pct(sum(r.copied for r in results), n),
        "labels or headline for prose (thin)": pct(sum(r.thin for r in results), n),
        "drafts (warnings)": pct(sum(r.draft for r in results), n),
        "with dropped sentences": pct(sum(r.dropped > 0 for r in results), n),
        "publishable": pct(sum(r.publishable for r in results), n),
        "ungrounded written as publishable": sum(r.error.startswith("UNGROUNDED") for r in results),
        "drafts' warnings by rule": dict(Counter(rule for r in results for rule in r.warning_rules).most_common()),
        "first answers blocked by rule": dict(Counter(rule for r in results for rule in r.first_rules).most_common()),
        "first answers each gate rule alone would let through": _alone(results),
        "first answers only this rule blocks": {
            rule: sum(r.first_rules == [rule] for r in results) for rule in GATE_RULES
        },
        "seconds per item": round(sum(r.seconds for r in results) / n, 1) if n else 0,
        "wall seconds": round(wall, 1),
        "items per minute": round(60 * n / wall, 2) if wall else 0,
        "generated tokens/s (all items)": round(sum(r.completion_tokens for r in results) / wall, 1) if wall else 0,
        "answers per item": round(sum(r.attempts for r in results) / n, 2) if n else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--feed", type=Path, default=FIXTURE)
    parser.add_argument("--cache-dir", type=Path, help="default: a fresh temporary folder")
    parser.add_argument("--json", type=Path, help="also write per-item results here")
    parser.add_argument("--prompts", type=Path, help="a prompt folder to compare (default: the shipped one)")
    parser.add_argument("--concurrency", type=int, default=1, help="items in flight at once (default 1)")
    parser.add_argument("--slots", type=int, help="slots of the embedded server (default: REWRITER_LOCAL_SLOTS)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server to use instead of the embedded one")
    args = parser.parse_args()

    from rewriter.runtime import Run
    from rewriter.settings import load_settings

    items = feed_items(args.feed, args.items)
    with tempfile.TemporaryDirectory(prefix="rewriter-quality-") as tmp:
        slots = {"local_slots": args.slots} if args.slots else {}  # (a checkout without slots takes none)
        server = {"provider": "openai", "openai_base_url": args.base_url} if args.base_url else {"provider": "local"}
        settings = load_settings(cache_dir=args.cache_dir or Path(tmp), **server, **slots)
        run = Run.open(settings, prompts=args.prompts)
        run.client.limit_requests(args.concurrency)

        async def go() -> list[ItemResult]:
            try:
                return await bench(items, run, args.concurrency)
            finally:
                await run.aclose()

        started = time.perf_counter()
        results = asyncio.run(go())
        wall = time.perf_counter() - started
    totals = summary(results, wall)
    print()
    for key, value in totals.items():
        print(f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps({"totals": totals, "items": [asdict(r) for r in results]}, indent=2))
    return 1 if totals["ungrounded written as publishable"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
