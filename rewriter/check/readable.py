"""The publish gate's rules that need no source (RW017-RW019), on the prose
under the headings: glued words, letters of a foreign script, exclamations.

Words glued without a visible seam ("warningsabout") need the word list and
are left to the rewrite's own review, so the check stays fast: each rule
first looks at the whole prose once, and at single lines only on a hit. The
rules themselves live in `rewriter.gate.prose`; these functions say where.
"""

from __future__ import annotations

from typing import Iterator

from rewriter.check.document import Document, Found
from rewriter.gate.prose import exclamations as exclaims
from rewriter.gate.prose import foreign_tokens, language_scripts, may_glue, visible_glue
from rewriter.gate.words import scripts


def glued_words(doc: Document) -> Iterator[Found]:
    """RW017: words glued together (punctuation or digits run into words, camel-case runs)."""
    if may_glue(doc.prose):
        for number, line in doc.prose_lines:
            glued = visible_glue(line)
            if glued:
                yield number, "RW017", f"words glued together: {', '.join(repr(g) for g in glued[:3])}"


def foreign_letters(doc: Document) -> Iterator[Found]:
    """RW018: letters of a script the article's language (and its title) does not use."""
    prose = doc.prose
    lang, title = doc.meta.get("lang"), doc.meta.get("title")
    allowed = language_scripts(lang) if isinstance(lang, str) and not prose.isascii() else set()
    if allowed:
        allowed |= scripts(title) if isinstance(title, str) else set()  # the source's own headline
        if scripts(prose) <= allowed:
            return  # nothing foreign anywhere
    if not allowed:
        return
    for number, line in doc.prose_lines:
        foreign = foreign_tokens(line, allowed)
        if foreign:
            yield number, "RW018", f"letters of another script than '{lang}': {', '.join(repr(t) for t in foreign[:3])}"


def exclamations(doc: Document) -> Iterator[Found]:
    """RW019: '!' outside a quotation."""
    prose = doc.prose
    if "!" in prose or "！" in prose:
        for number, line in doc.prose_lines:
            if exclaims(line):
                yield number, "RW019", "the text exclaims ('!' outside a quotation); news prose does not"
