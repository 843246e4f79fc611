"""Finding the articles and checking each: folders walked, files read, every
rule run on every article (`rules.examine`), the results gathered in a `Report`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rewriter.check.document import parse
from rewriter.check.profile import Profile
from rewriter.check.report import ArticleResult, Problem, Report
from rewriter.check.rules import examine
from rewriter.regular import special_file


def check_text(text: str, path: str = "<text>", profile: Profile | None = None, include_drafts: bool = False) -> ArticleResult:
    """Check one article's text; the result lists its problems or why it was skipped."""
    doc, found = parse(text, profile or Profile.load())
    result = ArticleResult(path)
    if doc is not None:
        if doc.meta.get("draft") is True and not include_drafts:
            result.skipped = "draft: true"
            return result
        found += examine(doc)
    result.problems = sorted((Problem(path, line, code, message) for line, code, message in found), key=lambda p: p.line)
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
