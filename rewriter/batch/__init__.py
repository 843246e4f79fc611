"""The batch job (spec §5): feeds in, a folder of articles out.

- `plan`: items → finished reports or targets (current articles skipped, duplicates once, names chosen);
- `index`: the article index that recognises current articles cheaply;
- `online`: the online executor, sending requests from here;
- `batch_api`: the Batch API executor (rounds of Batch files, submitting, polling, collecting);
- `ledger`: its record of what was submitted (`state.json`), saved before every next step;
- `export`: Batch files for other engines (vLLM, Ray) and importing their output;
- `rounds`, `deferred`, `lines`, `results`: what both Batch paths share: a render round over the
  cache, the client that records instead of sending, request lines, result lines;
- `progress`: the progress bar or lines;
- `report`: the per-item report, totals and summary table.
"""

from __future__ import annotations

from rewriter.batch.online import BatchJob, run_batch
from rewriter.batch.plan import BatchOptions, Target, pending_items
from rewriter.batch.report import BatchReport, ItemReport, Tokens, Totals, new_report, summary_table, write_report

__all__ = [
    "BatchJob", "BatchOptions", "BatchReport", "ItemReport", "Target", "Tokens", "Totals",
    "new_report", "pending_items", "run_batch", "summary_table", "write_report",
]  # fmt: skip
