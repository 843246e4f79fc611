"""The `rewriter` command line: parses arguments and calls the library.

Heavy modules (openai, pydantic-settings, diskcache) are imported inside the
commands, so `rewriter --help` and `rewriter check` start fast.
Exit status: 0 all good, 1 some item failed or was blocked, 2 usage error.
"""

from __future__ import annotations

import enum
import functools
import gc
import signal
import sys
from pathlib import Path
from typing import Any, Callable, Coroutine, Optional, TypeVar

import typer

from rewriter import policy

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


class Via(str, enum.Enum):
    """How `batch` sends its requests; typer lists and checks the choices."""

    ONLINE = "online"
    BATCH_API = "batch-api"

app = typer.Typer(
    name="rewriter",
    help=(
        "Turn raw news-feed items into full Markdown articles with an OpenAI-compatible model.\n\n"
        "Every model response is cached on disk, so runs are reproducible offline. "
        "With no OPENAI_API_KEY or OPENAI_BASE_URL set, the embedded local model is used."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
cache_app = typer.Typer(help="Inspect, clear, export and import the response cache.", no_args_is_help=True)
prompt_app = typer.Typer(help="Show the prompts and the exact messages sent to the model.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.add_typer(prompt_app, name="prompt")


def err(message: str) -> None:
    typer.echo(message, err=True)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clean line and an exit status, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from rewriter.errors import InputError, LocalModelUnavailable, PromptError, RewriterError

        try:
            return command(*args, **kwargs)
        except (PromptError, LocalModelUnavailable) as exc:
            err(f"error: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        except InputError as exc:
            err(f"error: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        except RewriterError as exc:
            err(f"error: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        except ValidationError as exc:
            from rewriter.readers.markdown import validation_message

            err(f"error: invalid setting: {validation_message(exc)}")
            raise typer.Exit(EXIT_USAGE) from None
        except OSError as exc:  # e.g. `cache export` into a folder or a missing one
            where = f"{exc.filename}: " if exc.filename else ""
            err(f"error: {where}{exc.strerror or exc}")
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper


def _require_existing(paths: list[Path]) -> None:
    """A path that does not exist is a usage error (exit 2), before any work starts."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err(f"error: no such file or folder: {', '.join(missing)}")
        raise typer.Exit(EXIT_USAGE)


def _settings(**overrides: Any) -> Any:
    from rewriter.settings import load_settings

    return load_settings(**overrides)


ModelOpt = typer.Option(None, "--model", help="Model name (default: REWRITER_MODEL, or the provider's default).")
PromptsOpt = typer.Option(
    None, "--prompts", help="Folder with your own system.md and user.md (default: the packaged prompts).",
    exists=True, file_okay=False,
)  # fmt: skip


@app.command()
@reports_errors
def rewrite(
    paths: list[Path] = typer.Argument(..., help="Markdown drafts with YAML front matter.", show_default=False, metavar="PATHS"),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Replace each draft with its article."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Write here: a file, or a folder (trailing '/', or several drafts)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show a coloured diff of what would change; write nothing."),
    force: bool = typer.Option(False, "--force", help="Rewrite even articles that are already current."),
    model: Optional[str] = ModelOpt,
    prompts: Optional[Path] = PromptsOpt,
) -> None:
    """Rewrite one or a few drafts (the editor command).

    Example: rewriter rewrite drafts/doj.md -o out/
    """
    from rewriter.editor import rewrite_files
    from rewriter.runtime import Run

    if in_place and output is not None:
        err("error: choose either --in-place or --output, not both")
        raise typer.Exit(EXIT_USAGE)
    if not in_place and output is None and not dry_run:
        err("error: say where articles go: --in-place, --output PATH, or --dry-run to preview")
        raise typer.Exit(EXIT_USAGE)
    _require_existing(paths)
    run = Run.open(_settings(model=model), prompts)

    async def go() -> list[Any]:
        try:
            return await rewrite_files(
                run, paths, in_place=in_place, output=output, force=force, dry_run=dry_run
            )
        finally:
            await run.aclose()

    results = _run(go())
    failed = False
    for result in results:
        if result.diff:
            _print_diff(result.diff)
        if result.status == "failed":
            failed = True
            err(f"error: {result.message}")
        elif result.status == "draft":
            failed = True
            from rewriter.notices import draft_line

            err(draft_line(result.target, result.message))
        elif result.status == "current":
            err(f"current: {result.target}: {result.message}")
        elif result.status == "rewritten":
            err(f"wrote {result.target}")
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def _print_diff(diff: str) -> None:
    from rich.console import Console
    from rich.syntax import Syntax

    Console(soft_wrap=True).print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))


@prompt_app.command("show")
@reports_errors
def prompt_show(
    path: Path = typer.Argument(..., help="A Markdown draft.", show_default=False),
    prompts: Optional[Path] = PromptsOpt,
) -> None:
    """Print the exact messages that would be sent for a draft, as JSON."""
    import json

    from rewriter.prompts import load_prompt
    from rewriter.readers.markdown import read_draft
    from rewriter.rewrite import build_messages

    _require_existing([path])
    messages = build_messages(read_draft(path), load_prompt(prompts))
    typer.echo(json.dumps(messages, indent=2, ensure_ascii=False))


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
    options = BatchOptions(out=out, concurrency=concurrency, limit=limit, force=force, report=report, template=name)
    settings = _settings(model=model)
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


@app.command("report")
@reports_errors
def report_page(
    report: Path = typer.Argument(
        ..., metavar="RUN.JSON", help="A JSON report written by `rewriter batch --report run.json`.",
        show_default=False, dir_okay=False,
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", dir_okay=False, help="The HTML file to write (default: the report's name with .html)."
    ),
) -> None:
    """Turn a batch run's JSON report into one self-contained HTML page to review.

    The page shows the totals, a table of every item (filter it by status),
    and each draft and failure with its source and article side by side,
    its warnings listed and the text at fault marked. It runs no script and
    loads nothing remote. Example: rewriter report run.json -o run.html
    """
    from rewriter.batch import write_report
    from rewriter.report_html import is_html, load_report

    _require_existing([report])
    target = output or report.with_suffix(".html")
    if not is_html(target):
        err(f"error: {target}: the page is HTML; name it with .html or .htm")
        raise typer.Exit(EXIT_USAGE)
    if target.resolve() == report.resolve():
        err(f"error: {target}: would overwrite the JSON report it is made from")
        raise typer.Exit(EXIT_USAGE)
    write_report(load_report(report), target)
    typer.echo(f"review page written to {target}")


@cache_app.command("stats")
@reports_errors
def cache_stats() -> None:
    """How many responses the cache holds, and where."""
    from rewriter.cache import ResponseCache

    settings = _settings()
    stats = ResponseCache(settings.cache_dir).stats()
    for key, value in stats.items():
        typer.echo(f"{key}: {value}")


@cache_app.command("clear")
@reports_errors
def cache_clear(yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Delete every stored response."""
    from rewriter.cache import ResponseCache

    settings = _settings()
    if not yes and not typer.confirm(f"Delete every response cached in {settings.cache_dir}?"):
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"removed {ResponseCache(settings.cache_dir).clear()} entries")


@cache_app.command("export")
@reports_errors
def cache_export(file: Path = typer.Argument(..., help="JSON Lines file to write.", show_default=False)) -> None:
    """Write the cache to a JSON Lines file (to commit recorded responses)."""
    from rewriter.cache import ResponseCache

    typer.echo(f"exported {ResponseCache(_settings().cache_dir).export(file)} entries to {file}")


@cache_app.command("import")
@reports_errors
def cache_import(
    file: Path = typer.Argument(
        ..., help="JSON Lines file written by 'cache export', or Batch output (OpenAI, vllm run-batch).",
        exists=True, dir_okay=False,
    ),
    requests: Optional[Path] = typer.Option(
        None, "--requests", exists=True, dir_okay=False,
        help="Batch output: the request file it answers (default: every file 'batch --export-requests' wrote).",
    ),
) -> None:
    """Load responses from a JSON Lines export (for offline replay) or Batch output lines.

    Batch output lines are matched to their requests by custom_id; valid
    answers are cached, the rest are asked again by the next 'rewriter batch'.
    """
    from rewriter.batch.export import import_results, looks_like_batch_output
    from rewriter.cache import ResponseCache

    cache = ResponseCache(_settings().cache_dir)
    if looks_like_batch_output(file):
        counts = import_results(cache, file, requests)
        typer.echo(
            f"imported {counts['cached']} answers from {file}; "
            f"{counts['invalid']} invalid and {counts['failed']} failed lines will be asked again"
        )
        return
    typer.echo(f"imported {cache.import_(file)} entries from {file}")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def check(ctx: typer.Context) -> None:
    """Check articles before they go live; offline, no model (the pre-publish hook).

    Prints 'path:line: CODE message' per problem; exit status 1 when any article
    must not be published. Example: rewriter check content/   (see: rewriter check --help)
    """
    raise typer.Exit(run_check(ctx.args))


def run_check(argv: list[str]) -> int:
    """`rewriter check ARGV`, parsed with argparse; returns the exit status.

    Not typer: typer builds pydantic validators for every parameter (~70 ms),
    too slow for a hook run on every commit, so `main` calls this directly.
    """
    import argparse

    from rewriter.check import check_paths
    from rewriter.errors import PromptError

    parser = argparse.ArgumentParser(
        prog="rewriter check",
        description=(
            "Check articles before they go live; offline, no model. Exit status 1 when any is blocked. "
            "A stale article (RW005) is a warning: it passes unless --strict."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="articles, or folders to search for *.md")
    parser.add_argument("--include-drafts", action="store_true", help="check articles with 'draft: true' too")
    parser.add_argument(
        "--strict", action="store_true",
        help="block on warnings too: a stale article (RW005, written with an older prompt version) then exits 1",
    )  # fmt: skip
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json, for CI")
    parser.add_argument("--prompts", type=Path, help="prompt folder whose profile gives the version and headings")
    args = parser.parse_args(argv)  # a usage error exits with status 2
    try:
        report = check_paths(args.paths, args.prompts, include_drafts=args.include_drafts, strict=args.strict)
    except FileNotFoundError as exc:
        err(f"error: no such file or folder: {exc}")
        return EXIT_USAGE
    except PromptError as exc:
        err(f"error: {exc}")
        return EXIT_USAGE
    if args.format == "json":
        import json

        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(report.lines()))
    return EXIT_FAILED if report.blocked else EXIT_OK


@app.command()
@reports_errors
def serve(
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    model_file: Optional[Path] = typer.Option(
        None, "--model", help="GGUF model file (default: REWRITER_LOCAL_MODEL, or the bundled SmolLM2).",
        dir_okay=False,
    ),
) -> None:
    """Run the embedded model in the foreground so several runs can share it.

    Prints the `export OPENAI_BASE_URL=...` lines to use it; Ctrl-C stops it.
    It decodes REWRITER_LOCAL_SLOTS requests at once (default 4).
    """
    from rewriter.local_server import serve as serve_local

    settings = _settings()
    configured = model_file or settings.local_model
    raise typer.Exit(serve_local(configured, port, settings.local_slots, settings.local_threads, typer.echo, err))


#: Signals received, so the exit status can say which one ended the run.
_received: list[int] = []


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM outside the event loop: unwind from here, so `finally` blocks
    stop the local server and remove temporary files. (Inside it, `_run`
    handles the signal.)"""
    _received.append(signum)
    raise SystemExit(128 + signum)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, with SIGTERM stopping the run the way Ctrl-C does.

    asyncio.run turns Ctrl-C into a clean cancel of the main task (a batch
    still writes its report), but only where Ctrl-C is not ignored, and a job
    a script starts in the background ignores it; `kill` must stop that run
    all the same. SIGTERM cancels the main task here, and the caller sees
    KeyboardInterrupt, as for Ctrl-C.
    """
    import asyncio

    terminated: list[bool] = []
    # The result is handed out here rather than as the main task's: when
    # asyncio.run restores the Ctrl-C handler, the old one's repr (with the
    # task's, result and all) is formatted, and a batch's result is a report
    # of every item (0.2 s for 5,000 items).
    results: list[Any] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop() -> None:
            _received.append(signal.SIGTERM)
            terminated.append(True)
            task.cancel()

        loop.add_signal_handler(signal.SIGTERM, stop)
        try:
            results.append(await coro)
        except asyncio.CancelledError:
            if not terminated:
                raise
            results.append(None)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _terminate)

    asyncio.run(main())
    if terminated:
        raise KeyboardInterrupt
    return results[0]


def _interrupted_status() -> int:
    return 128 + (_received[-1] if _received else signal.SIGINT)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if sys.argv[1:2] == ["check"]:  # the hook's fast path: see run_check
            sys.exit(run_check(sys.argv[2:]))
        try:
            app()
        except KeyboardInterrupt:
            err("interrupted")
            sys.exit(_interrupted_status())
    finally:
        # At exit the interpreter's last garbage collection walks everything
        # still loaded (openai's thousands of classes above all): 0.2 s after
        # a batch. Every file and connection is closed by now, so what is
        # frozen is simply left to the operating system.
        gc.freeze()
