"""`python -m rewriter` runs the CLI."""

from rewriter.cli import main

main()
