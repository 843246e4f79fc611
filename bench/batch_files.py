"""Speed and memory of the Batch paths' own work, on 50,000 items (no model involved).

1. Planning and writing the lines: `rewriter batch FEED --out DIR --export-requests
   requests.jsonl` on a fresh cache, as a subprocess; items/s (target >= 2,000,
   the CLI's start-up included) and peak RSS (target < 300 MB, flat).
2. Importing the results: a vLLM-format output file answering every line
   (written here, not timed), then `rewriter cache import results.jsonl`;
   lines/s (target >= 5,000, start-up included).

With several item counts (`--items 10000 50000`) each is measured in turn and
the peak RSS per extra item between the smallest and the largest is printed:
memory that is flat (streamed) does not grow with the item count.

    python bench/batch_files.py [--items 50000 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from batch import cli_env, measured, write_feed  # noqa: E402

from tests.fakeserver import PLAIN_ANSWER, completion  # noqa: E402


class NoServer:
    base_url = "http://127.0.0.1:9/v1"  # never contacted: --export-requests sends nothing


def answer_all(requests: Path, results: Path) -> int:
    """One 200 line per request, in order, as `vllm run-batch` writes them."""
    body = completion(json.dumps(PLAIN_ANSWER))
    count = 0
    with requests.open(encoding="utf-8") as lines, results.open("w", encoding="utf-8") as out:
        for count, line in enumerate(lines, 1):
            custom_id = json.loads(line)["custom_id"]
            response = {"status_code": 200, "request_id": f"vllm-batch-{count}", "body": body}
            out.write(json.dumps({"id": f"vllm-{count}", "custom_id": custom_id, "response": response, "error": None}) + "\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[50_000])
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    peaks = [(count, measure(count)) for count in args.items]
    if len(peaks) > 1:
        (few, low), (many, high) = min(peaks), max(peaks)
        print(f"peak RSS {low:.1f} MB at {few:,} items, {high:.1f} MB at {many:,}: "
              f"{(high - low) * 1e6 / max(1, many - few):,.0f} bytes per extra item")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def measure(items: int) -> float:
    """Both steps on `items` items; the planning step's peak RSS in MB."""
    work = Path(tempfile.mkdtemp(prefix="rewriter-batchfiles-"))
    try:
        feed = write_feed(work / "feed.jsonl", items)
        env = cli_env(NoServer(), work / "cache")  # type: ignore[arg-type]
        requests, results = work / "requests.jsonl", work / "results.jsonl"
        cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(work / "out"),
               "--export-requests", str(requests)]  # fmt: skip
        mb, wall, cpu = measured(cmd, env)
        peak = mb
        lines = sum(1 for _ in requests.open(encoding="utf-8"))
        size = requests.stat().st_size / 1e6
        print(f"plan + write lines: {items} items -> {lines} lines ({size:.0f} MB): wall {wall:.1f} s = "
              f"{items / wall:,.0f} items/s, CPU {cpu:.1f} s = {items / cpu:,.0f} items per CPU-second "
              f"(target >= 2,000/s); peak RSS {mb:.1f} MB (target < 300)")  # fmt: skip
        answered = answer_all(requests, results)
        mb, wall, cpu = measured([sys.executable, "-m", "rewriter", "cache", "import", str(results)], env)
        print(f"import results: {answered} lines ({results.stat().st_size / 1e6:.0f} MB): wall {wall:.1f} s = "
              f"{answered / wall:,.0f} lines/s, CPU {cpu:.1f} s = {answered / cpu:,.0f} lines per CPU-second "
              f"(target >= 5,000/s); peak RSS {mb:.1f} MB")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return peak


if __name__ == "__main__":
    main()
