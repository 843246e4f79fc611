"""The Batch API job's record of what it submitted: `state.json` under --out/.rewriter-batch/.

Every request file, the batch made of it and the rounds are written here
*before* the next step (see `batch_api.py`), so a rerun after a crash knows
which lines are in flight and which batches to poll. `Ledger` keeps that
record and the items' outcomes (`deferred.py`); it never talks to the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, Field

from rewriter.batch.deferred import Outcomes
from rewriter.batch.lines import RequestFile, read_ids
from rewriter.batch.report import BatchRound, BatchRun, Tokens, estimated_cost
from rewriter.errors import InputError
from rewriter.output import atomic_write

STATE_NAME = "state.json"


class Submitted(BaseModel):
    """One request file and the batch made of it."""

    name: str
    round: int
    lines: int
    format: str
    fileId: str | None = None
    batchId: str | None = None
    status: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    collected: bool = False
    errors: list[str] = Field(default_factory=list)


class State(BaseModel):
    server: str
    model: str
    round: int = 0
    rounds: list[BatchRound] = Field(default_factory=list)
    files: list[Submitted] = Field(default_factory=list)
    tokens: Tokens = Field(default_factory=Tokens)


class Ledger:
    """What this --out has submitted to the Batch API, saved after every change."""

    def __init__(self, folder: Path, endpoint: Any, stream: TextIO, retry_rejected: bool = False) -> None:
        self.folder = folder
        self.stream = stream
        self.path = folder / STATE_NAME
        if self.path.exists():
            try:
                self.state = State.model_validate_json(self.path.read_bytes())
            except ValueError as exc:
                raise InputError(f"not a batch state file: {str(exc).splitlines()[0]}", where=str(self.path)) from None
            if self.state.server != endpoint.server_id:
                raise InputError(
                    f"the batches recorded here belong to {self.state.server}, not {endpoint.server_id}; "
                    "finish them with that server, or use another --out",
                    where=str(self.path),
                )
        else:
            self.state = State(server=endpoint.server_id, model=endpoint.model)
        self.outcomes = Outcomes(folder, retry_rejected=retry_rejected)

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, self.state.model_dump_json(indent=1) + "\n")

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    @property
    def open_files(self) -> list[Submitted]:
        return [f for f in self.state.files if not f.collected]

    def waiting_on(self) -> dict[str, str]:
        """custom_id → the batch (and round) that holds its line, for the pending items."""
        where = {}
        for record in self.open_files:
            holder = f"batch {record.batchId}" if record.batchId else f"{record.name} (not submitted yet)"
            for key in read_ids(self.folder / record.name):
                where[key] = f"{holder}, round {record.round}"
        return where

    def in_flight_keys(self) -> set[str]:
        keys: set[str] = set()
        for record in self.open_files:
            keys.update(read_ids(self.folder / record.name))
        return keys

    def record_round(self, files: list[RequestFile], fmt: str) -> None:
        """Remember the new files before anything is uploaded."""
        self.state.round += 1
        self.state.rounds.append(BatchRound(round=self.state.round, lines=sum(f.lines for f in files)))
        for f in files:
            self.state.files.append(Submitted(name=f.path.name, round=self.state.round, lines=f.lines, format=fmt))
        self.save()

    def round_of(self, record: Submitted) -> BatchRound:
        return next(r for r in self.state.rounds if r.round == record.round)

    def collected(self, record: Submitted, tokens: Tokens) -> None:
        """`record`'s results are in the cache and the outcomes: count its tokens, never fetch it again."""
        self.state.tokens.input += tokens.input
        self.state.tokens.output += tokens.output
        record.collected = True
        self.save()

    def finish(self, retry: str) -> None:
        """Nothing is in flight: settle the outcomes (a rerun takes failed items up
        again, as online) and name the rejected requests' way back."""
        rejected = self.outcomes.rejected
        if rejected:
            self.say(f"{rejected} request(s) rejected by the Batch API (see the report); once the cause is fixed: {retry}")
        self.outcomes.settle()

    def summary(self, settings: Any) -> BatchRun:
        state = self.state
        return BatchRun(
            via="batch-api",
            batches=[f.batchId for f in state.files if f.batchId],
            inFlight=[f.batchId for f in self.open_files if f.batchId],
            rounds=state.rounds,
            tokens=state.tokens.model_copy(),
            cost=estimated_cost(settings, state.model, state.tokens, batch=True),
            errors=[e for f in state.files for e in f.errors],
        )
