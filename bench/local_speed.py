"""Speed of the embedded model: seconds per article and tokens/s, tool vs raw call.

Starts the embedded llama.cpp server once (the tool's own in-process `LocalServer`,
through a `Run` with the local provider and the cache off), then alternates:

- tool: `rewrite_item` on the seed draft with one attempt (prompt, request,
  parse, review, as the CLI does it), and
- raw: one POST to the same server's /v1/chat/completions with the same
  messages, response_format, temperature and max_tokens, nothing else.

Two overhead figures: tool vs raw per generated token (a sampled answer
differs in length between calls, and other load adds noise), and the tool's
own time around the HTTP call (wall time minus the call's latency), which is
what the tool adds by construction. Also times one cold CLI run (process
start, server start, one article) for what an editor waits.

    /tmp/devvenv/bin/python bench/local_speed.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "examples" / "drafts" / "doj-north-korea.md"


def raw_call(base_url: str, body: dict[str, Any]) -> tuple[float, int]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        data = json.load(response)
    return time.perf_counter() - started, int(data["usage"]["completion_tokens"])


async def measure(rounds: int) -> dict[str, Any]:
    from rewriter.readers.markdown import read_draft
    from rewriter.rewrite import build_messages, facts_of, rewrite_item
    from rewriter.runtime import Run
    from rewriter.settings import load_settings

    tool: list[tuple[float, int]] = []
    outside: list[tuple[float, float]] = []  # (tool wall time, time inside the HTTP call)
    raw: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.open(load_settings(provider="local", cache_dir=Path(tmp), cache_mode="off"))
        try:
            item = read_draft(SEED)
            await rewrite_item(item, run.prompt, run.client, attempts=1)  # start the server, warm up
            base_url = run.client.base_url.rstrip("/")
            fmt = run.client._format or run.client.endpoint.first_format
            # the tool's own body: its grammar allows the item's figures (facts_of)
            body = run.client.body(build_messages(item, run.prompt), fmt, facts_of(item, run.prompt).numerals)
            raw_call(base_url, body)  # warm up the raw path too
            for _ in range(rounds):
                started = time.perf_counter()
                try:
                    outcome = await rewrite_item(item, run.prompt, run.client, attempts=1)
                    tokens = outcome.usage.get("completion_tokens", 0)
                    outside.append((time.perf_counter() - started, outcome.latency))
                except Exception as exc:  # a truncated answer still cost the time
                    tokens = int(getattr(exc, "usage", {}).get("completion_tokens", 0))
                tool.append((time.perf_counter() - started, tokens))
                raw.append(await asyncio.to_thread(raw_call, base_url, body))
        finally:
            await run.aclose()
    return {"tool": tool, "raw": raw, "format": fmt, "outside": outside}


def cold_cli() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
        env.update(REWRITER_CACHE_DIR=tmp, REWRITER_CACHE_MODE="off", REWRITER_ATTEMPTS="1")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rewriter", "rewrite", str(SEED), "-o", f"{tmp}/out.md"],
            env=env, capture_output=True, check=False,
        )  # fmt: skip
        return time.perf_counter() - started


def describe(samples: list[tuple[float, int]]) -> dict[str, float]:
    seconds = [s for s, _ in samples]
    tokens = [t for _, t in samples]
    return {
        "seconds per article (median)": round(statistics.median(seconds), 2),
        "completion tokens (median)": statistics.median(tokens),
        "tokens/s (total)": round(sum(tokens) / sum(seconds), 1),
        "seconds per token": sum(seconds) / max(sum(tokens), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(measure(args.rounds))
    tool, raw = describe(results["tool"]), describe(results["raw"])
    overhead = 100 * (tool["seconds per token"] / raw["seconds per token"] - 1)
    print(f"response_format: {results['format']}; {args.rounds} rounds, seed item {SEED.name}")
    for name, figures in (("tool (rewrite_item)", tool), ("raw call, same server", raw)):
        shown = {k: v for k, v in figures.items() if k != "seconds per token"}
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    print(f"tool vs raw, per generated token (includes sampling noise): {overhead:+.1f} %")
    wall = sum(w for w, _ in results["outside"])
    inside = sum(i for _, i in results["outside"])
    if inside:
        print(
            f"tool's own time around the model call (prompt, cache, parse, review): "
            f"{1000 * (wall - inside) / len(results['outside']):.1f} ms per article = {100 * (wall - inside) / inside:.2f} %"
        )
    print(f"cold CLI run (start, server start, one article): {cold_cli():.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
