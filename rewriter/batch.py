"""The batch job (spec §5): feeds in, a folder of articles out.

Items are pulled lazily from the readers by workers, `ITEMS_PER_REQUEST`
for each of the `concurrency` requests in flight, so only that many items
are in memory at once and a request slot never waits for an item's review,
rendering and write. One bad item never stops the others; each ends as one
`ItemReport`. Articles already current are left alone, and a small index in
the output folder (`.rewriter-index.jsonl`: raw item digest → article) lets
a rerun recognise them without normalising the item or parsing the article.
Ctrl-C stops scheduling, abandons requests in flight (writes are atomic, so
no partial file), and still writes the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from rewriter import policy, safeyaml
from rewriter.errors import InputError, ModelError, RewriterError, unexpected
from rewriter.items import FeedItem, now_iso
from rewriter.naming import DEFAULT_TEMPLATE, article_name, disambiguated
from rewriter.output import atomic_write, atomic_write_async, inside
from rewriter.readers import ItemFailure, ItemSkipped, PendingItem, iter_source

INDEX_NAME = ".rewriter-index.jsonl"
Status = Literal["rewritten", "current", "skipped", "failed", "draft"]


# --- the report -------------------------------------------------------------


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


class ItemReport(BaseModel):
    """What happened to one item. `status` draft = written, but blocked from publishing.

    The fields after `error` are what an editor needs to review the item
    (`rewriter report`); they are filled for drafts, failures and articles
    with dropped sentences only, so a large clean run stays small.
    """

    id: str
    source: str
    status: Status
    path: str | None = None
    cached: bool = False
    tokens: Tokens = Field(default_factory=Tokens)
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


class Totals(BaseModel):
    rewritten: int = 0
    cached: int = 0
    current: int = 0
    skipped: int = 0
    failed: int = 0
    draft: int = 0
    tokens: Tokens = Field(default_factory=Tokens)


class BatchReport(BaseModel):
    """The `--report` file: totals, then one entry per item."""

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


# --- what the review page needs -------------------------------------------------


def _part(answer: Any, name: str) -> str | None:
    """One part of an answer by its review name: `overview`, `what_happened[1]`, `impact[2]`."""
    head, _, index = name.partition("[")
    value = getattr(answer, head, None)
    if index and isinstance(value, list):
        n = int(index.rstrip("]")) if index.rstrip("]").isdigit() else len(value)
        value = value[n] if n < len(value) else None
    return value if isinstance(value, str) else None


def _body(document: str) -> str:
    """The Markdown body of an article (what follows its front matter)."""
    end = document.find("\n---\n", 3)
    return document[end + 5 :] if document.startswith("---\n") and end >= 0 else document


def written_details(outcome: Any, document: str) -> dict[str, Any]:
    """Title always; source, body, warnings and dropped sentences for a draft or a pruned answer."""
    item = outcome.item
    if outcome.publishable and not outcome.dropped:
        return {"title": item.title}
    warnings = [
        ReviewWarning(message=p.message, field=p.field, text=_part(outcome.answer, p.field), words=[p.figure] if p.figure else [])
        for p in outcome.problems
    ]  # fmt: skip
    return {
        "title": item.title, "sourceText": item.text.joined(), "article": _body(document),
        "warnings": warnings, "dropped": list(outcome.dropped),
    }  # fmt: skip


def failed_details(item: FeedItem, exc: RewriterError) -> dict[str, Any]:
    """Title and source of an item the model could not rewrite, and its last answer if any."""
    last = getattr(exc, "last_output", None)
    return {"title": item.title, "sourceText": item.text.joined(), "article": last}


def draft_details(path: Path, item: FeedItem | None) -> dict[str, Any]:
    """A draft written by an earlier run: its title, body and warnings read back from the file."""
    meta = _front_matter(path) or {}
    ai = meta.get("ai") if isinstance(meta.get("ai"), dict) else {}
    listed = ai.get("warnings") if isinstance(ai.get("warnings"), list) else []
    try:
        body = _body(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        body = None
    title = item.title if item is not None else meta.get("title")
    return {
        "title": title if isinstance(title, str) else None,
        "sourceText": item.text.joined() if item is not None else None,
        "article": body,
        "warnings": [ReviewWarning(message=str(w)) for w in listed],
    }


# --- options ------------------------------------------------------------------


@dataclass
class BatchOptions:
    out: Path
    concurrency: int = policy.DEFAULT_CONCURRENCY
    limit: int | None = None
    force: bool = False
    report: Path | None = None
    template: str = DEFAULT_TEMPLATE


# --- recognising current articles cheaply ---------------------------------------


def _front_matter(path: Path) -> dict[str, Any] | None:
    """The YAML front matter of an article (libyaml when available), or None."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    try:
        data = safeyaml.load(text[4:end])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


@dataclass
class ArticleState:
    identity: tuple[str, str] | None
    current: bool
    blocked: bool


def article_state(path: Path, source_hash: str, version: int) -> ArticleState | None:
    """Who the article at `path` is and whether it is current; None if there is none."""
    meta = _front_matter(path)
    if meta is None:
        return None
    source = meta.get("source") if isinstance(meta.get("source"), dict) else {}
    external = meta.get("externalId")
    identity = (str(source.get("key")), str(external)) if external is not None else None
    ai = meta.get("ai") if isinstance(meta.get("ai"), dict) else {}
    current = ai.get("rewritten") is True and ai.get("sourceHash") == source_hash and ai.get("version") == version
    return ArticleState(identity, current, bool(ai.get("warnings")))


class ArticleIndex:
    """`.rewriter-index.jsonl` in the output folder: raw digest → article written for it.

    An entry counts only while the article file has the size and mtime
    recorded, so an edited or deleted article is looked at properly again.
    """

    def __init__(self, out: Path, template: str) -> None:
        self.path = out / INDEX_NAME
        self.template = template
        self.entries: dict[str, dict[str, Any]] = {}
        self._append: Any = None
        try:
            with self.path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        entry = json.loads(line)
                        self.entries[entry["digest"]] = entry
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line after a crash
        except OSError:
            pass

    def key(self, digest: str) -> str:
        return f"{digest}:{self.template}"

    def lookup(self, digest: str, out: Path, version: int) -> dict[str, Any] | None:
        entry = self.entries.get(self.key(digest))
        if not entry or entry.get("version") != version:
            return None
        try:
            stat = (out / entry["path"]).stat()
        except OSError:
            return None
        if [stat.st_size, stat.st_mtime_ns] != entry.get("stat"):
            return None
        return entry

    def record(self, digest: str, out: Path, rel: str, identity: tuple[str, str], version: int, blocked: bool) -> None:
        if not digest:
            return
        try:
            stat = (out / rel).stat()
        except OSError:
            return
        entry = {
            "digest": self.key(digest), "path": rel, "id": list(identity), "version": version,
            "blocked": blocked, "stat": [stat.st_size, stat.st_mtime_ns],
        }  # fmt: skip
        self.entries[entry["digest"]] = entry
        if self._append is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append = self.path.open("a", encoding="utf-8")
        self._append.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._append.flush()

    def close(self) -> None:
        """Rewrite the index without superseded lines."""
        if self._append is None:
            return
        self._append.close()
        self._append = None
        atomic_write(self.path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.entries.values()))


# --- progress -------------------------------------------------------------------


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
        if entry.status == "failed":
            self._line(f"failed: {entry.error}")
        elif entry.status == "draft":
            self._line(f"draft: {entry.path}: {entry.error}")
        now = time.monotonic()
        if now - self.last >= policy.PROGRESS_LINE_INTERVAL_S:
            self.last = now
            self._line(f"progress: {progress_text(report, self.total, now - self.started)}")

    def close(self) -> None:
        pass


def progress_text(report: BatchReport, total: int | None, elapsed: float) -> str:
    t = report.totals
    done = len(report.items)
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
        if entry.status in ("failed", "draft"):
            label = "failed" if entry.status == "failed" else f"draft: {entry.path}:"
            self.console.print(f"[red]{label}[/red] {entry.error}", markup=True, highlight=False)
        stats = (
            f"[red]{t.failed} failed[/red] · [yellow]{t.draft} drafts[/yellow] · {t.skipped + t.current} skipped · "
            f"tokens {t.tokens.input}/{t.tokens.output}"
        )
        self.bar.update(self.task, completed=len(report.items), stats=stats)

    def close(self) -> None:
        self.bar.stop()


def make_progress(stream: Any = None) -> LineProgress | RichProgress:
    stream = stream or sys.stderr
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        return RichProgress()
    return LineProgress(stream)


# --- the job -------------------------------------------------------------------


def pending_items(sources: Iterable[str | Path], on_count: Callable[[int], None]) -> Iterator[Any]:
    """Every source's pending items in turn, each source opened only when reached."""
    return itertools.chain.from_iterable(_guarded(s, on_count) for s in sources)


def _guarded(source: str | Path, on_count: Callable[[int], None]) -> Iterator[Any]:
    """One source's items; if its reader gives up midway, that is one failure of
    this source, and the sources after it are still read."""
    try:
        yield from iter_source(source, on_count)
    except Exception as exc:  # noqa: BLE001 - readers report item faults themselves; this is the last resort
        reason = str(exc) if isinstance(exc, (RewriterError, OSError)) else unexpected(exc)
        yield ItemFailure(str(source), InputError(f"reading stopped: {reason}", where=str(source)))


def _candidates(rel: str, item: FeedItem) -> Iterator[str]:
    """The article's name, then (only if that is taken) its name with the item's own suffix."""
    yield rel
    yield disambiguated(rel, item)


@dataclass
class BatchJob:
    run: Any  # rewriter.runtime.Run
    options: BatchOptions
    report: BatchReport
    progress: Any
    index: ArticleIndex
    out: Path
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    claimed: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.run.prompt.version

    def finish(self, entry: ItemReport) -> None:
        self.report.add(entry)
        self.progress.update(self.report, entry)

    def duplicate(self, identity: tuple[str, str], where: str) -> ItemReport | None:
        first = self.seen.get(identity)
        if first is not None:
            return ItemReport(id=":".join(identity), source=where, status="skipped", error=f"same item as {first}, rewritten once")
        self.seen[identity] = where
        return None

    def target(self, item: FeedItem) -> tuple[str, Path, ArticleState | None]:
        """The article's name, path and current state; a name taken by another item gets a suffix."""
        rel = article_name(item, self.options.template)
        for candidate in _candidates(rel, item):
            owner = self.claimed.get(candidate)
            if owner is not None and owner != item.identity:
                continue
            path = inside(self.out, candidate)
            state = article_state(path, item.source_hash, self.version) if path.exists() else None
            if state is not None and state.identity not in (None, item.identity):
                continue
            self.claimed[candidate] = item.identity
            return candidate, path, state
        raise InputError(f"no free file name for {rel!r}", where=item.label)

    async def handle(self, pending: Any) -> ItemReport:
        if isinstance(pending, ItemFailure):
            return ItemReport(id=pending.where, source=pending.where, status="failed", error=str(pending.error))
        if isinstance(pending, ItemSkipped):
            return ItemReport(id=pending.where, source=pending.where, status="skipped", error=pending.reason)
        assert isinstance(pending, PendingItem)
        if not self.options.force:
            entry = self.index.lookup(pending.digest, self.out, self.version)
            if entry is not None:
                identity = (entry["id"][0], entry["id"][1])
                self.claimed.setdefault(entry["path"], identity)
                return self.duplicate(identity, pending.where) or self._current(
                    identity, pending.where, entry["path"], entry.get("blocked", False), None
                )
        try:
            built = pending.build()
        except InputError as exc:
            return ItemReport(id=pending.where, source=pending.where, status="failed", error=str(exc))
        if isinstance(built, ItemSkipped):
            return ItemReport(id=built.where, source=built.where, status="skipped", error=built.reason)
        item: FeedItem = built
        dup = self.duplicate(item.identity, pending.where)
        if dup is not None:
            return dup
        rel, path, state = self.target(item)
        if state is not None and state.current and not self.options.force:
            self.index.record(pending.digest, self.out, rel, item.identity, self.version, state.blocked)
            return self._current(item.identity, pending.where, rel, state.blocked, item)
        return await self._rewrite(item, pending.digest, rel, path)

    def _current(self, identity: tuple[str, str], where: str, rel: str, blocked: bool, item: FeedItem | None) -> ItemReport:
        if blocked:  # still a draft: it must not be published, so the run is not clean
            return ItemReport(
                id=":".join(identity), source=where, status="draft", path=rel,
                error="already written as a draft (ungrounded figures); edit it or rerun with --force",
                **draft_details(self.out / rel, item),
            )  # fmt: skip
        title = item.title if item is not None else None
        return ItemReport(id=":".join(identity), source=where, status="current", path=rel, title=title)

    async def _rewrite(self, item: FeedItem, digest: str, rel: str, path: Path) -> ItemReport:
        from rewriter.rewrite import render_article, rewrite_item

        ident = ":".join(item.identity)
        try:
            outcome = await rewrite_item(item, self.run.prompt, self.run.client, attempts=self.run.settings.attempts)
            article = render_article(outcome, self.run.prompt.impact_heading)
        except ModelError as exc:
            tokens = Tokens(input=exc.usage.get("prompt_tokens", 0), output=exc.usage.get("completion_tokens", 0))
            return ItemReport(
                id=ident, source=item.origin, status="failed", tokens=tokens, error=str(exc), **failed_details(item, exc)
            )  # fmt: skip
        except RewriterError as exc:
            return ItemReport(id=ident, source=item.origin, status="failed", error=str(exc), **failed_details(item, exc))
        write = asyncio.ensure_future(atomic_write_async(path, article))
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            # A started write always completes (a thread cannot be stopped):
            # wait for it through further cancels, report the article, then stop.
            while not write.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(write)
            write.result()
            self.finish(self._written(outcome, digest, rel, item, article))
            raise
        return self._written(outcome, digest, rel, item, article)

    def _written(self, outcome: Any, digest: str, rel: str, item: FeedItem, article: str) -> ItemReport:
        blocked = not outcome.publishable
        self.index.record(digest, self.out, rel, item.identity, self.version, blocked)
        return ItemReport(
            id=":".join(item.identity),
            source=item.origin,
            status="draft" if blocked else "rewritten",
            path=rel,
            cached=outcome.cached,
            tokens=Tokens(
                input=outcome.usage.get("prompt_tokens", 0), output=outcome.usage.get("completion_tokens", 0)
            ),
            latency=round(outcome.latency, 4),
            error=f"written as a draft: {'; '.join(outcome.warnings)}" if blocked else None,
            **written_details(outcome, article),
        )

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
    progress = progress or make_progress()
    index = ArticleIndex(out, options.template)
    job = BatchJob(run, options, report, progress, index, out)
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
        report.model, report.cost = run.client.endpoint.model, run_cost(run.settings, report.totals.tokens)
        progress.close()
        index.close()
        if options.report is not None:
            write_report(report, options.report)
    return report


def run_cost(settings: Any, tokens: Tokens) -> float | None:
    """What the run's own tokens cost in USD: nothing on the embedded model, else from the prices set, else unknown."""
    from rewriter.settings import Provider

    if settings.resolved_provider() is Provider.LOCAL:
        return 0.0
    if settings.price_in is None or settings.price_out is None:
        return None
    return round((tokens.input * settings.price_in + tokens.output * settings.price_out) / 1e6, 6)


def new_report(sources: list[str | Path], out: Path) -> BatchReport:
    return BatchReport(sources=[str(s) for s in sources], out=str(out.resolve()), startedAt=now_iso())


def write_report(report: BatchReport, path: Path) -> None:
    """JSON, or the review page when the name ends in .html/.htm."""
    from rewriter.report_html import is_html, render_report

    atomic_write(path, render_report(report) if is_html(path) else report.model_dump_json(indent=2) + "\n")


def summary_table(report: BatchReport) -> Any:
    """The end-of-run summary as a rich Table."""
    from rich.table import Table

    t = report.totals
    table = Table(title="batch summary" + (" (interrupted)" if report.interrupted else ""), show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("rewritten", t.rewritten),
        ("served from cache", t.cached),
        ("skipped (already current)", t.current),
        ("skipped (inactive, duplicate, no text)", t.skipped),
        ("failed", t.failed),
        ("blocked (written as draft)", t.draft),
        ("tokens in", t.tokens.input),
        ("tokens out", t.tokens.output),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("wall time", f"{report.wallTime:.2f} s")
    return table
