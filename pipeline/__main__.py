"""`python -m pipeline` runs the nastavnik command."""

from pipeline.cli import main

main()
