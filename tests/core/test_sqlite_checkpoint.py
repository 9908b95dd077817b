"""WAL checkpoints of SQLite database files run in a thread of their own, not in commits."""

import os
import shutil
import sqlite3
import threading
import time

import pytest
from django.db import connection

from shopflow.core.sqlite_backend import base, checkpoint

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(checkpoint, "IDLE_PAUSE", 0.02)
    yield
    checkpoint.stop_all()


@pytest.fixture
def database_file(tmp_path, django_db_blocker):
    """A Django connection to a new database file through shopflow's backend (not the test
    database: pytest-django's guard is lifted for it alone)."""
    opened = []

    def connect(name: str = "shop.sqlite3"):
        wrapper = base.DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / name)},
                                       alias=f"checkpoint-{name}")
        wrapper.ensure_connection()
        opened.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        yield connect
        for wrapper in opened:
            wrapper.close()


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _thread_of(db) -> tuple[str, "checkpoint._Checkpointer"]:
    """The database file's absolute path and its checkpointer."""
    path = os.path.abspath(db.settings_dict["NAME"])
    return path, checkpoint._threads[path]


def _rows_in_main_file(path: str, copy: str) -> int:
    """Rows of table t in the database file itself, leaving out what only the WAL holds."""
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    try:
        return db.execute("SELECT count(*) FROM t").fetchone()[0]
    except sqlite3.DatabaseError:  # not even the table has reached the file, or copied mid-write
        return -1
    finally:
        db.close()


def test_commits_are_copied_into_the_database_file_by_the_thread_not_the_writer(database_file, tmp_path):
    db = database_file()
    path = db.settings_dict["NAME"]
    # The writer's own automatic checkpoint only as a backstop, far above what this test writes.
    assert db.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoint.BACKSTOP_PAGES
    assert db.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a integer, b text)")
        cursor.executemany("INSERT INTO t VALUES (%s, %s)", [(i, "x" * 100) for i in range(2_000)])
    thread = checkpoint._threads[os.path.abspath(path)]
    assert thread.is_alive() and thread.daemon
    assert _wait_for(lambda: _rows_in_main_file(path, str(tmp_path / "copy.sqlite3")) == 2_000)
    assert _wait_for(lambda: thread.checkpoints >= 1)  # counted just after the copy the line above saw


def test_one_thread_per_file_and_none_for_a_database_in_memory(database_file, monkeypatch):
    first, again = database_file("a.sqlite3"), database_file("a.sqlite3")
    other = database_file("b.sqlite3")
    paths = {os.path.abspath(w.settings_dict["NAME"]) for w in (first, again, other)}
    assert set(checkpoint._threads) == paths
    assert sum(t.name.startswith("sqlite-checkpoint") for t in threading.enumerate()) == 2

    started = []
    monkeypatch.setattr(base, "ensure_checkpointer", started.append)
    memory = base.DatabaseWrapper({**connection.settings_dict, "NAME": ":memory:"}, alias="checkpoint-memory")
    memory.ensure_connection()
    try:
        assert memory.is_in_memory_db() and started == []
    finally:
        memory.close()


def test_the_thread_stops_when_its_database_file_is_gone(database_file):
    db = database_file()
    path, thread = _thread_of(db)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    thread.join(5)
    assert not thread.is_alive()


def test_a_database_file_replaced_at_the_same_path_gets_a_thread_of_its_own(database_file, tmp_path):
    db = database_file()
    path, old = _thread_of(db)
    db.close()
    sqlite3.connect(tmp_path / "new.sqlite3").close()
    os.replace(tmp_path / "new.sqlite3", path)
    old.join(5)
    assert not old.is_alive()
    db.ensure_connection()
    assert checkpoint._threads[path] is not old and checkpoint._threads[path].is_alive()


def test_a_forked_child_starts_its_own_thread(database_file, monkeypatch):
    db = database_file()
    path, parents = _thread_of(db)
    monkeypatch.setattr(checkpoint, "_pid", -1)  # as if this were a child forked from another process
    child = checkpoint.ensure_checkpointer(path)
    assert child is not parents and child.is_alive()
    assert checkpoint._threads == {path: child}
    parents.stop()


def test_stopped_threads_are_started_again_by_the_next_connection(database_file):
    db = database_file()
    path, thread = _thread_of(db)
    checkpoint.stop_all()
    assert not thread.is_alive() and checkpoint._threads == {}
    db.close()
    db.ensure_connection()
    assert checkpoint._threads[path].is_alive() and checkpoint._threads[path] is not thread


def test_writers_and_readers_beside_the_checkpointer_lose_nothing_and_the_wal_stays_small(database_file):
    db = database_file()
    path = db.settings_dict["NAME"]
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a integer, b text)")
    seen, stop = [], threading.Event()

    def read():  # a reader in another connection all along: it must see whole commits only
        reader = sqlite3.connect(path, timeout=20)
        try:
            while not stop.is_set():
                seen.append(reader.execute("SELECT count(*) FROM t").fetchone()[0])
        finally:
            reader.close()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for batch in range(200):
            with db.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.executemany("INSERT INTO t VALUES (%s, %s)", [(batch, "y" * 400) for _ in range(50)])
                cursor.execute("COMMIT")
    finally:
        stop.set()
        reader.join()
    assert db.connection.execute("SELECT count(*) FROM t").fetchone()[0] == 10_000
    assert db.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert seen and all(n % 50 == 0 for n in seen) and seen == sorted(seen)


def test_the_wal_begins_again_once_the_thread_has_copied_it(database_file):
    """Without the thread the WAL would hold every page written until BACKSTOP_PAGES; with it,
    the first transaction after a complete copy writes from the WAL's start again."""
    db = database_file()
    path = db.settings_dict["NAME"]
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (a integer, b text)")
    for batch in range(60):
        with db.cursor() as cursor:
            cursor.executemany("INSERT INTO t VALUES (%s, %s)", [(batch, "z" * 400) for _ in range(50)])
    page = db.connection.execute("PRAGMA page_size").fetchone()[0]
    frames = (os.path.getsize(path + "-wal") - 32) // (24 + page)  # header, then each page's frame
    assert frames > 600
    thread = checkpoint._threads[os.path.abspath(path)]
    assert _wait_for(lambda: thread.last == (frames, frames))
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (%s, %s)", (60, "z"))
    other = sqlite3.connect(path)
    try:
        assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 3_001  # (and opens the WAL)
        # (busy, frames in the WAL, frames copied); busy while the thread is checkpointing
        result = []
        assert _wait_for(lambda: result.append(other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
                         or result[-1][0] == 0)
    finally:
        other.close()
    assert 0 < result[-1][1] < 10  # the last commit's pages only, of more than 600 written
