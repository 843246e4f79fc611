"""Batch files for other engines: `--export-requests` and importing their results.

The loop for vLLM (`vllm run-batch`) or Ray Data: export the round's lines,
run the engine, `rewriter cache import` its output, rerun the batch command,
which writes what is answered and exports the next round (re-asks, failed
lines). Nothing here contacts a server.

Beside the exported file, a sidecar index (`FILE.ids`: a header line, then
one custom_id a line) says which requests the file holds, in which
structured-output mode, and where the job's state folder is; the cache
remembers the sidecars it has seen, so an output file (which carries only
custom_ids) is matched to its requests without naming them again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rewriter.batch.deferred import Outcomes
from rewriter.batch.lines import RequestWriter, ids_path
from rewriter.batch.plan import BatchOptions
from rewriter.batch.report import BatchReport, BatchRound, BatchRun, write_report
from rewriter.batch.results import ResultSink, result_lines
from rewriter.batch.rounds import (
    first_format, folder_lock, mark_pending, render_round, require_cache, retry_command, state_folder,
)
from rewriter.errors import InputError

HEADER = "rewriter-batch-export"
#: Cache meta entry listing the sidecars of recent exports (newest last).
EXPORTS_META = "batch-exports"
_EXPORTS_KEPT = 20


async def run_export(
    run: Any, sources: list[str | Path], options: BatchOptions, file: Path, report: BatchReport, *, retry_rejected: bool = False
) -> int:
    """Render what the cache answers and write the missing requests to `file`; how many lines.
    `retry_rejected` exports again the requests an engine rejected for good (a 400)."""
    require_cache(run)
    options.out.mkdir(parents=True, exist_ok=True)
    folder = state_folder(options.out)
    fmt = first_format(run)
    retry = retry_command(sources, options.out, "--export-requests", str(file))
    file = file.resolve()
    writer = RequestWriter(lambda n: file, max_lines=2**62, max_bytes=2**62)
    with folder_lock(folder):
        outcomes = Outcomes(folder, retry_rejected=retry_rejected)
        try:
            rendered = await render_round(run, sources, options, outcomes, writer, retry=retry)
        finally:
            outcomes.close()
    files = writer.close()
    lines = files[0].lines if files else 0
    if not files:  # nothing missing: an empty file, so a script's next step finds what it expects
        from rewriter.output import atomic_write

        atomic_write(file, "")
        atomic_write(ids_path(file), "")
    _write_header(file, fmt, run, folder)
    _remember(run.cache, ids_path(file))
    report.take_entries(rendered)
    mark_pending(report, lambda key: f"request file {file.name}")
    report.wallTime = rendered.wallTime
    report.batch = BatchRun(via="export", rounds=[BatchRound(round=1, lines=lines)])
    if options.report is not None:
        write_report(report, options.report)
    return lines


def _write_header(file: Path, fmt: str, run: Any, folder: Path) -> None:
    """Put the header line in front of the sidecar's ids."""
    from rewriter.output import atomic_write

    sidecar = ids_path(file)
    header = {
        HEADER: 1, "requests": str(file), "format": fmt, "server": run.client.endpoint.server_id,
        "model": run.client.endpoint.model, "state": str(folder),
    }  # fmt: skip
    ids = sidecar.read_text(encoding="utf-8")
    atomic_write(sidecar, json.dumps(header) + "\n" + ids)


def _remember(cache: Any, sidecar: Path) -> None:
    known = [p for p in (cache.get_meta(EXPORTS_META) or []) if p != str(sidecar)]
    cache.set_meta(EXPORTS_META, (known + [str(sidecar)])[-_EXPORTS_KEPT:])


class ExportIndex:
    """custom_id → the export it belongs to, from sidecar files."""

    def __init__(self, sidecars: list[Path]) -> None:
        self.headers: list[dict[str, Any]] = []
        self.owner: dict[str, int] = {}
        for sidecar in sidecars:
            try:
                with sidecar.open(encoding="utf-8") as lines:
                    header = json.loads(next(lines, "{}") or "{}")
                    if not isinstance(header, dict) or HEADER not in header:
                        continue
                    self.headers.append(header)
                    number = len(self.headers) - 1
                    for line in lines:
                        self.owner[line.rstrip("\n")] = number
            except (OSError, ValueError):
                continue

    def header(self, key: str) -> dict[str, Any] | None:
        number = self.owner.get(key)
        return None if number is None else self.headers[number]


def looks_like_batch_output(path: Path) -> bool:
    """True when the file's first line is a Batch result line (it has a custom_id)."""
    try:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    return isinstance(record, dict) and "custom_id" in record
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return False


def import_results(cache: Any, path: Path, requests: Path | None = None) -> dict[str, int]:
    """Store a Batch output file's answers in the cache; counts of cached, invalid and failed lines."""
    sidecars = [ids_path(requests.resolve())] if requests else [Path(p) for p in cache.get_meta(EXPORTS_META) or []]
    index = ExportIndex(sidecars)
    if not index.headers:
        raise InputError(
            "no exported request file is known for these results; pass --requests FILE "
            "(the file 'rewriter batch --export-requests' wrote)",
            where=str(path),
        )
    sinks: dict[str, ResultSink] = {}
    try:
        for record, where in result_lines(path):
            key = record.get("custom_id") if isinstance(record, dict) else None
            header = index.header(key) if isinstance(key, str) else None
            if header is None:
                raise InputError(f"custom_id {key!r} is in no exported request file", where=where)
            sink = sinks.get(header["state"])
            if sink is None:
                fmt = header["format"]
                sink = sinks[header["state"]] = ResultSink(cache, Outcomes(Path(header["state"])), lambda k, f=fmt: f)
            sink.take(record, where)
    finally:
        for sink in sinks.values():
            sink.flush()
            sink.outcomes.close()
    totals = {"cached": 0, "invalid": 0, "failed": 0}
    for sink in sinks.values():
        for name, count in sink.counts.items():
            totals[name] += count
    return totals
