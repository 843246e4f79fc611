"""Speed of the pre-publish check (`rewriter check`), which runs on every commit.

Renders N good articles with the tool's own functions (`rewriter.render`):
varied text with curly quotes and the description's `…`, so the mojibake rule
really runs ftfy. Then measures, and compares with the targets:

- throughput: articles per second of `check_paths` in-process, best of 3 runs
  (target >= 1000), and of one `rewriter check FOLDER` subprocess, start-up included
- start-up: wall time of `rewriter check one.md` as a subprocess, median of
  several runs (target < 0.3 s), beside `python -c pass` measured in the same run

CPU seconds are printed beside wall seconds: on a shared machine the wall
clock also counts time spent waiting for a CPU.

    /tmp/devvenv/bin/python bench/check.py                 # 1000 articles, 11 runs
    /tmp/devvenv/bin/python bench/check.py --articles 5000 --runs 21
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rewriter.check import check_paths
from rewriter.prompts import load_prompt
from rewriter.render import describe, render_body, render_document

TARGET_ARTICLES_PER_S = 1000
TARGET_STARTUP_S = 0.3
WORDS = (
    "bitcoin ether regulators exchange custody “stablecoin” liquidity miners ETF approval court "
    "Treasury sanctions investors’ hedge funds on-chain wallets volatility yields futures café "
    "lending protocol governance token holders market makers settlement clearing Asia Europe"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def good_article(n: int, rng: random.Random, impact_heading: str) -> str:
    overview = " ".join(sentence(rng, rng.randint(10, 16)) for _ in range(4))
    paragraphs = [" ".join(sentence(rng, 12) for _ in range(3)) for _ in range(rng.randint(1, 3))]
    bullets = [f"Point {i}: {sentence(rng, 9)}" for i in range(rng.randint(3, 6))]
    front_matter = {
        "title": sentence(rng, 8)[:-1],
        "description": describe(overview),
        "publishedAt": f"2025-11-{1 + n % 28:02d}T17:46:49.000Z",
        "updatedAt": "2025-11-30T18:34:59.322Z",
        "lang": "en",
        "externalId": str(54398936 + n),
        "source": {"name": "CoinDesk", "key": "coindesk", "type": "RSS"},
        "category": "MARKETS",
        "tags": ["MARKETS", "BITCOIN", f"TAG{n % 17}"],
        "stickyWeight": 0,
        "sentiment": rng.choice(["POSITIVE", "NEGATIVE", "NEUTRAL"]),
        "score": n % 5,
        "draft": False,
        "ai": {"rewritten": True, "expandedAt": "2025-11-30T18:34:59.322Z", "version": load_prompt().version,
               "model": "bench", "sourceHash": f"{n:016x}"},
    }  # fmt: skip
    return render_document(front_matter, render_body(overview, paragraphs, bullets, impact_heading))


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=11, help="start-up runs to take the median of")
    args = parser.parse_args()

    rng = random.Random(5)
    heading = load_prompt().impact_heading
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for n in range(args.articles):
            (root / f"article-{n:05d}.md").write_text(good_article(n, rng, heading), encoding="utf-8")
        one = root / "article-00000.md"

        walls, cpus = [], []
        for _ in range(3):
            start, cpu_start = time.perf_counter(), time.process_time()
            report = check_paths([root])
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu_start)
            assert not report.blocked, "\n".join(report.lines())  # the generated articles must all pass

        cli = [sys.executable, "-m", "rewriter", "check"]
        folder_wall, _ = timed([*cli, str(root)])
        startups, baselines = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            baselines.append(timed([sys.executable, "-c", "pass"]))
            startups.append(timed([*cli, str(one)]))

    rate = args.articles / min(walls)
    startup = statistics.median(w for w, _ in startups)
    startup_cpu = statistics.median(c for _, c in startups)
    baseline = statistics.median(w for w, _ in baselines)
    baseline_cpu = statistics.median(c for _, c in baselines)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"articles: {args.articles} (all pass); {os.cpu_count()} CPUs, load average {load:.1f}")
    print(
        f"in-process check_paths, best of 3: {min(walls):.3f} s wall ({min(cpus):.3f} s CPU) = "
        f"{rate:,.0f} articles/s (target >= {TARGET_ARTICLES_PER_S:,}); by CPU time {args.articles / min(cpus):,.0f} articles/s"
    )
    print(f"`rewriter check FOLDER` subprocess: {folder_wall:.3f} s = {args.articles / folder_wall:,.0f} articles/s, start-up included")
    print(
        f"start-up `rewriter check one.md`, median of {args.runs} runs: {startup:.3f} s wall, {startup_cpu:.3f} s CPU "
        f"(wall min {min(w for w, _ in startups):.3f}, max {max(w for w, _ in startups):.3f}; target < {TARGET_STARTUP_S} s); "
        f"`python -c pass`: {baseline:.3f} s wall, {baseline_cpu:.3f} s CPU"
    )
    ok = rate >= TARGET_ARTICLES_PER_S and startup < TARGET_STARTUP_S
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
