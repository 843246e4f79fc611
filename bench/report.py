"""Size and speed of the review page (`rewriter report`) for a large run.

Builds a batch report of N items, of which D are drafts carrying what the
page shows for them (a 3,000-character source, an 1,800-character article,
three warnings with the text and figures at fault), writes it as JSON, and
times `render_report` in-process (best of R) and one `rewriter report`
subprocess, start-up included. Prints the JSON and HTML sizes.

    PYTHONPATH=$PWD /work/venv/bin/python bench/report.py              # 10,000 items, 40 drafts
    PYTHONPATH=$PWD /work/venv/bin/python bench/report.py --items 1000 --drafts 40 --runs 5
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rewriter.batch import BatchReport, ItemReport
from rewriter.batch.report import ReviewWarning
from rewriter.report_html import render_report

SENTENCE = "Lenders reported losses of 15 million after the sell-off, and traders moved funds to safer assets. "


def draft(n: int) -> ItemReport:
    fault = f"Traders moved {900 + n % 90} million dollars overnight."
    return ItemReport(
        id=f"coindesk:{n}", source=f"feed.xml item {n}", status="draft", path=f"2024-05-01-story-{n}.md",
        cached=False, tokens={"input": 1800, "output": 700}, latency=21.5, title=f"Story {n} about lenders",
        error=f"written as a draft: impact[0] uses the figure '{900 + n % 90} million', which is not in the source",
        sourceText=SENTENCE * 30,
        article="## Overview\n\n" + SENTENCE * 6 + "\n\n## What Happened\n\n" + SENTENCE * 8
        + f"\n\n## Impact on the crypto market\n\n- {fault}\n- Lenders may tighten terms.\n- Markets may stay calm.\n",
        warnings=[
            ReviewWarning(message="impact[0] uses a figure not in the source", field="impact[0]", text=fault,
                          words=[f"{900 + n % 90} million"]),
            ReviewWarning(message="what_happened[0] repeats a sentence", field="what_happened[0]", text=SENTENCE.strip()),
            ReviewWarning(message="impact[2] is not a full sentence", field="impact[2]", text="Markets may stay calm."),
        ],
    )  # fmt: skip


def clean(n: int) -> ItemReport:
    return ItemReport(
        id=f"coindesk:{n}", source=f"feed.xml item {n}", status="rewritten", path=f"2024-05-01-story-{n}.md",
        cached=n % 3 == 0, tokens={"input": 1800, "output": 700}, latency=12.25, title=f"Story {n} about markets",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--drafts", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    every = max(1, args.items // max(1, args.drafts))
    report = BatchReport(sources=["feed.xml"], out="content", startedAt="2024-05-01T10:00:00.000Z", wallTime=3600.0)
    for n in range(args.items):
        report.add(draft(n) if n % every == 0 and report.totals.draft < args.drafts else clean(n))

    best = float("inf")
    for _ in range(args.runs):
        started = time.perf_counter()
        page = render_report(report)
        best = min(best, time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        json_path, html_path = Path(tmp) / "run.json", Path(tmp) / "run.html"
        json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rewriter", "report", str(json_path), "-o", str(html_path)],
            check=True, capture_output=True, env={**os.environ},
        )  # fmt: skip
        command = time.perf_counter() - started
        json_size, html_size = json_path.stat().st_size, html_path.stat().st_size
    print(f"items: {args.items}, drafts: {report.totals.draft}, load average: {os.getloadavg()[0]:.2f}")
    print(f"render_report, best of {args.runs}: {best:.3f} s ({len(page):,} characters)")
    print(f"rewriter report run.json -o run.html (subprocess, start-up included): {command:.3f} s")
    print(f"sizes: JSON {json_size / 1e6:.2f} MB, HTML {html_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
