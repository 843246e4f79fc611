"""`rewriter report`: a batch run's JSON report as one HTML page to review."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rewriter.cli.common import EXIT_USAGE, _require_existing, err, reports_errors

app = typer.Typer()


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
    from rewriter.batch.report import load_report, write_report
    from rewriter.report_html import is_html

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
