"""`rewriter prompt show`: the exact messages a draft would send."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rewriter.cli.common import PromptsOpt, _require_existing, reports_errors

prompt_app = typer.Typer(help="Show the prompts and the exact messages sent to the model.", no_args_is_help=True)


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
