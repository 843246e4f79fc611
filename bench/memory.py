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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import cli_env, fake_server, news_item, write_feed  # noqa: E402


def peak_rss_mb(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `cmd` in a fresh child; its peak RSS in MB (via a wrapper so children don't mix)."""
    wrapper = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(r.stderr[-2000:] if r.returncode else ''); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {done.stderr}")
    kilobytes = int(done.stdout.strip().splitlines()[-1])
    return kilobytes / 1024, wall, done.stderr


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
                mb, wall, _ = peak_rss_mb(cmd, env)
                written = sum(1 for _ in out.glob("*.md"))
                print(f"{name:26} {args.items} items ({size:5.1f} MB file): peak RSS {mb:6.1f} MB "
                      f"(target < 300), {written} articles, {wall:5.1f} s")  # fmt: skip
                mb, wall, _ = peak_rss_mb(cmd, env)
                print(f"{'  rerun, all current':26} peak RSS {mb:6.1f} MB, {wall:5.1f} s")
        print(f"python: {sys.version.split()[0]}, platform ru_maxrss unit: KiB ({os.uname().sysname})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
