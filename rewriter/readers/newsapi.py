"""The CoinDesk Data news API (spec §1 mapping table) onto `FeedItem`.

A document is `{"Data": [article, ...], "Err": {}}` or a bare list of
articles; the parsed document is held, but each `FeedItem` is built only when
the consumer pulls it, and the raw article is dropped once handed out.
Documents and JSON Lines of such articles are read one article at a time by
`rewriter.readers.jsonlines`, which uses this module (never the reverse).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.errors import InputError
from rewriter.items import FeedItem

#: Keys only a news API article has; enough of them tells the shape apart
#: from the site's own keys (`title`, `publishedAt`, ...).
NEWS_API_KEYS = frozenset({"TITLE", "PUBLISHED_ON", "SOURCE_DATA", "BODY", "CATEGORY_DATA"})


def is_news_article(raw: dict[str, Any]) -> bool:
    return not NEWS_API_KEYS.isdisjoint(raw)


def skip_reason(raw: dict[str, Any]) -> str | None:
    """Why an article is left out (STATUS other than ACTIVE), or None."""
    status = raw.get("STATUS")
    if status is not None and str(status).strip().upper() != "ACTIVE":
        return f"STATUS is {status!r}, not ACTIVE"
    return None


def _names(values: Any, where: str, field: str) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, list):
        raise InputError(f"{field}: expected a list", where=where)
    names = []
    for number, value in enumerate(values):
        if not isinstance(value, dict):
            raise InputError(f"{field}.{number}: expected an object with NAME", where=where)
        if value.get("NAME"):
            names.append(str(value["NAME"]))
    return names


def news_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The FeedItem fields of one article, per the spec's mapping table."""
    source = raw.get("SOURCE_DATA")
    if not isinstance(source, dict):
        raise InputError("SOURCE_DATA: missing, or not an object", where=where)
    categories = _names(raw.get("CATEGORY_DATA"), where, "CATEGORY_DATA")
    keywords = raw.get("KEYWORDS") or ""
    if not isinstance(keywords, str):
        raise InputError("KEYWORDS: expected a string of names separated by |", where=where)
    image = raw.get("IMAGE_URL")
    return {
        "title": raw.get("TITLE"),
        "publishedAt": raw.get("PUBLISHED_ON"),
        "lang": raw.get("LANG") or "en",
        "externalId": raw.get("ID"),
        "source": {
            "name": source.get("NAME"),
            "key": source.get("SOURCE_KEY"),
            "type": source.get("SOURCE_TYPE"),
        },
        "category": categories[0] if categories else policy.DEFAULT_CATEGORY,
        "tags": categories + [k for k in keywords.split("|") if k.strip()],
        "sentiment": raw.get("SENTIMENT"),
        "score": raw.get("SCORE") or 0,
        "coverImage": {"raw": image} if isinstance(image, str) and image.strip() else None,
        "link": raw.get("URL"),
        "text": {
            "title": raw.get("TITLE"),
            "subtitle": raw.get("SUBTITLE") or "",
            "body": raw.get("BODY") or "",
        },
    }


def map_news_article(raw: dict[str, Any], where: str) -> FeedItem:
    """One news API article as a FeedItem; InputError names the place and field."""
    from rewriter.readers.markdown import make_item

    return make_item(news_fields(raw, where), where)


def parse_json_document(path: Path) -> Any:
    """The parsed JSON of `path`; InputError with line and column when invalid."""
    from rewriter.readers.files import read_text

    text = read_text(path, limit=policy.MAX_FEED_DOCUMENT_BYTES)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", where=str(path)) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, arrays nested 100,000 deep
        raise InputError(f"not usable JSON: {str(exc) or type(exc).__name__}", where=str(path)) from None


def articles_of(document: Any, where: str) -> list[Any]:
    """The article list of `{"Data": [...]}` or a bare list."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("Data"), list):
        return document["Data"]
    if isinstance(document, dict) and document.get("Err"):
        raise InputError(f"the news API returned an error: {json.dumps(document['Err'])[:300]}", where=where)
    raise InputError('expected {"Data": [...]}, a list of items, or JSON Lines', where=where)
