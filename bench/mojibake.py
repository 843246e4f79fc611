"""False positives and misses of the mojibake repair and markers (`rewriter.mojibake`).

Real text must pass untouched: every legitimate headline in
tests/fixtures/headlines-non-english.tsv (written for this bench, 40-odd
languages, with the hard cases: Portuguese `SÃO`, `IRMÔ`, French `CHÂTEAU`,
Romanian `ROMÂNIA`, Spanish names, Vietnamese `ĐÃ`) and every text field of the
real RSS fixture. For each, it counts a false positive when

- normalisation (ftfy plus the lost-byte repair) changes it,
- the rewrite would keep it a draft (`find_mojibake` finds a marker), or
- `rewriter check` would report RW012 on it.

Then it damages each headline the way the issue's pipeline did (UTF-8 read as
Windows-1252, the undefined bytes 0x81 0x8D 0x8F 0x90 0x9D dropped) and counts
what comes out: repaired exactly, held back (a marker remains, so a draft),
or **published wrong** (changed, yet no marker: the figure that must be 0).

    PYTHONPATH=. python bench/mojibake.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLINES = ROOT / "tests" / "fixtures" / "headlines-non-english.tsv"
RSS = ROOT / "tests" / "fixtures" / "coindesk-rss-2023-03-13.xml"


def headlines() -> list[tuple[str, str]]:
    rows = []
    for line in HEADLINES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def rss_fields() -> list[tuple[str, str]]:
    """Every text field of the RSS fixture as the reader builds it (before normalisation)."""
    import feedparser

    parsed = feedparser.parse(RSS.read_bytes())
    fields = [("rss feed title", parsed.feed.get("title", ""))]
    for n, entry in enumerate(parsed.entries, 1):
        fields.append((f"rss item {n} title", entry.get("title", "")))
        fields.append((f"rss item {n} description", entry.get("summary", "")))
        for content in entry.get("content", ()):
            fields.append((f"rss item {n} content", content.get("value", "")))
        for tag in entry.get("tags", ()):
            fields.append((f"rss item {n} tag", tag.get("term") or ""))
    return [(where, text) for where, text in fields if text]


def false_positives(rows: list[tuple[str, str]], normalised: bool) -> list[tuple[str, str, str]]:
    from rewriter.check import mojibake_problem
    from rewriter.mojibake import find_mojibake
    from rewriter.normalise import normalise_text

    found = []
    for where, text in rows:
        clean = normalise_text(text)
        if not normalised and clean != text:
            found.append((where, "normalisation changed it", f"{text!r} -> {clean!r}"))
        if find_mojibake(clean) is not None:
            found.append((where, "marker (draft at rewrite)", repr(find_mojibake(clean))))
        if mojibake_problem(clean) is not None:
            found.append((where, "RW012 in check", mojibake_problem(clean) or ""))
    return found


def damaged(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="ignore")


def main() -> int:
    from rewriter.mojibake import find_mojibake
    from rewriter.normalise import normalise_line

    rows = headlines()
    started = time.process_time()
    problems = false_positives([(f"{lang}: {text}", text) for lang, text in rows], normalised=False)
    rss = rss_fields()
    # RSS fields hold HTML, so normalisation changes them on purpose: judge the normalised text.
    problems += false_positives(rss, normalised=True)
    print(f"legitimate headlines: {len(rows)} in {len({lang for lang, _ in rows})} languages; "
          f"RSS fixture fields: {len(rss)}")
    print(f"false positives: {len(problems)} (changed by normalisation, held back at rewrite, or RW012 in check)")
    for where, kind, detail in problems:
        print(f"  {where}: {kind}: {detail}")

    outcome = {"unchanged by the damage (ASCII)": 0, "repaired exactly": 0, "held back (draft)": 0, "published wrong": 0}
    lost = 0
    wrong = []
    for lang, text in rows:
        broken = damaged(text)
        if broken == text:
            outcome["unchanged by the damage (ASCII)"] += 1
            continue
        lost += any(byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D) for byte in text.encode("utf-8"))
        repaired = normalise_line(broken)
        if repaired == text:
            outcome["repaired exactly"] += 1
        elif find_mojibake(repaired) is not None:
            outcome["held back (draft)"] += 1
        else:
            outcome["published wrong"] += 1
            wrong.append(f"  {lang}: {text!r} -> {repaired!r}")
    print(f"the same headlines as mojibake ({lost} of them with a lost byte):")
    for name, count in outcome.items():
        print(f"  {name}: {count}")
    print("\n".join(wrong))
    print(f"CPU time: {time.process_time() - started:.2f} s")
    return 1 if problems or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
