"""The article in a web page: its title and main text, chrome left out.

trafilatura finds the main text (it drops navigation, ads, related links,
comments and newsletter boxes, and keeps the paragraphs), with its own
fallbacks (a readability port and jusText) on pages its rules empty. We ask
it for precision first, since a stray "related stories" line in the source
becomes a fact the model may use, and ask again in its default (recall)
mode on the few pages where precision keeps almost nothing. On the
article-extraction benchmark (bench/extraction.py; bench/README.md, "Full
text") that scores F1 0.969, against 0.960 for trafilatura's defaults and
0.954 for readability-lxml, the alternative measured beside it (not a
dependency: `pip install 'rewriter[bench]'` brings it for the bench).
"""

from __future__ import annotations

from dataclasses import dataclass

from rewriter import policy


@dataclass(frozen=True)
class Extracted:
    """What a page says: its headline (may be empty) and its article text."""

    title: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def _trafilatura(html: str, url: str | None, **options: bool) -> Extracted:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, include_comments=False, include_tables=True, with_metadata=True, deduplicate=False, **options
    )
    if document is None:
        return Extracted("", "")
    lines = (line.strip() for line in (document.text or "").splitlines())
    return Extracted((document.title or "").strip(), "\n\n".join(line for line in lines if line))


def _readability(html: str, url: str | None) -> Extracted:
    from readability import Document

    from rewriter.normalise import html_to_text

    try:
        page = Document(html, url=url)
        return Extracted((page.short_title() or "").strip(), html_to_text(page.summary(html_partial=True)))
    except Exception:  # noqa: BLE001 - readability raises bare Unparseable/ValueError on odd markup
        return Extracted("", "")


def _precise_then_default(html: str, url: str | None) -> Extracted:
    """trafilatura favouring precision; its defaults when that keeps under
    `policy.PAGE_FALLBACK_WORDS` words (3 pages in 181 on the benchmark)."""
    precise = _trafilatura(html, url, favor_precision=True)
    if precise.words >= policy.PAGE_FALLBACK_WORDS:
        return precise
    default = _trafilatura(html, url)
    return default if default.words > precise.words else precise


#: `auto` is what `--full-text` uses; the others are there to be measured beside it.
EXTRACTORS = {"auto": _precise_then_default, "trafilatura": _trafilatura, "readability": _readability}


def extract_article(html: str, url: str | None = None, extractor: str = "auto") -> Extracted:
    """The page's title and main text."""
    return EXTRACTORS[extractor](html, url)
