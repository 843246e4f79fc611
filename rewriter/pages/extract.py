"""The article in a web page: its title and main text, chrome left out.

trafilatura finds the main text (it drops navigation, ads, related links,
comments and newsletter boxes, and keeps the paragraphs), with its own
fallbacks (a readability port and jusText) on pages its rules empty.
readability-lxml is the alternative measured beside it on the
article-extraction benchmark (bench/extraction.py; bench/README.md, "Full
text"): 0.954 against 0.960, so it is not a dependency; `pip install
'rewriter[bench]'` brings it for the bench.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """What a page says: its headline (may be empty) and its article text."""

    title: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def _trafilatura(html: str, url: str | None) -> Extracted:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, include_comments=False, include_tables=True, with_metadata=True, deduplicate=False
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


EXTRACTORS = {"trafilatura": _trafilatura, "readability": _readability}


def extract_article(html: str, url: str | None = None, extractor: str = "trafilatura") -> Extracted:
    """The page's title and main text (`extractor` other than trafilatura: for the bench)."""
    return EXTRACTORS[extractor](html, url)
