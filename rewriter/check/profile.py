"""What the current prompt profile expects of an article: its version and its headings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewriter.render import OVERVIEW_HEADING, WHAT_HAPPENED_HEADING


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
