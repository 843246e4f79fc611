"""rewriter: raw news-feed items in, rewritten Markdown articles out.

Library entry points (the CLI is a thin layer over these)::

    import asyncio
    from rewriter import Run, load_settings, read_draft, render_article

    run = Run.open(load_settings())
    item = read_draft(Path("drafts/doj.md"))
    outcome = asyncio.run(run.rewrite(item))  # rewrite_item with the run's attempts and re-ask policy
    print(render_article(outcome, run.prompt.impact_heading))

Names are imported lazily so `import rewriter` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Run": "rewriter.runtime",
    "load_settings": "rewriter.settings",
    "Settings": "rewriter.settings",
    "read_draft": "rewriter.readers.markdown",
    "read_items": "rewriter.readers",
    "rewrite_item": "rewriter.rewrite",
    "render_article": "rewriter.rewrite",
    "FeedItem": "rewriter.items",
    "normalise_text": "rewriter.normalise",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rewriter' has no attribute {name!r}")
