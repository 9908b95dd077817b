"""shopflow bench: the benchmark suite on a database of its own.

    shopflow bench --size 10k --db sqlite
    shopflow bench --size 100k --db postgres --json bench/results/2026-01-01-postgres-100k.json

Sizes (shopflow.bench.sizes): tiny (200 SKUs, CI's smoke test), 10k, 100k and 1m (opt-in).
SQLite runs in a file in a new temporary folder; PostgreSQL in a new database
shopflow_bench_<pid> on the server of --pg-url (default: SHOPFLOW_BENCH_PG_URL, else the
server of SHOPFLOW_DATABASE_URL if that is PostgreSQL, else postgres@127.0.0.1:5432), dropped
afterwards unless --keep. The configured database is never touched. The measuring runs in a
child process whose SHOPFLOW_DATABASE_URL points at the new database. Exit code 1 when a
correctness check fails (an oversell, a ledger difference, a crashed scenario)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError

from shopflow.bench import scenarios
from shopflow.bench.report import git_facts, growth_table, machine_facts, render
from shopflow.bench.sizes import SIZES

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def default_pg_url() -> str:
    if os.environ.get("SHOPFLOW_BENCH_PG_URL"):
        return os.environ["SHOPFLOW_BENCH_PG_URL"]
    current = os.environ.get("SHOPFLOW_DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://", "pgsql://")):
        return with_database(current, "postgres")
    return DEFAULT_PG_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def fresh_database(db: str, workdir: Path, *, pg_url: str, keep: bool, say):
    """Yield the URL of a new, empty database; drop it afterwards (unless keep)."""
    if db == "sqlite":
        path = workdir / "bench.sqlite3"
        yield f"sqlite:///{path}"
        if keep:
            say(f"kept SQLite database {path}")
        return
    import psycopg
    from psycopg import sql

    name = f"shopflow_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(pg_url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise CommandError(f"PostgreSQL at {_safe(pg_url)} is not reachable: {exc}".strip()) from exc
    with admin:
        # A leftover of an earlier run that had the same process id and was killed.
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield with_database(pg_url, name)
        finally:
            if keep:
                say(f"kept PostgreSQL database {name}")
            else:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{parts.username + '@' if parts.username else ''}{host}{':' + str(parts.port) if parts.port else ''}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Command(BaseCommand):
    help = ("Run the benchmark suite (stock posting, documents, concurrent reservations, reports, online-order "
            "import, allocation and shipping, verify-stock; the concurrency soak on request) on a fresh database of "
            "its own and print a table; --json writes the results with the machine and commit they came from.")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="10k",
                            help="data set size: tiny (200 SKUs), 10k, 100k, 1m (opt-in; long). Default 10k.")
        parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                            help="database to measure (a new one is made for the run). Default sqlite.")
        parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
        parser.add_argument("--pg-url", default=None,
                            help="PostgreSQL server to create the benchmark database on (a URL; its database "
                                 f"name is only used to connect). Default: {DEFAULT_PG_URL}")
        parser.add_argument("--only", action="append", default=[], metavar="SCENARIO",
                            help="run only this scenario (repeatable): "
                                 + ", ".join(sc.key for sc in scenarios.load())
                                 + ". The soak (SHOPFLOW_SOAK_SECONDS, default 60) runs only when named.")
        parser.add_argument("--seed", type=int, default=1, help="data generator seed (default 1)")
        parser.add_argument("--query-budget", type=float, default=120.0, metavar="SECONDS",
                            help="cancel a report query after this long and report it as timed out (default 120)")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--growth", nargs="+", metavar="JSON",
                            help="run nothing: print a Markdown table of how the per-unit costs in these result "
                                 "files grow with the size (for the README)")

    def handle(self, *args, **options):
        if options["growth"]:
            runs = []
            for name in options["growth"]:
                try:
                    runs.append(json.loads(Path(name).read_text(encoding="utf-8")))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{name}: not a benchmark result ({exc})") from exc
            self.stdout.write(growth_table(runs), ending="")
            return
        size, db = options["size"], options["db"]
        if size not in SIZES:
            raise CommandError(f"unknown size {size}; choose from {', '.join(SIZES)}")
        if db not in ("sqlite", "postgres"):
            raise CommandError(f"unknown database {db}; choose sqlite or postgres")
        known = [sc.key for sc in scenarios.load()]
        unknown = sorted(set(options["only"]) - set(known))
        if unknown:
            raise CommandError(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(known)}")
        pg_url = options["pg_url"] or default_pg_url()
        say = self.stderr.write
        git = git_facts()  # the code measured: read before the run, not after (commits may land meanwhile)
        workdir = Path(tempfile.mkdtemp(prefix="shopflow-bench-"))
        try:
            with fresh_database(db, workdir, pg_url=pg_url, keep=options["keep"], say=say) as url:
                measured = self._measure(url, workdir, size=size, seed=options["seed"], only=options["only"],
                                         query_budget=options["query_budget"])
        finally:
            if not (options["keep"] and db == "sqlite"):
                shutil.rmtree(workdir, ignore_errors=True)
        run = {"suite": "shopflow bench", "format": 1, "size": size, "db": db, "ok": measured.pop("ok"),
               "started_at": measured.pop("started_at"), "finished_at": measured.pop("finished_at"),
               "git": git, "machine": machine_facts(), **measured}
        render(run, getattr(self.stdout, "_out", self.stdout))
        if options["json"]:
            path = Path(options["json"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(run, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
            self.stderr.write(f"wrote {path}")
        if not run["ok"]:
            raise CommandError("benchmark correctness checks failed (see above)")

    def _measure(self, url: str, workdir: Path, *, size: str, seed: int, only: list[str], query_budget: float) -> dict:
        out = workdir / "result.json"
        env = {**os.environ, "SHOPFLOW_DATABASE_URL": url, "SHOPFLOW_DEBUG": "0", "SHOPFLOW_HOME": str(workdir),
               "DJANGO_SETTINGS_MODULE": "shopflow.settings"}
        cmd = [sys.executable, "-m", "shopflow.bench.worker", "--size", size, "--seed", str(seed),
               "--query-budget", str(query_budget), "--out", str(out)]
        if only:
            cmd += ["--only", ",".join(only)]
        done = subprocess.run(cmd, env=env, check=False)
        if done.returncode != 0 or not out.exists():
            raise CommandError(f"the benchmark process failed (exit code {done.returncode}); see its output above")
        return json.loads(out.read_text(encoding="utf-8"))
