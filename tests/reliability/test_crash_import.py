"""Crash safety of the master-data import: `shopflow import skus FILE` killed with SIGKILL while it
writes leaves the database as it was before that run (the import writes a file in one transaction,
so the only whole batch a crash can leave is none), and running the same command again imports
every row of the file exactly once; a third run changes nothing.

Each run is the real console script in a subprocess, against a database of its own: an SQLite
file under tmp_path, and, when the tests run on PostgreSQL (SHOPFLOW_DATABASE_URL=postgres://…),
a scratch PostgreSQL database on the same server as well."""

import csv
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent

ROWS = 15_000  # about two seconds of writing on SQLite, so the kill lands in the middle
PRELOADED = 1_000  # the file's first rows, imported before (at another cost): the file updates them
HEADERS = ["商家编码", "名称", "颜色", "尺码", "单位", "条码", "成本价", "吊牌价"]
KILL_AFTER = 0.3  # seconds after the importer reports its write phase
SKU_TABLE = Sku._meta.db_table
AUDIT_TABLE = AuditEvent._meta.db_table
SKU_LABEL = Sku._meta.label_lower

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs SHOPFLOW_DATABASE_URL=postgres://…")


@dataclass
class Target:
    """A database for the subprocesses (their environment) and the test's own way to read it."""

    env: dict
    query: Callable[[str], list[tuple]]
    writer_busy: Callable[[], bool]  # whether a write transaction is open right now
    check_integrity: Callable[[], None]


def sku_file(path: Path, rows: int, *, cost: str) -> Path:
    colours, sizes = ("黑色", "白色", "雾霾蓝", "燕麦色"), ("S", "M", "L", "XL", "XXL")
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(rows):
            name = f"纯棉圆领T恤 {i // 20}"
            writer.writerow([f"CR{i:06d}", name, colours[i % 4], sizes[i % 5], "件", "", cost, "89"])
    return path


def shopflow_argv() -> list[str]:
    script = Path(sys.executable).with_name("shopflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "shopflow"]


def base_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOW_")}
    env["SHOPFLOW_HOME"] = str(tmp_path)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run(target: Target, *args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([*shopflow_argv(), *args], env=target.env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def kill_while_writing(target: Target, file: Path) -> tuple[int, str, bool]:
    """Start the import, SIGKILL it KILL_AFTER seconds into its write phase: (exit code, stderr
    so far, whether a write transaction was open just before the kill)."""
    proc = subprocess.Popen([*shopflow_argv(), "import", "skus", str(file)], env=target.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    seen, deadline = [], time.monotonic() + 60
    try:
        while not any(line.startswith("Writing") for line in seen):
            assert proc.poll() is None, f"the import ended before writing: {''.join(seen)}"
            assert time.monotonic() < deadline, f"no write phase within a minute: {''.join(seen)}"
            try:
                seen.append(lines.get(timeout=0.1))
            except queue.Empty:
                continue
        time.sleep(KILL_AFTER)
        busy = target.writer_busy()
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=10), "".join(seen), busy
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def crash_and_rerun(target: Target, tmp_path: Path) -> None:
    migrated = run(target, "migrate", "-v", "0", timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    preload = run(target, "import", "skus", str(sku_file(tmp_path / "first.csv", PRELOADED, cost="30")))
    assert preload.returncode == 0, preload.stderr

    def state() -> dict:
        return {
            "skus": target.query(f"SELECT COUNT(*), COUNT(DISTINCT code) FROM {SKU_TABLE}")[0],
            "costs": sorted(Decimal(str(c)) for (c,) in target.query(f"SELECT DISTINCT cost FROM {SKU_TABLE}")),
            "audit": target.query(f"SELECT action, COUNT(*) FROM {AUDIT_TABLE} WHERE doc_type = '{SKU_LABEL}' "
                                  "GROUP BY action ORDER BY action"),
        }

    before = state()
    assert before == {"skus": (PRELOADED, PRELOADED), "costs": [Decimal(30)], "audit": [("create", PRELOADED)]}

    file = sku_file(tmp_path / "skus.csv", ROWS, cost="35.50")
    code, stderr, busy = kill_while_writing(target, file)
    assert code == -signal.SIGKILL, f"the import was not killed mid-way (exit {code}): {stderr}"
    assert busy, "no write transaction was open when the import was killed"
    target.check_integrity()
    assert state() == before  # not one row of the killed run, not one audit event, no update half-done

    again = run(target, "import", "skus", str(file), "--no-progress")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{ROWS - PRELOADED} new, {PRELOADED} changed, 0 unchanged, 0 with errors" in again.stdout
    codes = {code for (code,) in target.query(f"SELECT code FROM {SKU_TABLE}")}
    assert codes == {f"CR{i:06d}" for i in range(ROWS)}
    assert state() == {"skus": (ROWS, ROWS), "costs": [Decimal("35.50")],
                       "audit": [("create", ROWS), ("update", PRELOADED)]}

    third = run(target, "import", "skus", str(file), "--no-progress")
    assert third.returncode == 0, third.stdout + third.stderr
    assert f"0 new, 0 changed, {ROWS} unchanged" in third.stdout and "Nothing to change" in third.stdout
    assert state()["audit"] == [("create", ROWS), ("update", PRELOADED)]

    verified = run(target, "verify-stock")
    assert verified.returncode == 0, verified.stdout + verified.stderr


# ---------------------------------------------------------------- the databases


@pytest.fixture
def sqlite_target(tmp_path) -> Target:
    path = tmp_path / "var" / "shopflow.sqlite3"
    env = {**base_env(tmp_path), "SHOPFLOW_DATABASE_URL": f"sqlite:///{path}"}

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(path, timeout=20) as db:
            return db.execute(sql).fetchall()

    def writer_busy() -> bool:
        db = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # "database is locked": the importer holds the write lock
            return "locked" in str(exc)
        else:
            db.execute("ROLLBACK")
            return False
        finally:
            db.close()

    def check_integrity() -> None:
        assert query("PRAGMA integrity_check") == [("ok",)]

    return Target(env, query, writer_busy, check_integrity)


@pytest.fixture
def postgres_target(tmp_path) -> Iterator[Target]:
    import psycopg

    settings = connection.settings_dict
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432,
              "user": settings["USER"], "password": settings["PASSWORD"] or None}
    name = f"shopflow_crash_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    url = f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    env = {**base_env(tmp_path), "SHOPFLOW_DATABASE_URL": url}

    def query(sql: str) -> list[tuple]:
        with psycopg.connect(dbname=name, **server) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]

    def writer_busy() -> bool:
        with psycopg.connect(dbname=name, autocommit=True, **server) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                                  "pg_backend_pid() AND backend_xid IS NOT NULL", [name]).fetchone()
        return count > 0

    def check_integrity() -> None:
        # The server survives a killed client; its transaction must be gone (rolled back), not pending.
        deadline = time.monotonic() + 10
        while writer_busy():
            assert time.monotonic() < deadline, "the killed importer's transaction is still open"
            time.sleep(0.1)

    try:
        yield Target(env, query, writer_busy, check_integrity)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_killed_import_on_sqlite(sqlite_target, tmp_path):
    crash_and_rerun(sqlite_target, tmp_path)


@POSTGRES_ONLY
def test_killed_import_on_postgresql(postgres_target, tmp_path):
    crash_and_rerun(postgres_target, tmp_path)
