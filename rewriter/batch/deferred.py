"""The client of a batch round: answers from the cache, and asks nothing itself.

The Batch paths render through the online pipeline (`rewrite_item`, review,
grounding, writing) unchanged: only the client differs. Where the online
client would send a request, `DeferredClient` hands the request's body and
cache key to the round's line writer and raises `AnswerPending`, so the item
waits for the next round. The body and key are built by `ModelClient`
itself, so a Batch line's `custom_id` is exactly the key the online path
would cache its answer under.

Answers that came back from a batch but cannot be cached (invalid content,
a refusal, a failed line) are kept as `Outcomes` in the state folder and
played back here the way the online client would have met them: an invalid
answer is re-asked with its problems named, a failed line is asked again in
the next round until the attempts run out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewriter.errors import ModelError
from rewriter.model import ModelClient

OUTCOMES_NAME = "outcomes.jsonl"


class AnswerPending(Exception):
    """The item needs an answer that a batch has not given yet (not a failure)."""


class Outcomes:
    """Batch answers that are not in the cache, by key: `outcomes.jsonl`, appended to.

    Each line is one of {"key", "failed": reason[, "final": true]} (no answer:
    status != 200, expired, rejected), {"key", "error": message[, "last_output"]}
    (a reply the online client would raise on), or {"key", "content", "usage"}
    (an answer that fails validation). The last line of a key wins; failures
    are counted, for the attempts limit.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / OUTCOMES_NAME
        self.last: dict[str, dict[str, Any]] = {}
        self.failures: Counter[str] = Counter()
        try:
            with self.path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        self._note(json.loads(line))
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line after a crash
        except OSError:
            pass
        self._append: Any = None

    def _note(self, record: dict[str, Any]) -> None:
        key = record["key"]
        self.last[key] = record
        if "failed" in record:
            self.failures[key] += 1

    def add(self, record: dict[str, Any]) -> None:
        self._note(record)
        if self._append is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append = self.path.open("a", encoding="utf-8")
        self._append.write(json.dumps(record, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        if self._append is not None:
            self._append.flush()

    def close(self) -> None:
        if self._append is not None:
            self._append.close()
            self._append = None


class DeferredClient(ModelClient):
    """A `ModelClient` whose `_send` never sends: see the module docstring."""

    def __init__(
        self,
        online: ModelClient,
        outcomes: Outcomes,
        record: Callable[[dict[str, Any], str, str | None], None],
        *,
        in_flight: set[str] | frozenset[str] = frozenset(),
        attempts: int,
    ) -> None:
        super().__init__(online.endpoint, online.cache, timeout=online.timeout, max_retries=online.max_retries)
        self.outcomes = outcomes
        self.record = record
        self.in_flight = in_flight
        self.attempts = attempts
        # Batch lines are only ever written in the first mode (see rounds.first_format),
        # so only its answers are looked up: one key and one lookup an ask, as online
        # once a mode has worked.
        self._confirmed = True
        self._last: tuple[dict[str, Any], str, str | None] | None = None

    def encoded(self, messages: list[dict[str, str]], fmt: str, numerals: Any = (), **options: Any) -> tuple[dict[str, Any], str, str]:
        """The body, key and JSON, remembered for `_send`, which gets the same body next."""
        body, key, text = super().encoded(messages, fmt, numerals, **options)
        self._last = (body, key, text)
        return body, key, text

    def _known(self, body: dict[str, Any]) -> tuple[str, str | None]:
        if self._last is not None and self._last[0] is body:
            return self._last[1], self._last[2]
        return self.key(body), None

    async def _send(self, body: dict[str, Any], where: str) -> tuple[str, dict[str, int], float]:
        key, text = self._known(body)
        if key in self.in_flight:
            raise AnswerPending(key)
        outcome = self.outcomes.last.get(key)
        if outcome is not None:
            if "content" in outcome:  # complete() finds it invalid and rewrite_item re-asks, as online
                return outcome["content"], outcome.get("usage") or {}, 0.0
            if "error" in outcome:
                raise ModelError(
                    outcome["error"], where=where, usage=outcome.get("usage"), last_output=outcome.get("last_output")
                )
            tries = self.outcomes.failures[key]
            if outcome.get("final"):
                raise ModelError(outcome["failed"], where=where)
            if tries >= self.attempts:
                raise ModelError(f"the batch line failed {tries} time(s): {outcome['failed']}", where=where)
        self.record(body, key, text)
        raise AnswerPending(key)

    async def aclose(self) -> None:
        pass
