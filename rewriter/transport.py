"""The HTTP side of a chat request: the openai client, its limits and its errors.

`ModelClient` (rewriter.model) decides what to ask and whether the cache
already knows; this module sends one request and turns what comes back, or
fails to, into content and usage or a `ModelError` that names the server.
Transport retries (408/409/429/5xx, Retry-After) are the openai client's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from rewriter import policy
from rewriter.errors import ModelError

if TYPE_CHECKING:
    from rewriter.model import Endpoint


class _Message(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _Choice(BaseModel):
    message: _Message = Field(default_factory=_Message)
    finish_reason: str | None = None

    @field_validator("message", mode="before")
    @classmethod
    def _no_message(cls, value: Any) -> Any:
        return {} if value is None else value  # an empty answer, said as such

    @field_validator("finish_reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> Any:
        return None if value is None else str(value)


class _Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @field_validator("prompt_tokens", "completion_tokens", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return 0 if value is None else value


class ChatReply(BaseModel):
    """The part of an OpenAI chat completion we read; other keys are ignored."""

    choices: list[_Choice] = Field(default_factory=list)
    usage: _Usage | None = None

    @field_validator("usage", mode="wrap")
    @classmethod
    def _usage(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Token counts only feed the report: counts we cannot read are left out, the answer is kept."""
        try:
            return handler(value)
        except ValidationError:
            return None


class _FormatRejected(Exception):
    pass


def _is_format_rejection(exc: Exception) -> bool:
    import openai

    if not isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError, openai.InternalServerError)):
        return False
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object", "schema"))


class Transport:
    """One run's connection to its server: the openai client, made on first use, and a limit on requests at once."""

    def __init__(self, endpoint: Endpoint, *, timeout: float, max_retries: int) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_retries = max_retries
        self._client: Any = None
        self._lock = asyncio.Lock()
        self._gate: asyncio.Semaphore | contextlib.nullcontext[None] = contextlib.nullcontext()

    def limit(self, count: int) -> None:
        """Send at most `count` requests at once (the batch job's `--concurrency`)."""
        self._gate = asyncio.Semaphore(count)

    async def client(self) -> Any:
        """The openai client, made (and the embedded server started) on first use."""
        async with self._lock:
            if self._client is None:
                import openai

                base_url = self.endpoint.base_url
                if self.endpoint.start is not None:
                    base_url = await self.endpoint.start()
                self._client = openai.AsyncOpenAI(
                    base_url=base_url,
                    api_key=self.endpoint.api_key or "not-needed",
                    timeout=openai.Timeout(self.timeout, connect=policy.CONNECT_TIMEOUT_S),
                    max_retries=self.max_retries,
                )
            return self._client

    @property
    def base_url(self) -> str:
        if self._client is not None:
            return str(self._client.base_url)
        return self.endpoint.base_url or self.endpoint.server_id

    async def send(self, body: dict[str, Any], where: str) -> tuple[str, dict[str, int], float]:
        """One request, at most `limit` at once: (content, usage, latency)."""
        client = await self.client()
        async with self._gate:
            return await self._post(client, body, where)

    async def _post(self, client: Any, body: dict[str, Any], where: str) -> tuple[str, dict[str, int], float]:
        """One request, its errors turned into ModelError; (content, usage, latency)."""
        import openai

        started = time.perf_counter()
        try:
            # The client's raw-body path (same retries, timeouts and errors as
            # `chat.completions.create`): our body is plain JSON already, and
            # create()'s type-driven transform walks the whole schema on every
            # request, about a quarter of the client's CPU per call. The reply
            # comes back as bytes for `ChatReply`: openai's ChatCompletion is
            # built by a recursive walk of its type hints, ~0.1 ms a reply.
            raw = await client.post("/chat/completions", body=body, cast_to=bytes)
            response = ChatReply.model_validate_json(raw)
        except openai.APITimeoutError:
            raise ModelError(
                f"the model server at {self.base_url} did not answer within {self.timeout:g} s",
                where=where,
            ) from None
        except openai.APIConnectionError as exc:
            raise ModelError(f"cannot reach the model server at {self.base_url}: {exc}", where=where) from None
        except openai.APIStatusError as exc:
            if _is_format_rejection(exc):
                raise _FormatRejected(str(exc)) from None
            raise ModelError(
                f"the model server at {self.base_url} answered HTTP {exc.status_code}: {_short(exc.message)}",
                where=where,
            ) from None
        except (openai.APIError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise ModelError(
                f"the model server at {self.base_url} sent a malformed response: {_short(str(exc))}",
                where=where,
            ) from None
        latency = time.perf_counter() - started
        content, usage = reply_content(response, where)
        return content, usage, latency

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def reply_content(response: ChatReply, where: str | None) -> tuple[str, dict[str, int]]:
    """The answer and token usage of a chat completion; ModelError if it holds none.

    Shared by the online path and Batch result lines, so both judge a reply alike.
    """
    usage = response.usage.model_dump() if response.usage else {}
    if not response.choices:
        raise ModelError("the model returned no choices (empty answer)", where=where, usage=usage)
    choice = response.choices[0]
    content = (choice.message.content or "").strip()
    refusal = choice.message.refusal
    if refusal or choice.finish_reason == "content_filter":
        raise ModelError(f"the model refused: {_short(refusal or 'content filter')}", where=where, usage=usage)
    if choice.finish_reason == "length":
        raise ModelError(
            "the answer was cut off at max_tokens (finish_reason=length)",
            where=where,
            usage=usage,
            last_output=content,
        )
    if not content:
        raise ModelError("the model returned an empty answer", where=where, usage=usage)
    return content, usage


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
