"""What `rewriter check` found: a problem per rule broken, a result per file, a report per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from rewriter.check.rules import WARNING_RULES

#: What the summary tells a site with stale articles, in one line.
REFRESH_HINT = "`rewriter batch FEED --out DIR` rewrites each when it meets its source again"


@dataclass(frozen=True)
class Problem:
    """One reason an article must not be published, or a warning about it."""

    path: str
    line: int
    code: str
    message: str

    @property
    def severity(self) -> str:
        return "warning" if self.code in WARNING_RULES else "error"

    def __str__(self) -> str:
        marker = " warning:" if self.code in WARNING_RULES else ""
        return f"{self.path}:{self.line}: {self.code}{marker} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "code": self.code, "severity": self.severity, "message": self.message}


@dataclass
class ArticleResult:
    """What the check found in one file: blocked, passed or skipped.

    Warnings (a stale prompt version) block only when `strict`.
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None
    strict: bool = False

    @property
    def blocking(self) -> bool:
        return any(self.strict or p.code not in WARNING_RULES for p in self.problems)

    @property
    def stale(self) -> bool:
        return any(p.code == "RW005" for p in self.problems)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "blocked" if self.blocking else "passed"


@dataclass
class Report:
    """The results of one check run, in the order the files were found."""

    articles: list[ArticleResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for a in self.articles if a.status == status)

    @property
    def stale(self) -> int:
        return sum(1 for a in self.articles if a.stale)

    @property
    def problems(self) -> list[Problem]:
        return [p for a in self.articles for p in a.problems]

    @property
    def blocked(self) -> bool:
        return any(a.blocking for a in self.articles)

    def summary(self) -> str:
        n, stale = len(self.articles), self.stale
        line = (
            f"{n} article{'' if n == 1 else 's'} checked: {self.count('blocked')} blocked, "
            f"{self.count('passed')} passed, {self.count('skipped')} skipped"
        )
        if stale:
            line += f"; {stale} stale (older prompt version): {REFRESH_HINT}"
        return line

    def lines(self) -> Iterator[str]:
        """The text report: a line per problem or skipped article, then the summary."""
        for article in self.articles:
            if article.skipped:
                yield f"{article.path}: skipped ({article.skipped})"
            for problem in article.problems:
                yield str(problem)
        yield self.summary()

    def as_dict(self) -> dict[str, Any]:
        return {
            "problems": [p.as_dict() for p in self.problems],
            "articles": [
                {"path": a.path, "status": a.status, **({"reason": a.skipped} if a.skipped else {})}
                for a in self.articles
            ],
            "summary": {
                "checked": len(self.articles),
                "blocked": self.count("blocked"),
                "passed": self.count("passed"),
                "skipped": self.count("skipped"),
                "stale": self.stale,
            },
        }
