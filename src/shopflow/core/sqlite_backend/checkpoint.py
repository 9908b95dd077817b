"""WAL checkpoints of a SQLite database file in a thread of their own.

In WAL mode a commit appends the changed pages to the -wal file, and a checkpoint copies them
back into the database file (and syncs it). SQLite's automatic checkpoint runs in the
connection whose commit crossed the threshold, inside that commit: the writer stops writing
while it copies every page the WAL holds. On SQLite 100k that was about a quarter of shipping
a wave's commit time and 12-15 % of the interactive path (decision 0004).

So each process runs one checkpointer per database file: a daemon thread with its own
connection that checkpoints PASSIVE (never waiting for, nor blocking, readers and writers)
again and again while there is something to copy, and sleeps a little when there is not.
The SQLite library releases the GIL while it copies, so on a machine with two cores the copy
runs beside the writer instead of inside it. The writers keep an automatic checkpoint at a
high threshold (BACKSTOP_PAGES) as a bound on the WAL should this thread not keep up or not
run at all. The WAL begins again from its start once all of it has been copied; it is not
made smaller then, unless it grew past WAL_SIZE_LIMIT.

The thread stops when its database file is gone or replaced (a test's or a benchmark's
temporary database) and at interpreter exit; a forked child starts its own when it connects."""

import atexit
import logging
import os
import pathlib
import sqlite3
import threading

log = logging.getLogger(__name__)

# The writers' own automatic checkpoint, in pages (4 KiB each): the WAL never grows much past
# this even when the checkpointer cannot keep up.
BACKSTOP_PAGES = 50_000
# The WAL file is cut back to this size (bytes) when it begins again after a big burst.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
BUSY_PAUSE = 0.005  # seconds between checkpoints while commits keep coming
IDLE_PAUSE = 0.1  # seconds between checkpoints while nothing is written

_lock = threading.Lock()
_threads: dict[str, "_Checkpointer"] = {}  # database path → its checkpointer, in this process
_pid = os.getpid()


class _Checkpointer(threading.Thread):
    def __init__(self, path: str):
        super().__init__(name=f"sqlite-checkpoint {os.path.basename(path)}", daemon=True)
        self.path = path
        self.inode = _inode(path)
        self.stopping = threading.Event()
        # For tests and diagnostics: checkpoints that found new commits to copy, and the WAL's
        # (frames, frames copied) after the last of them.
        self.checkpoints = 0
        self.last: tuple[int, int] | None = None

    def run(self) -> None:
        try:  # mode=rw: a database file removed meanwhile is not made again
            db = sqlite3.connect(f"{pathlib.Path(self.path).as_uri()}?mode=rw", uri=True, timeout=5,
                                 isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("WAL checkpointer for %s not started: %s", self.path, exc)
            return
        try:
            # The same durability as the writers (settings): a checkpoint syncs the WAL before
            # copying and the database file after.
            db.execute("PRAGMA synchronous=NORMAL")
            changed = False
            while not self.stopping.wait(BUSY_PAUSE if changed else IDLE_PAUSE):
                if _inode(self.path) != self.inode:  # removed, or replaced by another file
                    return
                changed = self._checkpoint(db)
        except sqlite3.Error as exc:  # the file went away while the thread started, say
            log.warning("WAL checkpointer for %s stopped: %s", self.path, exc)
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> bool:
        """One passive checkpoint; whether the WAL had changed since the last one."""
        try:
            _busy, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.OperationalError as exc:  # busy (a restore, say): try again later
            log.debug("WAL checkpoint of %s skipped: %s", self.path, exc)
            return False
        # -1: not in WAL mode (yet), or another connection is checkpointing.
        if copied <= 0 or (frames, copied) == self.last:
            return False
        self.last = (frames, copied)
        self.checkpoints += 1
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout)


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def ensure_checkpointer(path: str) -> _Checkpointer:
    """The running checkpointer of this database file, started if there is none (in this
    process: a forked child has none of its parent's threads)."""
    global _pid
    path = os.path.abspath(path)
    with _lock:
        if os.getpid() != _pid:
            _threads.clear()
            _pid = os.getpid()
        thread = _threads.get(path)
        if thread is None or not thread.is_alive() or thread.inode != _inode(path):
            thread = _threads[path] = _Checkpointer(path)
            thread.start()
        return thread


def stop_all() -> None:
    """Stop every checkpointer of this process and close their connections (at exit)."""
    with _lock:
        threads = list(_threads.values()) if os.getpid() == _pid else []
        _threads.clear()
    for thread in threads:
        thread.stop()


atexit.register(stop_all)
