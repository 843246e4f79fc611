"""Batch request lines: `{"custom_id", "method", "url", "body"}`, one a line.

The format OpenAI's Batch API, Azure, Groq, `vllm run-batch` and Ray Data
all read. `custom_id` is the request's cache key, so a result line finds its
place in the cache without its request; a key is written once a round.
Lines are streamed into files of at most `max_lines` lines and `max_bytes`
bytes, each written to a `.part` file and renamed when complete, with a
`.ids` file beside it listing its custom_ids (what a resume or an import
needs, without reading the bodies again).
"""

from __future__ import annotations

import json
import os
from json.encoder import encode_basestring as _STRING  # type: ignore[attr-defined]
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rewriter.batch.plan import fingerprint

URL = "/v1/chat/completions"


@dataclass
class RequestFile:
    path: Path
    lines: int
    bytes: int

    @property
    def ids_path(self) -> Path:
        return ids_path(self.path)


def ids_path(path: Path) -> Path:
    return path.with_name(path.name + ".ids")


def read_ids(path: Path) -> list[str]:
    """The custom_ids of a request file, from its `.ids` file."""
    with ids_path(path).open(encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in lines if line.strip()]


class RequestWriter:
    """Writes each new request once, rolling to a new file at the limits.

    `name(n)` gives the n-th file's path (n from 1); `skip` are keys not to
    write (already in flight).
    """

    def __init__(self, name: Any, max_lines: int, max_bytes: int) -> None:
        self.name = name
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        #: Fingerprints of the keys written (see `plan.fingerprint`).
        self.keys: set[bytes] = set()
        self.files: list[RequestFile] = []
        self._out: IO[bytes] | None = None
        self._ids: IO[str] | None = None
        self._lines = 0
        self._bytes = 0

    def add(self, body: dict[str, Any], key: str, body_json: str | None = None) -> None:
        """Write `body` under `key` unless already written; `body_json` is its JSON when at hand
        (`ModelClient.encoded`), so the body is not encoded twice."""
        written = fingerprint(key)
        if written in self.keys:
            return
        self.keys.add(written)
        if body_json is None:
            body_json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # json.dumps({"custom_id", "method", "url", "body"}), with the body's JSON put in
        line = f'{{"custom_id":{_STRING(key)},"method":"POST","url":{_STRING(URL)},"body":{body_json}}}\n'.encode("utf-8")
        if self._out is None or self._lines >= self.max_lines or self._bytes + len(line) > self.max_bytes:
            self._roll()
        assert self._out is not None and self._ids is not None
        self._out.write(line)
        self._ids.write(key + "\n")
        self._lines += 1
        self._bytes += len(line)

    def _roll(self) -> None:
        self._finish()
        path = Path(self.name(len(self.files) + 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(RequestFile(path, 0, 0))
        self._out = _part(path).open("wb")
        self._ids = _part(ids_path(path)).open("w", encoding="utf-8")
        self._lines = self._bytes = 0

    def _finish(self) -> None:
        if self._out is None or self._ids is None:
            return
        current = self.files[-1]
        current.lines, current.bytes = self._lines, self._bytes
        for handle, path in ((self._ids, ids_path(current.path)), (self._out, current.path)):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.replace(_part(path), path)  # the .ids first: a request file never lacks its ids
        self._out = self._ids = None

    def close(self) -> list[RequestFile]:
        """Finish the last file; every file written, in order."""
        self._finish()
        return self.files


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")
