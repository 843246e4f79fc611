"""`rewriter check`: the pre-publish check, parsed with argparse to start fast."""

from __future__ import annotations

from pathlib import Path

import typer

from rewriter.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, err

app = typer.Typer()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def check(ctx: typer.Context) -> None:
    """Check articles before they go live; offline, no model (the pre-publish hook).

    Prints 'path:line: CODE message' per problem; exit status 1 when any article
    must not be published. Example: rewriter check content/   (see: rewriter check --help)
    """
    raise typer.Exit(run_check(ctx.args))


def run_check(argv: list[str]) -> int:
    """`rewriter check ARGV`, parsed with argparse; returns the exit status.

    Not typer: typer builds pydantic validators for every parameter (~70 ms),
    too slow for a hook run on every commit, so `main` calls this directly.
    """
    import argparse

    from rewriter.check import check_paths
    from rewriter.errors import PromptError

    parser = argparse.ArgumentParser(
        prog="rewriter check",
        description=(
            "Check articles before they go live; offline, no model. Exit status 1 when any is blocked. "
            "A stale article (RW005) is a warning: it passes unless --strict."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="articles, or folders to search for *.md")
    parser.add_argument("--include-drafts", action="store_true", help="check articles with 'draft: true' too")
    parser.add_argument(
        "--strict", action="store_true",
        help="block on warnings too: a stale article (RW005, written with an older prompt version) then exits 1",
    )  # fmt: skip
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json, for CI")
    parser.add_argument("--prompts", type=Path, help="prompt folder whose profile gives the version and headings")
    parser.add_argument(
        "--list-rules", action="store_true", help="print every rule: code, severity, what it blocks, the function that finds it",
    )  # fmt: skip
    args = parser.parse_args(argv)  # a usage error exits with status 2
    if args.list_rules:
        return _list_rules(args.format)
    if not args.paths:
        parser.error("the following arguments are required: PATH")
    try:
        report = check_paths(args.paths, args.prompts, include_drafts=args.include_drafts, strict=args.strict)
    except FileNotFoundError as exc:
        err(f"error: no such file or folder: {exc}")
        return EXIT_USAGE
    except PromptError as exc:
        err(f"error: {exc}")
        return EXIT_USAGE
    if args.format == "json":
        import json

        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(report.lines()))
    return EXIT_FAILED if report.blocked else EXIT_OK


def _list_rules(format: str) -> int:
    from rewriter.check.rules import TABLE, listing

    if format == "json":
        import json

        rules = [{"code": r.code, "severity": r.severity, "summary": r.summary, "where": r.where} for r in TABLE]
        typer.echo(json.dumps(rules, indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(listing()))
    return EXIT_OK
