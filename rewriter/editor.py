"""The editor command: rewrite a few Markdown drafts in place or to a path."""

from __future__ import annotations

import asyncio
import difflib
from dataclasses import dataclass
from pathlib import Path

from rewriter.errors import RewriterError, unexpected
from rewriter.output import atomic_write, is_current, read_ai_block
from rewriter.readers.markdown import read_draft
from rewriter.rewrite import render_article
from rewriter.runtime import Run

#: Drafts rewritten at once by the editor command (the batch job has its own knob).
EDITOR_CONCURRENCY = 4


@dataclass
class FileResult:
    source: Path
    target: Path | None
    status: str  # rewritten | current | draft | failed | preview
    message: str = ""
    diff: str = ""


def target_for(source: Path, *, in_place: bool, output: str | None, many: bool) -> Path:
    """Where a draft's article goes. `output` stays a string so that a
    trailing slash (`-o out/`) still means "a folder" for a single draft."""
    if in_place or output is None:
        return source
    folder = Path(output)
    if many or folder.is_dir() or output.endswith(("/", "\\")):
        return folder / source.name
    return folder


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name
        )
    )


async def _rewrite_one(run: Run, source: Path, target: Path, *, force: bool, dry_run: bool) -> FileResult:
    try:
        item = read_draft(source)
        version = run.prompt.version
        if not force:
            if target == source:
                ai = read_ai_block(source) or {}
                if ai.get("rewritten") is True and ai.get("version") == version:
                    return FileResult(source, target, "current", "already rewritten with this prompt version")
            elif is_current(target, item.source_hash, version):
                return FileResult(source, target, "current", "unchanged (same source and prompt version)")
        outcome = await run.rewrite(item)
        article = render_article(outcome, run.prompt.impact_heading)
        status = "rewritten" if outcome.publishable else "draft"
        message = "" if outcome.publishable else f"written as a draft: {'; '.join(outcome.warnings)}"
        if dry_run:
            old = target.read_text(encoding="utf-8") if target.is_file() else ""
            diff = unified_diff(old, article, str(target) if old else "/dev/null", str(target))
            return FileResult(source, target, "preview" if outcome.publishable else "draft", message, diff)
        atomic_write(target, article)
    except RewriterError as exc:
        return FileResult(source, target, "failed", str(exc))
    except OSError as exc:
        return FileResult(source, target, "failed", f"{source}: cannot write {target}: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - one bad file never ends the run with a traceback
        return FileResult(source, target, "failed", f"{source}: {unexpected(exc)}")
    return FileResult(source, target, status, message)


async def rewrite_files(
    run: Run,
    sources: list[Path],
    *,
    in_place: bool = False,
    output: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> list[FileResult]:
    """Rewrite each draft; one failure never stops the others."""
    many = len(sources) > 1
    gate = asyncio.Semaphore(EDITOR_CONCURRENCY)

    async def one(source: Path) -> FileResult:
        async with gate:
            target = target_for(source, in_place=in_place, output=output, many=many)
            return await _rewrite_one(run, source, target, force=force, dry_run=dry_run)

    return list(await asyncio.gather(*(one(s) for s in sources)))
