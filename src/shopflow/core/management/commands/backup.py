"""shopflow backup [FILE]: a consistent copy of the database, taken while shopflow runs.

SQLite: SQLite's online backup API copies every page under a read lock, so the copy is
consistent even while the server writes; the copy is a plain single-file SQLite database.
PostgreSQL: `pg_dump --format=custom` (restore with `shopflow restore`, which runs pg_restore).
"""

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".dump"}


def engine_of(connection) -> str:
    if connection.vendor not in SUFFIX:
        raise CommandError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": connection.vendor}
        )
    return connection.vendor


def file_kind(path: Path) -> str | None:
    """"sqlite", "postgresql" (a pg_dump custom-format archive) or None, from the file's header."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def default_backup_path(vendor: str, folder: Path | None = None) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return (folder or settings.VAR_DIR / "backups") / f"shopflow-{stamp}{SUFFIX[vendor]}"


def pg_tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if not found:
        raise CommandError(
            _("%(tool)s was not found. Install the PostgreSQL client tools (e.g. `apt-get install "
              "postgresql-client`) in the same major version as the server.") % {"tool": name}
        )
    return found


def pg_env(settings_dict: dict) -> dict:
    """Connection parameters for pg_dump/pg_restore as libpq environment variables (so the
    password never appears in a process listing)."""
    env = dict(os.environ)
    mapping = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "NAME": "PGDATABASE"}
    for key, var in mapping.items():
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    options = settings_dict.get("OPTIONS") or {}
    for key, var in {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                     "sslkey": "PGSSLKEY", "service": "PGSERVICE"}.items():
        if options.get(key):
            env[var] = str(options[key])
    return env


def run_tool(cmd: list[str], env: dict, what: str) -> None:
    try:
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CommandError(_("Could not run %(tool)s: %(error)s") % {"tool": cmd[0], "error": exc}) from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise CommandError(_("%(what)s failed (exit code %(code)s):\n%(detail)s")
                           % {"what": what, "code": result.returncode, "detail": detail})


BUSY_TIMEOUT_S = 60


def copy_sqlite(source: sqlite3.Connection, dest: sqlite3.Connection) -> None:
    """source → dest with the backup API, in steps; gives up when the database stays locked."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S

    def progress(status, remaining, total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise CommandError(_("The database stayed locked for %(seconds)s seconds; try again when it "
                                 "is less busy.") % {"seconds": BUSY_TIMEOUT_S})

    source.backup(dest, pages=4096, progress=progress, sleep=0.05)


def sqlite_backup(connection, target: Path) -> None:
    """Copy the live SQLite database into `target` with the online backup API."""
    if connection.is_in_memory_db():
        # Only Django's own connection sees an in-memory database (the test database).
        if connection.in_atomic_block:
            raise CommandError(_("Cannot back up an in-memory database from inside a transaction."))
        connection.ensure_connection()
        source = connection.connection
    else:
        # A connection of our own, read-only: in WAL mode it reads while the server writes.
        name = Path(connection.settings_dict["NAME"])
        if not name.exists():
            raise CommandError(_("There is no database at %(path)s.") % {"path": name})
        source = sqlite3.connect(f"{name.resolve().as_uri()}?mode=ro", uri=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial)
    try:
        copy_sqlite(source, dest)
        # One self-contained file: no -wal/-shm companions next to the copy.
        dest.execute("PRAGMA journal_mode=DELETE")
        check = dest.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise CommandError(_("The copy failed its integrity check: %(result)s") % {"result": check})
    except sqlite3.Error as exc:
        dest.close()
        partial.unlink(missing_ok=True)
        raise CommandError(_("SQLite backup failed: %(error)s") % {"error": exc}) from exc
    except CommandError:
        dest.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        dest.close()
        if source is not getattr(connection, "connection", None):
            source.close()
    partial.replace(target)


def postgresql_backup(connection, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    cmd = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
    try:
        run_tool(cmd, pg_env(connection.settings_dict), "pg_dump")
    except CommandError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


class Command(BaseCommand):
    help = "Back up the database (SQLite: online copy; PostgreSQL: pg_dump custom format)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=gettext_lazy(
            "where to write the backup (default: var/backups/shopflow-YYYYMMDD-HHMMSS.sqlite3 or .dump); "
            "an existing folder gets a file with the default name"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, file: str | None, database: str, **options):
        connection = connections[database]
        vendor = engine_of(connection)
        if file and Path(file).is_dir():
            target = default_backup_path(vendor, Path(file))
        elif file:
            target = Path(file)
        else:
            target = default_backup_path(vendor)
        target = target.expanduser().resolve()
        if target.exists():
            raise CommandError(_("%(path)s already exists; choose another file name.") % {"path": target})
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(_("Cannot create the folder %(path)s: %(error)s")
                               % {"path": target.parent, "error": exc.strerror}) from exc
        if vendor == "sqlite":
            sqlite_backup(connection, target)
        else:
            postgresql_backup(connection, target)
        size_kb = max(1, target.stat().st_size // 1024)
        self.stdout.write(self.style.SUCCESS(
            _("Backup written to %(path)s (%(size)s KB).") % {"path": target, "size": f"{size_kb:,}"}
        ))
        return None
