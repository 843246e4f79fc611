"""The batch report: one `ItemReport` per item, totals, and the end-of-run summary.

Written as JSON by `--report` and read by other tools (the HTML report page),
so its models are the contract; add fields, do not rename them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator

from rewriter.items import now_iso
from rewriter import policy
from rewriter.output import atomic_write

#: `pending`: waiting for an answer from a Batch API or an exported batch file.
Status = Literal["rewritten", "current", "skipped", "failed", "draft", "pending"]


class Tokens(BaseModel):
    input: int = 0
    output: int = 0


class ReviewWarning(BaseModel):
    """One reason an article was kept as a draft, with the text at fault, for the review page."""

    message: str
    #: The part of the answer at fault: `overview`, `what_happened[1]`, `impact[2]`.
    field: str | None = None
    #: That part's text as written: the paragraph or bullet to highlight.
    text: str | None = None
    #: The unsupported figures or names in it.
    words: list[str] = Field(default_factory=list)


def _utf8(text: str | None) -> str | None:
    """`text` with the undecodable bytes of a file name (surrogate escapes) as U+FFFD.

    A report is UTF-8 JSON, and the file a feed came from may be named in
    another encoding; the rest of the name still says which file it was.
    """
    if text is None or text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class ItemReport(BaseModel):
    """What happened to one item. `status` draft = written, but blocked from publishing.

    The fields after `title` are what an editor needs to review the item
    (`rewriter report`); they are filled for drafts, failures and articles
    with dropped sentences only, so a large clean run stays small.
    """

    id: str
    source: str
    status: Status
    path: str | None = None
    cached: bool = False
    tokens: Tokens = Field(default_factory=Tokens)
    #: Of `tokens`, those of the claim verification requests (REWRITER_VERIFY).
    verifyTokens: Tokens = Field(default_factory=Tokens)
    latency: float = 0.0
    error: str | None = None
    title: str | None = None
    #: The normalised source text the model was given (title, subtitle, body).
    sourceText: str | None = None
    #: The article body written (a draft), or the model's last answer (a failure).
    article: str | None = None
    warnings: list[ReviewWarning] = Field(default_factory=list)
    #: Sentences removed from the answer before it was published (`ai.dropped`).
    dropped: list[str] = Field(default_factory=list)
    #: `--full-text`: why the item's page was wanted but not used.
    pageWarning: str | None = None
    #: A pending item: the custom_id of the Batch line it waits for, and what
    #: holds that line ("batch batch_abc, round 2", "request file requests.jsonl").
    request: str | None = None
    waitingOn: str | None = None

    @field_validator("id", "source", "path", "error", "title")
    @classmethod
    def _valid_utf8(cls, value: str | None) -> str | None:
        """These name the item and its file, which may carry undecodable bytes."""
        return _utf8(value)


class Totals(BaseModel):
    rewritten: int = 0
    cached: int = 0
    current: int = 0
    skipped: int = 0
    failed: int = 0
    draft: int = 0
    pending: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    #: Of `tokens`, those of the claim verification requests.
    verifyTokens: Tokens = Field(default_factory=Tokens)


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


class FullTextCounts(BaseModel):
    """Thin items seen (own text under policy.FULL_TEXT_THIN_WORDS words, with a
    link), and with `--full-text`, pages used and not used."""

    mode: str = "off"
    thin: int = 0
    used: int = 0
    refused: int = 0


class BatchReport(BaseModel):
    """The `--report` file: totals, then one entry per item.

    A long run does not hold an entry per item in memory: past
    `policy.REPORT_ENTRIES_IN_MEMORY` entries, `add` appends them to a
    temporary JSON Lines file in the output folder (`spill_to`), and
    `entries()` and `write_report` read them back in order. `items` then
    holds only the entries added since the last spill.
    """

    sources: list[str]
    out: str
    startedAt: str
    wallTime: float = 0.0
    interrupted: bool = False
    #: The model answering, and what this run's tokens cost in USD: 0 for the
    #: embedded model, from REWRITER_PRICE_IN/OUT otherwise, else unknown.
    model: str | None = None
    cost: float | None = None
    totals: Totals = Field(default_factory=Totals)
    items: list[ItemReport] = Field(default_factory=list)
    batch: BatchRun | None = None
    fullText: FullTextCounts | None = None
    #: Where spilled entries go (a folder), and the open file holding them.
    _spill_dir: Path | None = PrivateAttr(default=None)
    _spilled: IO[str] | None = PrivateAttr(default=None)
    _spilled_count: int = PrivateAttr(default=0)

    @field_validator("out")
    @classmethod
    def _out_utf8(cls, value: str) -> str:
        return _utf8(value) or ""

    @field_validator("sources")
    @classmethod
    def _sources_utf8(cls, value: list[str]) -> list[str]:
        """The files a run read, which may be named in another encoding (see `_utf8`)."""
        return [_utf8(source) or "" for source in value]

    @property
    def ok(self) -> bool:
        return not (self.totals.failed or self.totals.draft or self.interrupted)

    @property
    def done(self) -> int:
        """How many entries the report has, in memory or spilled."""
        return self._spilled_count + len(self.items)

    def spill_to(self, folder: Path) -> None:
        """Keep entries beyond the first few thousand in a temporary file in `folder`."""
        self._spill_dir = folder

    def entries(self) -> Iterator[ItemReport]:
        """Every entry, in the order added."""
        spilled = self._spilled
        if spilled is not None:
            spilled.seek(0)
            try:
                for line in spilled:
                    yield ItemReport.model_validate_json(line)
            finally:
                spilled.seek(0, 2)  # further entries are appended
        yield from self.items

    def take_entries(self, other: BatchReport) -> None:
        """Make `other`'s entries and totals this report's (no copy of the entries),
        and its full-text counts when it has them (the round that fetched the pages)."""
        self.close()
        self.items, self.totals = other.items, other.totals
        self.fullText = other.fullText or self.fullText
        self._spilled, self._spilled_count = other._spilled, other._spilled_count
        other._spilled, other._spilled_count, other.items = None, 0, []

    def close(self) -> None:
        """Drop the spilled entries' file (they are gone with it)."""
        if self._spilled is not None:
            self._spilled.close()
            self._spilled, self._spilled_count = None, 0

    def _spill(self) -> None:
        """Move the entries in memory to the file; if `--out` has no room left (or
        is gone), keep them in memory instead: the report is never lost."""
        import tempfile

        lines = "".join(e.model_dump_json() + "\n" for e in self.items)
        start = None
        try:
            if self._spilled is None:
                self._spilled = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self._spill_dir, prefix=".rewriter-report-")
            start = self._spilled.tell()
            self._spilled.write(lines)
            self._spilled.flush()
        except OSError:
            self._spill_dir = None  # no more attempts: the rest stays in memory
            if self._spilled is not None and start is not None:
                with contextlib.suppress(OSError):
                    self._spilled.seek(start)
                    self._spilled.truncate()
            return
        self._spilled_count += len(self.items)
        self.items = []

    def add(self, entry: ItemReport) -> None:
        self.items.append(entry)
        if self._spill_dir is not None and len(self.items) >= policy.REPORT_ENTRIES_IN_MEMORY:
            self._spill()
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
            t.verifyTokens.input += entry.verifyTokens.input
            t.verifyTokens.output += entry.verifyTokens.output


# --- what the review page needs -------------------------------------------------


def _part(answer: Any, name: str) -> str | None:
    """One part of an answer by its review name: `overview`, `what_happened[1]`, `impact[2]`."""
    head, _, index = name.partition("[")
    value = getattr(answer, head, None)
    if index and isinstance(value, list):
        n = int(index.rstrip("]")) if index.rstrip("]").isdigit() else len(value)
        value = value[n] if n < len(value) else None
    return value if isinstance(value, str) else None


def written_details(outcome: Any, impact_heading: str) -> dict[str, Any]:
    """Title always; source, body, warnings and dropped sentences for a draft or a pruned answer."""
    from rewriter.render import render_body

    item, answer = outcome.item, outcome.answer
    if outcome.publishable and not outcome.dropped:
        return {"title": item.title}
    warnings = [
        ReviewWarning(message=p.message, field=p.field, text=_part(answer, p.field), words=[p.figure] if p.figure else list(p.words))
        for p in outcome.problems
    ]  # fmt: skip
    return {
        "title": item.title, "sourceText": item.text.joined(),
        "article": render_body(answer.overview, answer.what_happened, answer.impact, impact_heading),
        "warnings": warnings, "dropped": list(outcome.dropped),
    }  # fmt: skip


def failed_details(item: Any, exc: Exception) -> dict[str, Any]:
    """Title and source of an item the model could not rewrite, and its last answer if any."""
    return {"title": item.title, "sourceText": item.text.joined(), "article": getattr(exc, "last_output", None)}


def draft_details(path: Path, item: Any | None) -> dict[str, Any]:
    """A draft written by an earlier run: its title, body and warnings read back from the file."""
    from rewriter.batch.index import front_matter

    meta = front_matter(path) or {}
    ai = meta.get("ai") if isinstance(meta.get("ai"), dict) else {}
    listed = ai.get("warnings") if isinstance(ai.get("warnings"), list) else []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    end = text.find("\n---\n", 3)
    title = item.title if item is not None else meta.get("title")
    return {
        "title": title if isinstance(title, str) else None,
        "sourceText": item.text.joined() if item is not None else None,
        "article": text[end + 5 :] if text.startswith("---\n") and end >= 0 else None,
        "warnings": [ReviewWarning(message=str(w)) for w in listed],
    }


def estimated_cost(settings: Any, model: str, tokens: Tokens, *, batch: bool = False) -> float | None:
    """US dollars for `tokens`: nothing on the embedded model; else REWRITER_PRICE_IN/OUT, else the
    price table (policy.PRICES_PER_MILLION), less the batch discount for a Batch API run; None if unknown."""
    from rewriter import policy
    from rewriter.settings import Provider

    if settings.resolved_provider() is Provider.LOCAL:
        return 0.0
    table = policy.PRICES_PER_MILLION.get(model)
    price_in = settings.price_in if settings.price_in is not None else (table[0] if table else None)
    price_out = settings.price_out if settings.price_out is not None else (table[1] if table else None)
    if price_in is None or price_out is None:
        return None
    cost = (tokens.input * price_in + tokens.output * price_out) / 1_000_000
    return round(cost * (1 - settings.batch_discount) if batch else cost, 6)


def run_cost(settings: Any, model: str, totals: Totals) -> float | None:
    """The run's estimated cost: the writer's tokens at its model's price, the
    verification's at the verifier's (REWRITER_VERIFY_MODEL, a cheaper one)."""
    verifier = settings.verify_model or model
    written = Tokens(input=totals.tokens.input - totals.verifyTokens.input,
                     output=totals.tokens.output - totals.verifyTokens.output)  # fmt: skip
    parts = [estimated_cost(settings, model, written), estimated_cost(settings, verifier, totals.verifyTokens)]
    return None if None in parts else round(sum(p for p in parts if p is not None), 6)


def new_report(sources: list[str | Path], out: Path) -> BatchReport:
    return BatchReport(sources=[str(s) for s in sources], out=str(out.resolve()), startedAt=now_iso())


def write_report(report: BatchReport, path: Path) -> None:
    """JSON, or the review page when the name ends in .html/.htm (`rewriter.report_html`,
    which imports nothing of the batch at run time: the arrow runs one way)."""
    from rewriter.report_html import is_html, render_report

    if is_html(path):
        atomic_write(path, render_report(report))
    elif report._spilled is None:
        atomic_write(path, report.model_dump_json(indent=2) + "\n")
    else:
        atomic_write(path, report_json(report))


def load_report(path: Path) -> BatchReport:
    """A JSON report written by `rewriter batch --report`, or an error naming the file."""
    import json

    from pydantic import ValidationError

    from rewriter.errors import InputError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a JSON report: {exc}", where=str(path)) from None
    try:
        return BatchReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "report"
        raise InputError(f"not a batch report: {where}: {first['msg']}", where=str(path)) from None


def report_json(report: BatchReport) -> Iterator[str]:
    """`report.model_dump_json(indent=2)` and a newline, in parts, reading spilled entries one at a time."""
    head = report.model_copy(update={"items": []}).model_dump_json(indent=2)
    marker = '\n  "items": [],\n'
    before, after = head.split(marker)
    yield before + '\n  "items": ['
    first = True
    for entry in report.entries():
        yield ("\n    " if first else ",\n    ") + entry.model_dump_json(indent=2).replace("\n", "\n    ")
        first = False
    yield ("\n  ],\n" if not first else "],\n") + after + "\n"


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
    if t.verifyTokens.input or t.verifyTokens.output:
        rows.append(("of which verification in / out", f"{t.verifyTokens.input} / {t.verifyTokens.output}"))
    if report.batch is not None:
        b = report.batch
        rows[1] = ("written from batch answers", t.cached)
        rows[6:6] = [("waiting for batch answers", t.pending)]
        if b.via == "export":
            rows.append(("request lines exported", sum(r.lines for r in b.rounds)))
        else:
            rows += _batch_api_rows(b)
    rows += _full_text_rows(report.fullText)
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("wall time", f"{report.wallTime:.2f} s")
    return table


def _full_text_rows(f: FullTextCounts | None) -> list[tuple[str, Any]]:
    if f is None or not f.thin and f.mode == "off":
        return []
    if f.mode == "off":
        return [(f"thin items (under {policy.FULL_TEXT_THIN_WORDS} words; --full-text would fetch their pages)", f.thin)]
    return [("thin items", f.thin), ("written from their pages", f.used), ("pages not used (warnings)", f.refused)]


def _batch_api_rows(b: BatchRun) -> list[tuple[str, Any]]:
    return [
        ("batches", len(b.batches)),
        ("rounds (lines each)", f"{len(b.rounds)} ({', '.join(str(r.lines) for r in b.rounds) or '-'})"),
        ("batch tokens in", b.tokens.input),
        ("batch tokens out", b.tokens.output),
        ("estimated cost", "unknown (set REWRITER_PRICE_IN/OUT)" if b.cost is None else f"${b.cost:.4f}"),
    ]
