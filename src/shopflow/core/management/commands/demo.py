"""shopflow demo [--no-serve] [--addr 127.0.0.1:8000]: migrate, load the demo company, create one
demo user per role, print them, and serve. Safe to run again: nothing is created twice."""

import unicodedata
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.management.commands.serve import (
    DEFAULT_ADDR,
    format_url,
    make_server,
    parse_addr,
    run_server,
)
from shopflow.demo import data
from shopflow.demo.loader import DemoConflict, created_labels, load_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    out.append(line)
    return "\n".join(out)


def ensure_sqlite_folder() -> None:
    """A fresh clone has no var/ folder; SQLite cannot create the file without it."""
    connection = connections["default"]
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)


class Command(BaseCommand):
    help = "Set up a demo: migrate, load demo data and demo users (idempotent), then serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help=gettext_lazy("only set up, do not serve"))
        parser.add_argument("--addr", default=DEFAULT_ADDR,
                            help=gettext_lazy("HOST:PORT to serve on (default %(default)s)"))

    def handle(self, *args, no_serve: bool, addr: str, verbosity: int, **options):
        server = None
        if not no_serve:
            host, port = parse_addr(addr)
            # Take the port first, so a busy port is reported before any work is done.
            server = make_server(host, port)
        try:
            self._set_up(verbosity)
        except BaseException:
            if server is not None:
                server.close()
            raise
        if server is not None:
            run_server(server, format_url(host, port), self.stdout, self.style)

    def _set_up(self, verbosity: int) -> None:
        ensure_sqlite_folder()
        connection = connections["default"]
        where = connection.settings_dict["NAME"]
        self.stdout.write(_("Database: %(engine)s %(name)s") % {"engine": connection.vendor, "name": where})
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1), stdout=self.stdout)
        try:
            result = load_demo()
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if result.created_anything:
            labels = created_labels()
            made = ", ".join(f"{n} {labels.get(key, key)}" for key, n in result.created.items() if n)
            self.stdout.write(self.style.SUCCESS(_("Demo data loaded: %(made)s.") % {"made": made}))
        else:
            self.stdout.write(_("Demo data already present; nothing new was created."))
        rows = [[u.username, u.label_zh, u.label_en, data.DEMO_PASSWORD] for u in result.users]
        self.stdout.write("")
        self.stdout.write(_("Demo users (one per role) / 演示用户（每个角色一个）:"))
        self.stdout.write(format_table(["User 用户", "角色", "Role", "Password 密码"], rows))
        self.stdout.write(_("The creator of a document may not approve it: e.g. log in as "
                            "“purchasing” to create and submit a purchase order, as “manager” to approve it."))
