"""The rules on the text itself, in the front matter and the body (RW012-RW015):
mojibake, HTML and scripts, left-over template markers, AI talk.

Each pattern first looks at all the text at once (a match inside a line is a
match inside the whole), and only a hit costs a look at single fields or lines.
The slow case-insensitive patterns run only on text holding one of their
literal hints.
"""

from __future__ import annotations

import re
from typing import Iterator

from rewriter.check.document import Document, Found
from rewriter.mojibake import may_have_any_mojibake, mojibake_problem

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--")
_SCRIPT = re.compile(r"<\s*script\b|\bjavascript\s*:|\bon(?:load|error|click|mouseover)\s*=", re.IGNORECASE | re.ASCII)
_TEMPLATE = re.compile(
    r"\{\{|\}\}|\{%|%\}|\$\{|\$[a-z_][a-z0-9_]*\b|\[\s*(?:insert|placeholder)\b[^\]]*\]|\blorem ipsum\b",
    re.IGNORECASE | re.ASCII,
)
_TEMPLATE_VAR = re.compile(r"\$[a-z_][a-z0-9_]*\b")  # `$title` yes, `$BTC` (a ticker) no
_AI_TALK = re.compile(
    r"\bas an? (?:AI|artificial intelligence)(?: language model| model| assistant)?\b,? ?I\b"
    r"|\bas an? (?:AI|large) language model\b"
    r"|\bI(?:'m|\u2019m| am) (?:just |only )?an? (?:AI|artificial intelligence|language model|large language model)\b"
    r"|\bmy (?:training data|knowledge cut-?off)\b"
    r"|\bas of my (?:last|latest) (?:update|training)\b"
    r"|\b(?:sure|certainly)[,!] here(?:'s| is) (?:the|a|your)\b"
    r"|\bhere(?:'s| is) (?:the|a|your) rewritten\b"
    r"|\bI hope this helps\b",
    re.IGNORECASE | re.ASCII,  # ASCII: so the lower-case hints below are exact
)
#: Substrings that every match of _SCRIPT / _AI_TALK contains (lower case):
#: the regular expressions run only on text holding one of them.
_SCRIPT_HINTS = ("script", "onload", "onerror", "onclick", "onmouseover")
_AI_TALK_HINTS = (
    "as an ai", "as a ai", "as an artificial", "as a artificial", "language model", "i'm ", "i\u2019m ", "i am ",
    "my training", "my knowledge", "as of my", "sure,", "sure!", "certainly,", "certainly!", "rewritten",
    "i hope this helps",
)  # fmt: skip
_NO_TEMPLATE_SCAN = ("coverImage",)  # URLs, not prose


# --- in the front matter ------------------------------------------------------


def field_mojibake(doc: Document) -> Iterator[Found]:
    """RW012 in any front matter field, on the field's line."""
    fields = doc.fields
    if may_have_any_mojibake("\n".join(text for _, _, text in fields)):
        for _, name, text in fields:
            damage = mojibake_problem(text)
            if damage is not None:
                yield doc.line_of(name), "RW012", f"'{name}' has mojibake: {damage}"


def field_markers(doc: Document) -> Iterator[Found]:
    """RW014 template markers and RW015 AI talk in the front matter, field by field."""
    prose = [(name, text) for key, name, text in doc.fields if key not in _NO_TEMPLATE_SCAN]
    joined = "\n".join(text for _, text in prose)  # one cheap look at all fields first
    lower = joined.lower()
    if not (_may_have_template_marker(joined, lower) or any(hint in lower for hint in _AI_TALK_HINTS)):
        return
    for name, text in prose:
        line, where = doc.line_of(name), f"'{name}'"
        marker = _template_marker(text)
        if marker:
            yield line, "RW014", f"{where} has a left-over template marker '{marker}'"
        lower = text.lower()
        talk = _AI_TALK.search(text) if any(hint in lower for hint in _AI_TALK_HINTS) else None
        if talk:
            yield line, "RW015", f"{where} talks about itself as an AI: '{talk.group(0)}'"


# --- in the body --------------------------------------------------------------


def body_mojibake(doc: Document) -> Iterator[Found]:
    """RW012 in the body, on its line."""
    body = doc.body
    if may_have_any_mojibake(body):
        for number, line in enumerate(body.splitlines(), doc.body_first_line):
            damage = mojibake_problem(line)
            if damage is not None:
                yield number, "RW012", f"body has mojibake: {damage}"


def html_and_scripts(doc: Document) -> Iterator[Found]:
    """RW013: HTML tags, comments or a script in the body (not in code); once a line."""
    prose = doc.body_outside_code
    matches: list[tuple[re.Match[str], str]] = []
    lower = doc.body_outside_code_lower
    if any(hint in lower for hint in _SCRIPT_HINTS):
        matches += [(m, f"body contains a script: '{m.group(0)}'") for m in _SCRIPT.finditer(prose)]
    if "<" in prose:
        matches += [(m, f"body contains HTML: '{m.group(0)[:60]}'") for m in _HTML_TAG.finditer(prose)]
    yield from _once_a_line(doc, "RW013", matches)


def template_markers(doc: Document) -> Iterator[Found]:
    """RW014: a left-over template marker in the body; once a line."""
    prose = doc.body_outside_code
    if _may_have_template_marker(prose, doc.body_outside_code_lower):
        matches = [(m, m.group(0)) for m in _TEMPLATE.finditer(prose) if _is_template_marker(m.group(0))]
        yield from _once_a_line(doc, "RW014", [(m, f"body has a left-over template marker '{found}'") for m, found in matches])


def ai_talk(doc: Document) -> Iterator[Found]:
    """RW015: the body talks about itself as an AI; once a line."""
    prose, lower = doc.body_outside_code, doc.body_outside_code_lower
    if any(hint in lower for hint in _AI_TALK_HINTS):
        matches = [(m, f"body talks about itself as an AI: '{m.group(0)}'") for m in _AI_TALK.finditer(prose)]
        yield from _once_a_line(doc, "RW015", matches)


def _once_a_line(doc: Document, code: str, matches: list[tuple[re.Match[str], str]]) -> Iterator[Found]:
    reported: set[int] = set()
    for match, message in matches:
        line = doc.body_line(match.start())
        if line not in reported:
            reported.add(line)
            yield line, code, message


def _may_have_template_marker(text: str, lower: str | None = None) -> bool:
    """Cheap tests that every match of _TEMPLATE passes."""
    lower = text.lower() if lower is None else lower
    return (
        any(hint in text for hint in ("{{", "}}", "{%", "%}", "${"))
        or _TEMPLATE_VAR.search(text) is not None
        or "lorem ipsum" in lower
        or ("[" in text and ("insert" in lower or "placeholder" in lower))
    )


def _is_template_marker(found: str) -> bool:
    # `$title` is a variable; `$BTC` a ticker and `$15` an amount.
    return not found.startswith("$") or found[1:2] == "{" or bool(_TEMPLATE_VAR.fullmatch(found))


def _template_marker(text: str) -> str | None:
    if _may_have_template_marker(text):
        for match in _TEMPLATE.finditer(text):
            if _is_template_marker(match.group(0)):
                return match.group(0)
    return None
