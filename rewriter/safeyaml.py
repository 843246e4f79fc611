"""Front matter YAML: safe types only, and no aliases.

`yaml.safe_load` builds no Python objects, but it does follow aliases, and
they multiply: nine nested levels of `&a [*b, *b, ...]` ("billion laughs")
are a few hundred bytes that load into a billion list entries by reference,
and any walk over the result (ours, json's, the pre-commit hook's) then runs
for minutes. Front matter never needs aliases, so a document that uses one is
refused with the line of the first alias, like any other YAML error.

libyaml (`CSafeLoader`) is used when PyYAML was built with it; the alias scan
runs only on text that contains a `*`, so the check stays fast.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AliasRefused(yaml.MarkedYAMLError):
    """A YAML alias (`*name`) in front matter."""


class NotAMapping(yaml.YAMLError):
    """Front matter that is valid YAML but a list or a scalar, not keys and values."""


def load(text: str) -> Any:
    """Parse YAML with the safe loader; raise AliasRefused at the first alias."""
    if "*" in text:
        for event in yaml.parse(text, Loader=LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise AliasRefused(
                    problem=f"YAML aliases (*{event.anchor}) are not allowed; write the value out",
                    problem_mark=event.start_mark,
                )
    try:
        return yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader
    except (ValueError, RecursionError) as exc:  # a 5,000-digit integer, lists nested 10,000 deep
        raise yaml.YAMLError(str(exc) or type(exc).__name__) from None


@lru_cache(maxsize=1)
def front_matter_handler() -> Any:
    """A python-frontmatter YAML handler that loads with `load` above."""
    import frontmatter

    class Handler(frontmatter.YAMLHandler):  # type: ignore[misc]
        def load(self, fm: str, **kwargs: Any) -> Any:
            data = load(fm)
            if data is not None and not isinstance(data, dict):
                # python-frontmatter would drop it silently and report no front matter
                raise NotAMapping(f"a {type(data).__name__}, not a mapping of keys to values")
            return data

    return Handler()
