"""What every command shares: exit statuses, one-line errors instead of
tracebacks, the common options, and running a coroutine that SIGTERM stops
the way Ctrl-C does."""

from __future__ import annotations

import functools
import signal
from pathlib import Path
from typing import Any, Callable, Coroutine, TypeVar

import typer

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


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
