"""The benchmark suite, run by `shopflow bench`.

Each run gets a database of its own (a SQLite file in a temporary folder, or a new PostgreSQL
database that is dropped afterwards), migrated from scratch, filled by a deterministic data
generator (sizes in `sizes`), and measured by the scenarios registered in `scenarios`. The
command (management/commands/bench.py) makes and drops the database and runs the measuring
in a child process (`python -m shopflow.bench.worker`) whose settings point at it, so the
caller's own database is never touched.
"""
