"""Mojibake ftfy cannot repair: bytes lost in decoding, and the markers left behind.

UTF-8 read as Windows-1252 turns each byte of a character into a character
(`”` = E2 80 9D → `â€` + 0x9D). Five bytes have no Windows-1252 character:
0x81, 0x8D, 0x8F, 0x90 and 0x9D. A strict decoder fails on them, so some
pipelines drop them, and then the character cannot be read back from the
bytes alone: ftfy leaves such text as it is (or guesses), and it must not be
published. This module does four things, the first three without ftfy:

1. **Repairs a lost byte where only one character is possible** (`repair_lost_bytes`).
   `â€` is E2 80, the lead of the characters U+2000–U+203F. Without its third
   byte it can be any of the five whose third byte is undefined:
   U+2001 EM QUAD (0x81), U+200D ZERO WIDTH JOINER (0x8D), U+200F RIGHT-TO-LEFT
   MARK (0x8F), U+2010 HYPHEN (0x90) and U+201D `”` (0x9D); and when the next
   character is a space, also U+2020 `†` (E2 80 A0, its no-break space turned
   into a space, which is what ftfy guesses). So `â€` alone is *not*
   unambiguous, contrary to what is often said: 0x9D is the only undefined
   byte among the quotation marks (U+2018–U+201F), but 0x90, the hyphen, is
   one too. Context decides one case only: a `â€` at the end of a word that is
   the only lost byte between an opening `“` (or its mojibake `â€œ`) and the
   end of the line, with no `”` between. Every other reading leaves that `“`
   unclosed; the two invisible marks and the em quad do not end words, and a
   hyphen or dagger there would be the one lost character of a quotation that
   never closes. There it is `”`. Two lost bytes in one quotation, a `â€` in
   the middle of a word (`postâ€war`: hyphen or joiner), or one with no
   opening quote before it stay as they are: two characters are possible.
   No other lost byte is repaired: `Ã` + a lost byte is one of `Á Í Ï Ð Ý`,
   `Å` + one of `Ł ō ŏ Ő ŝ`, `Ð` + one of `Ё Ѝ Џ А Н`; nothing in the text
   tells which.
2. **Keeps ftfy from guessing** (`shielded`): ftfy reads `â€` + space as `†`;
   a lost byte left by step 1 is hidden from ftfy while it repairs the rest.
3. **Finds what is left** (`find_mojibake`): the markers `â€` (`Â€` once
   upper-cased, as tags are), `Ã` followed by
   a character Windows-1252 makes of a UTF-8 continuation byte, `Ã` followed
   by a lower-case letter or a capital no Portuguese or Vietnamese word puts
   there, `Â` before a space, the end or a Latin-1 symbol, a Latin-1 letter
   touching a letter of another script (`Ðа`), and ftfy's own badness pattern.
   Real text has these too, and they are left alone: Portuguese `SÃO`,
   `AÇÃO`, `IRMÃ”` (upper-case `Ã` before a capital, or ending an upper-case
   word before punctuation), French `CHÂTEAU`, `château`, Spanish names.
   bench/mojibake.py measures it on real headlines in many languages.
4. **Tells cheaply whether ftfy would change a text** (`may_have_mojibake`,
   `mojibake_fix`, `mojibake_problem`), for `rewriter check`: ASCII text cannot
   be mojibake, so ftfy is not imported for it; other text is first searched
   with ftfy's own pattern alone, and the whole of ftfy loads only where that
   matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

#: What Windows-1252 makes of each UTF-8 continuation byte 0x80-0xBF; the five
#: undefined bytes as the C1 controls that lenient decoders (and ftfy) read.
CONTINUATIONS = "".join(
    bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b) for b in range(0x80, 0xC0)
)
_CONT = re.escape(CONTINUATIONS)
#: `â€` whose third byte is missing: not followed by a continuation character.
_LOST = re.compile(f"\u00e2\u20ac(?![{_CONT}])")
_OPEN = ("\u201c", "\u00e2\u20ac\u0153")  # `“` and its mojibake `â€œ`
_CLOSE = ("\u201d", "\u00e2\u20ac\x9d")
#: Quotes and lost bytes; a `“` or `”` right after `â€` is part of `â€“` (`–`) or `â€”` (`—`).
_QUOTES = re.compile("(?<!\u00e2\u20ac)[\u201c\u201d]|\u00e2\u20ac(?:\u0153|\x9d|(?![" + _CONT + "]))")
#: What may follow a word-final `”`: the end, a space or closing punctuation.
_AFTER_WORD = frozenset(" \t\n.,;:!?)]}\u2026\u2013\u2014'\"")
#: A private-use character that stands in for a lost byte while ftfy runs.
_SENTINEL = "\ue0fd"

#: After `Ã`, continuation characters that real text can put after an
#: upper-case word ending in `Ã` (`“IRMÔ`, `MAÇÃ…`, `AMANHÃ»`).
_PUNCTUATION = frozenset("\u2019\u201d\u201c\u2018\u2026\u00bb\u00ab\u2013\u2014\u2022\u00b7\u00a0\u00ad\u201a\u201e\u2039\u203a")
#: After `Â`: what Windows-1252 makes of 0xA0-0xBF (`Â£` was `£`), and white space.
_LATIN1_SYMBOLS = CONTINUATIONS[0x20:]
_CANDIDATE = re.compile(f"[\u00e2\u00c2]\u20ac|\u00c3(?:[{_CONT}]|[^\\W\\d_])|\u00c2(?:[\\s{re.escape(_LATIN1_SYMBOLS)}]|$)")
#: Letters of scripts without Latin letters (Greek, Cyrillic, Hebrew, Arabic,
#: Devanagari, Thai, kana, CJK, Hangul). A Latin-1 letter (or `×`) touching one
#: is what is left of a character of that script that lost a byte (`Ðа` was
#: `На`, `×ל` was `אל`); real text puts a space between scripts.
_OTHER_SCRIPT = "\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_GLUED = re.compile(f"[\u00c0-\u00ff][{_OTHER_SCRIPT}]|[{_OTHER_SCRIPT}][\u00c0-\u00ff]")
#: Capitals that follow `Ã` in real upper-case words: Portuguese `ÃO ÃE ÃS`,
#: Vietnamese `ÃI ÃM ÃN ÃU ÃY` (the ngã tone takes no stop final).
_AFTER_CAPITAL_A_TILDE = frozenset("OESMNIUY")


def _word_final(text: str, start: int, end: int) -> bool:
    return start > 0 and not text[start - 1].isspace() and (end == len(text) or text[end] in _AFTER_WORD)


def _repair_line(line: str) -> str:
    """`â€` → `”` where the quotation it would close has no other end (see above)."""
    repairs: list[int] = []
    lost: list[int] | None = None  # lost bytes since an unclosed opening quote

    def settle() -> None:
        if lost is not None and len(lost) == 1 and _word_final(line, lost[0], lost[0] + 2):
            repairs.append(lost[0])

    for match in _QUOTES.finditer(line):
        token = match.group(0)
        if token in _OPEN:
            settle()
            lost = []
        elif token in _CLOSE:
            lost = None
        elif lost is not None:
            lost.append(match.start())
    settle()
    for position in reversed(repairs):
        line = line[:position] + "\u201d" + line[position + 2:]
    return line


def repair_lost_bytes(text: str) -> str:
    """Restore the lost bytes that can only be one character (see the module's docstring)."""
    if "\u00e2\u20ac" not in text or not _LOST.search(text):
        return text
    return "\n".join(_repair_line(line) if "\u00e2\u20ac" in line else line for line in text.split("\n"))


def shielded(text: str, fixer: Callable[[str], str]) -> str:
    """`fixer(text)` (ftfy) with each lost byte hidden from it, so it cannot guess one."""
    if "\u00e2\u20ac" not in text or _SENTINEL in text or not _LOST.search(text):
        return fixer(text)
    return fixer(_LOST.sub(_SENTINEL, text)).replace(_SENTINEL, "\u00e2\u20ac")


def _is_marker(text: str, start: int) -> bool:
    lead, follower = text[start], text[start + 1] if start + 1 < len(text) else ""
    if lead != "\u00c3":
        return True  # `â€`, or `Â` before a space, the end or a symbol
    if follower.isalpha() and follower not in CONTINUATIONS:
        # `Ãngel`, `CAÃDA` (`Á`, `Í` lost); `SÃO`, `MÃE`, Vietnamese `ĐÃI` are words
        return follower.islower() or (follower.isascii() and follower not in _AFTER_CAPITAL_A_TILDE)
    if follower not in _PUNCTUATION:
        return True  # `Ã©` was `é`, `Ã‡` was `Ç`
    # `Ã”` is `Ô` inside a word (`CÃ”TE`), but ends `“IRMÔ`: real text puts
    # it after an upper-case word, before a space or the end.
    before = text[start - 1] if start else ""
    after = text[start + 2] if start + 2 < len(text) else ""
    return not (before.isupper() and not after.isalnum())


def markers(text: str, badness: re.Pattern[str] | None = None) -> Iterator[re.Match[str]]:
    """Each mojibake marker left in `text` (see the module's docstring), and
    each match of ftfy's `badness` pattern when given (bench/mojibake.py: no
    false positive on real headlines in 45 languages)."""
    if text.isascii():
        return
    for match in _CANDIDATE.finditer(text):
        if _is_marker(text, match.start()):
            yield match
    yield from _GLUED.finditer(text)
    if badness is not None:
        for match in badness.finditer(text):
            # ftfy reads `IRMÔ` as `IRMÔ`; the rules above know that word
            if not (text[match.start()] == "\u00c3" and not _is_marker(text, match.start())):
                yield match


def ftfy_badness() -> re.Pattern[str]:
    """ftfy's own pattern of character sequences that only mojibake makes."""
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE


def find_mojibake(text: str, badness: re.Pattern[str] | None = None) -> str | None:
    """The damaged words around the first marker left in `text`, to quote; else None.

    `badness` defaults to ftfy's pattern (loading ftfy); the check passes the
    one `_badness` loads alone."""
    if text.isascii():
        return None
    for match in markers(text, badness or ftfy_badness()):
        start = text.rfind(" ", 0, max(match.start() - 1, 0)) + 1 if match.start() else 0
        end = text.find(" ", match.start() + 1)
        quote = text[start: end if end >= 0 else len(text)]
        return quote if len(quote) <= 60 else text[max(match.start() - 25, 0): match.end() + 25]
    return None


# --- the check's fast path: ftfy's first test, without ftfy ----------------------

#: ftfy's mojibake pattern (`ftfy.badness.BADNESS_RE`) as checked by
#: tests/test_check.py: every match is at most 7 characters long and holds a
#: non-ASCII one. For that pattern (known by its CRC-32) searching near the
#: non-ASCII characters alone gives the same answer as searching everything,
#: ten times faster; any other version of it is searched whole.
BADNESS_PATTERN_CRC32 = 1455352246
BADNESS_MATCH_MAX = 7
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=1)
def _badness() -> tuple[re.Pattern[str], bool]:
    import zlib

    pattern = _load_badness_pattern()
    return pattern, zlib.crc32(pattern.pattern.encode("utf-8")) == BADNESS_PATTERN_CRC32


def _load_badness_pattern() -> re.Pattern[str]:
    """`ftfy.badness.BADNESS_RE`, loaded from its file alone: importing the
    whole of ftfy (codecs, fixes, wcwidth) takes three times longer, and a
    clean article never needs more than this one pattern."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("ftfy")
        path = Path(next(iter(spec.submodule_search_locations or ()))) / "badness.py"  # type: ignore[union-attr]
        module_spec = importlib.util.spec_from_file_location("rewriter._ftfy_badness", path)
        module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
        module_spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.BADNESS_RE
    except Exception:  # another layout of ftfy: import it the ordinary way
        from ftfy.badness import BADNESS_RE

        return BADNESS_RE


def may_have_mojibake(text: str) -> bool:
    """False when ftfy would surely leave the text alone: it is ASCII, or ftfy's
    own first test (`badness.is_bad`) finds nothing. A match inside part of a
    text is a match inside the whole, so one call clears many fields at once."""
    if text.isascii():
        return False
    pattern, windowed = _badness()
    if not windowed:
        return pattern.search(text) is not None
    reach = BADNESS_MATCH_MAX - 1
    start = end = -1
    for run in _NON_ASCII_RUN.finditer(text):
        if run.start() - reach > end:  # a new window: search the one before
            if end >= 0 and pattern.search(text, start, end):
                return True
            start = max(0, run.start() - reach)
        end = run.end() + reach
    return pattern.search(text, start, end) is not None


def mojibake_fix(text: str) -> str | None:
    """The repaired text when `text` has mojibake that can be repaired, else None.

    A lost byte is restored only where one character is possible, and is
    hidden from ftfy's guesses otherwise (see the module's docstring)."""
    if not may_have_mojibake(text):
        return None
    import ftfy

    fixed = shielded(repair_lost_bytes(text), ftfy.fix_encoding)
    return fixed if fixed != text else None


def may_have_any_mojibake(text: str) -> bool:
    """False when the text surely has no mojibake, repairable or not."""
    # ftfy's badness pattern is not passed to `markers`: may_have_mojibake searched it.
    return may_have_mojibake(text) or next(markers(text), None) is not None


def mojibake_problem(text: str) -> str | None:
    """What is wrong with `text`: `'a' should read 'b'`, and/or the words
    that cannot be repaired, quoted; None when it has no mojibake."""
    fixed = mojibake_fix(text)
    left = find_mojibake(fixed if fixed is not None else text, _badness()[0])
    parts = [_damage(text, fixed)] if fixed is not None else []
    if left is not None:
        parts.append(f"'{left}' cannot be repaired (a byte was lost)")
    return "; ".join(parts) or None


def _damage(text: str, fixed: str) -> str:
    """The first damaged word and its repair, for the message."""
    before, after = text.split(), fixed.split()
    if len(before) == len(after):
        for a, b in zip(before, after):
            if a != b:
                return f"'{a}' should read '{b}'"
    return f"should read '{fixed[:80]}'"
