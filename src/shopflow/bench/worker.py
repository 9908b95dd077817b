"""The measuring process: `python -m shopflow.bench.worker --size 10k --out result.json`.

Started by `shopflow bench` with SHOPFLOW_DATABASE_URL pointing at a fresh, empty database
made for this run; refuses any database that already holds data. Migrates it, generates the
data set and runs the scenarios; progress goes to stderr, the results to --out as JSON."""

import argparse
import json
import os
import sys
import time
import traceback


def _progress(t0: float):
    def say(message: str) -> None:
        print(f"[{time.perf_counter() - t0:8.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def database_facts() -> dict:
    from django.db import connection

    if connection.vendor == "postgresql":
        facts = {"vendor": "postgresql"}
        with connection.cursor() as cur:
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers", "work_mem",
                         "max_connections"):
                cur.execute(f"SHOW {name}")
                facts[name] = cur.fetchone()[0]
            cur.execute("SELECT version()")
            facts["version"] = cur.fetchone()[0]
        return facts
    import sqlite3

    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        journal = cur.fetchone()[0]
        cur.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(cur.fetchone()[0], "?")
    return {"vendor": "sqlite", "version": sqlite3.sqlite_version, "journal_mode": journal,
            "synchronous": synchronous, "transaction_mode": connection.settings_dict["OPTIONS"].get("transaction_mode")}


def _refuse_used_database() -> None:
    from django.db import connection

    if connection.introspection.table_names():
        raise SystemExit(f"shopflow bench: the database {connection.settings_dict['NAME']} is not empty; the "
                         "benchmark only runs on a database made for it (run it through `shopflow bench`).")


def run(size_name: str, seed: int, only: list[str], say, *, query_budget: float = 120.0) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    from shopflow.bench import datagen, scenarios
    from shopflow.bench.scenarios import Check, Context, settle
    from shopflow.bench.sizes import SIZES

    size = SIZES[size_name]
    _refuse_used_database()
    out: dict = {"size": size_name, "size_definition": size.describe(), "seed": seed, "query_budget_s": query_budget,
                 "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "timings": {},
                 "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    with translation.override("en"):
        start = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        out["timings"]["migrate_s"] = round(time.perf_counter() - start, 3)
        out["database"] = database_facts()
        db = out["database"]
        say(f"migrated {db['vendor']} {db.get('server_version') or db['version']}"
            f" in {out['timings']['migrate_s']:.1f}s; generating {size_name} ({size.skus:,} SKUs)")
        start = time.perf_counter()
        data = datagen.generate(size, seed=seed, progress=say)
        out["timings"]["generate_s"] = round(time.perf_counter() - start, 3)
        ctx = Context(data=data, vendor=connection.vendor, progress=say, query_budget=query_budget)
        results, failures = [], []
        for sc in scenarios.selected(only):
            settle()
            say(f"scenario {sc.key}: {sc.title}")
            start = time.perf_counter()
            try:
                results.extend(r.as_dict() for r in sc.run(ctx))
            except Exception as exc:  # a crashing scenario is reported (traceback above) and fails the run
                traceback.print_exc()
                failures.append({"key": sc.key, "title": sc.title, "error": f"{type(exc).__name__}: {exc}"})
                connection.close()
            out["timings"][f"{sc.key}_s"] = round(time.perf_counter() - start, 3)
    out["results"] = results
    out["errors"] = failures
    out["checks"] = [
        {"scenario": r["key"], **c} for r in results for c in r["checks"]
    ] + [{"scenario": f["key"], **vars(Check("scenario ran", False, f["error"]))} for f in failures]
    out["ok"] = all(c["ok"] for c in out["checks"])
    out["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return out


def main(argv=None) -> int:
    from shopflow.bench.sizes import SIZES

    parser = argparse.ArgumentParser(prog="python -m shopflow.bench.worker")
    parser.add_argument("--size", choices=list(SIZES), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario keys (default: all)")
    parser.add_argument("--query-budget", type=float, default=120.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    say = _progress(time.perf_counter())

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopflow.settings")
    import django

    django.setup()
    result = run(args.size, args.seed, [k for k in args.only.split(",") if k], say, query_budget=args.query_budget)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
