"""Extraction quality on the article-extraction benchmark, through our code path.

    git clone https://github.com/scrapinghub/article-extraction-benchmark /tmp/aeb
    nice python bench/extraction.py /tmp/aeb

Each of the benchmark's 181 pages goes through `rewriter.pages.extract_article`
with `auto` (what `--full-text` uses: trafilatura favouring precision, its
defaults where that keeps under 50 words), with trafilatura's defaults (as
the benchmark runs it) and with readability-lxml (`pip install '.[bench]'`),
in one run. Scores are the benchmark's own: 4-token shingles
of `\\w+` tokens, true/false positives and negatives per page normalised to
sum to 1, precision and recall averaged over pages, F1 of the two averages.
The benchmark's code is not part of this repository; the metric is
re-implemented here from its description (evaluate.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rewriter.pages.extract import extract_article  # noqa: E402

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str) -> Counter:
    tokens = TOKEN.findall(text or "")
    count = max(1, len(tokens) - SHINGLE + 1)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(count) if tokens[i : i + SHINGLE])


def page_counts(truth: str, guess: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over shingles, scaled to sum to 1 so long pages weigh no more."""
    want, got = shingles(truth), shingles(guess)
    tp = sum(min(want[k], got[k]) for k in want.keys() | got.keys())
    fp = sum(max(0, got[k] - want[k]) for k in got)
    fn = sum(max(0, want[k] - got[k]) for k in want)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"f1": 2 * p * r / (p + r), "precision": p, "recall": r}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", type=Path, help="a checkout of scrapinghub/article-extraction-benchmark")
    parser.add_argument("--extractors", default="auto,trafilatura,readability")
    args = parser.parse_args()
    truth = json.loads((args.benchmark / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted((args.benchmark / "html").glob("*.html.gz"))
    names = args.extractors.split(",")
    counts: dict[str, list] = {n: [] for n in names}
    cpu: dict[str, float] = {n: 0.0 for n in names}
    for path in pages:
        key = path.name.split(".")[0]
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        want = truth[key].get("articleBody") or ""
        for name in names:
            started = time.process_time()
            text = extract_article(html, None, name).text
            cpu[name] += time.process_time() - started
            counts[name].append(page_counts(want, text))
    print(f"{len(pages)} pages")
    print(f"{'extractor':<14} {'F1':>6} {'precision':>10} {'recall':>7} {'CPU ms/page':>12}")
    for name in names:
        s = scores(counts[name])
        print(f"{name:<14} {s['f1']:6.3f} {s['precision']:10.3f} {s['recall']:7.3f} {1000 * cpu[name] / len(pages):12.1f}")


if __name__ == "__main__":
    main()
