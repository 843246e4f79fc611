"""The online executor: the plan's targets rewritten by requests sent from here.

`concurrency` requests are in flight, and workers pull items lazily,
`ITEMS_PER_REQUEST` for each request slot, so only that many items are in
memory at once and a request slot never waits for an item's review,
rendering and write. One bad item never stops the others; each ends as one
`ItemReport`. Ctrl-C stops scheduling, abandons requests in flight (writes
are atomic, so no partial file), and still writes the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.batch.deferred import AnswerPending
from rewriter.batch.index import ArticleIndex
from rewriter.batch.plan import BatchOptions, Planner, Target, pending_items
from rewriter.batch.progress import make_progress
from rewriter.batch.report import (
    BatchReport, FullTextCounts, ItemReport, Tokens, failed_details, new_report, run_cost, write_report,
)  # fmt: skip
from rewriter.errors import ModelError, RewriterError, unexpected
from rewriter.output import atomic_write_async


class BatchJob(Planner):
    pages: Any = None  # rewriter.pages.source.FullText

    async def handle(self, pending: Any) -> ItemReport:
        planned = self.plan(pending)
        if isinstance(planned, Target):
            item, warning = await self.pages.ground(planned.item) if self.pages is not None else (planned.item, None)
            entry = await self._rewrite(planned, item)
            entry.pageWarning = warning
            return entry
        return planned

    async def _rewrite(self, target: Target, item: Any) -> ItemReport:
        """`item` is the target's item, or the same with its page's text (`--full-text`)."""
        from rewriter.rewrite import render_article

        ident = ":".join(item.identity)
        try:
            outcome = await self.run.rewrite(item)
            article = render_article(outcome, self.run.prompt.impact_heading)
        except AnswerPending as exc:
            return ItemReport(
                id=ident, source=item.origin, status="pending", path=target.rel, title=item.title, request=str(exc.args[0])
            )  # fmt: skip
        except ModelError as exc:
            tokens = Tokens(input=exc.usage.get("prompt_tokens", 0), output=exc.usage.get("completion_tokens", 0))
            return ItemReport(
                id=ident, source=item.origin, status="failed", tokens=tokens, error=str(exc), **failed_details(item, exc)
            )  # fmt: skip
        except RewriterError as exc:
            return ItemReport(id=ident, source=item.origin, status="failed", error=str(exc), **failed_details(item, exc))
        write = asyncio.ensure_future(atomic_write_async(target.path, article))
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            # A started write always completes (a thread cannot be stopped):
            # wait for it through further cancels, report the article, then stop.
            while not write.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(write)
            write.result()
            self.finish(self.written(outcome, target))
            raise
        return self.written(outcome, target)

    async def worker(self, stream: Iterator[Any], budget: list[int]) -> None:
        while budget[0] != 0:
            try:
                pending = next(stream)
            except StopIteration:
                return
            budget[0] -= 1
            where = getattr(pending, "where", "?")
            try:
                entry = await self.handle(pending)
            except (RewriterError, OSError) as exc:
                message = str(exc)  # name the item, unless the error already does
                message = message if where in message else f"{where}: {message}"
                entry = ItemReport(id=where, source=where, status="failed", error=message)
            except Exception as exc:  # noqa: BLE001 - one bad item never stops the others
                entry = ItemReport(id=where, source=where, status="failed", error=f"{where}: {unexpected(exc)}")
            self.finish(entry)


def full_text(run: Any, options: BatchOptions) -> Any:
    """The run's `FullText`: it fetches pages when asked, and counts thin items either way."""
    from rewriter.pages.source import FullText

    mode = options.full_text if options.full_text is not None else run.settings.full_text
    return FullText(
        run.cache, mode, options.allowed_private, run.settings.page_timeout, concurrency=options.concurrency
    )  # fmt: skip


async def run_batch(
    run: Any,
    sources: list[str | Path],
    options: BatchOptions,
    *,
    progress: Any = None,
    report: BatchReport | None = None,
) -> BatchReport:
    """Rewrite every item of `sources` into `options.out`; never raises for one item.

    On cancellation (Ctrl-C) the report (pass one in to keep hold of it) is
    still completed and written, then the cancellation propagates.
    """
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    report = report or new_report(sources, out)
    report.spill_to(out)
    progress = progress or make_progress()
    index = ArticleIndex(out, options.template)
    job = BatchJob(run, options, report, progress, index, out)
    job.pages = full_text(run, options)
    stream = pending_items(sources, progress.add_total)
    budget = [options.limit if options.limit is not None else -1]
    started = time.perf_counter()
    run.client.limit_requests(options.concurrency)
    workers = [
        asyncio.ensure_future(job.worker(stream, budget))
        for _ in range(options.concurrency * policy.ITEMS_PER_REQUEST)
    ]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        report.interrupted = True
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        report.wallTime = round(time.perf_counter() - started, 3)
        report.model, report.cost = run.client.endpoint.model, run_cost(run.settings, run.client.endpoint.model, report.totals)
        progress.close()
        index.close()
        await job.pages.aclose()
        report.fullText = FullTextCounts(mode=job.pages.mode.value, **job.pages.counts)
        if options.report is not None:
            write_report(report, options.report)
    return report
