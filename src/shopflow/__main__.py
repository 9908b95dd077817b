"""`python -m shopflow` is the same as the `shopflow` command."""

from shopflow.cli import main

main()
