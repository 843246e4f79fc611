"""The Batch API executor: the whole job through a provider's Batch API.

Rounds: render what the cache can answer (`rounds.render_round`), write the
missing requests as Batch files, upload them and create a batch for each,
poll until every batch is finished, collect the results into the cache,
and render again, until no request is missing and no batch is in flight.

A line the API did not deliver goes into the next round, up to
`REWRITER_BATCH_ROUNDS` rounds a run; a run that ends with nothing in flight
settles the outcomes, so the next run takes up what failed (see `deferred.py`).

Every uploaded file and created batch is recorded in `state.json` (under
--out/.rewriter-batch/) *before* the next step, so a crash, Ctrl-C or
SIGKILL never loses a paid batch or submits one twice: a rerun polls the
batches in flight, adopts a batch created for an uploaded file whose id was
not yet saved, and only then writes lines for what no batch covers.

`ledger.Ledger` keeps that record; `Courier` here is the conversation with
the API (upload, submit, poll, collect, cancel), writing each step to it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.batch.ledger import Ledger, Submitted
from rewriter.batch.lines import URL, RequestWriter, read_ids
from rewriter.batch.plan import BatchOptions
from rewriter.batch.progress import BatchLines, make_batch_display
from rewriter.batch.report import BatchReport
from rewriter.batch.results import ResultSink, result_lines
from rewriter.batch.rounds import (
    first_format, folder_lock, mark_pending, merge_round, render_round, require_cache, retry_command, state_folder,
)
from rewriter.errors import ModelError

TERMINAL = ("completed", "failed", "expired", "cancelled")


@dataclass
class ApiOptions:
    poll: float = policy.BATCH_POLL_FIRST_S
    wait: bool = True
    cancel: bool = False
    max_lines: int = policy.BATCH_FILE_MAX_LINES
    max_bytes: int = policy.BATCH_FILE_MAX_MB * 1024 * 1024
    #: Send again the requests the Batch API rejected for good (a 400) in an earlier run.
    retry_rejected: bool = False


class Courier:
    """The conversation with the Batch API: take the recorded files there, bring the results back.

    Every step is written to the `Ledger` before the next one, so a crash
    between two calls loses nothing."""

    def __init__(self, run: Any, ledger: Ledger, options: ApiOptions, stream: Any) -> None:
        self.run = run
        self.ledger = ledger
        self.folder = ledger.folder
        self.options = options
        self.stream = stream
        self.api: Any = None
        #: Bars while waiting in a terminal (no other live display then), else lines.
        self.display: Any = None
        self.lines = BatchLines(stream)

    # --- submit -------------------------------------------------------------

    async def submit_open(self) -> None:
        """Upload and create a batch for every recorded file that has none; adopt one created before a crash."""
        ledger = self.ledger
        for record in ledger.open_files:
            if record.batchId is not None:
                continue
            if record.fileId is None:
                with (self.folder / record.name).open("rb") as handle:
                    uploaded = await self.api.files.create(file=(record.name, handle), purpose="batch")
                record.fileId = uploaded.id
                ledger.save()
            batch = await self._existing_batch(record.fileId)
            if batch is None:
                batch = await self.api.batches.create(
                    input_file_id=record.fileId,
                    endpoint=URL,
                    completion_window="24h",
                    metadata={"rewriter": "batch", "file": record.name, "round": str(record.round)},
                )
            record.batchId, record.status = batch.id, batch.status
            ledger.save()
            ledger.round_of(record).batches.append(batch.id)
            ledger.save()
            ledger.say(f"batch {batch.id}: {record.lines} lines submitted (round {record.round})")

    async def _existing_batch(self, file_id: str) -> Any:
        """A batch already made of `file_id` (created just before a crash), if any."""
        page = await self.api.batches.list(limit=100)
        for batch in page.data:
            if batch.input_file_id == file_id and batch.status != "failed":
                return batch
        return None

    # --- poll and collect ---------------------------------------------------

    async def refresh(self, collect: bool = True) -> bool:
        """Look at every batch in flight, collect the finished ones; True when none is left running."""
        running = False
        for record in self.ledger.open_files:
            if record.batchId is None:
                continue
            batch = await self.api.batches.retrieve(record.batchId)
            record.status = batch.status
            counts = batch.request_counts
            if counts is not None:
                record.counts = {"completed": counts.completed, "failed": counts.failed, "total": counts.total}
            self.show(record)
            if batch.status not in TERMINAL:
                running = True
            elif collect:
                await self.collect(record, batch)
        self.ledger.save()
        return not running

    def show(self, record: Submitted) -> None:
        c = record.counts
        (self.display or self.lines).show(
            str(record.batchId), str(record.status), c.get("completed", 0), c.get("failed", 0), c.get("total") or record.lines
        )

    async def wait(self) -> None:
        """Poll until every batch in flight has finished: `--poll` seconds first, then longer."""
        interval = self.options.poll
        self.display = make_batch_display(self.stream)
        try:
            while True:
                await asyncio.sleep(interval)
                if await self.refresh(collect=False):
                    return
                interval = min(interval * policy.BATCH_POLL_BACKOFF, max(policy.BATCH_POLL_MAX_S, self.options.poll))
        finally:
            self.display.close()
            self.display = None

    async def collect(self, record: Submitted, batch: Any) -> None:
        ids = read_ids(self.folder / record.name)
        sink = ResultSink(self.run.cache, self.ledger.outcomes, lambda key: record.format)
        for kind, file_id in (("output", batch.output_file_id), ("errors", batch.error_file_id)):
            if not file_id:
                continue
            path = self.folder / f"{record.name}.{kind}.jsonl"
            async with self.api.files.with_streaming_response.content(file_id) as response:
                await response.stream_to_file(path)
            for line, where in result_lines(path):
                sink.take(line, where)
        errors = [
            f"line {e.line}: {e.code}: {e.message}" if e.line is not None else f"{e.code}: {e.message}"
            for e in ((batch.errors.data or []) if batch.errors else [])
        ]
        record.errors = errors
        unanswered = [key for key in ids if key not in sink.seen]
        if batch.status == "failed":
            reason = "the Batch API rejected the file: " + ("; ".join(errors) or "no reason given")
            self.ledger.say(f"batch {record.batchId} failed: {'; '.join(errors) or 'no reason given'}")
            for key in unanswered:
                sink.fail(key, reason, final=True)  # the same file would be rejected again
        else:
            for key in unanswered:
                sink.fail(key, f"no result (batch {batch.status})")
        sink.flush()
        self.ledger.collected(record, sink.tokens)

    async def cancel(self) -> list[str]:
        cancelled = []
        for record in self.ledger.open_files:
            if record.batchId is not None and record.status not in TERMINAL:
                batch = await self.api.batches.cancel(record.batchId)
                record.status = batch.status
                cancelled.append(record.batchId)
        self.ledger.save()
        return cancelled


async def run_batch_api(
    run: Any, sources: list[str | Path], options: BatchOptions, api_options: ApiOptions, report: BatchReport
) -> BatchReport:
    """The batch job through the Batch API; `report` is filled in place (kept on Ctrl-C)."""
    require_cache(run)
    options.out.mkdir(parents=True, exist_ok=True)
    folder = state_folder(options.out)
    with folder_lock(folder):
        return await _run_locked(run, sources, options, api_options, report, folder)


async def _run_locked(
    run: Any, sources: list[str | Path], options: BatchOptions, api_options: ApiOptions, report: BatchReport, folder: Path
) -> BatchReport:
    stream = sys.stderr
    ledger = Ledger(folder, run.client.endpoint, stream, retry_rejected=api_options.retry_rejected)
    courier = Courier(run, ledger, api_options, stream)
    started = time.perf_counter()
    try:
        courier.api = await run.client.api()
        if api_options.cancel:
            cancelled = await courier.cancel()
            ledger.say(f"cancelled {len(cancelled)} batch(es): {', '.join(cancelled) or 'none in flight'}")
            return report
        await courier.submit_open()
        first = True
        rounds = 0  # submitted by this run
        retry = retry_command(sources, options.out, "--via", "batch-api")
        while True:
            await courier.refresh()
            writer = RequestWriter(
                lambda n: folder / f"round{ledger.state.round + 1:03d}-{n:03d}.jsonl",
                api_options.max_lines,
                api_options.max_bytes,
            )
            rendered = await render_round(
                run, sources, options, ledger.outcomes, writer, in_flight=ledger.in_flight_keys(),
                last_round=rounds if rounds >= run.settings.batch_rounds else 0, retry=retry,
            )  # fmt: skip
            merge_round(report, rendered, first=first)
            first = False
            files = writer.close()
            if files:
                rounds += 1
                ledger.record_round(files, first_format(run))
                await courier.submit_open()
            if not ledger.open_files:
                ledger.finish(retry)
                return report
            if not api_options.wait:
                return report
            await courier.wait()
    except ModelError:
        raise
    except Exception as exc:
        import openai

        if isinstance(exc, openai.APIError):
            raise ModelError(f"the Batch API at {run.client.base_url} said: {exc}") from None
        raise
    finally:
        ledger.outcomes.close()
        report.batch = ledger.summary(run.settings)
        mark_pending(report, ledger.waiting_on().get)
        report.wallTime = round(time.perf_counter() - started, 3)
        if options.report is not None:
            from rewriter.batch.report import write_report

            write_report(report, options.report)
