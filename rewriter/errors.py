"""The exceptions rewriter raises, each carrying the context a user needs.

Every message names where the problem is (file, item, field) so the CLI can
print it as one line instead of a traceback.
"""

from __future__ import annotations

from typing import Any


class RewriterError(Exception):
    """Base class: anything the CLI reports as a clean one-line error."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class InputError(RewriterError):
    """An input file or item cannot be read or lacks a field."""


class PromptError(RewriterError):
    """A prompt folder is missing a file or a template variable."""


class CacheMiss(RewriterError):
    """Replay mode was asked for a response the cache does not hold."""

    def __init__(self, key: str, *, where: str | None = None) -> None:
        self.key = key
        super().__init__(
            f"no recorded response for request {key} (cache mode is 'replay'; "
            "record it with REWRITER_CACHE_MODE=use against a live server)",
            where=where,
        )


class CacheCorrupt(RewriterError):
    """A cache entry is not plain JSON (for example a planted pickle)."""


class ModelError(RewriterError):
    """The model server could not give a usable answer."""

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        attempts: int = 0,
        last_output: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage or {}
        super().__init__(message, where=where)


class LocalModelUnavailable(RewriterError):
    """The embedded llama.cpp model cannot be started here."""


def unexpected(exc: BaseException) -> str:
    """A one-line message for an error no rule foresaw, so the run can go on without a traceback."""
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}" + (f": {detail[:300]}" if detail else "") + " (please report it)"
