"""The plan: items in, for each either a finished `ItemReport` or a `Target`.

Items are pulled lazily from the readers. Articles already current are left
alone (the article index recognises them), the same item twice is rewritten
once, and every item left gets the article name it will be written under.
Whoever executes the plan (online requests, or a Batch API) turns each
`Target` into an article; `Planner.written` reports it.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewriter import policy
from rewriter.batch.index import ArticleIndex, ArticleState, article_state
from rewriter.batch.report import BatchReport, ItemReport, Tokens, draft_details, written_details
from rewriter.errors import InputError, RewriterError, unexpected
from rewriter.items import FeedItem
from rewriter.naming import DEFAULT_TEMPLATE, article_name, disambiguated
from rewriter.output import inside
from rewriter.readers import ItemFailure, ItemSkipped, PendingItem, iter_source


@dataclass
class BatchOptions:
    out: Path
    concurrency: int = policy.DEFAULT_CONCURRENCY
    limit: int | None = None
    force: bool = False
    report: Path | None = None
    template: str = DEFAULT_TEMPLATE
    #: `--full-text`: None means the setting (REWRITER_FULL_TEXT) decides.
    full_text: Any = None
    #: Hosts a page may be fetched from though their address is private (`--allow-private-hosts`).
    allowed_private: frozenset[str] = frozenset()


@dataclass
class Target:
    """An item to rewrite, and where its article goes."""

    item: FeedItem
    digest: str
    rel: str
    path: Path


def pending_items(sources: Iterable[str | Path], on_count: Callable[[int], None]) -> Iterator[Any]:
    """Every source's pending items in turn, each source opened only when reached."""
    return itertools.chain.from_iterable(_guarded(s, on_count) for s in sources)


def _guarded(source: str | Path, on_count: Callable[[int], None]) -> Iterator[Any]:
    """One source's items; if its reader gives up midway, that is one failure of
    this source, and the sources after it are still read."""
    try:
        yield from iter_source(source, on_count)
    except Exception as exc:  # noqa: BLE001 - readers report item faults themselves; this is the last resort
        reason = str(exc) if isinstance(exc, (RewriterError, OSError)) else unexpected(exc)
        yield ItemFailure(str(source), InputError(f"reading stopped: {reason}", where=str(source)))


def fingerprint(*parts: str) -> bytes:
    """16 bytes standing for `parts` in the run's sets of items, names and keys.

    A long run remembers every item it has seen, every name it has claimed
    and every line it has written, to tell a repeat: as 16-byte digests that
    is about a third of the memory of the texts themselves, and two different
    texts sharing a digest (2^-128) never happens in practice.
    """
    return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _candidates(rel: str, item: FeedItem) -> Iterator[str]:
    """The article's name, then (only if that is taken) its name with the item's own suffix."""
    yield rel
    yield disambiguated(rel, item)


def _built(pending: PendingItem) -> FeedItem | None:
    """The item itself, for the review of a draft the index already knows (drafts are few)."""
    try:
        built = pending.build()
    except InputError:
        return None
    return built if isinstance(built, FeedItem) else None


@dataclass
class Planner:
    run: Any  # rewriter.runtime.Run
    options: BatchOptions
    report: BatchReport
    progress: Any
    index: ArticleIndex
    out: Path
    #: Items seen (their identity's fingerprint) → where first; names claimed → by whom.
    seen: dict[bytes, str] = field(default_factory=dict)
    claimed: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.run.prompt.version

    def finish(self, entry: ItemReport) -> None:
        self.report.add(entry)
        self.progress.update(self.report, entry)

    def duplicate(self, identity: tuple[str, str], where: str, key: bytes | None = None) -> ItemReport | None:
        """A report if the item was seen before in this run; `key` is `fingerprint(*identity)` when at hand."""
        key = key or fingerprint(*identity)
        first = self.seen.get(key)
        if first is not None:
            return ItemReport(id=":".join(identity), source=where, status="skipped", error=f"same item as {first}, rewritten once")
        self.seen[key] = where
        return None

    def target(self, item: FeedItem, me: bytes | None = None) -> tuple[str, Path, ArticleState | None]:
        """The article's name, path and current state; a name taken by another item gets a suffix.
        `me` is the item's `fingerprint(*identity)` when at hand (one object for both sets)."""
        rel = article_name(item, self.options.template, self.run.prompt.article_lang(item.lang))
        identity = item.identity
        me = me or fingerprint(*identity)
        for candidate in _candidates(rel, item):
            name = fingerprint(candidate)
            owner = self.claimed.get(name)
            if owner is not None and owner != me:
                continue
            path = inside(self.out, candidate)
            state = article_state(path, item.source_hash, self.version)  # None when there is no file
            if state is not None and state.identity not in (None, identity):
                continue
            self.claimed[name] = me
            return candidate, path, state
        raise InputError(f"no free file name for {rel!r}", where=item.label)

    def plan(self, pending: Any) -> ItemReport | Target:
        """What to do with one pending item: a report if nothing is left to do, else a `Target`."""
        if isinstance(pending, ItemFailure):
            return ItemReport(id=pending.where, source=pending.where, status="failed", error=str(pending.error))
        if isinstance(pending, ItemSkipped):
            return ItemReport(id=pending.where, source=pending.where, status="skipped", error=pending.reason)
        assert isinstance(pending, PendingItem)
        if not self.options.force:
            entry = self.index.lookup(pending.digest, self.out, self.version)
            if entry is not None:
                identity = (entry["id"][0], entry["id"][1])
                self.claimed.setdefault(fingerprint(entry["path"]), fingerprint(*identity))
                blocked = entry.get("blocked", False)
                return self.duplicate(identity, pending.where) or self._current(
                    identity, pending.where, entry["path"], blocked, _built(pending) if blocked else None
                )
        try:
            built = pending.build()
        except InputError as exc:
            return ItemReport(id=pending.where, source=pending.where, status="failed", error=str(exc))
        if isinstance(built, ItemSkipped):
            return ItemReport(id=built.where, source=built.where, status="skipped", error=built.reason)
        item: FeedItem = built
        me = fingerprint(*item.identity)
        dup = self.duplicate(item.identity, pending.where, me)
        if dup is not None:
            return dup
        rel, path, state = self.target(item, me)
        if state is not None and state.current and not self.options.force:
            self.index.record(pending.digest, self.out, rel, item.identity, self.version, state.blocked)
            return self._current(item.identity, pending.where, rel, state.blocked, item)
        return Target(item, pending.digest, rel, path)

    def _current(
        self, identity: tuple[str, str], where: str, rel: str, blocked: bool, item: FeedItem | None
    ) -> ItemReport:
        if blocked:  # still a draft: it must not be published, so the run is not clean
            return ItemReport(
                id=":".join(identity), source=where, status="draft", path=rel,
                error="already written as a draft (ungrounded figures); edit it or rerun with --force",
                **draft_details(self.out / rel, item),
            )  # fmt: skip
        title = item.title if item is not None else None
        return ItemReport(id=":".join(identity), source=where, status="current", path=rel, title=title)

    def written(self, outcome: Any, target: Target) -> ItemReport:
        """The report of an article just written for `target`, recorded in the index."""
        item = target.item
        blocked = not outcome.publishable
        self.index.record(target.digest, self.out, target.rel, item.identity, self.version, blocked)
        return ItemReport(
            id=":".join(item.identity),
            source=item.origin,
            status="draft" if blocked else "rewritten",
            path=target.rel,
            cached=outcome.cached,
            tokens=Tokens(
                input=outcome.usage.get("prompt_tokens", 0), output=outcome.usage.get("completion_tokens", 0)
            ),
            verifyTokens=Tokens(
                input=outcome.verify_usage.get("prompt_tokens", 0), output=outcome.verify_usage.get("completion_tokens", 0)
            ),
            latency=round(outcome.latency, 4),
            error=f"written as a draft: {'; '.join(outcome.warnings)}" if blocked else None,
            **written_details(outcome, self.run.prompt.impact_heading),
        )
