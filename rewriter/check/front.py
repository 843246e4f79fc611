"""The rules on the front matter's keys and values (RW002-RW008, RW016).

Each rule is a function of the parsed `Document` yielding (line, code, message).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Iterator

from rewriter import policy
from rewriter.check.document import Document, Found
from rewriter.mojibake import mojibake_fix
from rewriter.render import FRONT_MATTER_ORDER

#: Longest description: the cut overview plus the ellipsis.
DESCRIPTION_LIMIT = policy.DESCRIPTION_MAX_CHARS + 1
ELLIPSIS = "\u2026"

_ISO_UTC = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|\+00:00)\Z")
_SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL")
_TIME_KEYS = ("publishedAt", "updatedAt", "ai.expandedAt")

_STR = ((str,), True, "a string")
#: Key -> (the types it may have, whether it is required, how a message names them).
_TYPES: dict[str, tuple[tuple[type, ...], bool, str]] = {
    "title": _STR,
    "description": _STR,
    "publishedAt": _STR,
    "updatedAt": _STR,
    "lang": _STR,
    "externalId": _STR,
    "source": ((dict,), True, "a mapping (name, key, type)"),
    "category": _STR,
    "tags": ((list,), True, "a list of strings"),
    "stickyWeight": ((int, float), True, "a number"),
    "sentiment": _STR,
    "score": ((int, float), True, "a number"),
    "draft": ((bool,), True, "true or false"),
    "coverImage": ((dict, str), False, "a mapping of image URLs or a URL"),
    "ai": ((dict,), True, "a mapping (rewritten, expandedAt, version)"),
}
_CHILD_TYPES: dict[str, dict[str, tuple[tuple[type, ...], bool, str]]] = {
    "source": {"name": _STR, "key": _STR, "type": _STR},
    "ai": {
        "rewritten": ((bool,), True, "true or false"),
        "expandedAt": _STR,
        "version": ((int,), True, "a whole number"),
        "model": ((str,), False, "a string"),
        "sourceHash": ((str,), False, "a string"),
    },
}


def keys(doc: Document) -> Iterator[Found]:
    """RW002 a key of spec §4 is missing; RW003 a key has the wrong type or value."""
    meta = doc.meta
    required = [k for k in FRONT_MATTER_ORDER if k != "coverImage"]
    for key in required:
        if key not in meta:
            yield 1, "RW002", f"front matter lacks '{key}'"
    for key, expected in _TYPES.items():
        if key in meta:
            yield from _type(doc, key, meta[key], expected)
    for parent in ("source", "ai"):
        value = meta.get(parent)
        if not isinstance(value, dict):
            continue
        for child, expected in _CHILD_TYPES[parent].items():
            name = f"{parent}.{child}"
            if child in value:
                yield from _type(doc, name, value[child], expected)
            elif expected[1]:
                yield doc.line_of(parent), "RW002", f"front matter lacks '{name}'"
    tags = meta.get("tags")
    if isinstance(tags, list) and not all(isinstance(t, str) for t in tags):
        yield doc.line_of("tags"), "RW003", "'tags' must be a list of strings"
    sentiment = meta.get("sentiment")
    if isinstance(sentiment, str) and sentiment not in _SENTIMENTS:
        yield doc.line_of("sentiment"), "RW003", f"'sentiment' is '{sentiment}'; use {', '.join(_SENTIMENTS)}"
    for key in ("title", "description"):
        if isinstance(meta.get(key), str) and not meta[key].strip():
            yield doc.line_of(key), "RW003", f"'{key}' is empty"


def _type(doc: Document, name: str, value: Any, expected: tuple[tuple[type, ...], bool, str]) -> Iterator[Found]:
    types, _, label = expected
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if ok and isinstance(value, float) and not math.isfinite(value):
        yield doc.line_of(name), "RW003", f"'{name}' must be a finite number, not {value}"
        return
    if not ok:
        got = "a YAML timestamp (quote it)" if isinstance(value, (_dt.date, _dt.datetime)) else _type_name(value)
        yield doc.line_of(name), "RW003", f"'{name}' must be {label}, not {got}"


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    return {
        bool: "true/false", int: "a number", float: "a number", str: "a string",
        list: "a list", dict: "a mapping",
    }.get(type(value), type(value).__name__)  # fmt: skip


def not_rewritten(doc: Document) -> Iterator[Found]:
    """RW004: ai.rewritten is false."""
    ai = doc.meta.get("ai")
    if isinstance(ai, dict) and ai.get("rewritten") is False:
        yield doc.line_of("ai.rewritten"), "RW004", "ai.rewritten is false: the article was not rewritten"


def stale(doc: Document) -> Iterator[Found]:
    """RW005 (a warning): written with an older prompt version than the profile's."""
    ai = doc.meta.get("ai")
    version = ai.get("version") if isinstance(ai, dict) else None
    current = doc.profile.version
    if isinstance(version, int) and not isinstance(version, bool) and version < current:
        yield doc.line_of("ai.version"), "RW005", f"stale: ai.version is {version}, the current prompt version is {current}"


def unresolved_warnings(doc: Document) -> Iterator[Found]:
    """RW016: the rewrite left `ai.warnings` it could not resolve."""
    ai = doc.meta.get("ai")
    if isinstance(ai, dict) and "warnings" in ai:
        warnings = ai["warnings"]
        count = len(warnings) if isinstance(warnings, list) else 1
        first = f": {warnings[0]}" if isinstance(warnings, list) and warnings else ""
        yield doc.line_of("ai.warnings"), "RW016", f"ai.warnings lists {count} unresolved problem(s){first}"


def times(doc: Document) -> Iterator[Found]:
    """RW006: publishedAt, updatedAt or ai.expandedAt is not an ISO 8601 UTC time."""
    for name in _TIME_KEYS:
        parent, _, child = name.rpartition(".")
        holder = doc.meta.get(parent) if parent else doc.meta
        value = holder.get(child or name) if isinstance(holder, dict) else None
        if isinstance(value, str) and not valid_utc_time(value):
            yield (
                doc.line_of(name), "RW006",
                f"'{name}' is '{value}', not an ISO 8601 UTC time like '2025-11-14T17:46:49.000Z'",
            )  # fmt: skip


def valid_utc_time(value: str) -> bool:
    """True for an ISO 8601 UTC time such as '2025-11-14T17:46:49.000Z'."""
    match = _ISO_UTC.match(value)
    if not match:
        return False
    try:
        _dt.datetime(*(int(g) for g in match.groups()[:6]))
    except ValueError:
        return False
    return True


def description(doc: Document) -> Iterator[Found]:
    """RW007 the description is too long; RW008 it is a cut of the overview without '…'."""
    text = doc.meta.get("description")
    if not isinstance(text, str):
        return
    # Judge the repaired text: mojibake is reported on its own (RW012), and
    # the extra characters it adds must not count twice.
    text = mojibake_fix(text) or text
    line = doc.line_of("description")
    if len(text) > DESCRIPTION_LIMIT:
        yield line, "RW007", f"description has {len(text)} characters; at most {DESCRIPTION_LIMIT}"
    overview = doc.overview
    if overview and not text.endswith(ELLIPSIS):
        flat_overview, flat = " ".join(overview.split()), " ".join(text.split())
        if len(flat) < len(flat_overview) and flat_overview.startswith(flat.rstrip(" .,;:-–—、，。")):
            yield line, "RW008", "description is a cut of the overview but does not end in '…'"
