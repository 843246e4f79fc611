"""One render round of a Batch path: the online pipeline over the cache.

Every item goes through the online executor with a `DeferredClient`:
items whose answers are all cached are reviewed, grounded and written as
online; the requests still missing become the round's Batch lines.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.batch.deferred import DeferredClient, Outcomes
from rewriter.batch.lines import RequestWriter
from rewriter.batch.online import run_batch
from rewriter.batch.plan import BatchOptions
from rewriter.batch.report import BatchReport, ItemReport, new_report
from rewriter.errors import InputError
from rewriter.settings import CacheMode

#: The Batch paths' own folder under --out: state, request and result files, outcomes.
STATE_DIR = ".rewriter-batch"


def state_folder(out: Path) -> Path:
    return out.resolve() / STATE_DIR


def batch_path_problem(settings: Any, via: str) -> str | None:
    """Why these settings cannot run a Batch path (a usage error), or None."""
    from rewriter.settings import Provider

    if settings.cache_mode is not CacheMode.USE:
        return (
            "batch files and the Batch API keep their answers in the cache, so they need "
            f"REWRITER_CACHE_MODE=use (it is {settings.cache_mode.value})"
        )
    if via == "batch-api" and settings.resolved_provider() is Provider.LOCAL:
        return "--via batch-api needs a server with a Batch API: set OPENAI_BASE_URL and OPENAI_API_KEY"
    verifier = settings.verify_model
    # the writer's model as the lines name it (the embedded model's name is its file's)
    writer = settings.model or (policy.DEFAULT_OPENAI_MODEL if settings.resolved_provider() is Provider.OPENAI else None)
    if settings.resolved_verify() and verifier and verifier != writer:
        # A Batch file (OpenAI's, vllm run-batch's) holds requests to one model.
        return (
            f"a Batch file holds requests to one model, so REWRITER_VERIFY_MODEL ({verifier}) must be "
            f"the writer's model ({writer or 'the embedded model'}) on the Batch paths; unset it, or verify online"
        )
    return None


def require_cache(run: Any) -> None:
    """The cache is the Batch paths' resume state: it must be read and written."""
    if run.cache.mode is not CacheMode.USE:
        raise InputError(
            f"batch files and the Batch API keep their answers in the cache, so they need "
            f"REWRITER_CACHE_MODE=use (it is {run.cache.mode.value})"
        )


async def render_round(
    run: Any,
    sources: list[str | Path],
    options: BatchOptions,
    outcomes: Outcomes,
    writer: RequestWriter,
    *,
    in_flight: set[str] | frozenset[str] = frozenset(),
    progress: Any = None,
    last_round: int = 0,
    retry: str = "",
) -> BatchReport:
    """Write every item that can be written from the cache; the rest's requests go to `writer`
    (when `last_round` is the run's rounds, used up: nowhere; they fail their items, see `DeferredClient`)."""
    client = DeferredClient(run.client, outcomes, writer.add, in_flight=in_flight, last_round=last_round, retry=retry)
    deferred_run = dataclasses.replace(run, client=client)
    report = new_report(sources, options.out)
    return await run_batch(deferred_run, sources, dataclasses.replace(options, report=None), progress=progress, report=report)


def retry_command(sources: list[str | Path], out: Path, *via: str) -> str:
    """The command that sends the requests a Batch API rejected again (`--retry-rejected`)."""
    import shlex

    return shlex.join(["rewriter", "batch", *map(str, sources), "--out", str(out), *via, "--retry-rejected"])


def first_format(run: Any) -> str:
    """The structured-output mode batch lines use: the one recorded for the server, else its first."""
    return run.client._format_order()[0]


#: What a later round can turn a pending item into.
_PROGRESSED = ("rewritten", "draft", "failed", "pending")


def merge_round(report: BatchReport, rendered: BatchReport, first: bool) -> None:
    """Fold a round into the job's report: the first round as it is, later ones
    only where an item was pending (the others are "current" by then)."""
    if first:
        report.take_entries(rendered)
        return
    later = {e.id: e for e in rendered.entries() if e.status in _PROGRESSED}
    rendered.close()
    _replace_pending(report, lambda entry: later.get(entry.id, entry))


def mark_pending(report: BatchReport, waiting_on: Callable[[str], str | None]) -> None:
    """Say what each pending item waits on (`waiting_on(custom_id)`: a batch and
    its round, an exported file), for the summary and the review page."""
    _replace_pending(report, lambda entry: entry.model_copy(update={"waitingOn": waiting_on(entry.request or "")}))


def _replace_pending(report: BatchReport, change: Callable[[ItemReport], ItemReport]) -> None:
    """The report with each pending entry replaced by `change(entry)`, in order
    (its entries may be spilled to a file: they are read back and added anew)."""
    if not report.totals.pending:
        return
    fresh = new_report(report.sources, Path(report.out))
    fresh.spill_to(Path(report.out))
    for entry in report.entries():
        fresh.add(change(entry) if entry.status == "pending" else entry)
    report.take_entries(fresh)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the state folder for this run: two runs at once (a cron job that
    overlaps the previous one) could submit the same lines twice."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise InputError(
                f"another 'rewriter batch' ({holder}) is working on this folder; wait for it to finish",
                where=str(folder.parent),
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield
