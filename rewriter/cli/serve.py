"""`rewriter serve`: the embedded model in the foreground, shared by several runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rewriter.cli.common import _settings, err, reports_errors

app = typer.Typer()


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
