"""Editors' drafts: Markdown with YAML front matter (python-frontmatter, safe YAML).

The body is the source text; an empty body falls back to `description`.
Keys rewriter does not own are carried through, in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rewriter.errors import InputError
from rewriter.items import FeedItem, SourceText

#: Front-matter keys rewriter computes itself; never carried over as extras.
OWNED = {
    "title", "description", "publishedAt", "updatedAt", "lang", "externalId",
    "source", "category", "tags", "stickyWeight", "sentiment", "score", "draft",
    "coverImage", "ai",
}  # fmt: skip
DEFAULT_SOURCE = {"name": "Editorial", "key": "editorial", "type": "MARKDOWN"}


def validation_message(exc: ValidationError) -> str:
    """`title: missing or empty; source.key: Field required` from a pydantic error."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "item"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def make_item(fields: dict[str, Any], where: str) -> FeedItem:
    """Validate mapped fields into a FeedItem; errors name the place and field."""
    try:
        return FeedItem.model_validate({**fields, "origin": where})
    except ValidationError as exc:
        raise InputError(validation_message(exc), where=where) from None


def parse_draft(text: str, where: str) -> tuple[dict[str, Any], str]:
    """Front matter and body; YAML errors become InputError with the line."""
    import frontmatter
    import yaml

    from rewriter.safeyaml import NotAMapping, front_matter_handler

    try:
        metadata, content = frontmatter.parse(text, handler=front_matter_handler())
    except NotAMapping as exc:
        raise InputError(f"front matter must be a YAML mapping of keys to values; it is {exc}", where=where) from None
    except yaml.YAMLError as exc:
        # The construct's start (context) is where an editor should look; the
        # front matter text starts one line into the file.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"front matter is not valid YAML{at}: {problem}", where=where) from None
    if not isinstance(metadata, dict):
        raise InputError("front matter must be a YAML mapping", where=where)
    return metadata, content


def draft_to_item(path: Path, text: str) -> FeedItem:
    where = str(path)
    meta, body = parse_draft(text, where)
    if not meta:
        raise InputError("has no YAML front matter (expected '---' lines with title and publishedAt)", where=where)
    source_text = body if body.strip() else str(meta.get("description") or "")
    if not source_text.strip():
        raise InputError("body: empty, and there is no description to rewrite", where=where)
    tags = meta.get("tags") or []
    fields: dict[str, Any] = {
        "title": meta.get("title"),
        "publishedAt": meta.get("publishedAt"),
        "lang": meta.get("lang") or "en",
        "externalId": meta.get("externalId") or re.sub(r"[^\w.-]+", "-", path.stem),
        "source": meta.get("source") or DEFAULT_SOURCE,
        "category": meta.get("category") or (tags[0] if isinstance(tags, list) and tags else "NEWS"),
        "tags": tags,
        "stickyWeight": meta.get("stickyWeight", 0),
        "sentiment": meta.get("sentiment"),
        "score": meta.get("score", 0),
        "draft": meta.get("draft", False),
        "coverImage": meta.get("coverImage"),
        "text": SourceText(title=meta.get("title") or "", subtitle="", body=source_text),
        "extra": {k: v for k, v in meta.items() if k not in OWNED},
        "key_order": [str(k) for k in meta],
    }
    return make_item(fields, where)


def read_draft(path: Path) -> FeedItem:
    from rewriter.readers.files import read_text

    return draft_to_item(path, read_text(path))


def markdown_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.md") if p.is_file() and not p.name.startswith("."))


def read_markdown_source(source: Path) -> Iterator[Any]:
    from rewriter.readers.pending import ItemFailure

    paths = markdown_files(source) if source.is_dir() else [source]
    for path in paths:
        try:
            yield read_draft(path)
        except InputError as exc:
            yield ItemFailure(str(path), exc)
