"""Output file names: `{date}-{slug}.md` by default, safe by construction.

Slugs are ASCII, at most `policy.SLUG_MAX_CHARS` long and never hold a path
separator or `..`; every value put into a template is such a slug, so only
the template itself can add folders, and `output.inside` still checks the
final path against the output folder.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath

from rewriter import policy
from rewriter.errors import InputError
from rewriter.items import FeedItem

DEFAULT_TEMPLATE = "{date}-{slug}.md"
#: Names a template may use.
TEMPLATE_FIELDS = ("date", "year", "month", "day", "slug", "id", "source", "lang", "category")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_INNER_MARK = re.compile(r"(?<=[A-Za-z])[.'](?=[A-Za-z])")


def slugify(text: str, limit: int = policy.SLUG_MAX_CHARS, fallback: str = "item") -> str:
    """`Bitcoin’s 50% Rally!` → `bitcoins-50-rally`: ASCII, lower case, hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = _INNER_MARK.sub("", ascii_text)  # U.S. → US, don't → dont
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[:limit]
        slug = slug.strip("-")
    return slug or fallback


def check_template(template: str) -> str:
    """The template, if it only uses known fields and stays relative; else InputError."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)]
    except ValueError as exc:
        raise InputError(f"invalid name template {template!r}: {exc}") from None
    names = {name for name, _, _ in fields if name is not None}
    if any(spec or conversion for name, spec, conversion in fields if name is not None):
        # {slug!r} adds quotes, {slug:>5000} a name too long for any file system
        raise InputError(f"name template {template!r}: write fields as {{name}}, without '!' or ':'")
    unknown = sorted(n for n in names if n not in TEMPLATE_FIELDS)
    if unknown:
        raise InputError(
            f"unknown field(s) in name template {template!r}: {', '.join(unknown)} "
            f"(known: {', '.join(TEMPLATE_FIELDS)})"
        )
    path = PurePosixPath(template.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not template.strip():
        raise InputError(f"name template {template!r} must be a relative path inside --out")
    if any(part.startswith(".") for part in path.parts):  # hidden, and .rewriter-index.jsonl is ours
        raise InputError(f"name template {template!r} must not name hidden files (a part starting with '.')")
    return template


def name_fields(item: FeedItem, lang: str | None = None, names: Iterable[str] = TEMPLATE_FIELDS) -> dict[str, str]:
    """The `--name` fields (those in `names`); `lang` is the article's language (default: the item's)."""
    date = item.publishedAt[:10]
    fields = {
        "date": lambda: date,
        "year": lambda: date[:4],
        "month": lambda: date[5:7],
        "day": lambda: date[8:10],
        "slug": lambda: slugify(item.title),
        "id": lambda: slugify(item.externalId, fallback="id"),
        "source": lambda: slugify(item.source.key, fallback="source"),
        "lang": lambda: slugify(lang or item.lang, fallback="xx"),
        "category": lambda: slugify(item.category, fallback="news"),
    }
    return {name: fields[name]() for name in names}


@lru_cache(maxsize=16)
def _template_names(template: str) -> tuple[str, ...]:
    """The fields a template uses: only those are worked out for each item."""
    return tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(template) if name in TEMPLATE_FIELDS))


def article_name(item: FeedItem, template: str = DEFAULT_TEMPLATE, lang: str | None = None) -> str:
    """Relative file name of the article for `item` (POSIX separators); `{lang}`
    is the language the article is written in, as its front matter says."""
    name = template.format_map(name_fields(item, lang, _template_names(template))).replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise InputError(f"name template {template!r} gives an unsafe name {name!r}", where=item.label)
    return "/".join(parts)


def identity_suffix(item: FeedItem) -> str:
    """Eight hex digits of the item's identity: the same item always gets the same suffix."""
    key = f"{item.source.key}\x00{item.externalId}".encode()
    return hashlib.sha256(key).hexdigest()[:8]


def disambiguated(name: str, item: FeedItem) -> str:
    """`2025-11-14-slug.md` → `2025-11-14-slug-1a2b3c4d.md` for a second item with that name."""
    path = PurePosixPath(name)
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return str(path.with_name(f"{stem}-{identity_suffix(item)}{suffix}"))

