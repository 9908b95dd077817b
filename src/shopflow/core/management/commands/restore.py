"""shopflow restore FILE [--yes]: replace the whole database with a backup.

SQLite: the backup is copied into the live database file with SQLite's backup API (in one
step: readers see either the old or the restored data). PostgreSQL: `pg_restore --clean
--if-exists --single-transaction`, so a failed restore changes nothing. Stop `shopflow serve`
and any workers first; they may hold locks or cached state.
"""

import sqlite3
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.management.commands.backup import (
    copy_sqlite,
    engine_of,
    file_kind,
    pg_env,
    pg_tool,
    run_tool,
)

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def describe_target(connection) -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {s['NAME']}"
    host = s.get("HOST") or "localhost"
    return f"PostgreSQL {s['NAME']} @ {host}:{s.get('PORT') or 5432}"


def open_sqlite_backup(path: Path) -> sqlite3.Connection:
    """The backup opened read-only, after checking it is an intact shopflow database."""
    try:
        src = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        check = src.execute("PRAGMA quick_check").fetchone()[0]
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        raise CommandError(_("%(path)s cannot be read as an SQLite database: %(error)s")
                           % {"path": path, "error": exc}) from exc
    if check != "ok":
        src.close()
        raise CommandError(_("%(path)s is damaged (integrity check: %(result)s).") % {"path": path, "result": check})
    if "django_migrations" not in tables or "core_auditevent" not in tables:
        src.close()
        raise CommandError(_("%(path)s is an SQLite database but not a shopflow backup.") % {"path": path})
    return src


def sqlite_restore(connection, path: Path) -> None:
    src = open_sqlite_backup(path)
    connection.ensure_connection()
    try:
        copy_sqlite(src, connection.connection)
    except sqlite3.Error as exc:
        raise CommandError(_("Restore failed: %(error)s. Stop `shopflow serve` and other programs "
                             "using the database, then try again.") % {"error": exc}) from exc
    finally:
        src.close()


def postgresql_restore(connection, path: Path) -> None:
    # Our own idle connection must not hold locks while pg_restore drops and recreates tables.
    connection.close()
    env = pg_env(connection.settings_dict)
    # Fail after a while instead of hanging when another session (a running server) holds locks.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c lock_timeout=30s").strip()
    cmd = [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", f"--dbname={connection.settings_dict['NAME']}", str(path)]
    run_tool(cmd, env, "pg_restore")


class Command(BaseCommand):
    help = "Replace the whole database with a backup made by `shopflow backup`."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("the backup file"))
        parser.add_argument("--yes", action="store_true",
                            help=gettext_lazy("do not ask for confirmation (needed when not in a terminal)"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, file: str, yes: bool, database: str, **options):
        connection = connections[database]
        vendor = engine_of(connection)
        path = Path(file).expanduser().resolve()
        if not path.exists():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        kind = file_kind(path)
        if kind is None:
            raise CommandError(_("%(path)s is not a shopflow backup (neither an SQLite database nor a "
                                 "pg_dump custom-format archive).") % {"path": path})
        if kind != vendor:
            raise CommandError(
                _("%(path)s is a %(kind)s backup but the database is %(engine)s. Restore it into a "
                  "%(kind)s database (set SHOPFLOW_DATABASE_URL), or move data between engines with "
                  "`shopflow dumpdata` / `shopflow loaddata`.")
                % {"path": path, "kind": ENGINE_NAMES[kind], "engine": ENGINE_NAMES[vendor]}
            )
        if vendor == "sqlite":
            open_sqlite_backup(path).close()  # an intact shopflow database, or a clear error now
        if connection.in_atomic_block:
            raise CommandError(_("Restore cannot run inside a database transaction."))
        target = describe_target(connection)
        if not yes:
            self._confirm(path, target)
        if vendor == "sqlite":
            sqlite_restore(connection, path)
        else:
            postgresql_restore(connection, path)
        done = _("Restored %(path)s into %(target)s.") % {"path": path, "target": target}
        self.stdout.write(self.style.SUCCESS(done))
        self._hint_migrations(connection)

    def _confirm(self, path: Path, target: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError(_("Restoring replaces every row in %(target)s. Not in a terminal to ask; "
                                 "pass --yes to confirm.") % {"target": target})
        self.stdout.write(_("Restoring %(path)s replaces ALL data in %(target)s.") % {"path": path, "target": target})
        answer = input(_("Type “yes” to continue: "))
        if answer.strip().lower() != "yes":
            raise CommandError(_("Restore cancelled; nothing was changed."))

    def _hint_migrations(self, connection) -> None:
        from django.db.migrations.loader import MigrationLoader

        loader = MigrationLoader(connection, ignore_no_migrations=True)
        applied = set(MigrationRecorder(connection).applied_migrations())
        known = set(loader.disk_migrations)
        if known - applied:
            self.stdout.write(self.style.WARNING(
                _("The backup is from an older version: run `shopflow migrate` now.")))
        if applied - known:
            self.stdout.write(self.style.WARNING(
                _("The backup has migrations this version does not know; it may come from a newer shopflow.")))
