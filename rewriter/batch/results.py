"""Batch result lines into the cache: OpenAI's and vLLM's output format.

A line is `{"custom_id", "response": {"status_code", "body"}, "error"}`;
`custom_id` is the cache key of its request, so lines are matched by it
and their order does not matter. A 200 reply is judged exactly as the
online client judges one (`reply_content`, then the answer's parser): a
valid answer goes into the cache under its key, anything else is kept as an
`Outcome` for the next round and is never cached.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rewriter.batch.deferred import Outcomes
from rewriter.batch.report import Tokens
from rewriter.errors import InputError, ModelError
from rewriter.transport import ChatReply, reply_content

#: Cache writes are committed in transactions of this many entries.
_CHUNK = 500


class ResultSink:
    """Takes result lines; `counts` says what became of them."""

    def __init__(self, cache: Any, outcomes: Outcomes, fmt: Callable[[str], str]) -> None:
        from rewriter.answer import parse_answer

        self.cache = cache
        self.outcomes = outcomes
        self.parse = parse_answer
        self.fmt = fmt
        self.tokens = Tokens()
        self.counts = {"cached": 0, "invalid": 0, "failed": 0}
        self.seen: set[str] = set()
        self._pending: list[tuple[str, dict[str, Any]]] = []

    def take(self, record: Any, where: str) -> str:
        """Store one result line; its custom_id (the key)."""
        if not isinstance(record, dict) or not isinstance(record.get("custom_id"), str):
            raise InputError("expected a Batch result line with a string 'custom_id'", where=where)
        key = record["custom_id"]
        self.seen.add(key)
        response = record.get("response") if isinstance(record.get("response"), dict) else None
        status = response.get("status_code") if response else None
        if status != 200 or not isinstance(response.get("body"), dict):  # type: ignore[union-attr]
            if _rejected(status):
                self.fail(key, f"the Batch API rejected the request: {_failure(record, status)}", final=True)
            else:
                self.fail(key, _failure(record, status))
            return key
        try:
            reply = ChatReply.model_validate(response["body"])  # type: ignore[index]
            content, usage = reply_content(reply, None)
        except ValidationError as exc:
            self.fail(key, f"malformed response: {str(exc).splitlines()[0]}")
            return key
        except ModelError as exc:
            self._count(exc.usage)
            self.counts["invalid"] += 1
            self.outcomes.add({"key": key, "error": str(exc), "usage": exc.usage, "last_output": exc.last_output})
            return key
        self._count(usage)
        try:
            self.parse(content)
        except ValueError:
            self.counts["invalid"] += 1
            self.outcomes.add({"key": key, "content": content, "usage": usage})
            return key
        self.counts["cached"] += 1
        self._pending.append((key, {"content": content, "usage": usage, "format": self.fmt(key)}))
        if len(self._pending) >= _CHUNK:
            self.flush()
        return key

    def fail(self, key: str, reason: str, *, final: bool = False) -> None:
        self.counts["failed"] += 1
        self.outcomes.add({"key": key, "failed": reason, **({"final": True} if final else {})})

    def _count(self, usage: dict[str, int]) -> None:
        self.tokens.input += int(usage.get("prompt_tokens", 0) or 0)
        self.tokens.output += int(usage.get("completion_tokens", 0) or 0)

    def flush(self) -> None:
        if self._pending:
            self.cache.set_many(self._pending)
            self._pending = []
        self.outcomes.flush()


def _rejected(status: Any) -> bool:
    """A status that the same request would get again (400: a validation error), as
    against the delivery's faults (no response: expired or cancelled; 408, 409, 429, 5xx)."""
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429)


def _failure(record: dict[str, Any], status: Any) -> str:
    error = record.get("error")
    if isinstance(error, dict):
        return f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip(": ")
    if error:
        return str(error)
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    body = response.get("body") if isinstance(response, dict) else None
    message = body.get("error", {}).get("message") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
    return f"HTTP {status}" + (f": {message}" if message else "")


def result_lines(path: Path) -> Iterator[tuple[Any, str]]:
    """(record, "file:line") for each non-empty line of a result file, streamed."""
    if not path.is_file():
        raise InputError("not a regular file", where=str(path))
    with path.open(encoding="utf-8", errors="strict") as lines:
        number = 0
        try:
            for number, line in enumerate(lines, 1):  # noqa: B007 - used in the except below
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    yield json.loads(line), where
                except (ValueError, RecursionError) as exc:
                    raise InputError(f"not JSON ({str(exc) or 'nested too deeply'})", where=where) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", where=f"{path}:{number + 1}") from None
