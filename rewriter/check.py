"""The pre-publish check (spec §5): find what keeps an article from going live.

Runs without network or model, and imports nothing heavy (no openai, pydantic,
diskcache or rich), so it suits pre-commit hooks and CI. ASCII text cannot be
mojibake, so ftfy is not imported for it; other text is first searched with
ftfy's own pattern alone, and the whole of ftfy loads only where that matches.
Every problem names a stable rule code (RW001...) and the line it is on.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from rewriter import policy, safeyaml
from rewriter.regular import special_file
from rewriter.render import FRONT_MATTER_ORDER, OVERVIEW_HEADING, WHAT_HAPPENED_HEADING
from rewriter.similarity import repeated_pairs


#: Rule code -> what it blocks. The README lists each with an example.
RULES: dict[str, str] = {
    "RW001": "front matter is missing or is not safe YAML",
    "RW002": "a front matter key of spec §4 is missing",
    "RW003": "a front matter key has the wrong type or value",
    "RW004": "ai.rewritten is not true",
    "RW005": "ai.version is older than the current prompt version (stale; a warning)",
    "RW006": "publishedAt, updatedAt or ai.expandedAt is not an ISO 8601 UTC time",
    "RW007": "description is longer than the limit",
    "RW008": "description is a cut overview that does not end in '…'",
    "RW009": "a section heading is missing, out of order, unexpected or empty",
    "RW010": "the impact section has too few or too many bullets",
    "RW011": "an impact bullet repeats another",
    "RW012": "text has mojibake (encoding damage), repairable or not",
    "RW013": "the body contains HTML or a script",
    "RW014": "a template marker is left over",
    "RW015": "the text talks about itself as an AI",
    "RW016": "ai.warnings is present: the rewrite was not clean",
    "RW017": "the body has words glued together (unreadable prose)",
    "RW018": "the body mixes in letters of a script the article's language does not use",
    "RW019": "the body exclaims: '!' outside a quotation",
}

#: Longest description: the cut overview plus the ellipsis.
DESCRIPTION_LIMIT = policy.DESCRIPTION_MAX_CHARS + 1
ELLIPSIS = "\u2026"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_EMPTY_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)")
_KEY_LINE = re.compile(r"^( *)(?:- +)?(['\"]?)([^\s'\":#][^'\":]*?)\2[ \t]*:(?:[ \t]|$)")
_ISO_UTC = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|\+00:00)\Z")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_BULLET = re.compile(r"^[ \t]{0,3}[-*+][ \t]+(.*)$")
_CODE = re.compile(r"^(`{3,}|~{3,}).*?(?:^\1[ \t]*$|\Z)|`+[^`\n]*`+", re.MULTILINE | re.DOTALL)
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
_SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL")
_TIME_KEYS = ("publishedAt", "updatedAt", "ai.expandedAt")
_NO_TEMPLATE_SCAN = ("coverImage",)  # URLs, not prose


# --- the report -----------------------------------------------------------


#: Rules that warn rather than block: a stale article is not wrong, it could
#: be refreshed, so it passes unless `--strict` asks for every article current.
WARNING_RULES = frozenset({"RW005"})
#: What the summary tells a site with stale articles, in one line.
REFRESH_HINT = "`rewriter batch FEED --out DIR` rewrites each when it meets its source again"


@dataclass(frozen=True)
class Problem:
    """One reason an article must not be published, or a warning about it."""

    path: str
    line: int
    code: str
    message: str

    @property
    def severity(self) -> str:
        return "warning" if self.code in WARNING_RULES else "error"

    def __str__(self) -> str:
        marker = " warning:" if self.code in WARNING_RULES else ""
        return f"{self.path}:{self.line}: {self.code}{marker} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "code": self.code, "severity": self.severity, "message": self.message}


@dataclass
class ArticleResult:
    """What the check found in one file: blocked, passed or skipped.

    Warnings (a stale prompt version) block only when `strict`.
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None
    strict: bool = False

    @property
    def blocking(self) -> bool:
        return any(self.strict or p.code not in WARNING_RULES for p in self.problems)

    @property
    def stale(self) -> bool:
        return any(p.code == "RW005" for p in self.problems)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "blocked" if self.blocking else "passed"


@dataclass
class Report:
    """The results of one check run, in the order the files were found."""

    articles: list[ArticleResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for a in self.articles if a.status == status)

    @property
    def stale(self) -> int:
        return sum(1 for a in self.articles if a.stale)

    @property
    def problems(self) -> list[Problem]:
        return [p for a in self.articles for p in a.problems]

    @property
    def blocked(self) -> bool:
        return any(a.blocking for a in self.articles)

    def summary(self) -> str:
        n, stale = len(self.articles), self.stale
        line = (
            f"{n} article{'' if n == 1 else 's'} checked: {self.count('blocked')} blocked, "
            f"{self.count('passed')} passed, {self.count('skipped')} skipped"
        )
        if stale:
            line += f"; {stale} stale (older prompt version): {REFRESH_HINT}"
        return line

    def lines(self) -> Iterator[str]:
        """The text report: a line per problem or skipped article, then the summary."""
        for article in self.articles:
            if article.skipped:
                yield f"{article.path}: skipped ({article.skipped})"
            for problem in article.problems:
                yield str(problem)
        yield self.summary()

    def as_dict(self) -> dict[str, Any]:
        return {
            "problems": [p.as_dict() for p in self.problems],
            "articles": [
                {"path": a.path, "status": a.status, **({"reason": a.skipped} if a.skipped else {})}
                for a in self.articles
            ],
            "summary": {
                "checked": len(self.articles),
                "blocked": self.count("blocked"),
                "passed": self.count("passed"),
                "skipped": self.count("skipped"),
                "stale": self.stale,
            },
        }


# --- helpers ----------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What the current prompt profile expects of an article."""

    version: int
    impact_heading: str
    #: Language code -> the three headings of an article in it (English aside).
    headings: tuple[tuple[str, tuple[str, str, str]], ...] = ()

    @classmethod
    def load(cls, prompts: Path | None = None) -> Profile:
        from rewriter.prompts import load_prompt

        prompt = load_prompt(prompts)
        return cls(prompt.version, prompt.impact_heading, tuple((code, prompt.headings(code)) for code, _ in prompt.languages))

    def expected_headings(self, lang: Any, found: list[str]) -> list[str]:
        """The headings an article in `lang` must have: its language's, when the
        profile has them and the body uses any of them, else English (what
        rewriter writes for a language the profile lacks, and what articles
        written with `language: en` have)."""
        english = [OVERVIEW_HEADING, WHAT_HAPPENED_HEADING, self.impact_heading]
        table, lang = dict(self.headings), lang.lower() if isinstance(lang, str) else ""
        local = table.get(lang) or table.get(lang.split("-")[0])
        return list(local) if local and any(title in local for title in found) else english


#: ftfy's mojibake pattern (`ftfy.badness.BADNESS_RE`) as checked by
#: tests/test_check.py: every match is at most 7 characters long and holds a
#: non-ASCII one. For that pattern (known by its CRC-32) searching near the
#: non-ASCII characters alone gives the same answer as searching everything,
#: ten times faster; any other version of it is searched whole.
BADNESS_PATTERN_CRC32 = 1455352246
BADNESS_MATCH_MAX = 7
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=1)
def _badness() -> tuple[re.Pattern[str], bool]:
    import zlib

    pattern = _load_badness_pattern()
    return pattern, zlib.crc32(pattern.pattern.encode("utf-8")) == BADNESS_PATTERN_CRC32


def _load_badness_pattern() -> re.Pattern[str]:
    """`ftfy.badness.BADNESS_RE`, loaded from its file alone: importing the
    whole of ftfy (codecs, fixes, wcwidth) takes three times longer, and a
    clean article never needs more than this one pattern."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("ftfy")
        path = Path(next(iter(spec.submodule_search_locations or ()))) / "badness.py"  # type: ignore[union-attr]
        module_spec = importlib.util.spec_from_file_location("rewriter._ftfy_badness", path)
        module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
        module_spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.BADNESS_RE
    except Exception:  # another layout of ftfy: import it the ordinary way
        from ftfy.badness import BADNESS_RE

        return BADNESS_RE


def may_have_mojibake(text: str) -> bool:
    """False when ftfy would surely leave the text alone: it is ASCII, or ftfy's
    own first test (`badness.is_bad`) finds nothing. A match inside part of a
    text is a match inside the whole, so one call clears many fields at once."""
    if text.isascii():
        return False
    pattern, windowed = _badness()
    if not windowed:
        return pattern.search(text) is not None
    reach = BADNESS_MATCH_MAX - 1
    start = end = -1
    for run in _NON_ASCII_RUN.finditer(text):
        if run.start() - reach > end:  # a new window: search the one before
            if end >= 0 and pattern.search(text, start, end):
                return True
            start = max(0, run.start() - reach)
        end = run.end() + reach
    return pattern.search(text, start, end) is not None


def mojibake_fix(text: str) -> str | None:
    """The repaired text when `text` has mojibake that can be repaired, else None.

    A lost byte is restored only where one character is possible, and is
    hidden from ftfy's guesses otherwise (`rewriter.mojibake`)."""
    if not may_have_mojibake(text):
        return None
    import ftfy

    from rewriter.mojibake import repair_lost_bytes, shielded

    fixed = shielded(repair_lost_bytes(text), ftfy.fix_encoding)
    return fixed if fixed != text else None


def may_have_any_mojibake(text: str) -> bool:
    """False when the text surely has no mojibake, repairable or not."""
    from rewriter.mojibake import markers

    # ftfy's badness pattern is not passed to `markers`: may_have_mojibake searched it.
    return may_have_mojibake(text) or next(markers(text), None) is not None


def mojibake_problem(text: str) -> str | None:
    """What is wrong with `text`: `'a' should read 'b'`, and/or the words
    that cannot be repaired, quoted; None when it has no mojibake."""
    from rewriter.mojibake import find_mojibake

    fixed = mojibake_fix(text)
    left = find_mojibake(fixed if fixed is not None else text, _badness()[0])
    parts = [_damage(text, fixed)] if fixed is not None else []
    if left is not None:
        parts.append(f"'{left}' cannot be repaired (a byte was lost)")
    return "; ".join(parts) or None


def _damage(text: str, fixed: str) -> str:
    """The first damaged word and its repair, for the message."""
    before, after = text.split(), fixed.split()
    if len(before) == len(after):
        for a, b in zip(before, after):
            if a != b:
                return f"'{a}' should read '{b}'"
    return f"should read '{fixed[:80]}'"


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


# --- the rules ------------------------------------------------------------


class _Article:
    """One file being checked: collects problems with their lines."""

    def __init__(self, path: str, text: str, profile: Profile) -> None:
        self.path = path
        self.text = text
        self.profile = profile
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self.meta: dict[str, Any] = {}
        self.body = ""
        self.body_first_line = 1

    def report(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))

    def line_of(self, key: str) -> int:
        while key not in self.lines and "." in key:
            key = key.rsplit(".", 1)[0]
        return self.lines.get(key, 1)

    # front matter -----------------------------------------------------------

    def parse(self) -> bool:
        """Split front matter from body and load it; False when it cannot be read."""
        text = self.text
        match = _FRONT_MATTER.match(text) or _EMPTY_FRONT_MATTER.match(text)
        if not match:
            self.report(1, "RW001", "no YAML front matter: the file must start with a '---' line and close it with another")
            return False
        raw = match.group(1) if match.re is _FRONT_MATTER else ""
        self.body = text[match.end():]
        self.body_first_line = text.count("\n", 0, match.end()) + 1
        try:
            meta = safeyaml.load(raw)
        except yaml.YAMLError as exc:
            # The construct that failed (an unclosed `[`) is nearer the
            # cause than where the parser gave up.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.report(line, "RW001", f"front matter is not safe YAML: {problem}")
            return False
        if not isinstance(meta, dict):
            self.report(1, "RW001", "front matter must be a mapping of keys to values")
            return False
        self.meta = meta
        self.lines, repeated = key_lines(raw)
        for key, line in repeated:
            self.report(line, "RW001", f"front matter key '{key}' appears twice")
        return True

    def check_keys(self) -> None:
        meta = self.meta
        required = [k for k in FRONT_MATTER_ORDER if k != "coverImage"]
        for key in required:
            if key not in meta:
                self.report(1, "RW002", f"front matter lacks '{key}'")
        for key, expected in _TYPES.items():
            if key in meta:
                self._check_type(key, meta[key], expected)
        for parent in ("source", "ai"):
            value = meta.get(parent)
            if not isinstance(value, dict):
                continue
            for child, expected in _CHILD_TYPES[parent].items():
                name = f"{parent}.{child}"
                if child in value:
                    self._check_type(name, value[child], expected)
                elif expected[1]:
                    self.report(self.line_of(parent), "RW002", f"front matter lacks '{name}'")
        tags = meta.get("tags")
        if isinstance(tags, list) and not all(isinstance(t, str) for t in tags):
            self.report(self.line_of("tags"), "RW003", "'tags' must be a list of strings")
        sentiment = meta.get("sentiment")
        if isinstance(sentiment, str) and sentiment not in _SENTIMENTS:
            self.report(self.line_of("sentiment"), "RW003", f"'sentiment' is '{sentiment}'; use {', '.join(_SENTIMENTS)}")
        for key in ("title", "description"):
            if isinstance(meta.get(key), str) and not meta[key].strip():
                self.report(self.line_of(key), "RW003", f"'{key}' is empty")

    def _check_type(self, name: str, value: Any, expected: tuple[tuple[type, ...], bool, str]) -> None:
        types, _, label = expected
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if ok and isinstance(value, float) and not math.isfinite(value):
            self.report(self.line_of(name), "RW003", f"'{name}' must be a finite number, not {value}")
            return
        if not ok:
            got = "a YAML timestamp (quote it)" if isinstance(value, (_dt.date, _dt.datetime)) else _type_name(value)
            self.report(self.line_of(name), "RW003", f"'{name}' must be {label}, not {got}")

    def check_ai(self) -> None:
        ai = self.meta.get("ai")
        if not isinstance(ai, dict):
            return
        if ai.get("rewritten") is False:
            self.report(self.line_of("ai.rewritten"), "RW004", "ai.rewritten is false: the article was not rewritten")
        version = ai.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version < self.profile.version:
            self.report(
                self.line_of("ai.version"), "RW005",
                f"stale: ai.version is {version}, the current prompt version is {self.profile.version}",
            )  # fmt: skip
        if "warnings" in ai:
            warnings = ai["warnings"]
            count = len(warnings) if isinstance(warnings, list) else 1
            first = f": {warnings[0]}" if isinstance(warnings, list) and warnings else ""
            self.report(self.line_of("ai.warnings"), "RW016", f"ai.warnings lists {count} unresolved problem(s){first}")

    def check_times(self) -> None:
        for name in _TIME_KEYS:
            parent, _, child = name.rpartition(".")
            holder = self.meta.get(parent) if parent else self.meta
            value = holder.get(child or name) if isinstance(holder, dict) else None
            if isinstance(value, str) and not valid_utc_time(value):
                self.report(
                    self.line_of(name), "RW006",
                    f"'{name}' is '{value}', not an ISO 8601 UTC time like '2025-11-14T17:46:49.000Z'",
                )  # fmt: skip

    def check_description(self, overview: str | None) -> None:
        description = self.meta.get("description")
        if not isinstance(description, str):
            return
        # Judge the repaired text: mojibake is reported on its own (RW012), and
        # the extra characters it adds must not count twice.
        description = mojibake_fix(description) or description
        line = self.line_of("description")
        if len(description) > DESCRIPTION_LIMIT:
            self.report(line, "RW007", f"description has {len(description)} characters; at most {DESCRIPTION_LIMIT}")
        if overview and not description.endswith(ELLIPSIS):
            flat_overview, flat = " ".join(overview.split()), " ".join(description.split())
            if len(flat) < len(flat_overview) and flat_overview.startswith(flat.rstrip(" .,;:-–—、，。")):
                self.report(line, "RW008", "description is a cut of the overview but does not end in '…'")

    def check_text(self) -> None:
        """Mojibake and left-over template markers or AI talk in every text field."""
        fields = [(key, name, text) for key, value in self.meta.items() for name, text in _strings(value, str(key))]
        if may_have_any_mojibake("\n".join(text for _, _, text in fields)):
            for _, name, text in fields:
                damage = mojibake_problem(text)
                if damage is not None:
                    self.report(self.line_of(name), "RW012", f"'{name}' has mojibake: {damage}")
        prose = [(name, text) for key, name, text in fields if key not in _NO_TEMPLATE_SCAN]
        joined = "\n".join(text for _, text in prose)  # one cheap look at all fields first
        if _may_have_template_marker(joined) or any(hint in joined.lower() for hint in _AI_TALK_HINTS):
            for name, text in prose:
                self._check_prose(self.line_of(name), f"'{name}'", text)

    def _check_prose(self, line: int, where: str, text: str) -> None:
        marker = _template_marker(text)
        if marker:
            self.report(line, "RW014", f"{where} has a left-over template marker '{marker}'")
        lower = text.lower()
        talk = _AI_TALK.search(text) if any(hint in lower for hint in _AI_TALK_HINTS) else None
        if talk:
            self.report(line, "RW015", f"{where} talks about itself as an AI: '{talk.group(0)}'")

    # body ---------------------------------------------------------------------

    def check_body(self) -> str | None:
        """Sections, bullets, HTML and text of the body; returns the overview."""
        sections: list[tuple[str, int, list[tuple[int, str]]]] = []
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
        expected = self.profile.expected_headings(self.meta.get("lang"), [title for title, _, _ in sections])
        self._check_sections(expected, sections)
        self._check_body_text()
        self._check_readable(sections)
        for title, _, lines in sections:
            if title == expected[0]:
                return " ".join(text.strip() for _, text in lines if text.strip())
        return None

    def _body_line(self, position: int) -> int:
        return self.body_first_line + self.body.count("\n", 0, position)

    def _check_body_text(self) -> None:
        """Mojibake, HTML, scripts, template markers and AI talk, each on its line.

        Each pattern searches the whole body once (a match inside a line is a
        match inside the body), and only a hit costs a look at single lines.
        """
        body = self.body
        if may_have_any_mojibake(body):
            for number, line in enumerate(body.splitlines(), self.body_first_line):
                damage = mojibake_problem(line)
                if damage is not None:
                    self.report(number, "RW012", f"body has mojibake: {damage}")
        # Code is shown as written, so `<b>` in a code span is text, not HTML.
        prose = _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), body) if "`" in body or "~~~" in body else body
        reported: set[tuple[int, str]] = set()

        def once(match: re.Match[str], code: str, message: str) -> None:
            line = self._body_line(match.start())
            if (line, code) not in reported:
                reported.add((line, code))
                self.report(line, code, message)

        lower = prose.lower()
        if any(hint in lower for hint in _SCRIPT_HINTS):
            for match in _SCRIPT.finditer(prose):
                once(match, "RW013", f"body contains a script: '{match.group(0)}'")
        if "<" in prose:
            for match in _HTML_TAG.finditer(prose):
                once(match, "RW013", f"body contains HTML: '{match.group(0)[:60]}'")
        if _may_have_template_marker(prose, lower):
            for match in _TEMPLATE.finditer(prose):
                if _is_template_marker(match.group(0)):
                    once(match, "RW014", f"body has a left-over template marker '{match.group(0)}'")
        if any(hint in lower for hint in _AI_TALK_HINTS):
            for match in _AI_TALK.finditer(prose):
                once(match, "RW015", f"body talks about itself as an AI: '{match.group(0)}'")

    def _check_readable(self, sections: list[tuple[str, int, list[tuple[int, str]]]]) -> None:
        """The publish gate's rules that need no source: glued words, foreign
        scripts and exclamations in the prose under the headings. Words glued
        without a visible seam ("warningsabout") need the word list and are
        left to the rewrite's own review, so the check stays fast: each rule
        first looks at the whole prose once, and at single lines only on a hit."""
        from rewriter.gate.prose import exclamations, foreign_tokens, language_scripts, may_glue, visible_glue
        from rewriter.gate.words import scripts

        lines = [(n, line) for heading, _, body in sections if heading for n, line in body if line.strip()]
        prose = "\n".join(line for _, line in lines)
        lang, title = self.meta.get("lang"), self.meta.get("title")
        allowed = language_scripts(lang) if isinstance(lang, str) and not prose.isascii() else set()
        if allowed:
            allowed |= scripts(title) if isinstance(title, str) else set()  # the source's own headline
            if scripts(prose) <= allowed:
                allowed = set()  # nothing foreign anywhere
        glue, exclaims = may_glue(prose), "!" in prose or "！" in prose
        if not (glue or allowed or exclaims):
            return
        for number, line in lines:
            glued = visible_glue(line) if glue else []
            if glued:
                self.report(number, "RW017", f"words glued together: {', '.join(repr(g) for g in glued[:3])}")
            foreign = foreign_tokens(line, allowed) if allowed else []
            if foreign:
                self.report(number, "RW018", f"letters of another script than '{lang}': {', '.join(repr(t) for t in foreign[:3])}")
            if exclaims and exclamations(line):
                self.report(number, "RW019", "the text exclaims ('!' outside a quotation); news prose does not")

    def _check_sections(self, expected: list[str], sections: list[tuple[str, int, list[tuple[int, str]]]]) -> None:
        titles = [title for title, _, _ in sections]
        end_line = self.body_first_line + max(self.body.count("\n") - 1, 0)
        if sections and sections[0][0] == "":
            self.report(sections[0][1], "RW009", f"text before the first heading; the body starts with '## {expected[0]}'")
        for k, name in enumerate(expected):
            if name not in titles:  # reported where it belongs: before the next heading found
                later = [n for t, n, _ in sections if t in expected[k + 1:]]
                line = later[0] if later else (end_line if sections else self.body_first_line)
                self.report(line, "RW009", f"heading '## {name}' is missing")
        found = [t for t in titles if t in expected]
        if found != [t for t in expected if t in found] or len(found) != len(set(found)):
            line = next(n for t, n, _ in sections if t in expected)
            self.report(line, "RW009", f"headings out of order; expected {', '.join('## ' + e for e in expected)}")
        for title, line, lines in sections:
            if title and title not in expected:
                self.report(line, "RW009", f"unexpected heading '## {title}'")
            elif title in expected and not any(text.strip() for _, text in lines):
                self.report(line, "RW009", f"section '## {title}' is empty")
            if title == expected[2]:
                self._check_bullets(line, lines)

    def _check_bullets(self, heading_line: int, lines: list[tuple[int, str]]) -> None:
        bullets = [(n, m.group(1).strip()) for n, text in lines if (m := _BULLET.match(text))]
        low, high = policy.IMPACT_BULLETS
        if bullets and not low <= len(bullets) <= high:
            self.report(heading_line, "RW010", f"the impact section has {len(bullets)} bullets; write {low}-{high}")
        elif not bullets and any(text.strip() for _, text in lines):
            self.report(heading_line, "RW010", f"the impact section has no bullets; write {low}-{high}")
        for i, j in repeated_pairs([b for _, b in bullets]):
            self.report(bullets[j][0], "RW011", f"impact bullet {j + 1} repeats bullet {i + 1}")


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


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    return {
        bool: "true/false", int: "a number", float: "a number", str: "a string",
        list: "a list", dict: "a mapping",
    }.get(type(value), type(value).__name__)  # fmt: skip


_STR = ((str,), True, "a string")
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


# --- entry points -----------------------------------------------------------


def check_text(text: str, path: str = "<text>", profile: Profile | None = None, include_drafts: bool = False) -> ArticleResult:
    """Check one article's text; the result lists its problems or why it was skipped."""
    article = _Article(path, text, profile or Profile.load())
    result = ArticleResult(path)
    if article.parse():
        if article.meta.get("draft") is True and not include_drafts:
            result.skipped = "draft: true"
            return result
        article.check_keys()
        article.check_ai()
        article.check_times()
        article.check_text()
        overview = article.check_body()
        article.check_description(overview)
    result.problems = sorted(article.problems, key=lambda p: p.line)
    return result


def check_file(path: Path, display: str | None = None, profile: Profile | None = None, include_drafts: bool = False) -> ArticleResult:
    name = display if display is not None else str(path)
    kind = special_file(path)
    if kind is not None:
        return ArticleResult(name, [Problem(name, 1, "RW001", f"is {kind}, not a regular file")])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ArticleResult(name, [Problem(name, 1, "RW001", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")])
    except OSError as exc:
        return ArticleResult(name, [Problem(name, 1, "RW001", f"cannot read the file: {exc.strerror or exc}")])
    return check_text(text, name, profile, include_drafts)


def find_articles(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given and every `*.md` below each folder, sorted, each once; and
    the folders below that could not be listed, with the reason.

    One walk finds both (it follows no links to folders, as rglob does not).
    Raises FileNotFoundError naming the first path that does not exist.
    """
    import os

    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []

    def note(exc: OSError) -> None:
        unreadable.append((Path(exc.filename), exc.strerror or str(exc)))

    for path in paths:
        if path.is_dir():
            below = (Path(root, name) for root, _, names in os.walk(path, onerror=note) for name in names)
            found.extend(sorted(p for p in below if p.name.endswith(".md") and p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(str(path))
    return list(dict.fromkeys(found)), unreadable


def check_paths(
    paths: Iterable[Path], prompts: Path | None = None, include_drafts: bool = False, strict: bool = False
) -> Report:
    """Check every article found under `paths` against the current prompt profile;
    with `strict`, warnings (a stale article) block too."""
    profile = Profile.load(prompts)
    report = Report()
    articles, unreadable = find_articles(paths)
    for path in articles:
        result = check_file(path, str(path), profile, include_drafts)
        result.strict = strict
        report.articles.append(result)
    for folder, reason in unreadable:  # never pass what could not be looked at
        report.articles.append(ArticleResult(str(folder), [Problem(str(folder), 1, "RW001", f"cannot read the folder: {reason}")]))
    return report
