"""The review page: a batch report as one self-contained HTML file.

An editor going through forty drafts at the end of a day wants one page: the
run's totals, every item in a table, and for each draft or failure the source
and the written article side by side with the faults marked.

Every text on the page comes from a feed or a model, so all of it is
untrusted. The page is rendered by Jinja2 with autoescaping on and no `|safe`
filter anywhere: the highlights are computed here as plain `Segment`s (text
plus the kinds of mark over it) that the template escapes like every other
value, so no string built in Python ever reaches the page as markup. The page
carries no script, a Content-Security-Policy meta tag forbids script and any
remote load, and filtering by status uses anchors and CSS `:target` alone.

Jinja2 rather than `html.escape` by hand: with autoescaping, escaping is the
default for every value rather than a call each place must remember.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the report imports this page to write it, so the arrow runs one way
    from rewriter.batch.report import BatchReport, ItemReport

#: Statuses in the order the page lists them: what needs an editor first, then
#: what is still to come (`pending`: waiting for a Batch answer).
STATUSES = ("failed", "draft", "pending", "rewritten", "current", "skipped")
#: `<meta http-equiv>` Content-Security-Policy: no script, nothing remote,
#: only the page's own inline style (and data: images, of which there are none).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
#: Kinds of highlight, strongest last (a figure inside a faulty paragraph shows as a figure).
FAULT, DROPPED, WORD = "fault", "dropped", "word"
KINDS = (FAULT, DROPPED, WORD)
#: A paragraph at fault shorter than this is a label ("Impact"), not worth finding in the source.
MIN_WORDS_TO_FIND_IN_SOURCE = 4


@dataclass(frozen=True)
class Segment:
    """A run of text and the kinds of mark over it (none: plain text)."""

    text: str
    marks: tuple[str, ...] = ()


def whole(text: str) -> re.Pattern[str]:
    """`text` as a whole word or phrase (not `1` inside `2015`)."""
    return re.compile(rf"(?<!\w)({re.escape(text)})(?!\w)")


def whole_line(text: str) -> re.Pattern[str]:
    """`text` as a whole paragraph or bullet of a Markdown body (not the word `Impact` in a heading)."""
    return re.compile(rf"(?m)^(?:- )?({re.escape(text)})$")


def highlight(text: str, needles: Iterable[tuple[re.Pattern[str], str]]) -> list[Segment]:
    """`text` cut into segments, marking what each `(pattern, kind)` matches (its group 1).

    Linear in the number of matches: a short figure may occur hundreds of
    times in a long story.
    """
    spans = [(*m.span(1), kind) for pattern, kind in needles for m in pattern.finditer(text)]
    if not spans:
        return [Segment(text)] if text else []
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    at = {cut: i for i, cut in enumerate(cuts)}
    change = {kind: [0] * len(cuts) for kind in KINDS}  # +1 where a span of a kind opens, -1 where it closes
    for start, end, kind in spans:
        change[kind][at[start]] += 1
        change[kind][at[end]] -= 1
    open_ = dict.fromkeys(KINDS, 0)
    segments: list[Segment] = []
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        for kind in KINDS:
            open_[kind] += change[kind][i]
        marks = tuple(kind for kind in KINDS if open_[kind] > 0)
        if segments and segments[-1].marks == marks:
            segments[-1] = Segment(segments[-1].text + text[a:b], marks)
        else:
            segments.append(Segment(text[a:b], marks))
    return segments


@dataclass
class ItemView:
    """One row of the table, and the side-by-side review when the item has one."""

    number: int
    item: ItemReport
    anchor: str
    source: list[Segment] = field(default_factory=list)
    article: list[Segment] = field(default_factory=list)
    #: Per warning: is its text or word found in the source too?
    in_source: list[bool] = field(default_factory=list)

    @property
    def reviewed(self) -> bool:
        return self.item.status in ("draft", "failed") or bool(self.item.dropped)


def _in_source(text: str | None) -> bool:
    """A faulty paragraph is looked for in the source only when it is a sentence, not a label."""
    return bool(text) and len(text.split()) >= MIN_WORDS_TO_FIND_IN_SOURCE


def item_view(number: int, item: ItemReport) -> ItemView:
    view = ItemView(number, item, f"item-{number}")
    if not view.reviewed:
        return view
    words = [(whole(word), WORD) for w in item.warnings for word in w.words if word]
    dropped = [(whole(d), DROPPED) for d in item.dropped if d]
    faults = [w.text for w in item.warnings if w.text]
    view.article = highlight(item.article or "", [(whole_line(t), FAULT) for t in faults] + dropped + words)
    source = item.sourceText or ""
    view.source = highlight(source, [(whole(t), FAULT) for t in faults if _in_source(t)] + dropped + words)
    view.in_source = [
        bool(source)
        and any(whole(t).search(source) for t in [*([w.text] if _in_source(w.text) else []), *w.words] if t)
        for w in item.warnings
    ]
    return view


def duration(seconds: float) -> str:
    """`0.46 s`, `75.3 s`, `45 min 3 s`, `2 h 5 min`: as an editor reads a run's length."""
    if seconds < 100:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rewriter", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["duration"] = duration
    return env


def render_report(report: BatchReport) -> str:
    """The whole page for a report."""
    views = [item_view(n, item) for n, item in enumerate(report.entries(), start=1)]
    counts = {status: sum(1 for v in views if v.item.status == status) for status in STATUSES}
    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        views=views,
        reviews=[v for v in views if v.reviewed],
        counts=counts,
        cached=sum(v.item.cached for v in views),
        waiting=waiting_on(views),
        statuses=STATUSES,
        csp=CSP,
    )


def waiting_on(views: list[ItemView]) -> list[tuple[str, int]]:
    """What the pending items wait on (a batch and round, an exported file), with how many each."""
    counts: dict[str, int] = {}
    for v in views:
        if v.item.status == "pending":
            holder = v.item.waitingOn or "an answer"
            counts[holder] = counts.get(holder, 0) + 1
    return list(counts.items())


def is_html(path: Path) -> bool:
    """The report's format follows its extension: .html/.htm is the page, anything else JSON."""
    return path.suffix.lower() in (".html", ".htm")
