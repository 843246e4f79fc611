"""Prompts as Markdown files, one folder per prompt (spec §3).

A prompt folder holds `system.md`, `user.md` and optionally `profile.yaml`
(prompt version, the third heading, the article language and, per language,
its name and headings). Templates use `{{ name }}`; values are
substituted in one pass, so the article text inserted for `{{ article }}` is
never itself read as a template: a `{{`, `$` or `{` in a story is just text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rewriter.errors import PromptError

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
DEFAULT_PROMPT = "rewrite"
DEFAULT_IMPACT_HEADING = "Impact on the crypto market"
#: `language: source` writes each article in its item's own language.
SOURCE_LANGUAGE = "source"
_LANGUAGE_CODE = re.compile(r"\A[a-z]{2,3}(?:-[a-z0-9]{2,8})*\Z")


def packaged_prompts_root() -> Path:
    """The prompts shipped in the wheel, or the checkout's `prompts/`."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_prompts", here.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise PromptError("the packaged prompts are missing; reinstall rewriter")


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt folder."""

    folder: Path
    system: str
    user: str
    version: int
    impact_heading: str
    #: `en`, another language code, or `source` (the item's own language).
    language: str = "en"
    #: Language code -> (name for the prompt, (three headings)), from the profile.
    languages: tuple[tuple[str, tuple[str, tuple[str, str, str]]], ...] = ()

    def article_lang(self, item_lang: str) -> str:
        """The language an article of an item in `item_lang` is written in."""
        return item_lang if self.language == SOURCE_LANGUAGE else self.language

    def _known(self, lang: str) -> tuple[str, tuple[str, str, str]] | None:
        """The profile's entry for `lang`, or for its base language (`pt-br` → `pt`)."""
        table = dict(self.languages)
        return table.get(lang) or table.get(lang.split("-")[0])

    def language_name(self, lang: str) -> str:
        """What the prompt calls the language: `English`, `Spanish`, ..."""
        if lang == "en":
            return "English"
        known = self._known(lang)
        return known[0] if known else f"the language whose ISO 639 code is '{lang}'"

    def headings(self, lang: str) -> tuple[str, str, str]:
        """The three headings of an article in `lang`; English where the profile has none."""
        from rewriter.render import OVERVIEW_HEADING, WHAT_HAPPENED_HEADING

        known = self._known(lang) if lang.split("-")[0] != "en" else None
        return known[1] if known else (OVERVIEW_HEADING, WHAT_HAPPENED_HEADING, self.impact_heading)

    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.system)) | set(_VARIABLE.findall(self.user))

    def render(self, values: dict[str, str]) -> list[dict[str, str]]:
        """The chat messages for these values; every missing name is listed.
        `language` defaults to the profile's (English for `source`)."""
        fixed = "en" if self.language == SOURCE_LANGUAGE else self.language
        values = {"language": self.language_name(fixed), **values}
        missing = sorted(self.variables() - values.keys())
        if missing:
            raise PromptError(
                f"missing template variable(s): {', '.join(missing)}", where=str(self.folder)
            )

        def fill(template: str) -> str:
            return _VARIABLE.sub(lambda m: values[m.group(1)], template).strip()

        return [
            {"role": "system", "content": fill(self.system)},
            {"role": "user", "content": fill(self.user)},
        ]


def _read_profile(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"cannot read the profile: {exc}", where=str(path)) from None
    if not isinstance(data, dict):
        raise PromptError("the profile must be a YAML mapping", where=str(path))
    return data


@lru_cache(maxsize=8)
def load_prompt(folder: Path | None = None, name: str = DEFAULT_PROMPT) -> Prompt:
    """Load a prompt folder; a user folder may hold `NAME/` or the files directly."""
    packaged = packaged_prompts_root() / name
    if folder is None:
        folder = packaged
    elif (folder / name / "system.md").is_file():
        folder = folder / name
    missing = [f for f in ("system.md", "user.md") if not (folder / f).is_file()]
    if missing:
        raise PromptError(f"prompt folder lacks {', '.join(missing)}", where=str(folder))
    profile_path = folder / "profile.yaml"
    profile = _read_profile(profile_path if profile_path.is_file() else packaged / "profile.yaml")
    version = profile.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PromptError("profile 'version' must be a positive integer", where=str(profile_path))
    where = str(profile_path if profile_path.is_file() else packaged / "profile.yaml")
    if "languages" not in profile and profile_path.is_file():  # your profile, the packaged headings
        profile["languages"] = _read_profile(packaged / "profile.yaml").get("languages")
    prompt = Prompt(
        folder=folder,
        system=(folder / "system.md").read_text(encoding="utf-8"),
        user=(folder / "user.md").read_text(encoding="utf-8"),
        version=version,
        impact_heading=str(profile.get("impact_heading") or DEFAULT_IMPACT_HEADING),
        language=_language(profile.get("language", "en"), where),
        languages=_languages(profile.get("languages"), where),
    )
    if prompt.language != "en" and "language" not in prompt.variables():
        raise PromptError(
            f"'language: {prompt.language}' needs {{{{ language }}}} in system.md or user.md to tell the model",
            where=str(folder),
        )
    return prompt


def _language(value: object, where: str) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text != SOURCE_LANGUAGE and not _LANGUAGE_CODE.match(text):
        raise PromptError(f"profile 'language' must be 'en', 'source' or a language code, not {value!r}", where=where)
    return text


def _languages(value: object, where: str) -> tuple[tuple[str, tuple[str, tuple[str, str, str]]], ...]:
    """The profile's `languages` table, checked: each a name and three headings."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PromptError("profile 'languages' must map language codes to a name and headings", where=where)
    table = []
    for code, entry in value.items():
        name = entry.get("name") if isinstance(entry, dict) else None
        headings = entry.get("headings") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise PromptError(f"profile 'languages.{code}.name' must be the language's name", where=where)
        if not (isinstance(headings, list) and len(headings) == 3 and all(isinstance(h, str) and h.strip() for h in headings)):
            raise PromptError(f"profile 'languages.{code}.headings' must list three headings", where=where)
        table.append((str(code).lower(), (name.strip(), tuple(h.strip() for h in headings))))
    return tuple(table)  # type: ignore[return-value]


def current_version(folder: Path | None = None) -> int:
    return load_prompt(folder).version
