"""One contract between the prompt and the review (issue 19).

A model refused for a rule it was never told re-asks for nothing: the prompt
must state every rule the review enforces. `STATED` maps each kind of finding
(`review.Problem.kind`: the review's own, the publish gate's `RULES`, the
verifier's) to the words of the packaged prompt that state it, and
`tests/test_contract.py` fails when a kind has no entry or the prompt lost
its words. The lengths come into the prompt from `policy.ARTICLE_SIZES`
(`rewriter.sizing`), the values the review checks.
"""

from __future__ import annotations

from rewriter import policy

#: Finding kind -> words of the packaged prompt (system.md, user.md) that state it,
#: compared with white space folded.
STATED: dict[str, str] = {
    # figures, names and quotations come from the item
    "ungrounded": "Every name, place, quotation, amount, date and number comes from the news item",
    "name": "Every name, place, quotation, amount, date and number comes from the news item",
    "quote": "no quotation marks unless you quote the item word for word",
    # claims: what the verifier checks
    "unsupported": "Never add a cause, a consequence, a comparison, a record or a prediction",
    "inference": "These are the only inferences allowed",
    # the news, not the text
    "copied": "in your own words",
    "off-story": "Write about the news",
    "meta": "no sentence about the news item, the report or this article, about who published it or when",
    # Impact: inference, and reads as one
    # the same hedges the review's re-ask names: change both together
    "unhedged": f"hedge it ({', '.join(policy.IMPACT_HEDGES)})",
    "certain": "never state the future as certain",
    "history": "never claim a record, a superlative or a history",
    # plain, readable sentences
    "glued": "Plain sentences with a space between words",
    "unknown": "a clear, neutral article in",
    "script": "a clear, neutral article in",
    "shouting": "a clear, neutral article in",
    "exclamation": "no exclamation marks",
    "fragment": "no headings, lists, labels or Markdown inside a text",
    "thin": "no headings, lists, labels or Markdown inside a text",
    "repeated": "no sentence said twice",
    "duplicate": "each on a different way the news may matter",
    # the article fits its source
    "length": "so write an overview of",
}

#: Kinds the review itself emits (besides the gate's rules and the verifier's).
REVIEW_KINDS = ("ungrounded", "copied", "thin", "duplicate", "repeated", "length")
