"""`rewriter cache stats | clear | export | import`: the response cache."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rewriter.cli.common import EXIT_FAILED, _settings, reports_errors

cache_app = typer.Typer(help="Inspect, clear, export and import the response cache.", no_args_is_help=True)


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
