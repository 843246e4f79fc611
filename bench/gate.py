"""How well the publish gate separates good sentences from bad: precision, recall, speed.

Runs every sentence of tests/fixtures/gate-labelled.jsonl (built by
bench/gate_set.py) through what the review runs per sentence: the figures
rule (`Facts.unsupported`, with the publication date grounding only dates)
and the gate (`Facts.gate`, told each sentence's section: the Impact rules
read bullets only). Prints, for the whole set and for its held-out `test` half:

- recall on bad sentences (caught by any rule), overall and per labelled rule;
- false positives: the share of good sentences any rule blocks;
- per rule: how many sentences it flags and its precision (flagged that are bad);
- milliseconds per sentence (the word list's one-time load reported apart).

Bad sentences labelled `claim` (an invented claim in the story's own words,
"First Republic Bank gave back its early gains") are outside what the issue
asks the gate to catch; they are counted apart and not in the headline recall.

    /work/venv/bin/python bench/gate.py
    /work/venv/bin/python bench/gate.py --show fp      # list good sentences blocked
    /work/venv/bin/python bench/gate.py --show fn      # list bad sentences let through
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
TARGET_RECALL, TARGET_FP, TARGET_MS = 0.95, 0.03, 0.2


def load() -> tuple[list[dict], dict[str, dict]]:
    rows = [json.loads(line) for line in (FIXTURES / "gate-labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = json.loads((FIXTURES / "gate-sources.json").read_text(encoding="utf-8"))
    return rows, sources


def judge(rows: list[dict], sources: dict[str, dict]) -> tuple[list[list[str]], float, float, float, float]:
    """The rules that fire on each sentence; seconds for the word list, the
    sources, and the sentences (wall, then CPU: the machine is shared)."""
    from rewriter.gate.allow import load_allow
    from rewriter.gate.words import known
    from rewriter.review import Facts

    start = time.perf_counter()
    known("warm")  # the word list, read once per process
    allow = load_allow()
    warm = time.perf_counter() - start
    start = time.perf_counter()
    facts = {
        key: Facts(s["text"], published=s["publishedAt"], allow=allow, item_lang=s.get("lang"), outlet=s.get("outlet", ""))
        for key, s in sources.items()
    }
    for f in facts.values():  # index each source the way the first sentence would
        f.gate("Warm up the index of the source.")
        f._examined.clear()
        f.values, f.source.translated_names  # noqa: B018 (its figures; CLDR's names for an item in another language)
    indexing = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    fired = []
    for row in rows:
        f = facts[row["source"]]
        rules = [finding.rule for finding in f.gate(row["sentence"], row["section"])]
        if f.unsupported(row["sentence"]):
            rules.append("figure")
        fired.append(rules)
    return fired, warm, indexing, time.perf_counter() - start, time.process_time() - cpu


def report(rows: list[dict], fired: list[list[str]], title: str) -> dict[str, float]:
    bad = [(r, f) for r, f in zip(rows, fired) if r["label"] == "bad" and r["rule"] != "claim"]
    claims = [(r, f) for r, f in zip(rows, fired) if r["rule"] == "claim"]
    good = [(r, f) for r, f in zip(rows, fired) if r["label"] == "good"]
    recall = sum(bool(f) for _, f in bad) / max(len(bad), 1)
    fp = sum(bool(f) for _, f in good) / max(len(good), 1)
    print(f"\n{title}: {len(rows)} sentences, {len(good)} good, {len(bad)} bad (+{len(claims)} invented claims)")
    print(f"  recall on bad sentences  {recall:6.1%}  (target >= {TARGET_RECALL:.0%})")
    print(f"  false positives on good  {fp:6.1%}  (target <= {TARGET_FP:.0%})")
    if claims:
        print(f"  invented claims caught   {sum(bool(f) for _, f in claims) / len(claims):6.1%}  (not a target)")
    by_label: dict[str, list[list[str]]] = defaultdict(list)
    for r, f in bad:
        by_label[r["rule"]].append(f)
    flagged: Counter[str] = Counter()
    flagged_bad: Counter[str] = Counter()
    for r, f in zip(rows, fired):
        for rule in set(f):
            flagged[rule] += 1
            flagged_bad[rule] += r["label"] == "bad"
    print(f"  {'rule':<12} {'labelled':>8} {'caught':>7} {'by it':>6} {'flags':>6} {'precision':>9}")
    for rule in sorted(set(by_label) | set(flagged)):
        got = by_label.get(rule, [])
        caught = sum(bool(f) for f in got) / len(got) if got else float("nan")
        own = sum(rule in f for f in got) / len(got) if got else float("nan")
        precision = flagged_bad[rule] / flagged[rule] if flagged[rule] else float("nan")
        print(f"  {rule:<12} {len(got):>8} {caught:>7.0%} {own:>6.0%} {flagged[rule]:>6} {precision:>9.0%}")
    parts = []
    for origin in sorted({r["origin"] for r in rows}):
        mine = [(r, f) for r, f in zip(rows, fired) if r["origin"] == origin and r["rule"] != "claim"]
        b = [f for r, f in mine if r["label"] == "bad"]
        g = [f for r, f in mine if r["label"] == "good"]
        if b:
            parts.append(f"{origin}: {sum(map(bool, b))}/{len(b)} bad caught")
        if g:
            parts.append(f"{origin}: {sum(map(bool, g))}/{len(g)} good blocked")
    print("  by origin: " + "; ".join(parts))
    return {"recall": recall, "fp": fp}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=["fp", "fn"], help="list false positives or misses")
    args = parser.parse_args()
    rows, sources = load()
    fired, warm, indexing, seconds, cpu = judge(rows, sources)
    whole = report(rows, fired, "whole set")
    test = [(r, f) for r, f in zip(rows, fired) if r["split"] == "test"]
    report([r for r, _ in test], [f for _, f in test], "held-out half (split=test)")
    ms, cpu_ms = seconds * 1000 / len(rows), cpu * 1000 / len(rows)
    print(f"\nspeed: {ms:.3f} ms per sentence wall, {cpu_ms:.3f} ms CPU ({len(rows)} sentences, each seen "
          f"once, target < {TARGET_MS} ms; load average {os.getloadavg()[0]:.1f}); "
          f"indexing {len(sources)} sources {indexing * 1000 / len(sources):.2f} ms each; "
          f"word list loaded once in {warm:.2f} s")  # fmt: skip
    if args.show:
        for r, f in zip(rows, fired):
            if (args.show == "fp" and r["label"] == "good" and f) or (args.show == "fn" and r["label"] == "bad" and not f):
                print(f"{r['source']:<32} {r['rule'] or '-':<11} {','.join(f) or '-':<20} {r['sentence']}")
    met = whole["recall"] >= TARGET_RECALL and whole["fp"] <= TARGET_FP and cpu_ms < TARGET_MS
    print("targets met" if met else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
