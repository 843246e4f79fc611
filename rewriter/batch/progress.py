"""Progress of the batch job: a rich bar in a terminal, plain lines otherwise."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from rewriter import policy
from rewriter.batch.report import BatchReport, ItemReport
from rewriter.notices import draft_line


class LineProgress:
    """Plain lines on stderr when it is not a terminal: problems at once, totals now and then."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total: int | None = None
        self.started = time.monotonic()
        self.last = self.started

    def add_total(self, count: int) -> None:
        self.total = (self.total or 0) + count

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def update(self, report: BatchReport, entry: ItemReport) -> None:
        if entry.pageWarning:
            self._line(f"warning: {entry.id}: {entry.pageWarning}")
        if entry.status == "failed":
            self._line(f"failed: {entry.error}")
        elif entry.status == "draft":
            self._line(draft_line(entry.path, entry.error or ""))
        now = time.monotonic()
        if now - self.last >= policy.PROGRESS_LINE_INTERVAL_S:
            self.last = now
            self._line(f"progress: {progress_text(report, self.total, now - self.started)}")

    def close(self) -> None:
        pass


def progress_text(report: BatchReport, total: int | None, elapsed: float) -> str:
    t = report.totals
    done = report.done
    text = f"{done}" + (f"/{total}" if total else "") + f" done, {t.failed} failed, {t.draft} drafts"
    text += f", {t.skipped + t.current} skipped, tokens {t.tokens.input}/{t.tokens.output}"
    if total and done:
        text += f", eta {max(0.0, elapsed / done * (total - done)):.0f}s"
    return text


class RichProgress:
    """A rich progress bar: done, failed, skipped, tokens and ETA."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("rewriting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.bar.add_task("batch", total=None, stats="")
        self.bar.start()

    def add_total(self, count: int) -> None:
        task = self.bar.tasks[0]
        self.bar.update(self.task, total=(task.total or 0) + count)

    def update(self, report: BatchReport, entry: ItemReport) -> None:
        t = report.totals
        if entry.pageWarning:
            from rich.text import Text

            self.console.print(Text("warning", style="yellow") + Text(f" {entry.id}: {entry.pageWarning}"), highlight=False)
        if entry.status in ("failed", "draft"):
            from rich.text import Text

            # The model's words are not rich markup: "[/b]" in an answer would raise.
            if entry.status == "failed":
                label, rest = "failed", f" {entry.error}"
            else:
                label, rest = "draft", draft_line(entry.path, entry.error or "").removeprefix("draft")
            self.console.print(Text(label, style="red") + Text(rest), highlight=False)
        stats = (
            f"[red]{t.failed} failed[/red] · [yellow]{t.draft} drafts[/yellow] · {t.skipped + t.current} skipped · "
            f"tokens {t.tokens.input}/{t.tokens.output}"
        )
        self.bar.update(self.task, completed=report.done, stats=stats)

    def close(self) -> None:
        self.bar.stop()


def _terminal(stream: Any) -> bool:
    """True when `stream` is a terminal that can draw rich bars (not a log, a pipe or TERM=dumb)."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def make_progress(stream: Any = None) -> LineProgress | RichProgress:
    stream = stream or sys.stderr
    return RichProgress() if _terminal(stream) else LineProgress(stream)


# --- batches in flight (the Batch API executor) ----------------------------------


class BatchLines:
    """One plain line per batch whenever its status or counts change."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.shown: dict[str, str] = {}

    def show(self, batch_id: str, status: str, done: int, failed: int, total: int) -> None:
        text = f"batch {batch_id}: {status}, {done}/{total} done, {failed} failed"
        if self.shown.get(batch_id) != text:
            self.shown[batch_id] = text
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class BatchBars:
    """A rich bar per batch: completed and failed lines of its total, and its status."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
            console=Console(stderr=True),
        )  # fmt: skip
        self.tasks: dict[str, Any] = {}
        self.bar.start()

    def show(self, batch_id: str, status: str, done: int, failed: int, total: int) -> None:
        if batch_id not in self.tasks:
            self.tasks[batch_id] = self.bar.add_task(f"batch {batch_id}", total=total, stats="")
        stats = f"{status}" + (f", [red]{failed} failed[/red]" if failed else "")
        self.bar.update(self.tasks[batch_id], total=total, completed=done + failed, stats=stats)

    def close(self) -> None:
        self.bar.stop()


def make_batch_display(stream: Any = None) -> BatchLines | BatchBars:
    stream = stream or sys.stderr
    return BatchBars() if _terminal(stream) else BatchLines(stream)
