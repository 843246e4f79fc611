"""What one run needs, built from settings: prompt, cache, endpoint, client.

The embedded server is started lazily by the first request that misses the
cache, so replays and fully cached reruns never start it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from rewriter.cache import ResponseCache
from rewriter.model import Endpoint, ModelClient
from rewriter.prompts import Prompt, load_prompt
from rewriter.settings import Provider, Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


def _local_endpoint(settings: Settings, stack: contextlib.ExitStack) -> Endpoint:
    from rewriter.local_server import LocalServer, model_server_id, require_llama_cpp, resolve_model

    model_path = resolve_model(settings.local_model)
    if settings.cache_mode.value != "replay":
        require_llama_cpp()

    async def start() -> str:
        server = LocalServer(model_path)
        stack.callback(server.close)
        return server.start()

    return Endpoint(
        model=settings.model or model_path.stem,
        server_id=model_server_id(model_path),
        first_format="json_object_schema",
        start=start,
    )


def build_endpoint(settings: Settings, stack: contextlib.ExitStack) -> Endpoint:
    if settings.resolved_provider() is Provider.LOCAL:
        return _local_endpoint(settings, stack)
    base_url = (settings.openai_base_url or DEFAULT_OPENAI_BASE_URL).rstrip("/")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return Endpoint(model=settings.model or DEFAULT_OPENAI_MODEL, server_id=base_url, base_url=base_url, api_key=key)


@dataclass
class Run:
    """Everything shared by the items of one run; close it when done."""

    settings: Settings
    prompt: Prompt
    cache: ResponseCache
    client: ModelClient
    stack: contextlib.ExitStack

    @classmethod
    def open(cls, settings: Settings, prompts: Path | None = None) -> Run:
        stack = contextlib.ExitStack()
        try:
            prompt = load_prompt(prompts or settings.prompts)
            cache = ResponseCache(settings.cache_dir, settings.cache_mode)
            stack.callback(cache.close)
            endpoint = build_endpoint(settings, stack)
            client = ModelClient(endpoint, cache, timeout=settings.timeout, max_retries=settings.max_retries)
        except BaseException:
            stack.close()
            raise
        return cls(settings, prompt, cache, client, stack)

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.stack.close()
