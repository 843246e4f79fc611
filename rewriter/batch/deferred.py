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
answer is re-asked with its problems named. A line the Batch API did not
deliver (expired, cancelled, 5xx, rate-limited) is the delivery's fault, not
the answer's: it is asked again in the next round without using up one of
the item's answers (`REWRITER_ATTEMPTS`), until the run's rounds
(`REWRITER_BATCH_ROUNDS`) are used up. A line the API rejected for good (a
400 validation error) stays failed, naming the reason and the command that
sends it again (`--retry-rejected`).

A run that ends with nothing in flight settles the outcomes: the next run
starts afresh for every item still unwritten, as the online path's rerun
does (only the rejections stay, until `--retry-rejected`).
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
    status != 200, expired; "final" when rejected for good), {"key", "error":
    message[, "last_output"]} (a reply the online client would raise on),
    {"key", "content", "usage"} (an answer that fails validation), or
    {"settled": true[, "rejected": true]}: a run ended with nothing in flight
    (`settle`), and what came before it no longer counts, except the
    rejections (those too with "rejected": `--retry-rejected`). The last line
    of a key wins; failed deliveries are counted, for the messages.
    """

    def __init__(self, folder: Path, *, retry_rejected: bool = False) -> None:
        self.path = folder / OUTCOMES_NAME
        self.last: dict[str, dict[str, Any]] = {}
        self.failures: Counter[str] = Counter()
        self._append: Any = None
        try:
            with self.path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        self._note(json.loads(line))
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue  # a torn last line after a crash
        except OSError:
            pass
        if retry_rejected and any(r.get("final") for r in self.last.values()):
            self.add({"settled": True, "rejected": True})

    def _note(self, record: dict[str, Any]) -> None:
        if record.get("settled"):
            keep = not record.get("rejected")
            self.last = {k: r for k, r in self.last.items() if keep and r.get("final")}
            self.failures = Counter()
            return
        key = record["key"]
        self.last[key] = record
        if "failed" in record:
            self.failures[key] += 1

    @property
    def rejected(self) -> int:
        """Requests the Batch API rejected for good (see `--retry-rejected`)."""
        return sum(1 for r in self.last.values() if r.get("final"))

    def settle(self) -> None:
        """The run ended with nothing in flight: the next one starts afresh (see the class)."""
        if self.last:
            self.add({"settled": True})

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
        last_round: int = 0,
        retry: str = "",
    ) -> None:
        super().__init__(online.endpoint, online.cache, timeout=online.timeout, max_retries=online.max_retries)
        self.outcomes = outcomes
        self.record = record
        self.in_flight = in_flight
        #: This run's rounds (when it has none left, else 0): a request still
        #: missing then fails its item, and a rerun sends it.
        self.last_round = last_round
        #: The command that sends rejected requests again, for their message.
        self.retry = retry
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
            if outcome.get("final"):
                retry = f"; once its cause is fixed, send it again with: {self.retry}" if self.retry else ""
                raise ModelError(f"{outcome['failed']} (a rerun does not send it again{retry})", where=where)
        if self.last_round:
            rounds = self.last_round
            if outcome is not None and "failed" in outcome:
                tries = self.outcomes.failures[key]
                reason = f"the Batch API delivered no answer in {rounds} rounds ({tries} time(s): {outcome['failed']})"
            else:
                reason = f"this run's {rounds} Batch rounds were used up before this request could be sent"
            raise ModelError(f"{reason}; rerun the same command to send it", where=where)
        self.record(body, key, text)
        raise AnswerPending(key)

    async def aclose(self) -> None:
        pass
