"""The README's main job on the embedded model, with llama.cpp's own account of each request.

Runs `rewriter batch examples/feeds/coindesk-2023-03-13.xml --out DIR` in this
process on a fresh cache (so every answer is asked for) and records, from each
reply's `timings` (llama.cpp's server adds them to every completion): the
prompt tokens processed, those reused from the slot's KV cache, the tokens
generated and how the answer ended. Prints one line per request and the totals
with wall and CPU time, so a change in policy (re-asks, slots, threads) shows
where the time went, not only how much there was.

    python bench/main_job.py                             # the defaults
    REWRITER_LOCAL_SLOTS=4 python bench/main_job.py      # any setting, from the environment
    python bench/main_job.py --feed FEED --limit 8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FEED = ROOT / "examples" / "feeds" / "coindesk-2023-03-13.xml"


def record_timings(log: list[dict[str, Any]], started: float) -> None:
    """Wrap the reply parser so every reply's `timings` land in `log`."""
    import rewriter.model as model

    parse = model.ChatReply.model_validate_json.__func__  # type: ignore[attr-defined]

    def traced(cls: Any, raw: Any, *args: Any, **kwargs: Any) -> Any:
        data = json.loads(raw)
        timings = data.get("timings") or {}
        log.append({
            "at": time.perf_counter() - started,
            "finish": data["choices"][0].get("finish_reason"),
            "processed": timings.get("prompt_n", 0),
            "reused": timings.get("cache_n", 0),
            "generated": timings.get("predicted_n", 0),
        })  # fmt: skip
        return parse(cls, raw, *args, **kwargs)

    model.ChatReply.model_validate_json = classmethod(traced)  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", type=Path, default=FEED)
    parser.add_argument("--limit", type=int, help="only the first N items")
    args = parser.parse_args()

    from typer.main import get_command

    from rewriter.cli import app

    log: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rewriter-mainjob-") as tmp:
        os.environ.update(REWRITER_CACHE_DIR=f"{tmp}/cache", REWRITER_PROVIDER="local")
        argv = ["batch", str(args.feed), "--out", f"{tmp}/out", "--report", f"{tmp}/report.json"]
        if args.limit:
            argv += ["--limit", str(args.limit)]
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        record_timings(log, started)
        try:
            get_command(app).main(argv, standalone_mode=False)
        except SystemExit:
            pass
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        report = json.loads(Path(f"{tmp}/report.json").read_text(encoding="utf-8"))
    print()
    for n, entry in enumerate(log, 1):
        print(f"request {n}: done at {entry['at']:6.1f} s, {entry['processed']:5} prompt tokens processed, "
              f"{entry['reused']:5} reused, {entry['generated']:5} generated, {entry['finish']}")  # fmt: skip
    statuses = [item["status"] for item in report["items"]]
    print(f"items: {len(statuses)} ({', '.join(f'{statuses.count(s)} {s}' for s in sorted(set(statuses)))})")
    print(f"requests: {len(log)}; prompt tokens processed {sum(e['processed'] for e in log)}, reused "
          f"{sum(e['reused'] for e in log)}; generated {sum(e['generated'] for e in log)}; cut off "
          f"{sum(e['finish'] == 'length' for e in log)}")  # fmt: skip
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s (the server's threads included), load average at start {load:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
