"""Render an article (spec §4): ordered front matter, then the three sections.

YAML is written as UTF-8 text (no `\\u` escapes), key order kept, sequences
indented like the seed article, long lines never folded.
"""

from __future__ import annotations

import re
from functools import lru_cache
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


#: Characters the emitter writes as they are in a plain or single-quoted
#: scalar: printable, no line break, no BOM (PyYAML's `analyze_scalar` with
#: allow_unicode). Anything else is left to PyYAML itself.
_UNSAFE_CHAR = re.compile("[^ -~\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|[\u2028\u2029\ufeff]")


def _resolves_to_str(text: str) -> bool:
    """True when PyYAML would read `text` written plain back as a string, not a number, date or bool."""
    resolvers = _ArticleDumper.yaml_implicit_resolvers
    for _, pattern in resolvers.get(text[0], ()):
        if pattern.match(text):
            return False
    return not any(pattern.match(text) for _, pattern in resolvers.get(None, ()))


def _plain_allowed(text: str) -> bool:
    """PyYAML's rules for a plain scalar in block context, for one line of `_UNSAFE_CHAR`-free text."""
    first = text[0]
    return not (
        first == " " or text[-1] == " " or text.startswith(("---", "..."))
        or first in "#,[]{}&*!|>'\"%@`"
        or (first in "?:-" and text[1:2] in ("", " "))
        or ": " in text or text.endswith(":") or " #" in text
    )  # fmt: skip


def _scalar(value: Any) -> str | None:
    """`value` as PyYAML writes it (SafeRepresenter, then the emitter's style choice); None if unsure."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    if type(value) is not str or not value:
        return None
    if not (value.isascii() and value.isprintable()) and _UNSAFE_CHAR.search(value):
        return None
    if _plain_allowed(value) and _resolves_to_str(value):
        return value
    return "'" + value.replace("'", "''") + "'"


#: PyYAML writes a key as `key:` only while it and its implicit tag (`!!str`,
#: 5 characters) are under 128 characters; a longer one gets `? key`.
_SIMPLE_KEY_MAX = 128 - len("!!str")


@lru_cache(maxsize=1024)
def _plain_key(key: str) -> bool:
    """True for a key PyYAML writes as it is (most are the spec's own, so remembered)."""
    return len(key) < _SIMPLE_KEY_MAX and _scalar(key) == key


def _block(mapping: dict[Any, Any], indent: str, out: list[str], seen: set[int]) -> bool:
    """Append `mapping` in block style, lists indented under their key; False where unsure."""
    for key, value in mapping.items():
        if type(key) is not str or not _plain_key(key):
            return False
        if isinstance(value, (dict, list)):
            if id(value) in seen:  # PyYAML would write an anchor and an alias
                return False
            seen.add(id(value))
        if type(value) is dict:
            if not value:
                out.append(f"{indent}{key}: {{}}")
            else:
                out.append(f"{indent}{key}:")
                if not _block(value, indent + "  ", out, seen):
                    return False
        elif type(value) is list:
            if not value:
                out.append(f"{indent}{key}: []")
                continue
            out.append(f"{indent}{key}:")
            for element in value:
                text = _scalar(element)
                if text is None:
                    return False
                out.append(f"{indent}  - {text}")
        else:
            text = _scalar(value)
            if text is None:
                return False
            out.append(f"{indent}{key}: {text}")
    return True


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML of the front matter, exactly as PyYAML's `_ArticleDumper` writes it.

    Front matter is a few levels of text, numbers and lists of text, so it
    is written directly (PyYAML takes about 0.5 ms an article, the largest
    share of the batch job's own work per item); anything this writer is not
    sure of (an empty text, a line break, a list of mappings, ...) goes
    through PyYAML. A property test holds the two to the same bytes.
    """
    lines: list[str] = []
    if data and _block(data, "", lines, set()):
        return "\n".join(lines) + "\n"
    return yaml.dump(data, Dumper=_ArticleDumper, **_DUMP_OPTIONS)


def describe(overview: str, limit: int = policy.DESCRIPTION_MAX_CHARS) -> str:
    """The overview cut at a word boundary to at most `limit` chars, plus `…`."""
    text = " ".join(overview.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else text[:limit]
    return cut.rstrip(" ,;:-–—.、，。") + "…"


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


def render_body(
    overview: str, paragraphs: list[str], bullets: list[str], impact_heading: str,
    headings: tuple[str, str] = (OVERVIEW_HEADING, WHAT_HAPPENED_HEADING),
) -> str:
    """The three sections; `headings` are the first two in the article's language."""
    parts = [f"## {headings[0]}", overview, f"## {headings[1]}", *paragraphs]
    parts += [f"## {impact_heading}", "\n".join(f"- {b}" for b in bullets)]
    return "\n\n".join(parts) + "\n"


def render_document(front_matter: dict[str, Any], body: str) -> str:
    return f"---\n{dump_yaml(front_matter)}---\n{body}"
