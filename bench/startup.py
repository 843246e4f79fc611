"""Start-up time of `rewriter --help` (target: under 0.3 s).

Compares with a bare `python -c pass` in the same run, so a noisy shared
machine shows up in both figures. Also lists the slowest imports, to catch a
heavy module (openai takes ~0.8 s) creeping into start-up.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    python = wall([sys.executable, "-c", "pass"], runs)
    help_ = wall([sys.executable, "-m", "rewriter", "--help"], runs)
    print(f"python -c pass         median of {runs}: {python * 1000:6.0f} ms")
    print(f"rewriter --help        median of {runs}: {help_ * 1000:6.0f} ms  (target < 300 ms)")
    print(f"rewriter's own share:  {(help_ - python) * 1000:6.0f} ms")
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rewriter", "--help"], capture_output=True, text=True
    ).stderr
    rows = []
    for line in trace.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    top = [r for r in rows if not r[1].startswith("  ")]
    print("heaviest top-level imports (cumulative µs):")
    for micros, name in sorted(top, reverse=True)[:6]:
        print(f"  {micros:8d}  {name.strip()}")
    loaded = {name.strip() for _, name in rows}
    for heavy in ("openai", "diskcache", "pydantic_settings", "httpx2"):
        print(f"  {heavy:18s} imported: {'YES' if heavy in loaded else 'no'}")


if __name__ == "__main__":
    main()
