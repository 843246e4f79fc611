"""Settings from the environment and `.env`, validated at the border.

Names are those documented in `.env.example`. The API key is a SecretStr so it
never shows up in a repr, a log line or an error message.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rewriter import policy


class CacheMode(str, enum.Enum):
    """How the response cache is used (spec §6)."""

    USE = "use"  # read, and write what was fetched
    REPLAY = "replay"  # read only; a miss is an error
    REFRESH = "refresh"  # ignore what is stored, write what was fetched
    OFF = "off"  # neither read nor write


class FullTextMode(str, enum.Enum):
    """When `batch --full-text` fetches the page an item links to (spec §2)."""

    OFF = "off"
    THIN = "thin"  # items whose own text is under policy.FULL_TEXT_THIN_WORDS words
    ALWAYS = "always"  # every item with a link


class Provider(str, enum.Enum):
    AUTO = "auto"
    OPENAI = "openai"
    LOCAL = "local"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rewriter"


class Settings(BaseSettings):
    """Everything a run can be configured with, besides command-line flags."""

    model_config = SettingsConfigDict(
        env_prefix="REWRITER_", env_file=".env", extra="ignore", use_enum_values=False
    )

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL")
    )
    provider: Provider = Provider.AUTO
    model: str | None = None
    local_model: Path | None = None
    local_slots: int = Field(default=policy.LOCAL_SLOTS, ge=1, le=policy.MAX_LOCAL_SLOTS)
    local_threads: int | None = Field(default=None, ge=1, le=256)  # None: half the cores
    #: The configured server decodes under the JSON schema as a grammar
    #: (llama.cpp's own, as `rewriter serve` runs it), so it gets the
    #: grammar-level schema; `serve` prints the line that sets it.
    grammar: bool = False
    cache_dir: Path = Field(default_factory=default_cache_dir)
    cache_mode: CacheMode = CacheMode.USE
    timeout: float = Field(default=policy.REQUEST_TIMEOUT_S, gt=0)
    max_retries: int = Field(default=policy.TRANSPORT_RETRIES, ge=0, le=10)
    attempts: int = Field(default=policy.ANSWER_ATTEMPTS, ge=1, le=10)
    #: Most rounds of Batch lines one `--via batch-api` run submits (see policy.BATCH_MAX_ROUNDS).
    batch_rounds: int = Field(default=policy.BATCH_MAX_ROUNDS, ge=1, le=100)
    #: Re-ask after the review finds problems in a valid answer; None: yes for
    #: a server, `policy.EMBEDDED_REVIEW_REASKS` for the embedded model.
    review_reasks: bool | None = None
    #: Verify each answer's claims with a second request (`rewriter.verify`);
    #: None: yes for a server, `policy.EMBEDDED_VERIFY` for the embedded model.
    verify: bool | None = None
    #: The model that verifies (a cheaper one of the same server); None: the writer's.
    verify_model: str | None = None
    prompts: Path | None = None
    #: Price overrides for the batch report's cost estimate (US dollars per
    #: million tokens; see policy.PRICES_PER_MILLION).
    price_in: float | None = Field(default=None, ge=0)
    price_out: float | None = Field(default=None, ge=0)
    batch_discount: float = Field(default=policy.BATCH_DISCOUNT, ge=0, le=1)
    #: `batch --full-text`: off, thin (yes/true/1 mean this) or always.
    full_text: FullTextMode = FullTextMode.OFF
    #: Seconds one linked page may take in all (`--full-text`).
    page_timeout: float = Field(default=policy.PAGE_TIMEOUT_S, gt=0)

    @field_validator("full_text", mode="before")
    @classmethod
    def _full_text(cls, value: object) -> object:
        """`REWRITER_FULL_TEXT=1` (or true, yes, on) turns it on for thin items."""
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("1", "true", "yes", "on"):
                return FullTextMode.THIN
            if word in ("", "0", "false", "no"):
                return FullTextMode.OFF
            return word
        return value

    @field_validator("price_in", "price_out", "review_reasks", "verify", "verify_model", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`REWRITER_PRICE_IN=` (as copied from .env.example) means: use the default."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("openai_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host, caught here rather than as a traceback mid-run."""
        from urllib.parse import urlsplit

        if not value:
            return value
        parts = urlsplit(value)  # raises ValueError for 'http://[::1'
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL such as http://127.0.0.1:8080/v1, got {value!r}")
        return value

    def resolved_provider(self) -> Provider:
        """`auto` means local when neither a key nor a base URL is configured."""
        if self.provider is not Provider.AUTO:
            return self.provider
        if self.openai_api_key is None and not self.openai_base_url:
            return Provider.LOCAL
        return Provider.OPENAI

    def resolved_verify(self) -> bool:
        if self.verify is not None:
            return self.verify
        return self.resolved_provider() is not Provider.LOCAL or policy.EMBEDDED_VERIFY

    def resolved_review_reasks(self) -> bool:
        if self.review_reasks is not None:
            return self.review_reasks
        return self.resolved_provider() is not Provider.LOCAL or policy.EMBEDDED_REVIEW_REASKS


def load_settings(**overrides: object) -> Settings:
    """Read settings, letting command-line flags (non-None) win."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
