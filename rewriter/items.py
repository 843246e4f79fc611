"""The normalised feed item: what every reader produces and the pipeline uses.

Readers map their own format onto `FeedItem` (spec §1); from then on nothing
downstream knows whether a story came from the news API, RSS or a draft.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

from rewriter.normalise import normalise_line, normalise_text, source_hash


class Sentiment(str, enum.Enum):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    NEUTRAL = "NEUTRAL"


class SourceRef(BaseModel):
    """Where the item was published (`source` in the front matter)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    key: str
    type: str
    #: The page the article was written from (`--full-text`); absent otherwise.
    url: str | None = None

    @model_serializer(mode="wrap")
    def _absent_url(self, handler: Any) -> Any:
        """No `url: null` in front matter or reports when there is no page."""
        data = handler(self)
        if isinstance(data, dict) and data.get("url") is None:
            data.pop("url", None)
        return data


def iso_utc(value: Any) -> str:
    """ISO 8601 UTC with milliseconds and `Z`: `2025-11-14T17:46:49.000Z`.

    Accepts unix seconds, datetimes and ISO strings (a naive time is UTC).
    """
    if isinstance(value, bool):
        raise ValueError("expected a time, got a boolean")
    if isinstance(value, (int, float)):
        try:
            moment = dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"out of range: {value!r}") from None
    elif isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    else:
        raise ValueError(f"expected a time, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        moment = moment.astimezone(dt.timezone.utc)
    except OverflowError:  # 9999-12-31T23:59-05:00 is in year 10000 in UTC
        raise ValueError(f"out of range: {value!r}") from None
    # isoformat pads the year to four digits, where strftime("%Y") writes "999"
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def now_iso() -> str:
    return iso_utc(dt.datetime.now(dt.timezone.utc))


def _scalar(value: Any) -> Any:
    """A one-value field: text or a number, never a list or mapping turned into text."""
    if isinstance(value, (list, tuple, dict, set)):
        raise ValueError(f"expected one value, got a {type(value).__name__}")
    return value


def unique_upper(values: list[str]) -> list[str]:
    """Upper-cased, normalised, duplicates dropped, order kept (spec §1 tags)."""
    seen: dict[str, None] = {}
    for value in values:
        tag = normalise_line(str(value)).upper()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


class SourceText(BaseModel):
    """What the model rewrites. Never published as is."""

    title: str
    subtitle: str = ""
    body: str = ""

    @field_validator("title", "subtitle", mode="before")
    @classmethod
    def _line(cls, value: Any) -> str:
        return normalise_line(value if isinstance(value, str) else "")

    @field_validator("body", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return normalise_text(value if isinstance(value, str) else "")

    def joined(self) -> str:
        return "\n\n".join(p for p in (self.title, self.subtitle, self.body) if p)

    @property
    def hash(self) -> str:
        return source_hash(self.joined())


class FeedItem(BaseModel):
    """One story, normalised, with the front matter it will be published under."""

    model_config = ConfigDict(extra="forbid")

    title: str
    publishedAt: str
    lang: str = "en"
    externalId: str
    source: SourceRef
    category: str
    tags: list[str] = Field(default_factory=list)
    stickyWeight: int = 0
    sentiment: Sentiment | None = None
    score: float = Field(default=0, allow_inf_nan=False)
    draft: bool = False
    coverImage: Any = None
    text: SourceText
    #: Front-matter keys of a Markdown input that rewriter does not own, in
    #: their original order, kept where they were.
    extra: dict[str, Any] = Field(default_factory=dict)
    #: Order of the keys of a Markdown input, so extras stay in place.
    key_order: list[str] = Field(default_factory=list)
    #: Where it came from, for messages: `feed.xml item 3`, `drafts/a.md`.
    origin: str = ""
    #: The item's link, the page `--full-text` may fetch; not published as such.
    link: str | None = None
    #: `page` when `text` is the linked page's article (spec §2), with the
    #: hash of the item's own text, so a rerun knows the article is current.
    source_text: Literal["item", "page"] = "item"
    item_hash: str | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__} (quote it in YAML)")
        text = normalise_line(value)
        if not text:
            raise ValueError("missing or empty")
        return text

    @field_validator("link", mode="before")
    @classmethod
    def _link(cls, value: Any) -> str | None:
        return value.strip() or None if isinstance(value, str) else None

    @field_validator("publishedAt", mode="before")
    @classmethod
    def _published(cls, value: Any) -> str:
        if value in (None, ""):
            raise ValueError("missing")
        return iso_utc(value)

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, value: Any) -> str:
        return normalise_line(str(_scalar(value) or "en")).lower() or "en"

    @field_validator("externalId", mode="before")
    @classmethod
    def _external_id(cls, value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("missing")
        if isinstance(value, bool):
            raise ValueError(f"expected text or a number, got {value!r}")
        return normalise_line(str(_scalar(value)))

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        return normalise_line(str(_scalar(value) or "")).upper()

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list of strings, got {type(value).__name__}")
        return unique_upper([str(_scalar(v)) for v in value])

    @field_validator("sentiment", mode="before")
    @classmethod
    def _sentiment(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) and value.strip() else None

    @property
    def identity(self) -> tuple[str, str]:
        """An item is `(source.key, externalId)` (spec §1)."""
        return (self.source.key, self.externalId)

    @property
    def source_hash(self) -> str:
        return self.text.hash

    @property
    def label(self) -> str:
        return self.origin or f"{self.source.key}:{self.externalId}"
