"""Text normalisation (spec §2): HTML to text, mojibake repair, NFC, spaces.

Every text field of every input passes through `normalise_text` before it is
hashed, shown to the model or written, so the same story always yields the same
`sourceHash` whatever feed or encoding accident it arrived through.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

#: Tags whose content is never text (dropped with everything inside them).
_DROPPED = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "head"})
#: Tags that end a paragraph.
_BLOCKS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "tr", "section", "article", "header",
        "footer", "figure", "figcaption", "hr", "dd", "dt", "aside",
    }
)  # fmt: skip
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]*>")
_SPACES = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_MAX_PASSES = 10
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, one paragraph per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._dropping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROPPED:
            self._dropping += 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs separated by a blank line."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return "\n\n".join(parser.paragraphs)


@lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    # Curly quotes are the publisher's typography, not damage: keep them.
    return ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC", explain=False)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1252 accidents (`seizingâ€¦` → `seizing…`)."""
    if text.isascii():
        # Mojibake needs non-ASCII characters, so ftfy (~1 ms a field) has only
        # its ASCII fixes left to do: terminal escapes and control characters.
        return _CONTROL.sub("", _TERMINAL_ESCAPE.sub("", text))
    import ftfy

    return ftfy.fix_text(text, _ftfy_config())


def has_mojibake(text: str) -> bool:
    """True when the text carries encoding damage that ftfy would repair."""
    import ftfy

    return ftfy.fix_encoding(text) != text


def _one_pass(text: str) -> str:
    if _TAG.search(text):
        text = html_to_text(text)
    else:
        text = html.unescape(text)
    # Whatever still looks like a tag after decoding is never published.
    text = _TAG.sub("", text)
    text = repair_mojibake(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (_SPACES.sub(" ", p).strip() for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def normalise_text(text: str | None) -> str:
    """Normalise one text field; idempotent by construction.

    Decoding can reveal new markup (`&lt;b&gt;`), so passes repeat until the
    text stops changing; each pass that changes anything only removes
    characters, so this ends.
    """
    if not text:
        return ""
    for _ in range(_MAX_PASSES):
        fixed = _one_pass(text)
        if fixed == text:
            break
        text = fixed
    return text


def normalise_line(text: str | None) -> str:
    """Normalise a one-line field (title, tag): paragraphs joined by spaces."""
    return " ".join(normalise_text(text).split())


def source_hash(source_text: str) -> str:
    """First 16 hex digits of sha256 over the normalised source text."""
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()[:16]
