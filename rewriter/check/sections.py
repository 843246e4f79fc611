"""The rules on the body's shape (RW009-RW011): its three headings, in order,
none empty, and the impact section's bullets."""

from __future__ import annotations

from typing import Iterator

from rewriter import policy
from rewriter.check.document import Document, Found
from rewriter.similarity import repeated_pairs


def headings(doc: Document) -> Iterator[Found]:
    """RW009: a heading is missing, out of order, unexpected, or its section empty."""
    sections, expected = doc.sections, doc.expected
    titles = [title for title, _, _ in sections]
    end_line = doc.body_first_line + max(doc.body.count("\n") - 1, 0)
    if sections and sections[0][0] == "":
        yield sections[0][1], "RW009", f"text before the first heading; the body starts with '## {expected[0]}'"
    for k, name in enumerate(expected):
        if name not in titles:  # reported where it belongs: before the next heading found
            later = [n for t, n, _ in sections if t in expected[k + 1:]]
            line = later[0] if later else (end_line if sections else doc.body_first_line)
            yield line, "RW009", f"heading '## {name}' is missing"
    found = [t for t in titles if t in expected]
    if found != [t for t in expected if t in found] or len(found) != len(set(found)):
        line = next(n for t, n, _ in sections if t in expected)
        yield line, "RW009", f"headings out of order; expected {', '.join('## ' + e for e in expected)}"
    for title, line, lines in sections:
        if title and title not in expected:
            yield line, "RW009", f"unexpected heading '## {title}'"
        elif title in expected and not any(text.strip() for _, text in lines):
            yield line, "RW009", f"section '## {title}' is empty"


def bullet_count(doc: Document) -> Iterator[Found]:
    """RW010: the impact section has too few or too many bullets."""
    low, high = policy.IMPACT_BULLETS
    for heading_line, lines, bullets in doc.impact:
        if bullets and not low <= len(bullets) <= high:
            yield heading_line, "RW010", f"the impact section has {len(bullets)} bullets; write {low}-{high}"
        elif not bullets and any(text.strip() for _, text in lines):
            yield heading_line, "RW010", f"the impact section has no bullets; write {low}-{high}"


def repeated_bullets(doc: Document) -> Iterator[Found]:
    """RW011: an impact bullet repeats another, or nearly (`rewriter.similarity`)."""
    for _, _, bullets in doc.impact:
        for i, j in repeated_pairs([b for _, b in bullets]):
            yield bullets[j][0], "RW011", f"impact bullet {j + 1} repeats bullet {i + 1}"

