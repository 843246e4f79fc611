"""What one run needs, built from settings: prompt, cache, endpoint, client.

The embedded server is started lazily by the first request that misses the
cache, so replays and fully cached reruns never start it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rewriter import policy
from rewriter.cache import ResponseCache
from rewriter.model import Endpoint, ModelClient
from rewriter.prompts import Prompt, load_prompt
from rewriter.settings import CacheMode, Provider, Settings

if TYPE_CHECKING:
    from rewriter.items import FeedItem
    from rewriter.rewrite import Outcome

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


def _local_endpoint(settings: Settings, stack: contextlib.ExitStack) -> Endpoint:
    """The embedded model. The bundled one is keyed by its pinned name and
    hash, so a replay needs neither xllamacpp nor the model file; a user's own
    REWRITER_LOCAL_MODEL is keyed by its content."""
    from rewriter.local_server import BUNDLED, LocalServer, model_server_id, require_xllamacpp, resolve_model

    replay = settings.cache_mode is CacheMode.REPLAY
    configured = settings.local_model
    if configured is None:
        name, server_id = BUNDLED.name, BUNDLED.server_id
    else:
        path = resolve_model(configured)
        name, server_id = path.stem, model_server_id(path)
    if not replay:
        require_xllamacpp()
        resolve_model(configured)  # a missing model is a usage error now, not at the first request

    async def start() -> str:
        server = LocalServer(resolve_model(configured), slots=settings.local_slots, threads=settings.local_threads)
        stack.callback(server.close)
        return server.start()

    return Endpoint(
        model=settings.model or name,
        server_id=server_id,
        first_format="json_schema",
        grammar=True,
        start=start,
    )


def build_endpoint(settings: Settings, stack: contextlib.ExitStack) -> Endpoint:
    if settings.resolved_provider() is Provider.LOCAL:
        return _local_endpoint(settings, stack)
    base_url = (settings.openai_base_url or DEFAULT_OPENAI_BASE_URL).rstrip("/")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return Endpoint(
        model=settings.model or policy.DEFAULT_OPENAI_MODEL, server_id=base_url, base_url=base_url, api_key=key,
        grammar=settings.grammar,
    )  # fmt: skip


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
            # The editors' allow list belongs to the prompt folder: read it now, so a
            # broken one is a usage error before any item (read_allow raises, and
            # lru_cache keeps no error, so per item it would fail every item alike).
            from rewriter.gate.allow import load_allow

            load_allow(prompt.folder)
            cache = ResponseCache(settings.cache_dir, settings.cache_mode)
            stack.callback(cache.close)
            endpoint = build_endpoint(settings, stack)
            client = ModelClient(endpoint, cache, timeout=settings.timeout, max_retries=settings.max_retries)
        except BaseException:
            stack.close()
            raise
        return cls(settings, prompt, cache, client, stack)

    async def rewrite(self, item: FeedItem) -> Outcome:
        """One item through this run's prompt and client, under its re-ask policy."""
        from rewriter.rewrite import Verification, rewrite_item

        settings = self.settings
        verify = Verification(settings.verify_model) if settings.resolved_verify() else None
        return await rewrite_item(
            item, self.prompt, self.client, attempts=settings.attempts, review_reasks=settings.resolved_review_reasks(),
            verify=verify,
        )  # fmt: skip

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.stack.close()
