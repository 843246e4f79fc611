"""The on-disk response cache (spec §6), JSON only, never pickle.

diskcache pickles by default, and even its JSONDisk unpickles rows whose mode
says "pickle" (CVE-2025-69872): anyone who can write the cache folder could
run code. `JSONOnlyDisk` stores text keys and JSON values and refuses any row
that is not exactly that.
"""

from __future__ import annotations

import hashlib
import json
import os
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_RAW, UNKNOWN

from rewriter import policy
from rewriter.errors import CacheCorrupt, InputError
from rewriter.settings import CacheMode

KEY_PREFIX = "rewriter:"


def canonical_json(data: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(request: dict[str, Any]) -> str:
    """Tagged, versioned hash of the whole request (never the API key)."""
    return request_key_of(canonical_json(request))


def request_key_of(canonical: str) -> str:
    """`request_key` of the request whose `canonical_json` this is."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{KEY_PREFIX}chat:{policy.CACHE_KEY_VERSION}:{digest}"


# --- the JSON of a chat body from the JSON of its parts -------------------------
#
# `json.dumps` writes a mapping as "{" + the `"key":value` pairs joined by ","
# + "}" (in key order with sort_keys) and a list as "[" + values + "]", with
# every text escaped by `encode_basestring` (ensure_ascii=False). Putting the
# same pieces together by hand gives the same text, and lets the parts that
# recur in every request be encoded once.

_STRING = encode_basestring
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_ORDERED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def payload_json(value: Any) -> tuple[str, str]:
    """A value's canonical JSON and its JSON with keys in their own order."""
    return _CANONICAL.encode(value), _ORDERED.encode(value)


def _plain_messages(messages: Any) -> bool:
    return isinstance(messages, list) and all(
        type(m) is dict and list(m) == ["role", "content"] and type(m["role"]) is str and type(m["content"]) is str
        for m in messages
    )


def encoded_body(server: str, body: dict[str, Any], payload: tuple[str, str]) -> tuple[str, str]:
    """`canonical_json({"server": server, **body})` and `json.dumps(body)` as a Batch line writes it,
    given `payload_json(body["response_format"])`."""
    messages = body.get("messages")
    if not (_plain_messages(messages) and "server" not in body and all(type(k) is str for k in body)):
        return canonical_json({"server": server, **body}), _ORDERED.encode(body)
    texts = [(_STRING(m["role"]), _STRING(m["content"])) for m in messages]
    canonical: dict[str, str] = {"server": _STRING(server)}
    ordered: dict[str, str] = {}
    for name, value in body.items():
        if name == "messages":
            canonical[name] = "[" + ",".join(f'{{"content":{c},"role":{r}}}' for r, c in texts) + "]"
            ordered[name] = "[" + ",".join(f'{{"role":{r},"content":{c}}}' for r, c in texts) + "]"
        elif name == "response_format":
            canonical[name], ordered[name] = payload
        else:
            canonical[name], ordered[name] = payload_json(value)
    return (
        "{" + ",".join(f"{_STRING(k)}:{canonical[k]}" for k in sorted(canonical)) + "}",
        "{" + ",".join(f"{_STRING(k)}:{v}" for k, v in ordered.items()) + "}",
    )


def meta_key(name: str) -> str:
    return f"{KEY_PREFIX}meta:{policy.CACHE_KEY_VERSION}:{name}"


class JSONOnlyDisk(diskcache.Disk):
    """A diskcache Disk that reads and writes nothing but text keys and JSON."""

    def put(self, key: Any) -> tuple[Any, bool]:
        if not isinstance(key, str):
            raise TypeError("cache keys are strings")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise CacheCorrupt("a cache key is pickled; refusing to load it")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> Any:
        if read:
            raise TypeError("the cache stores JSON values, not files")
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        return super().store(data, False, key=key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode not in (MODE_RAW, MODE_BINARY) or read:
            raise CacheCorrupt(f"a cache entry is not JSON (mode {mode}); refusing to load it")
        data = super().fetch(mode, filename, value, False)
        try:
            return json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CacheCorrupt("a cache entry is not valid JSON; refusing to load it") from None


class ResponseCache:
    """Model responses by request key, honouring the cache mode."""

    def __init__(self, directory: Path, mode: CacheMode = CacheMode.USE) -> None:
        self.directory = Path(directory)
        self.mode = mode
        self._cache: diskcache.Cache | None = None

    @property
    def store(self) -> diskcache.Cache:
        if self._cache is None:
            created = not self.directory.exists()
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if created:
                os.chmod(self.directory, 0o700)
            self._cache = diskcache.Cache(
                str(self.directory),
                disk=JSONOnlyDisk,
                size_limit=policy.CACHE_SIZE_LIMIT_BYTES,
                eviction_policy="none",
            )
        return self._cache

    @property
    def readable(self) -> bool:
        return self.mode in (CacheMode.USE, CacheMode.REPLAY)

    @property
    def writable(self) -> bool:
        return self.mode in (CacheMode.USE, CacheMode.REFRESH)

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.readable:
            return None
        try:
            value = self.store.get(key)
        except CacheCorrupt as exc:
            raise CacheCorrupt(
                f"{exc} (key {key}); clear it with 'rewriter cache clear'",
                where=str(self.directory),
            ) from None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self.writable:
            self.store.set(key, value)

    def get_meta(self, name: str) -> Any:
        if self.mode is CacheMode.OFF:
            return None
        try:
            return self.store.get(meta_key(name))
        except CacheCorrupt:
            return None

    def set_meta(self, name: str, value: Any) -> None:
        if self.writable:
            self.store.set(meta_key(name), value)

    # --- maintenance (rewriter cache ...) -----------------------------------

    def stats(self) -> dict[str, Any]:
        store = self.store
        keys = list(store.iterkeys())
        return {
            "directory": str(self.directory),
            "entries": sum(1 for k in keys if k.startswith(f"{KEY_PREFIX}chat:")),
            "pages": sum(1 for k in keys if k.startswith(f"{KEY_PREFIX}page:")),  # batch --full-text
            "meta": sum(1 for k in keys if k.startswith(f"{KEY_PREFIX}meta:")),
            "bytes": store.volume(),
        }

    def clear(self) -> int:
        return self.store.clear()

    def items(self) -> Iterator[tuple[str, Any]]:
        store = self.store
        for key in sorted(store.iterkeys()):
            yield key, store.get(key)

    def export(self, path: Path) -> int:
        """Write every entry as JSON Lines, sorted by key for stable diffs (atomically)."""
        from rewriter.output import atomic_write

        count = 0

        def lines() -> Iterator[str]:  # streamed: the cache may be larger than memory allows
            nonlocal count
            for key, value in self.items():
                count += 1
                yield canonical_json({"key": key, "value": value}) + "\n"

        atomic_write(path, lines())
        return count

    def import_(self, path: Path) -> int:
        """Load entries written by `export`; every line is checked first."""
        from rewriter.readers.files import read_text  # refuses FIFOs, binary and non-UTF-8 files

        entries = []
        for number, line in enumerate(read_text(path, limit=policy.MAX_FEED_DOCUMENT_BYTES).splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                canonical_json(record).encode("utf-8")  # a lone surrogate cannot be stored
            except (ValueError, RecursionError) as exc:
                raise InputError(f"not JSON ({str(exc) or 'nested too deeply'})", where=where) from None
            if not isinstance(record, dict) or not isinstance(record.get("key"), str):
                raise InputError("expected an object with a string 'key'", where=where)
            if not record["key"].startswith(KEY_PREFIX) or "value" not in record:
                raise InputError("not a rewriter cache entry", where=where)
            entries.append((record["key"], record["value"]))
        self.set_many(entries)
        return len(entries)

    def set_many(self, entries: list[tuple[str, Any]]) -> None:
        """Store several entries in one transaction (imports, batch results)."""
        store = self.store
        with store.transact():
            for key, value in entries:
                store.set(key, value)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
