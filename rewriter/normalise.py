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
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_MAX_PASSES = 10
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The white space `_CONTROL` keeps, as spaces: what is left of ASCII text is
#: printable exactly when it holds no control character to remove.
_LINE_SPACES = str.maketrans("\t\n\r", "   ")


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


#: Tags that mean the same to every version of `html.parser` and that hold
#: ordinary text: blocks and inline formatting. Anything else (raw-text
#: elements such as <script> or <textarea>, dropped ones, comments) goes
#: through the parser.
_PLAIN_TAGS = _BLOCKS | frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i", "img",
        "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "wbr", "td", "th", "tbody", "thead", "tfoot", "caption", "dl",
        "center", "main", "nav", "picture", "source",
    }
)  # fmt: skip
_SPACE = "[ \t\n\r\f]"
#: A well-formed tag with simple attributes: a double- or single-quoted value
#: without < or >, or a plain ASCII value followed by a space or the tag's end.
_PLAIN_TAG = re.compile(
    rf"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    rf"((?:{_SPACE}+[a-zA-Z_:][-a-zA-Z0-9_:.]*"
    rf"(?:{_SPACE}*={_SPACE}*(?:\"[^\"<>]*\"|'[^'<>]*'|[-a-zA-Z0-9_.:#%?&+;,@!~*()]+(?={_SPACE}|>)))?)*)"
    rf"{_SPACE}*(/?)>"
)


def _plain_html_text(fragment: str) -> list[str] | None:
    """The paragraphs `_TextExtractor` finds, for HTML made only of well-formed
    plain tags and text without `<`; None for anything else.

    About five times faster than the parser on a feed's article body. For
    such input the parser does exactly this: each run of text between tags
    is unescaped whole (`convert_charrefs`), a block tag (start, end or
    `<br/>`) ends a paragraph, and no plain tag drops its content.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    pos = 0
    for match in _PLAIN_TAG.finditer(fragment):
        start = match.start()
        if start > pos:
            text = fragment[pos:start]
            if "<" in text:
                return None
            current.append(html.unescape(text))
        closing, name, attrs, slash = match.groups()
        name = name.lower()
        if name not in _PLAIN_TAGS or (closing and (attrs or slash)):
            return None
        if name in _BLOCKS:
            joined = " ".join("".join(current).split())
            if joined:
                paragraphs.append(joined)
            current = []
        pos = match.end()
    tail = fragment[pos:]
    if "<" in tail:
        return None
    current.append(html.unescape(tail))
    joined = " ".join("".join(current).split())
    if joined:
        paragraphs.append(joined)
    return paragraphs


def parsed_html_text(fragment: str) -> str:
    """`html_to_text` through `html.parser` alone (the reference the fast path must equal)."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return "\n\n".join(parser.paragraphs)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs separated by a blank line.

    The text feeds `sourceHash` and the cache key, so the fast path for plain
    markup gives the parser's output byte for byte (tests/test_properties.py).
    """
    paragraphs = _plain_html_text(fragment)
    if paragraphs is None:
        return parsed_html_text(fragment)
    return "\n\n".join(paragraphs)


@lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    # Curly quotes and full-width CJK punctuation (`，` `％`) are the
    # publisher's typography, not damage: keep them.
    return ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, normalization="NFC", explain=False)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1252 accidents (`seizingâ€¦` → `seizing…`).

    A byte lost in the accident is restored only where one character is
    possible, and ftfy never guesses one (see `rewriter.mojibake`); what is
    left is found by `rewriter.mojibake.find_mojibake` and never published.
    """
    if text.isascii():
        # Mojibake needs non-ASCII characters, so ftfy (~1 ms a field) has only
        # its ASCII fixes left to do: terminal escapes and control characters.
        if text.translate(_LINE_SPACES).isprintable():
            return text  # no control character, so no escape either (ESC is one)
        return _CONTROL.sub("", _TERMINAL_ESCAPE.sub("", text))
    import ftfy

    from rewriter.mojibake import repair_lost_bytes, shielded

    return shielded(repair_lost_bytes(text), lambda fixable: ftfy.fix_text(fixable, _ftfy_config()))


def _one_pass(text: str) -> str:
    if _TAG.search(text):
        text = html_to_text(text)
    else:
        text = html.unescape(text)
    if "<" in text:  # whatever still looks like a tag after decoding is never published
        text = _TAG.sub("", text)
    text = repair_mojibake(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # str.split() knows the same white space as the pattern's \s.
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _pass(text: str) -> str:
    """`_one_pass`, skipping what cannot change the text of plain HTML.

    `html_to_text` already gives single-spaced paragraphs separated by one
    blank line; when that is printable ASCII without `<`, the other steps
    (tags, mojibake, control characters, NFC, line ends, spaces) leave it as
    it is, so they are not run over the article body again.
    """
    if _TAG.search(text):
        plain = html_to_text(text)
        if plain.isascii() and "<" not in plain and plain.translate(_LINE_SPACES).isprintable():
            return plain
    return _one_pass(text)


def _settled(text: str) -> bool:
    """True when a pass would leave `text`, the output of a pass, as it is.

    That holds for ASCII with nothing left to decode: no `<`, and no `&` but
    the plain ampersand of "traders & lenders" (one before a space never
    starts an entity). The other steps (control characters, NFC, white
    space) are idempotent, and ASCII gives ftfy nothing to repair.
    """
    return text.isascii() and "<" not in text and "&" not in text.replace("& ", " ")


def _plain_line(text: str) -> bool:
    """True for a line already in normal form: printable ASCII, nothing to
    decode, single spaces inside and none at the ends (most feed fields)."""
    return (
        text.isascii() and text.isprintable() and "<" not in text and "&" not in text
        and "  " not in text and text[0] != " " and text[-1] != " "
    )  # fmt: skip


def normalise_text(text: str | None) -> str:
    """Normalise one text field; idempotent by construction.

    Decoding can reveal new markup (`&lt;b&gt;`), so passes repeat until the
    text stops changing; each pass that changes anything only removes
    characters, so this ends. Text that is already normal (see `_plain_line`,
    `_settled`) is not passed over again: the batch job normalises about 20
    fields an item.
    """
    if not text:
        return ""
    if _plain_line(text):
        return text
    for _ in range(_MAX_PASSES):
        fixed = _pass(text)
        if fixed == text or _settled(fixed):
            return fixed
        text = fixed
    return text


def normalise_line(text: str | None) -> str:
    """Normalise a one-line field (title, tag): paragraphs joined by spaces."""
    text = normalise_text(text)
    return " ".join(text.split()) if "\n" in text else text


def source_hash(source_text: str) -> str:
    """First 16 hex digits of sha256 over the normalised source text."""
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()[:16]
