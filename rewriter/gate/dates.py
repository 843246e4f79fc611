"""The publication date grounds dates, not other figures (issue 14, rule 2).

The date's numbers ("13", "2023") used to ground any figure, so "COVID-13",
"EU-13" and "since 2023" passed. Now a date expression ("13 March",
"March 13, 2023", "March 2023", "2023-03-13") is supported when it agrees
with the publication date or with a date the source gives; its figures are
then not checked again. A date that does neither is an invented figure, named
whole ("SEPTEMBER 10, 2025"). A bare year is not a date expression: it is an
ordinary figure and needs the source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
DATE = re.compile(
    rf"\b(?=[\dJFMASONDjfmasond])(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MONTH})(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>{_DAY})(?:,?\s+(?P<y2>{_YEAR}))?"
    rf"|(?P<m3>{_MONTH}),?\s+(?P<y3>{_YEAR})"
    rf"|(?P<y4>{_YEAR})-(?P<m4>[01]\d)-(?P<d4>[0-3]\d))\b(?![-\d])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Date:
    """A date as written; any of its parts may be missing ("13 March")."""

    text: str
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None

    def agrees(self, other: Date | dt.date) -> bool:
        return all(
            mine is None or theirs is None or mine == theirs
            for mine, theirs in ((self.year, other.year), (self.month, other.month), (self.day, other.day))
        )


def dates(text: str) -> list[Date]:
    """Every date expression in a text."""
    found = []
    for m in DATE.finditer(text):
        g = m.groupdict()
        month_text = g["m1"] or g["m2"] or g["m3"]
        month = _MONTHS.get(month_text.lower().rstrip(".")) if month_text else int(g["m4"])
        day_text = g["d1"] or g["d2"] or g["d4"]
        day = int(re.sub(r"\D", "", day_text)) if day_text else None
        year_text = g["y1"] or g["y2"] or g["y3"] or g["y4"]
        if month_text and month_text.lower().rstrip(".") == "may" and not (day or year_text):
            continue
        found.append(Date(m.group(0), m.start(), m.end(), int(year_text) if year_text else None, month, day))
    return found


def published_date(published_at: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(published_at.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def date_findings(text: str, published: dt.date | None, source_dates: list[Date]) -> tuple[list[Date], list[Date]]:
    """The sentence's dates split into (supported, invented)."""
    good, bad = [], []
    for date in dates(text):
        if (published is not None and date.agrees(published)) or any(
            date.agrees(s) and s.agrees(date) and _same_parts(date, s) for s in source_dates
        ):
            good.append(date)
        else:
            bad.append(date)
    return good, bad


def _same_parts(date: Date, source: Date) -> bool:
    """A date may drop parts of a source date ("13 March" of "13 March 2023") but not add any."""
    return all(mine is None or theirs is not None for mine, theirs in ((date.year, source.year), (date.month, source.month), (date.day, source.day)))
