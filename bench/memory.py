"""Peak memory (ru_maxrss) of `rewriter batch` on a 10,000-item feed (target: under 300 MB).

Runs the real CLI as a subprocess against a local fake server (no latency),
once on a 10,000-line news API JSON Lines feed (streamed line by line) and
once on the same items as one {"Data": [...]} document (held parsed, items
built lazily), and reports each child's peak resident set size.

    python bench/memory.py [--items 10000] [--concurrency 32]
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

from batch import cli_env, fake_server, measured, news_item, write_feed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rewriter-mem-"))
    try:
        jsonl = write_feed(work / "feed.jsonl", args.items)
        document = work / "feed.json"
        with document.open("w", encoding="utf-8") as out:
            json.dump({"Data": [news_item(n) for n in range(args.items)], "Err": {}}, out)
        with fake_server(0.0) as server:
            for name, feed in (("JSON Lines", jsonl), ('{"Data": [...]} document', document)):
                env = cli_env(server, work / f"cache-{feed.suffix}")
                out = work / f"out-{feed.suffix}"
                cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out),
                       "--concurrency", str(args.concurrency)]  # fmt: skip
                size = feed.stat().st_size / 1e6
                mb, wall, _ = measured(cmd, env)
                written = sum(1 for _ in out.glob("*.md"))
                print(f"{name:26} {args.items} items ({size:5.1f} MB file): peak RSS {mb:6.1f} MB "
                      f"(target < 300), {written} articles, {wall:5.1f} s")  # fmt: skip
                mb, wall, _ = measured(cmd, env)
                print(f"{'  rerun, all current':26} peak RSS {mb:6.1f} MB, {wall:5.1f} s")
        print(f"python: {sys.version.split()[0]}, platform ru_maxrss unit: KiB ({os.uname().sysname})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
