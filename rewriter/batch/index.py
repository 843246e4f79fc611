"""The article index: recognising articles that are already current, cheaply.

A small index in the output folder (`.rewriter-index.jsonl`: raw item digest
→ article) lets a rerun recognise current articles without normalising the
item or parsing the article; when the index does not know an item, the
article's front matter says who it is and whether it is current.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewriter import safeyaml
from rewriter.output import atomic_write

INDEX_NAME = ".rewriter-index.jsonl"


def front_matter(path: Path) -> dict[str, Any] | None:
    """The YAML front matter of an article (libyaml when available), or None."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    try:
        data = safeyaml.load(text[4:end])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


@dataclass
class ArticleState:
    identity: tuple[str, str] | None
    current: bool
    blocked: bool


def article_state(path: Path, source_hash: str, version: int) -> ArticleState | None:
    """Who the article at `path` is and whether it is current; None if there is none."""
    meta = front_matter(path)
    if meta is None:
        return None
    source = meta.get("source") if isinstance(meta.get("source"), dict) else {}
    external = meta.get("externalId")
    identity = (str(source.get("key")), str(external)) if external is not None else None
    ai = meta.get("ai") if isinstance(meta.get("ai"), dict) else {}
    # An article written from the item's page (`ai.sourceText: page`) is
    # current while the item's own text is unchanged (`ai.itemHash`).
    hashes = (ai.get("sourceHash"), ai.get("itemHash") if ai.get("sourceText") == "page" else None)
    current = ai.get("rewritten") is True and source_hash in hashes and ai.get("version") == version
    return ArticleState(identity, current, bool(ai.get("warnings")))


class ArticleIndex:
    """`.rewriter-index.jsonl` in the output folder: raw digest → article written for it.

    An entry counts only while the article file has the size and mtime
    recorded, so an edited or deleted article is looked at properly again.
    """

    def __init__(self, out: Path, template: str) -> None:
        self.path = out / INDEX_NAME
        self.template = template
        self.entries: dict[str, dict[str, Any]] = {}
        self._append: Any = None
        try:
            with self.path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        entry = json.loads(line)
                        self.entries[entry["digest"]] = entry
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line after a crash
        except OSError:
            pass

    def key(self, digest: str) -> str:
        return f"{digest}:{self.template}"

    def lookup(self, digest: str, out: Path, version: int) -> dict[str, Any] | None:
        entry = self.entries.get(self.key(digest))
        if not entry or entry.get("version") != version:
            return None
        try:
            stat = (out / entry["path"]).stat()
        except OSError:
            return None
        if [stat.st_size, stat.st_mtime_ns] != entry.get("stat"):
            return None
        return entry

    def record(self, digest: str, out: Path, rel: str, identity: tuple[str, str], version: int, blocked: bool) -> None:
        if not digest:
            return
        try:
            stat = (out / rel).stat()
        except OSError:
            return
        entry = {
            "digest": self.key(digest), "path": rel, "id": list(identity), "version": version,
            "blocked": blocked, "stat": [stat.st_size, stat.st_mtime_ns],
        }  # fmt: skip
        self.entries[entry["digest"]] = entry
        if self._append is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append = self.path.open("a", encoding="utf-8")
        self._append.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._append.flush()

    def close(self) -> None:
        """Rewrite the index without superseded lines."""
        if self._append is None:
            return
        self._append.close()
        self._append = None
        atomic_write(self.path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.entries.values()))
