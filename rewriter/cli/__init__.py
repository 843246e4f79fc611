"""The `rewriter` command line: parses arguments and calls the library.

One small typer app per command (`rewrite.py`, `batch.py`, `report.py`,
`check.py`, `serve.py`, `cache.py`, `prompt.py`), composed here; what they
share is in `common.py`. Heavy modules (openai, pydantic-settings, diskcache)
are imported inside the commands, so `rewriter --help` and `rewriter check`
start fast.
Exit status: 0 all good, 1 some item failed or was blocked, 2 usage error.
"""

from __future__ import annotations

import functools
import gc
import signal
import sys
from typing import Any

import typer

from rewriter.cli.check import run_check
from rewriter.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _interrupted_status, _terminate, err

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "app", "main", "run_check"]


def __getattr__(name: str) -> Any:
    """`app`, built on first use: the hook's fast path (`rewriter check`, see
    `main`) needs neither it nor the other commands' modules."""
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=1)
def _app() -> typer.Typer:
    from rewriter.cli import batch, cache, check, prompt, report, rewrite, serve

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
    # Registered in the order `rewriter --help` lists them.
    for command in (rewrite, batch, report, check, serve):
        app.add_typer(command.app)
    app.add_typer(cache.cache_app, name="cache")
    app.add_typer(prompt.prompt_app, name="prompt")
    return app


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    if "--full-text" in sys.argv:
        from rewriter.cli.batch import bare_full_text

        sys.argv[1:] = bare_full_text(sys.argv[1:])
    try:
        if sys.argv[1:2] == ["check"]:  # the hook's fast path: see run_check
            sys.exit(run_check(sys.argv[2:]))
        try:
            _app()()
        except KeyboardInterrupt:
            err("interrupted")
            sys.exit(_interrupted_status())
    finally:
        # At exit the interpreter's last garbage collection walks everything
        # still loaded (openai's thousands of classes above all): 0.2 s after
        # a batch. Every file and connection is closed by now, so what is
        # frozen is simply left to the operating system.
        gc.freeze()
