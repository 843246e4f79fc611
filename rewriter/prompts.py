"""Prompts as Markdown files, one folder per prompt (spec §3).

A prompt folder holds `system.md`, `user.md` and optionally `profile.yaml`
(prompt version and the third heading). Templates use `{{ name }}`; values are
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

    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.system)) | set(_VARIABLE.findall(self.user))

    def render(self, values: dict[str, str]) -> list[dict[str, str]]:
        """The chat messages for these values; every missing name is listed."""
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
    return Prompt(
        folder=folder,
        system=(folder / "system.md").read_text(encoding="utf-8"),
        user=(folder / "user.md").read_text(encoding="utf-8"),
        version=version,
        impact_heading=str(profile.get("impact_heading") or DEFAULT_IMPACT_HEADING),
    )


def current_version(folder: Path | None = None) -> int:
    return load_prompt(folder).version
