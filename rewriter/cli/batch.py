"""`rewriter batch`: every item of one or more feeds, online or through a Batch API."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, Optional

import typer

from rewriter import policy
from rewriter.cli.common import (
    EXIT_FAILED, EXIT_OK, EXIT_USAGE, ModelOpt, PromptsOpt, _interrupted_status, _require_existing, _run, _settings, err,
    reports_errors,
)  # fmt: skip


class Via(str, enum.Enum):
    """How `batch` sends its requests; typer lists and checks the choices."""

    ONLINE = "online"
    BATCH_API = "batch-api"


app = typer.Typer()


@app.command()
@reports_errors
def batch(
    sources: list[str] = typer.Argument(
        ..., help="Feeds: news API .json/.jsonl, RSS/Atom file or http(s) URL, JSON Lines, Markdown folder.",
        show_default=False, metavar="SOURCES",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder the articles are written to.", file_okay=False),
    concurrency: int = typer.Option(
        policy.DEFAULT_CONCURRENCY, "--concurrency", "-j", min=1, max=policy.MAX_CONCURRENCY,
        help="Requests in flight at once.",
    ),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Stop after this many items."),
    force: bool = typer.Option(False, "--force", help="Rewrite even articles that are already current."),
    report: Optional[Path] = typer.Option(
        None, "--report", dir_okay=False,
        help="Write a report, one entry per item: JSON, or a review page when FILE ends in .html.",
    ),
    name: str = typer.Option("{date}-{slug}.md", "--name", help="File name template: {date} {year} {month} {day} {slug} {id} {source} {lang} {category}."),
    model: Optional[str] = ModelOpt,
    prompts: Optional[Path] = PromptsOpt,
    via: Via = typer.Option(
        Via.ONLINE, "--via", help="online: send each request from here. batch-api: through the provider's Batch API "
        "(half price, results within 24 h; rerun the same command to resume).",
    ),
    export_requests: Optional[Path] = typer.Option(
        None, "--export-requests", dir_okay=False, help="Contact no server: write the articles the cache can answer, "
        "and the missing requests as Batch lines to this file (for vllm run-batch, Ray; then 'rewriter cache import').",
    ),
    poll: float = typer.Option(
        policy.BATCH_POLL_FIRST_S, "--poll", min=0.01, help="batch-api: seconds before the first poll (then longer, up to 10 min).",
    ),
    no_wait: bool = typer.Option(False, "--no-wait", help="batch-api: submit or collect what has finished, then exit (for cron)."),
    cancel: bool = typer.Option(False, "--cancel", help="batch-api: cancel the batches in flight and exit."),
    retry_rejected: bool = typer.Option(
        False, "--retry-rejected", help="batch-api, --export-requests: send again the requests the Batch API "
        "rejected for good (a 400 validation error), which a rerun otherwise leaves failed.",
    ),
    file_lines: int = typer.Option(
        policy.BATCH_FILE_MAX_LINES, "--file-lines", min=1, max=policy.BATCH_FILE_MAX_LINES,
        help="batch-api: most lines in one Batch file.",
    ),
    file_mb: int = typer.Option(
        policy.BATCH_FILE_MAX_MB, "--file-mb", min=1, max=policy.BATCH_FILE_MAX_MB, help="batch-api: most MB in one Batch file.",
    ),
    full_text: Optional[str] = typer.Option(
        None, "--full-text", metavar="[thin|always|off]",
        help=f"Fetch the page a thin item (under {policy.FULL_TEXT_THIN_WORDS} words) links to and rewrite from its "
        "article; 'always': every item with a link (default: REWRITER_FULL_TEXT, off). Put it after the feeds.",
    ),
    allow_private_hosts: Optional[str] = typer.Option(
        None, "--allow-private-hosts", metavar="HOST,...",
        help="--full-text: hosts whose private or loopback address may be fetched all the same (for tests).",
    ),
) -> None:
    """Rewrite every item of one or more feeds into a folder of articles (the batch job).

    Articles already current are skipped, so a rerun finishes what an earlier
    run did not. Exit status 1 when any item failed or was written as a draft.
    Example: rewriter batch feed.jsonl --out content/ --concurrency 16 --report run.json
    Through the Batch API: rewriter batch feed.jsonl --out content/ --via batch-api
    """
    from rewriter.batch import BatchOptions, new_report, run_batch, summary_table
    from rewriter.batch.rounds import batch_path_problem
    from rewriter.naming import check_template
    from rewriter.readers.feed import is_url
    from rewriter.runtime import Run

    _require_existing([Path(s) for s in sources if not is_url(s)])
    try:
        check_template(name)
    except Exception as exc:
        err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if export_requests is not None and via is not Via.ONLINE:
        err("error: --export-requests writes batch files instead of sending them, so it goes without --via batch-api")
        raise typer.Exit(EXIT_USAGE)
    settings = _settings(model=model)
    mode = _full_text_mode(full_text, settings.full_text)
    allowed = frozenset(h.strip().lower().strip("[]") for h in (allow_private_hosts or "").split(",") if h.strip())
    options = BatchOptions(
        out=out, concurrency=concurrency, limit=limit, force=force, report=report, template=name,
        full_text=mode, allowed_private=allowed,
    )  # fmt: skip
    if via is Via.BATCH_API or export_requests is not None:
        problem = batch_path_problem(settings, via.value)
        if problem:
            err(f"error: {problem}")
            raise typer.Exit(EXIT_USAGE)
    run = Run.open(settings, prompts)
    result = new_report(list(sources), out)

    async def execute() -> Any:
        if export_requests is not None:
            from rewriter.batch.export import run_export

            lines = await run_export(run, list(sources), options, export_requests, result, retry_rejected=retry_rejected)
            err(f"wrote {lines} request line(s) to {export_requests}" + (
                "; answer them (vllm run-batch, Ray), 'rewriter cache import' the output, and rerun this command"
                if lines else ""))  # fmt: skip
            return result
        if via is Via.BATCH_API:
            from rewriter.batch.batch_api import ApiOptions, run_batch_api

            api = ApiOptions(
                poll=poll, wait=not no_wait, cancel=cancel, max_lines=file_lines, max_bytes=file_mb * 1024 * 1024,
                retry_rejected=retry_rejected,
            )  # fmt: skip
            return await run_batch_api(run, list(sources), options, api, result)
        return await run_batch(run, list(sources), options, report=result)

    async def go() -> Any:
        try:
            return await execute()
        finally:
            await run.aclose()

    try:
        _run(go())
    except KeyboardInterrupt:
        result.interrupted = True
    from rich.console import Console

    Console(stderr=True).print(summary_table(result))
    if report is not None:
        err(f"report written to {report}")
    in_flight = result.batch.inFlight if result.batch is not None else []
    if in_flight and not cancel:
        err(f"{len(in_flight)} batch(es) still running at the provider: {', '.join(in_flight)}")
        err("run the same command again to collect them (or add --cancel to cancel them)")
    if result.interrupted:
        err("interrupted: nothing half-written; run the same command again to finish")
        raise typer.Exit(_interrupted_status())
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FAILED)


def _full_text_mode(flag: str | None, setting: Any) -> Any:
    """`--full-text` (thin), `--full-text always|thin|off`, or the setting."""
    from rewriter.settings import FullTextMode

    if flag is None:
        return setting
    try:
        return FullTextMode(flag.strip().lower())
    except ValueError:
        err(f"error: --full-text takes thin, always or off, not {flag!r} (put --full-text after the feeds)")
        raise typer.Exit(EXIT_USAGE) from None


def bare_full_text(argv: list[str]) -> list[str]:
    """`--full-text` with no mode after it means `--full-text=thin` (typer's
    options take a value or none, not either)."""
    modes = ("thin", "always", "off")
    return [
        "--full-text=thin" if arg == "--full-text" and (i + 1 == len(argv) or argv[i + 1].lower() not in modes) else arg
        for i, arg in enumerate(argv)
    ]
