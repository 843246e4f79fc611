"""Throughput of `rewriter batch` against a local fake server (latency 0.2 s).

For each concurrency (1, 8, 32) it runs the real CLI as a subprocess and, in
the same run, a bare loop that sends the very same request bodies with
AsyncOpenAI behind a semaphore of the same size (`chat.completions.create`)
twice: in this process (`bare`: its clock starts after `import openai`) and
as a script of its own (`script`: its interpreter and imports counted, as the
tool's are), and the ideal N × latency / concurrency. The tool's wall time is
given with its start-up and for the job alone (from its report; the job
includes openai's import, done at the first request). `script/bare` is what
start-up alone costs any program that sends these requests with openai.
Concurrency 1 uses fewer items (1,000 × 0.2 s would take over 3 minutes).

Then the cached rerun: a 5,000-item feed is written once, and the clock is
taken on (a) a rerun into the same folder (every article already current)
and (b) a run into a fresh folder with every response served from the cache,
start-up included.

    python bench/batch.py [--items 1000] [--items-c1 50] [--rerun-items 5000] [--latency 0.2] [--concurrency 1 8 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rewriter import policy  # noqa: E402

if TYPE_CHECKING:
    from tests.fakeserver import FakeServer

PARAGRAPH = (
    "<p>The exchange said on Tuesday that customer withdrawals had resumed after a review of its "
    "systems, and that balances were unaffected. Analysts said the pause had unsettled traders &amp; "
    "lenders across the market, who are watching for further announcements.</p>"
)


def news_item(n: int) -> dict:
    """A news API article of realistic size (about 2 KB of HTML body)."""
    return {
        "TYPE": "121", "ID": 50_000_000 + n, "GUID": f"https://example.com/news/{n}",
        "PUBLISHED_ON": 1_763_142_409 + n * 60, "IMAGE_URL": f"https://images.example.com/{n}.jpg",
        "TITLE": f"Exchange {n} resumes withdrawals after a review of its systems",
        "SUBTITLE": "Customers regained access to their funds after a pause.",
        "AUTHORS": "Example Reporter", "URL": f"https://example.com/news/{n}", "SOURCE_ID": 5,
        "BODY": PARAGRAPH * 8, "KEYWORDS": "Exchanges|Markets|Withdrawals|News", "LANG": "EN",
        "UPVOTES": 0, "DOWNVOTES": 0, "SCORE": 0, "SENTIMENT": "NEUTRAL", "STATUS": "ACTIVE",
        "SOURCE_DATA": {"NAME": "CoinDesk", "SOURCE_KEY": "coindesk", "SOURCE_TYPE": "RSS", "STATUS": "ACTIVE"},
        "CATEGORY_DATA": [{"NAME": "MARKETS", "CATEGORY": "MARKETS"}, {"NAME": "EXCHANGES", "CATEGORY": "EXCHANGES"}],
    }  # fmt: skip


def write_feed(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(news_item(n)) + "\n")
    return path


def fake_server(latency: float) -> FakeServer:
    """The fake server answering every request with a grounded answer (no figures), so one request an item."""
    from tests.fakeserver import PLAIN_ANSWER, FakeServer, Reply  # imported here: the bare script skips it

    return FakeServer(lambda request: Reply(json.dumps(PLAIN_ANSWER)), latency=latency)


SERVE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from http.server import ThreadingHTTPServer
ThreadingHTTPServer.request_queue_size = 256  # 32 clients connect at once
sys.path.insert(0, sys.argv[1] + "/bench")
from batch import fake_server
with fake_server(float(sys.argv[2])) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


class ServerProcess:
    """The fake server in its own process, so neither the tool nor the bare loop shares its GIL."""

    def __init__(self, latency: float) -> None:
        self.latency = latency

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(ROOT), str(self.latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.base_url = self.proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `cmd` in a fresh child: (peak RSS in MB, wall s, CPU s). CPU time is the
    figure to compare on a shared machine, where wall time depends on the load."""
    wrapper = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(r.stderr[-2000:] if r.returncode else ''); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(u.ru_maxrss, u.ru_utime + u.ru_stime); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {done.stderr}")
    kilobytes, cpu = done.stdout.split()
    return int(kilobytes) / 1024, wall, float(cpu)


def cli_env(server: FakeServer | ServerProcess, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update(
        OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench", REWRITER_MODEL="fake-model",
        REWRITER_CACHE_DIR=str(cache),
    )  # fmt: skip
    return env


def run_tool(feed: Path, out: Path, env: dict[str, str], concurrency: int) -> tuple[float, dict]:
    """Wall time of the CLI (start-up included) and its report."""
    report = out.with_suffix(".report.json")
    cmd = [sys.executable, "-m", "rewriter", "batch", str(feed), "--out", str(out),
           "--concurrency", str(concurrency), "--report", str(report)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"rewriter batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, json.loads(report.read_text(encoding="utf-8"))


def request_bodies(feed: Path, base_url: str) -> list[dict]:
    """The exact bodies the tool sends, built with its own code."""
    from rewriter.cache import ResponseCache
    from rewriter.model import Endpoint, ModelClient
    from rewriter.prompts import load_prompt
    from rewriter.readers import read_items
    from rewriter.rewrite import build_messages
    from rewriter.settings import CacheMode

    prompt = load_prompt(None)
    client = ModelClient(Endpoint(model="fake-model", server_id=base_url, base_url=base_url), ResponseCache(Path("/nonexistent"), CacheMode.OFF))
    return [client.body(build_messages(item, prompt), "json_schema") for item in read_items(feed)]


async def bare_loop(bodies: list[dict], base_url: str, concurrency: int) -> float:
    """Same requests, AsyncOpenAI and a semaphore: the floor the tool is held to."""
    import openai

    started = time.perf_counter()
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=policy.TRANSPORT_RETRIES, timeout=60)
    gate = asyncio.Semaphore(concurrency)

    async def one(body: dict) -> None:
        async with gate:
            response = await client.chat.completions.create(**body)
            json.loads(response.choices[0].message.content)

    await asyncio.gather(*(one(b) for b in bodies))
    await client.close()
    return time.perf_counter() - started


BARE_SCRIPT = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1] + "/bench")
from batch import bare_loop
bodies = json.load(open(sys.argv[2], encoding="utf-8"))
asyncio.run(bare_loop(bodies, sys.argv[3], int(sys.argv[4])))
"""


def bare_script(bodies: list[dict], base_url: str, concurrency: int, work: Path) -> float:
    """The bare loop as a program of its own: wall time with its start-up, as the tool's is measured."""
    path = work / f"bodies-{concurrency}.json"
    path.write_text(json.dumps(bodies), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_SCRIPT, str(ROOT), str(path), base_url, str(concurrency)], check=True)
    return time.perf_counter() - started


def throughput(args: argparse.Namespace, work: Path) -> None:
    print(f"== throughput: fake server latency {args.latency} s ==")
    print(f"{'conc':>4} {'items':>6} {'ideal s':>8} {'bare s':>8} {'script s':>8} {'tool s':>8} {'tool job s':>10} "
          f"{'script/bare':>11} {'tool/bare':>9} {'job/bare':>8} {'tool/script':>11} {'tool/ideal':>10}")  # fmt: skip
    with ServerProcess(args.latency) as server:
        for run, concurrency in enumerate(args.concurrency):
            count = args.items_c1 if concurrency == 1 else args.items
            feed = write_feed(work / f"feed-{run}.jsonl", count)
            bodies = request_bodies(feed, server.base_url)
            bare = asyncio.run(bare_loop(bodies, server.base_url, concurrency))
            script = bare_script(bodies, server.base_url, concurrency, work)
            env = cli_env(server, work / f"cache-{run}")
            wall, report = run_tool(feed, work / f"out-{run}", env, concurrency)
            totals = report["totals"]
            assert totals["rewritten"] == count, totals
            ideal = count * args.latency / concurrency
            print(f"{concurrency:>4} {count:>6} {ideal:>8.2f} {bare:>8.2f} {script:>8.2f} {wall:>8.2f} "
                  f"{report['wallTime']:>10.2f} {script / bare:>11.3f} {wall / bare:>9.3f} "
                  f"{report['wallTime'] / bare:>8.3f} {wall / script:>11.3f} {wall / ideal:>10.3f}")  # fmt: skip
    print("target at concurrency 32: tool/script <= 1.15 (program against program, start-up in both)")


def cached_rerun(args: argparse.Namespace, work: Path) -> None:
    count = args.rerun_items
    print(f"\n== cached rerun: {count} items, start-up included ==")
    feed = write_feed(work / "feed-rerun.jsonl", count)
    with ServerProcess(0.0) as server:
        env = cli_env(server, work / "cache-rerun")
        first, _ = run_tool(feed, work / "out-rerun", env, 32)
        print(f"first run (fake server, no latency):   {first:6.2f} s  {count / first:7.0f} items/s")
        wall, report = run_tool(feed, work / "out-rerun", env, 32)
        assert report["totals"]["current"] == count, report["totals"]
        print(f"(a) rerun, every article current:      {wall:6.2f} s  {count / wall:7.0f} items/s  (target >= 1000)")
        wall, report = run_tool(feed, work / "out-fresh", env, 32)
        assert report["totals"]["cached"] == count, report["totals"]
        print(f"(b) fresh folder, every answer cached: {wall:6.2f} s  {count / wall:7.0f} items/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--items-c1", type=int, default=50)
    parser.add_argument("--rerun-items", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32], help="the levels to run, in order")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-rerun", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rewriter-bench-"))
    try:
        if not args.skip_throughput:
            throughput(args, work)
        if not args.skip_rerun:
            cached_rerun(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
