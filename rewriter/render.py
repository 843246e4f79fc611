"""Render an article (spec §4): ordered front matter, then the three sections.

YAML is written as UTF-8 text (no `\\u` escapes), key order kept, sequences
indented like the seed article, long lines never folded.
"""

from __future__ import annotations

from typing import Any

import yaml

from rewriter import policy

FRONT_MATTER_ORDER = (
    "title", "description", "publishedAt", "updatedAt", "lang", "externalId",
    "source", "category", "tags", "stickyWeight", "sentiment", "score", "draft",
    "coverImage", "ai",
)  # fmt: skip
OVERVIEW_HEADING = "Overview"
WHAT_HAPPENED_HEADING = "What Happened"


class _ArticleDumper(yaml.SafeDumper):
    """SafeDumper that indents list items under their key, as the seed does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=_ArticleDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,
    )


def describe(overview: str, limit: int = policy.DESCRIPTION_MAX_CHARS) -> str:
    """The overview cut at a word boundary to at most `limit` chars, plus `…`."""
    text = " ".join(overview.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else text[:limit]
    return cut.rstrip(" ,;:-–—.") + "…"


def order_front_matter(values: dict[str, Any], key_order: list[str]) -> dict[str, Any]:
    """Spec keys in the seed's order; other keys stay after the key they followed."""
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in key_order:
        if key in FRONT_MATTER_ORDER:
            anchor = key
        elif key in values:
            after.setdefault(anchor, []).append(key)
    ordered: dict[str, Any] = {k: values[k] for k in after.get(None, [])}
    for key in FRONT_MATTER_ORDER:
        if key in values:
            ordered[key] = values[key]
        for extra in after.get(key, []):
            ordered[extra] = values[extra]
    for key, value in values.items():  # anything not yet placed goes last
        ordered.setdefault(key, value)
    return ordered


def render_body(overview: str, paragraphs: list[str], bullets: list[str], impact_heading: str) -> str:
    parts = [f"## {OVERVIEW_HEADING}", overview, f"## {WHAT_HAPPENED_HEADING}", *paragraphs]
    parts += [f"## {impact_heading}", "\n".join(f"- {b}" for b in bullets)]
    return "\n\n".join(parts) + "\n"


def render_document(front_matter: dict[str, Any], body: str) -> str:
    return f"---\n{dump_yaml(front_matter)}---\n{body}"
