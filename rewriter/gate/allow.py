"""The editors' allow list: `allow.yaml` beside the prompt's `profile.yaml`.

The packaged list always applies; a prompt folder given with `--prompts` (or
REWRITER_PROMPTS) that holds an `allow.yaml` adds its entries to it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rewriter.errors import PromptError
from rewriter.gate.source import Allow
from rewriter.prompts import DEFAULT_PROMPT, packaged_prompts_root

ALLOW_FILE = "allow.yaml"
_KEYS = {"aliases": dict, "names": list, "story": list}


def read_allow(path: Path) -> Allow:
    """One allow file; a clear error naming the file and key when it is malformed."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PromptError(f"cannot read the allow list: {exc}", where=str(path)) from None
    if not isinstance(data, dict):
        raise PromptError("the allow list must be a YAML mapping (aliases, names, story)", where=str(path))
    for key, kind in _KEYS.items():
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise PromptError(f"'{key}' must be a {'mapping' if kind is dict else 'list'}", where=str(path))
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise PromptError(f"unknown key(s) {', '.join(unknown)}; use aliases, names, story", where=str(path))
    return Allow.from_data(data)


@lru_cache(maxsize=8)
def load_allow(folder: Path | None = None) -> Allow:
    """The packaged list, plus the one in `folder` (a prompt folder) if it has one."""
    packaged = packaged_prompts_root() / DEFAULT_PROMPT / ALLOW_FILE
    allow = read_allow(packaged) if packaged.is_file() else Allow()
    if folder is not None and (folder / ALLOW_FILE).is_file() and (folder / ALLOW_FILE).resolve() != packaged.resolve():
        allow = allow.merged(read_allow(folder / ALLOW_FILE))
    return allow
