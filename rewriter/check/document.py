"""One article read for the check: its front matter parsed, its body cut into
sections, and the line of every key and text, so each rule reports where.

Reading the front matter is the first rule (RW001): an article whose front
matter cannot be read is not looked at further.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

import yaml

from rewriter import safeyaml
from rewriter.check.profile import Profile

#: What a rule reports: (line, code, message); the check adds the file's name.
Found = tuple[int, str, str]
#: A section of the body: its heading ("" for text before the first), the
#: heading's line, and its lines with their numbers.
Section = tuple[str, int, list[tuple[int, str]]]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_EMPTY_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)")
_KEY_LINE = re.compile(r"^( *)(?:- +)?(['\"]?)([^\s'\":#][^'\":]*?)\2[ \t]*:(?:[ \t]|$)")
_CODE = re.compile(r"^(`{3,}|~{3,}).*?(?:^\1[ \t]*$|\Z)|`+[^`\n]*`+", re.MULTILINE | re.DOTALL)
_BULLET = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(.*)$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")


@dataclass
class Document:
    """An article whose front matter is a mapping: what every rule reads."""

    profile: Profile
    meta: dict[str, Any]
    #: Line of each key (`title`, `ai.version`).
    lines: dict[str, int]
    body: str
    body_first_line: int

    def line_of(self, key: str) -> int:
        """The line of `key` (`ai.version`), else of its parent, else 1."""
        while key not in self.lines and "." in key:
            key = key.rsplit(".", 1)[0]
        return self.lines.get(key, 1)

    def body_line(self, position: int) -> int:
        """The line of a character of the body."""
        return self.body_first_line + self.body.count("\n", 0, position)

    @cached_property
    def fields(self) -> list[tuple[str, str, str]]:
        """(top-level key, dotted name, text) of every string in the front matter."""
        return [(key, name, text) for key, value in self.meta.items() for name, text in _strings(value, str(key))]

    @cached_property
    def sections(self) -> list[Section]:
        """The body cut at its `##` headings (not those inside code fences)."""
        sections: list[Section] = []
        in_fence = False
        for number, line in enumerate(self.body.splitlines(), self.body_first_line):
            if line.startswith(("```", "~~~")):
                in_fence = not in_fence
            heading = _HEADING.match(line) if line.startswith("##") and not in_fence else None
            if heading and len(heading.group(1)) == 2:
                sections.append((heading.group(2), number, []))
            elif sections:
                sections[-1][2].append((number, line))
            elif line.strip():
                sections.append(("", number, [(number, line)]))
        return sections

    @cached_property
    def expected(self) -> list[str]:
        """The three headings this article must have, in order (by its language)."""
        return self.profile.expected_headings(self.meta.get("lang"), [title for title, _, _ in self.sections])

    @cached_property
    def overview(self) -> str | None:
        """The text under the overview heading, on one line; None without one."""
        for title, _, lines in self.sections:
            if title == self.expected[0]:
                return " ".join(text.strip() for _, text in lines if text.strip())
        return None

    @cached_property
    def impact(self) -> list[tuple[int, list[tuple[int, str]], list[tuple[int, str]]]]:
        """(heading line, lines, bullets with their lines) of each impact section."""
        return [
            (line, lines, [(n, m.group(1).strip()) for n, text in lines if (m := _BULLET.match(text))])
            for title, line, lines in self.sections
            if title == self.expected[2]
        ]

    @cached_property
    def body_outside_code(self) -> str:
        """The body with its code blanked out, lines kept: code is shown as
        written, so `<b>` in a code span is text, not HTML."""
        body = self.body
        return _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), body) if "`" in body or "~~~" in body else body

    @cached_property
    def body_outside_code_lower(self) -> str:
        """The same in lower case, for the rules' lower-case hints."""
        return self.body_outside_code.lower()

    @cached_property
    def prose_lines(self) -> list[tuple[int, str]]:
        """The non-empty lines under the headings, with their numbers."""
        return [(n, line) for heading, _, body in self.sections if heading for n, line in body if line.strip()]

    @cached_property
    def prose(self) -> str:
        """The prose lines joined: a rule looks at them all at once before line by line."""
        return "\n".join(line for _, line in self.prose_lines)


def parse(text: str, profile: Profile) -> tuple[Document | None, list[Found]]:
    """RW001: split front matter from body and load it; the document is None
    when it cannot be read (the problems say why)."""
    match = _FRONT_MATTER.match(text) or _EMPTY_FRONT_MATTER.match(text)
    if not match:
        return None, [(1, "RW001", "no YAML front matter: the file must start with a '---' line and close it with another")]
    raw = match.group(1) if match.re is _FRONT_MATTER else ""
    try:
        meta = safeyaml.load(raw)
    except yaml.YAMLError as exc:
        # The construct that failed (an unclosed `[`) is nearer the
        # cause than where the parser gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [(line, "RW001", f"front matter is not safe YAML: {problem}")]
    if not isinstance(meta, dict):
        return None, [(1, "RW001", "front matter must be a mapping of keys to values")]
    lines, repeated = key_lines(raw)
    found = [(line, "RW001", f"front matter key '{key}' appears twice") for key, line in repeated]
    body_first_line = text.count("\n", 0, match.end()) + 1
    return Document(profile, meta, lines, text[match.end():], body_first_line), found


def key_lines(front_matter: str, first_line: int = 2) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Line of each key (`title`, `ai.version`) and any repeated top-level keys.

    A line scan rather than a YAML node walk: block-style front matter puts
    every key at the start of its own line, and this is ten times cheaper.
    """
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int]] = []
    parent = None
    for number, line in enumerate(front_matter.splitlines(), first_line):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent, key = len(match.group(1)), match.group(3)
        if indent == 0 and not line.startswith("-"):
            parent = key
            if key in lines:
                repeated.append((key, number))
            lines[key] = number
        elif parent is not None:
            lines.setdefault(f"{parent}.{key}", number)
    return lines, repeated


def _strings(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """Every string inside a front matter value, with its dotted key (`ai.model`)."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{name}.{k}")
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, name)
