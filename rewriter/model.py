"""One chat completion through the cache, with structured-output negotiation.

Servers differ in what `response_format` they accept: OpenAI and llama.cpp's
own server (the embedded model) take `json_schema`, llama-cpp-python's server
rejects that (HTTP 500) but honours `{"type": "json_object", "schema": ...}`,
others only plain `json_object`.
We try them in that order, remember per server what worked (in the cache
folder, so the next run starts right), and look every candidate up in the
cache first so a replay needs no server at all.

Sending one request, and reading or refusing what comes back, is
`rewriter.transport`'s; transport retries (408/409/429/5xx, Retry-After)
are the openai client's job, and this module never loops on them itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rewriter import policy
from rewriter.answer import response_schema
from rewriter.cache import ResponseCache, encoded_body, payload_json, request_key, request_key_of
from rewriter.errors import CacheMiss, ModelError
from rewriter.settings import CacheMode
from rewriter.transport import Transport, _FormatRejected

T = TypeVar("T")

FORMATS = ("json_schema", "json_object_schema", "json_object")


#: The source's figures, or a function giving them (called only by a mode that needs them).
Numerals = Sequence[str] | Callable[[], Sequence[str]]


def _spelled(numerals: Numerals) -> Sequence[str]:
    return numerals() if callable(numerals) else numerals


@dataclass(frozen=True)
class Shape:
    """What an answer must look like: its schema's name, the schema (given the
    source's figures for a grammar, None for the portable one), whether a
    grammar carries those figures, and the answer's token limit.

    The rewrite is one shape, the verification of its claims another
    (`rewriter.verify`); both go through the same cache, negotiation and
    Batch lines.
    """

    name: str
    schema: Callable[[Sequence[str] | None], dict[str, Any]]
    figures: bool = True
    max_tokens: int = policy.MAX_TOKENS


REWRITE = Shape("rewrite", response_schema)


def grammar_level(name: str, grammar: bool) -> bool:
    """Whether mode `name` is decoded under its schema as a grammar (see `format_payload`)."""
    return name == "json_object_schema" or (name == "json_schema" and grammar)


def uses_numerals(name: str, grammar: bool, shape: Shape = REWRITE) -> bool:
    """Whether mode `name` carries the source's figures: only as the grammar-level schema."""
    return shape.figures and grammar_level(name, grammar)


def format_payload(name: str, numerals: Numerals = (), *, grammar: bool = False, shape: Shape = REWRITE) -> dict[str, Any]:
    """The `response_format` of one structured-output mode.

    A grammar-driven server (llama.cpp: the embedded one, which takes
    `json_schema`, or another one's `json_object` + schema) gets the
    grammar-level schema: prose lengths, the source's `numerals` as the only
    figures. OpenAI's strict mode refuses keywords it does not support, so
    its `json_schema` carries the portable one.
    """
    if name not in ("json_schema", "json_object_schema"):
        return {"type": "json_object"}
    schema = shape.schema((_spelled(numerals) if shape.figures else ()) if grammar_level(name, grammar) else None)
    if name == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": shape.name, "strict": True, "schema": schema}}
    return {"type": "json_object", "schema": schema}


@dataclass
class Endpoint:
    """Where requests go. `server_id` is what the cache key records of it.

    For a configured server it is the base URL; for the embedded model it is
    the model file's name and hash, never the random port it listens on.
    `start` brings a lazily started server up and returns its base URL.
    `grammar` says the server decodes under the schema as a grammar (the
    embedded llama.cpp), so its `json_schema` gets the grammar-level schema.
    """

    model: str
    server_id: str
    base_url: str | None = None
    api_key: str | None = None
    first_format: str = FORMATS[0]
    grammar: bool = False
    start: Callable[[], Awaitable[str]] | None = None


@dataclass
class Completion(Generic[T]):
    content: str
    parsed: T
    cached: bool
    usage: dict[str, int] = field(default_factory=dict)
    format: str = ""
    latency: float = 0.0


class InvalidAnswer(Exception):
    """The server answered, but the content failed validation (never cached)."""

    def __init__(self, reason: str, content: str, usage: dict[str, int]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.content = content
        self.usage = usage


class ModelClient:
    """Sends chat requests for one run; share it between concurrent items."""

    def __init__(
        self, endpoint: Endpoint, cache: ResponseCache, *, timeout: float = policy.REQUEST_TIMEOUT_S,
        max_retries: int = policy.TRANSPORT_RETRIES,
    ) -> None:  # fmt: skip
        self.endpoint = endpoint
        self.cache = cache
        self.timeout = timeout
        self.max_retries = max_retries
        self.transport = Transport(endpoint, timeout=timeout, max_retries=max_retries)
        self._format: str | None = None
        #: True once the server accepted `_format` in this run.
        self._confirmed = False
        #: The JSON of each response format that is the same for every item, by mode (see `encoded`).
        self._payloads: dict[tuple[str, str], tuple[str, str]] = {}

    def limit_requests(self, count: int) -> None:
        """Send at most `count` requests at once (the batch job's `--concurrency`)."""
        self.transport.limit(count)

    # --- request building --------------------------------------------------

    def _format_order(self) -> list[str]:
        if self._format is None:
            remembered = self.cache.get_meta(f"format:{self.endpoint.server_id}")
            self._format = remembered if remembered in FORMATS else self.endpoint.first_format
        start = FORMATS.index(self._format)
        return list(FORMATS[start:]) + list(FORMATS[:start])

    def body(
        self, messages: list[dict[str, str]], fmt: str, numerals: Numerals = (), *, shape: Shape = REWRITE,
        model: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The request body; `model` names another model of the same server (the verifier's)."""
        return {
            "model": model or self.endpoint.model,
            "messages": messages,
            "response_format": format_payload(fmt, numerals, grammar=self.endpoint.grammar, shape=shape),
            "temperature": policy.TEMPERATURE,
            "seed": policy.SEED,
            # a grammar-held rewrite may run to the grammar's longest answer (issue 20)
            "max_tokens": policy.GRAMMAR_MAX_TOKENS if uses_numerals(fmt, self.endpoint.grammar, shape) else shape.max_tokens,
        }

    def key(self, body: dict[str, Any]) -> str:
        return request_key({"server": self.endpoint.server_id, **body})

    def encoded(
        self, messages: list[dict[str, str]], fmt: str, numerals: Numerals = (), *, shape: Shape = REWRITE,
        model: str | None = None,
    ) -> tuple[dict[str, Any], str, str]:  # fmt: skip
        """`body(...)`, its `key`, and the body's JSON as sent (keys in order), from one encoding.

        Both JSON texts are put together from the JSON of the body's parts
        (`encoded_body`): each message text is escaped once for both, and the
        response format, the same for every item of a run, is encoded once per
        mode. The key is exactly `key(body)` (tests/test_properties.py).
        """
        body = self.body(messages, fmt, numerals, shape=shape, model=model)
        # Only a format without the item's figures is the same for every item;
        # one with them (a grammar) is encoded per item, or the map would grow
        # by one ~8 KB schema an item.
        shared = not uses_numerals(fmt, self.endpoint.grammar, shape)
        payload = self._payloads.get((shape.name, fmt)) if shared else None
        if payload is None:  # from this fresh format object, never from one a caller could have changed
            payload = payload_json(body["response_format"])
            if shared:
                self._payloads[(shape.name, fmt)] = payload
        canonical, ordered = encoded_body(self.endpoint.server_id, body, payload)
        return body, request_key_of(canonical), ordered

    # --- the call ------------------------------------------------------------

    async def complete(
        self, messages: list[dict[str, str]], parse: Callable[[str], T], *, where: str, numerals: Numerals = (),
        shape: Shape = REWRITE, model: str | None = None,
    ) -> Completion[T]:  # fmt: skip
        """The parsed answer to `messages`, from the cache or the server.

        `numerals` are the figures the source spells (or a function giving
        them); a grammar-driven server is allowed no others (see `format_payload`).
        `shape` is the answer's schema, `model` another model of the server.

        Raises InvalidAnswer when the content fails `parse`, ModelError for
        everything else (timeouts, HTTP errors, refusals, truncation), and
        CacheMiss in replay mode.
        """
        order = self._format_order()
        requests: dict[str, tuple[dict[str, Any], str]] = {}

        def request(fmt: str) -> tuple[dict[str, Any], str]:
            """Body and cache key of one mode, built once: the key hashes the whole body."""
            if fmt not in requests:
                body, key, _ = self.encoded(messages, fmt, numerals, shape=shape, model=model)
                requests[fmt] = (body, key)
            return requests[fmt]

        if self.cache.readable:
            # Once a mode has worked in this run, answers are recorded under it
            # alone: one lookup per request instead of one per mode.
            for fmt in order[:1] if self._confirmed else order:
                hit = self.cache.get(request(fmt)[1])
                if hit is not None and isinstance(hit.get("content"), str):
                    try:
                        parsed = parse(hit["content"])
                    except ValueError:
                        continue  # recorded under an older schema; ask again
                    return Completion(hit["content"], parsed, True, hit.get("usage", {}), fmt)
        if self.cache.mode is CacheMode.REPLAY:
            raise CacheMiss(request(order[0])[1], where=where)

        last_rejection: Exception | None = None
        for fmt in order:
            body, key = request(fmt)
            try:
                content, usage, latency = await self._send(body, where)
            except _FormatRejected as exc:
                last_rejection = exc
                continue
            if fmt != self._format:
                self._format = fmt
                self.cache.set_meta(f"format:{self.endpoint.server_id}", fmt)
            self._confirmed = True
            try:
                parsed = parse(content)
            except ValueError as exc:
                raise InvalidAnswer(str(exc), content, usage) from None
            # sqlite does its work without the GIL: off the event loop, the
            # commit overlaps with other items' requests.
            await asyncio.to_thread(self.cache.set, key, {"content": content, "usage": usage, "format": fmt})
            return Completion(content, parsed, False, usage, fmt, latency)
        raise ModelError(
            f"the server rejected every structured-output mode ({', '.join(order)}): {last_rejection}",
            where=where,
        )

    async def _send(self, body: dict[str, Any], where: str) -> tuple[str, dict[str, int], float]:
        """One request to the server: (content, usage, latency). The Batch paths' client overrides it."""
        return await self.transport.send(body, where)

    async def api(self) -> Any:
        """The openai client of this run (the Batch API executor uses its files and batches)."""
        return await self.transport.client()

    async def aclose(self) -> None:
        await self.transport.aclose()
