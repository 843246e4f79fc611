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


_DUMP_OPTIONS = {"allow_unicode": True, "sort_keys": False, "default_flow_style": False, "width": 2**31 - 1}


_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _libyaml_exact(value: Any) -> bool:
    """True when libyaml + `_indent_sequences` give the reference text: every
    string on one line, and no character beyond U+FFFF (libyaml escapes those,
    emoji included, even with allow_unicode)."""
    if isinstance(value, str):
        return not (_LINE_BREAKS.intersection(value) or (not value.isascii() and max(value) > "\uffff"))
    if isinstance(value, dict):
        return all(isinstance(k, str) and k and _libyaml_exact(k) and _libyaml_exact(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_libyaml_exact(v) for v in value)
    return True


def _indent_sequences(text: str) -> str:
    """Indent block sequences under their key, as `_ArticleDumper` does.

    libyaml writes `key:` then `- item` at the key's own indentation. Valid
    only for output whose scalars are all one line, which the caller ensures.
    """
    out: list[str] = []
    open_at: list[int] = []  # key columns of the sequences we are inside
    lines = text.splitlines()
    for n, line in enumerate(lines):
        column = len(line) - len(line.lstrip(" "))
        content = line[column:]
        while open_at and (column < open_at[-1] or (column == open_at[-1] and not content.startswith("- "))):
            open_at.pop()
        out.append(" " * (column + 2 * len(open_at)) + content)
        key_column = column
        while content.startswith("- "):  # `- - key:` nests items
            content, key_column = content[2:], key_column + 2
        if content.endswith(":") and n + 1 < len(lines):
            following = lines[n + 1]
            if following.startswith(" " * key_column + "- "):
                open_at.append(key_column)
    return "\n".join(out) + "\n"


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML of the front matter: libyaml when it can be exact, else pure Python.

    libyaml is about 7× faster, which matters to the batch job at high
    concurrency; both give byte-identical text (a property test holds them to it).
    """
    fast = getattr(yaml, "CSafeDumper", None)
    if fast is not None and _libyaml_exact(data):
        return _indent_sequences(yaml.dump(data, Dumper=fast, **_DUMP_OPTIONS))
    return yaml.dump(data, Dumper=_ArticleDumper, **_DUMP_OPTIONS)


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
