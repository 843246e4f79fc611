"""Parallel slots of the embedded model: generated tokens per CPU second and per wall second.

For each slot count N it starts the tool's own `LocalServer` (in this
process) with N slots, sends N requests at once (the seed item's real
prompt and grammar-level `response_format`, different seeds so the answers
differ) and records the wall time, this process's CPU time (the server's
threads are in it) and the tokens generated. On a machine shared with other
work the wall time mostly measures the CPU share the process got; tokens per
CPU second is what continuous batching changes.

    python bench/slots.py --slots 1 2 4 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "examples" / "drafts" / "doj-north-korea.md"


def post(base_url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{base_url}/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=3600) as response:
        return int(json.load(response)["usage"]["completion_tokens"])


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def measure(slots: int, max_tokens: int) -> dict[str, float]:
    from rewriter.local_server import LocalServer, bundled_model
    from rewriter.model import format_payload
    from rewriter.prompts import load_prompt
    from rewriter.readers.markdown import read_draft
    from rewriter.rewrite import build_messages, facts_of

    item, prompt = read_draft(SEED), load_prompt()
    messages = build_messages(item, prompt)
    response_format = format_payload("json_schema", facts_of(item, prompt).numerals, grammar=True)
    with LocalServer(bundled_model(), slots=slots) as server:
        bodies = [
            {"messages": messages, "response_format": response_format, "temperature": 0.2, "seed": 42 + n,
             "max_tokens": max_tokens}
            for n in range(slots)
        ]  # fmt: skip
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), cpu_seconds()
        with ThreadPoolExecutor(slots) as pool:
            tokens = sum(pool.map(lambda body: post(server.base_url, body), bodies))
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        threads = server.threads
    return {"slots": slots, "threads": threads, "tokens": tokens, "wall s": round(wall, 1), "cpu s": round(cpu, 1),
            "tokens/cpu s": round(tokens / cpu, 1), "tokens/wall s": round(tokens / wall, 1), "load": load}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=1, help="alternate the slot counts this many times")
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()
    for _ in range(args.rounds):
        for slots in args.slots:
            print(json.dumps(measure(slots, args.max_tokens)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
