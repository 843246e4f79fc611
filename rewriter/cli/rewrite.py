"""`rewriter rewrite`: one or a few drafts, the editor's command."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from rewriter.cli.common import (
    EXIT_FAILED, EXIT_OK, EXIT_USAGE, ModelOpt, PromptsOpt, _require_existing, _run, _settings, err, reports_errors,
)  # fmt: skip

app = typer.Typer()


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
