"""A capable model's recorded answers, replayed offline (issue 19).

No capable model runs on this machine, so its answers are recorded: a strong
instruction-following model (a separate session) answered the request lines
`rewriter batch --export-requests` wrote, seeing only those lines (its brief is
bench/capable/BRIEF-*.md). Its answers are committed unedited, round by
round, under bench/capable/<set>/:

    round-N-requests.jsonl   the lines exported in round N (what the model saw)
    round-N-answers.jsonl    {"custom_id", "content"}: its answer to each line

Sets: `honest` (the writer's answers to the current prompt for 60 items, and
the verifier's labels), `planted` (honest answers with one planted
unsupported statement each, labelled in planted/labels.jsonl, and the
verifier's labels of them).

    python bench/capable.py next honest     # export the next round's lines (recording)
    python bench/capable.py report          # replay every set offline and print the figures

`report` rebuilds a cache from the committed lines alone, replays the batch
with REWRITER_CACHE_MODE=replay (no server is contacted) and prints what a
user of a capable model gets: publishable at the first answer, requests per
item, findings on honest answers, planted statements caught by kind, with
verification on and off, and verification's cost in tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench" / "capable"
ITEMS = [
    ROOT / "tests" / "fixtures" / "coindesk-rss-2023-03-13.xml",
    ROOT / "examples" / "drafts",
    ROOT / "tests" / "fixtures" / "coindesk-news-api-item.json",
    HERE / "translated.jsonl",
]
#: The recorded model as the cache keys know it: a name and a server no one can reach.
ENV = {
    "OPENAI_BASE_URL": "http://capable.invalid/v1",
    "OPENAI_API_KEY": "none",
    "REWRITER_MODEL": "strong-stand-in",
    "REWRITER_VERIFY": "1",
}


def env(cache: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    return {**clean, **ENV, "REWRITER_CACHE_DIR": str(cache), **extra}


def rewriter(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewriter", *args], capture_output=True, text=True, env=environ)


def rounds(folder: Path) -> list[tuple[Path, Path]]:
    """(requests, answers) of every recorded round, in order."""
    found = []
    n = 1
    while (requests := folder / f"round-{n}-requests.jsonl").is_file():
        found.append((requests, folder / f"round-{n}-answers.jsonl"))
        n += 1
    return found


def estimated_tokens(text: str) -> int:
    """About four characters a token (English, GPT-style tokenisers): the recorded
    model reported no usage, so token figures are estimates, the same for every set."""
    return max(1, len(text) // 4)


def import_round(requests: Path, answers: Path, cache: Path) -> int:
    """Store one round's answers in the cache under their requests' keys, as a
    valid Batch answer is stored (with estimated usage)."""
    from rewriter.cache import ResponseCache
    from rewriter.settings import CacheMode

    bodies = {}
    with requests.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            bodies[record["custom_id"]] = record["body"]
    store = ResponseCache(cache, CacheMode.USE)
    written = 0
    try:
        with answers.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                body = bodies[record["custom_id"]]
                prompt_tokens = estimated_tokens("".join(m["content"] for m in body["messages"]))
                completion_tokens = estimated_tokens(record["content"])
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                         "total_tokens": prompt_tokens + completion_tokens}  # fmt: skip
                store.set(record["custom_id"], {"content": record["content"], "usage": usage, "format": "json_schema"})
                written += 1
    finally:
        store.close()
    return written


def build_cache(name: str, cache: Path) -> None:
    """A cache holding every recorded answer of set `name` (and, for `planted`, its own writer answers)."""
    for requests, answers in rounds(HERE / name):
        if answers.is_file():
            import_round(requests, answers, cache)


def cmd_next(args: argparse.Namespace) -> None:
    """Export the set's next round: import what is recorded, then write the lines still missing."""
    folder = HERE / args.set
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cache = workdir / "cache"
        build_cache(args.set, cache)
        n = len(rounds(folder)) + 1
        requests = folder / f"round-{n}-requests.jsonl"
        sources = [str(p) for p in ITEMS]
        done = rewriter("batch", *sources, "--out", str(workdir / "out"), "--export-requests", str(requests),
                        environ=env(cache))  # fmt: skip
        print(done.stderr[-600:])
        requests.with_name(requests.name + ".ids").unlink(missing_ok=True)  # the keys are the custom_ids
        if requests.is_file() and not requests.read_text(encoding="utf-8").strip():
            requests.unlink()
            print("nothing left to ask")


class Counting:
    """The run's client, counting writer and verifier requests and keeping each answer."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.endpoint = inner, inner.endpoint
        self.calls: list[tuple[str, Any, dict[str, int]]] = []  # (shape, parsed or None, usage)

    async def complete(self, messages, parse, *, where, **options):  # type: ignore[no-untyped-def]
        shape = options.get("shape")
        name = shape.name if shape is not None else "rewrite"
        try:
            done = await self.inner.complete(messages, parse, where=where, **options)
        except Exception:
            self.calls.append((name, None, {}))  # a request a live run would send (a replay's miss)
            raise
        self.calls.append((name, done.parsed, dict(done.usage)))
        return done


@dataclass
class ItemResult:
    title: str
    publishable: bool = False
    first_publishable: bool = False
    first_findings: list[str] = field(default_factory=list)
    writer_requests: int = 0
    verify_requests: int = 0
    writer_tokens: tuple[int, int] = (0, 0)  # (in, out)
    verify_tokens: tuple[int, int] = (0, 0)
    body: str = ""
    first_answer: str = ""
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    error: str = ""


def tokens_of(calls: list[tuple[str, Any, dict[str, int]]], shape: str) -> tuple[int, int]:
    used = [u for name, _, u in calls if name == shape]
    return sum(u.get("prompt_tokens", 0) for u in used), sum(u.get("completion_tokens", 0) for u in used)


#: (writer, verifier) pairs of the price table the cost line compares.
PRICE_PAIRS = (("gpt-4.1", "gpt-4.1"), ("gpt-4.1", "gpt-4.1-mini"), ("gpt-4o", "gpt-4o-mini"))


def cost(model: str, tokens: tuple[int, int]) -> float:
    from rewriter.policy import PRICES_PER_MILLION

    price_in, price_out = PRICES_PER_MILLION[model]
    return (tokens[0] * price_in + tokens[1] * price_out) / 1e6


def load_items() -> list[Any]:
    from rewriter.readers import read_items

    seen, items = set(), []
    for source in ITEMS:
        for item in read_items(source):
            if not hasattr(item, "text"):
                continue  # skipped (no text) or unreadable: the batch skips them too
            key = (item.source.key, item.externalId)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items


async def replay_items(cache: Path, verify: bool) -> list[ItemResult]:
    """Every item through `rewrite_item` on the recorded answers, offline."""
    from rewriter.errors import RewriterError
    from rewriter.review import review
    from rewriter.rewrite import Verification, facts_of, render_article, rewrite_item
    from rewriter.runtime import Run
    from rewriter.settings import load_settings
    from rewriter.verify import judge

    os.environ.update(env(cache, REWRITER_CACHE_MODE="replay", REWRITER_VERIFY=str(int(verify))))
    run = Run.open(load_settings())
    results = []
    try:
        for item in load_items():
            client = Counting(run.client)
            facts = facts_of(item, run.prompt)
            result = ItemResult(item.title)
            try:
                outcome = await rewrite_item(
                    item, run.prompt, client, attempts=run.settings.attempts, review_reasks=True,  # type: ignore[arg-type]
                    verify=Verification() if verify else None,
                )  # fmt: skip
            except RewriterError as exc:
                result.error = str(exc).splitlines()[0]
                outcome = None
            calls = client.calls
            result.writer_requests = sum(name == "rewrite" for name, _, _ in calls)
            result.verify_requests = sum(name == "verify" for name, _, _ in calls)
            result.writer_tokens = tokens_of(calls, "rewrite")
            result.verify_tokens = tokens_of(calls, "verify")
            first = calls[0][1] if calls and calls[0][0] == "rewrite" else None
            if first is not None:
                result.first_answer = first.model_dump_json()
                found = [p for p in review(first, facts) if p.blocking]
                verdict = calls[1][1] if len(calls) > 1 and calls[1][0] == "verify" else None
                if verify and not found and verdict is not None:
                    found += judge(first, verdict, facts)
                result.first_findings = [p.message for p in found]
                # with verification on, an answer is publishable only once its verification is recorded
                result.first_publishable = not found and (not verify or verdict is not None)
            if outcome is not None:
                result.publishable = outcome.publishable
                result.warnings, result.dropped = list(outcome.warnings), list(outcome.dropped)
                result.body = render_article(outcome, run.prompt.impact_heading).split("---\n", 2)[2]
            results.append(result)
    finally:
        await run.aclose()
    return results


def cmd_report(args: argparse.Namespace) -> None:
    import asyncio

    print("replaying the recorded answers offline ...", file=sys.stderr)
    summaries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("honest", "planted"):
            if not (HERE / name).is_dir():
                continue
            cache = Path(tmp) / name
            build_cache(name, cache)
            for verify in (True, False):
                results = asyncio.run(replay_items(cache, verify))
                summary = (honest_summary if name == "honest" else planted_summary)(results, verify)
                summaries.append(summary)
                if not args.json:
                    print_summary(summary, args.verbose)
    if args.json:
        print(json.dumps(summaries, indent=1))


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


def honest_summary(results: list[ItemResult], verify: bool) -> dict[str, Any]:
    answered = [r for r in results if not r.error or r.writer_requests]
    wt = tuple(sum(r.writer_tokens[i] for r in answered) for i in (0, 1))
    vt = tuple(sum(r.verify_tokens[i] for r in answered) for i in (0, 1))
    return {
        "set": "honest", "verify": verify, "items": len(answered),
        "first_publishable": sum(r.first_publishable for r in answered),
        "publishable": sum(r.publishable for r in answered),
        "with_findings": sum(bool(r.first_findings) for r in answered),
        "writer_requests": sum(r.writer_requests for r in answered),
        "verify_requests": sum(r.verify_requests for r in answered),
        "writer_tokens": wt, "verify_tokens": vt,
        "unfinished": sum(bool(r.error) for r in answered),
        "findings": [(r.title, f) for r in answered for f in r.first_findings],
    }  # fmt: skip


def planted_summary(results: list[ItemResult], verify: bool) -> dict[str, Any]:
    """A planted statement is caught when it is in no published article; an item
    the replay could not finish (an answer not recorded) is not counted."""
    labels = [json.loads(line) for line in (HERE / "planted" / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    caught: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed, unknown = [], 0
    for label in labels:
        planted = json.dumps(label["planted"], ensure_ascii=False)[1:-1]
        result = next((r for r in results if planted in r.first_answer), None)
        if result is None or result.error:
            unknown += 1
            continue
        through = result.publishable and " ".join(label["planted"].split()) in " ".join(result.body.split())
        caught[label["kind"]][0] += int(not through)
        caught[label["kind"]][1] += 1
        if through:
            missed.append((label["kind"], label["planted"]))
    return {"set": "planted", "verify": verify, "by_kind": dict(sorted(caught.items())), "unknown": unknown, "missed": missed}


def print_summary(summary: dict[str, Any], verbose: bool) -> None:
    on = "on" if summary["verify"] else "off"
    if summary["set"] == "planted":
        by_kind = summary["by_kind"]
        hit, n = sum(v[0] for v in by_kind.values()), sum(v[1] for v in by_kind.values())
        print(f"\n== planted statements, verification {on}: caught {share(hit, n)} ==")
        for kind, (k, m) in by_kind.items():
            print(f"  {kind:20} {k}/{m}")
        if summary["unknown"]:
            print(f"  (not counted: {summary['unknown']} with an answer not recorded)")
        for kind, planted in summary["missed"] if verbose else ():
            print(f"  missed [{kind}] {planted[:200]}")
        return
    n = summary["items"]
    print(f"\n== honest answers, verification {on}: {n} items ==")
    print(f"publishable at the first answer      {share(summary['first_publishable'], n)}")
    print(f"publishable in the end               {share(summary['publishable'], n)}")
    print(f"items with any finding on 1st answer {share(summary['with_findings'], n)}")
    print(f"writer requests per item             {summary['writer_requests'] / n:.2f}")
    wt, vt = summary["writer_tokens"], summary["verify_tokens"]
    if summary["verify"] and sum(wt):
        print(f"verification requests per item       {summary['verify_requests'] / n:.2f}")
        print(f"verification tokens / writer tokens  +{100 * sum(vt) / sum(wt):.0f} % "
              f"(in {vt[0]:,} / {wt[0]:,}, out {vt[1]:,} / {wt[1]:,}; estimated, 4 characters a token)")  # fmt: skip
        for writer_model, verifier_model in PRICE_PAIRS:
            extra = cost(verifier_model, vt) / cost(writer_model, wt)
            print(f"  cost of verifying, {writer_model} writing, {verifier_model} verifying: +{100 * extra:.0f} %")
    if summary["unfinished"]:
        print(f"items with no recorded answer left   {summary['unfinished']}")
    for title, finding in summary["findings"] if verbose else ():
        print(f"  [{title[:50]}] {finding[:260]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(required=True)
    nxt = sub.add_parser("next", help="export the next round of a set's request lines")
    nxt.add_argument("set", choices=("honest", "planted"))
    nxt.set_defaults(func=cmd_next)
    rep = sub.add_parser("report", help="replay every set offline and print the figures")
    rep.add_argument("-v", "--verbose", action="store_true", help="list every finding and every planted statement missed")
    rep.add_argument("--json", action="store_true", help="print the figures as JSON (tests/test_capable.py reads them)")
    rep.set_defaults(func=cmd_report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
