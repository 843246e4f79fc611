"""The batch report: one `ItemReport` per item, totals, and the end-of-run summary.

Written as JSON by `--report` and read by other tools (the HTML report page),
so its models are the contract; add fields, do not rename them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from rewriter.items import now_iso
from rewriter.output import atomic_write

#: `pending`: waiting for an answer from a Batch API or an exported batch file.
Status = Literal["rewritten", "current", "skipped", "failed", "draft", "pending"]


class Tokens(BaseModel):
    input: int = 0
    output: int = 0


class ItemReport(BaseModel):
    """What happened to one item. `status` draft = written, but blocked from publishing."""

    id: str
    source: str
    status: Status
    path: str | None = None
    cached: bool = False
    tokens: Tokens = Field(default_factory=Tokens)
    latency: float = 0.0
    error: str | None = None


class Totals(BaseModel):
    rewritten: int = 0
    cached: int = 0
    current: int = 0
    skipped: int = 0
    failed: int = 0
    draft: int = 0
    pending: int = 0
    tokens: Tokens = Field(default_factory=Tokens)


class BatchRound(BaseModel):
    """One round of Batch lines: first asks, then resubmitted failures and re-asks."""

    round: int
    lines: int
    batches: list[str] = Field(default_factory=list)


class BatchRun(BaseModel):
    """What went through a Batch API (`--via batch-api`) or batch files (`--export-requests`)."""

    via: Literal["batch-api", "export"]
    batches: list[str] = Field(default_factory=list)
    inFlight: list[str] = Field(default_factory=list)
    rounds: list[BatchRound] = Field(default_factory=list)
    #: Tokens of every answer collected from batch results, valid or not.
    tokens: Tokens = Field(default_factory=Tokens)
    #: Estimated US dollars for those tokens at batch prices; None when the model's price is unknown.
    cost: float | None = None
    errors: list[str] = Field(default_factory=list)


class BatchReport(BaseModel):
    """The `--report` file: totals, then one entry per item."""

    sources: list[str]
    out: str
    startedAt: str
    wallTime: float = 0.0
    interrupted: bool = False
    totals: Totals = Field(default_factory=Totals)
    items: list[ItemReport] = Field(default_factory=list)
    batch: BatchRun | None = None

    @property
    def ok(self) -> bool:
        return not (self.totals.failed or self.totals.draft or self.interrupted)

    def add(self, entry: ItemReport) -> None:
        self.items.append(entry)
        t = self.totals
        if entry.status == "rewritten":
            if entry.cached:
                t.cached += 1
            else:
                t.rewritten += 1
        else:
            setattr(t, entry.status, getattr(t, entry.status) + 1)
        if not entry.cached:  # tokens spent by this run, not replayed from the cache
            t.tokens.input += entry.tokens.input
            t.tokens.output += entry.tokens.output


def new_report(sources: list[str | Path], out: Path) -> BatchReport:
    return BatchReport(sources=[str(s) for s in sources], out=str(out.resolve()), startedAt=now_iso())


def write_report(report: BatchReport, path: Path) -> None:
    atomic_write(path, report.model_dump_json(indent=2) + "\n")


def summary_table(report: BatchReport) -> Any:
    """The end-of-run summary as a rich Table."""
    from rich.table import Table

    t = report.totals
    table = Table(title="batch summary" + (" (interrupted)" if report.interrupted else ""), show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, Any]] = [
        ("rewritten", t.rewritten),
        ("served from cache", t.cached),
        ("skipped (already current)", t.current),
        ("skipped (inactive, duplicate, no text)", t.skipped),
        ("failed", t.failed),
        ("blocked (written as draft)", t.draft),
        ("tokens in", t.tokens.input),
        ("tokens out", t.tokens.output),
    ]
    if report.batch is not None:
        b = report.batch
        rows[1] = ("written from batch answers", t.cached)
        rows[6:6] = [("waiting for batch answers", t.pending)]
        if b.via == "export":
            rows.append(("request lines exported", sum(r.lines for r in b.rounds)))
        else:
            rows += _batch_api_rows(b)
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("wall time", f"{report.wallTime:.2f} s")
    return table


def _batch_api_rows(b: BatchRun) -> list[tuple[str, Any]]:
    return [
        ("batches", len(b.batches)),
        ("rounds (lines each)", f"{len(b.rounds)} ({', '.join(str(r.lines) for r in b.rounds) or '-'})"),
        ("batch tokens in", b.tokens.input),
        ("batch tokens out", b.tokens.output),
        ("estimated cost", "unknown (set REWRITER_PRICE_IN/OUT)" if b.cost is None else f"${b.cost:.4f}"),
    ]
