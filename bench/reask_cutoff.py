"""Does a cut-off re-ask need the looping answer? (issue 20)

`rewrite_item` used to re-ask an answer cut off at `max_tokens` with the
first 2,000 characters of that answer as the assistant's turn, then "your
answer was cut off ...": about 700 prompt tokens, 5 s on one thread. This
asks the embedded model (the tool's own `LocalServer`, one slot) the same
re-ask both ways, for the first N RSS items, and counts what comes back.

The loop is the one SmolLM2 writes when it loops (bench/README.md, "Quality":
"13 March 2023, 13 March 2023, ..."): the item's own first answer, its
overview's first sentence then repeated to 2,000 characters inside the JSON,
since real loops no longer happen often enough to measure (none in 8 items
alone on one slot). Each re-ask is sent with the grammar-level schema and the
tool's sampling settings, as `ModelClient` sends it.

    python bench/reask_cutoff.py --items 10
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CARRIED = 2000


def post(base_url: str, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=1800) as response:
        return json.load(response), time.perf_counter() - started


def looping(content: str) -> str:
    """The answer as a loop: its overview's first sentence, again and again, cut at `CARRIED`."""
    overview = json.loads(content, strict=False).get("overview", "")
    sentence = overview.split(". ")[0].rstrip(".") + ", "
    text = '{\n  "sentiment": "NEUTRAL",\n  "overview": "' + sentence * (CARRIED // max(len(sentence), 1) + 1)
    return text[:CARRIED]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()

    from rewriter import policy
    from rewriter.answer import parse_answer
    from rewriter.items import FeedItem
    from rewriter.local_server import LocalServer, bundled_model
    from rewriter.model import format_payload
    from rewriter.prompts import load_prompt
    from rewriter.readers import read_items
    from rewriter.review import review
    from rewriter.rewrite import _TRUNCATED, build_messages, facts_of, reask_message

    feed = ROOT / "tests" / "fixtures" / "coindesk-rss-2023-03-13.xml"
    items = [r for r in read_items(feed) if isinstance(r, FeedItem)][: args.items]
    prompt = load_prompt()
    totals: dict[str, dict[str, float]] = {}
    with LocalServer(bundled_model(), slots=1) as server:
        for n, item in enumerate(items, 1):
            base, facts = build_messages(item, prompt), facts_of(item, prompt)

            def body(messages: list[dict[str, str]]) -> dict[str, Any]:
                return {
                    "messages": messages, "response_format": format_payload("json_schema", facts.numerals, grammar=True),
                    "temperature": policy.TEMPERATURE, "seed": policy.SEED, "max_tokens": policy.GRAMMAR_MAX_TOKENS,
                }  # fmt: skip

            first, _ = post(server.base_url, body(base))
            loop = looping(first["choices"][0]["message"]["content"])
            for variant, carried in (("carry 2,000 chars", [{"role": "assistant", "content": loop}]), ("no carry", [])):
                messages = [*base, *carried, {"role": "user", "content": reask_message([_TRUNCATED])}]
                reply, seconds = post(server.base_url, body(messages))
                choice, usage = reply["choices"][0], reply.get("usage", {})
                cut = choice["finish_reason"] == "length"
                try:
                    blocking = 0 if cut else sum(p.blocking for p in review(parse_answer(choice["message"]["content"]), facts))
                    valid = not cut
                except ValueError:
                    valid, blocking = False, 0
                t = totals.setdefault(variant, dict.fromkeys(("items", "valid", "clean", "cut", "prompt", "out", "s", "problems"), 0))
                t["items"] += 1
                t["valid"] += valid
                t["clean"] += valid and not blocking
                t["cut"] += cut
                t["prompt"] += usage.get("prompt_tokens", 0)
                t["out"] += usage.get("completion_tokens", 0)
                t["s"] += seconds
                t["problems"] += blocking
                print(f"{n:2d} {variant:18s} valid={valid} cut={cut} blocking={blocking} "
                      f"prompt={usage.get('prompt_tokens')} out={usage.get('completion_tokens')} {seconds:.1f}s", flush=True)  # fmt: skip
    for variant, t in totals.items():
        k = t["items"] or 1
        print(f"{variant}: valid {t['valid']}/{t['items']}, cut off again {t['cut']}, no blocking problem {t['clean']}, "
              f"blocking problems per valid answer {t['problems'] / max(t['valid'], 1):.1f}, "
              f"prompt tokens {t['prompt'] / k:.0f}, generated {t['out'] / k:.0f}, {t['s'] / k:.1f} s a re-ask")  # fmt: skip


if __name__ == "__main__":
    main()
