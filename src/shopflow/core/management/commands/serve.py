"""shopflow serve: run the web application with waitress (a production-grade WSGI server).

Static files are served by WhiteNoise from the installed package, so no collectstatic and
no separate web server are needed on one machine. Behind a reverse proxy, run it on
127.0.0.1 and let the proxy terminate TLS.
"""

import errno
import ipaddress
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

DEFAULT_ADDR = "127.0.0.1:8000"
DEFAULT_THREADS = 8
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_addr(addr: str) -> tuple[str, int]:
    """"HOST:PORT", "PORT" or "[IPv6]:PORT" → (host, port); CommandError when malformed."""
    text = addr.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise CommandError(
            _("“%(addr)s” is not a valid address; use HOST:PORT, e.g. 127.0.0.1:8000.") % {"addr": addr}
        )
    return host, int(port_text)


def format_url(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{port}"


def database_problem(alias: str = "default") -> str | None:
    """Why the database cannot serve the application yet (None when it can)."""
    connection = connections[alias]
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and not connection.is_in_memory_db() and not Path(name).exists():
        return _(
            "There is no database at %(path)s yet. Run `shopflow migrate` to create an empty one, "
            "or `shopflow demo` to create one with demo data."
        ) % {"path": name}
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return _("Cannot use the database (%(error)s). Check SHOPFLOW_DATABASE_URL.") % {"error": exc}
    if pending:
        return _(
            "The database is not migrated: %(count)s migration(s) are pending. Run `shopflow migrate` "
            "first (or `shopflow demo` for a demo database)."
        ) % {"count": len(pending)}
    return None


def make_server(host: str, port: int, *, threads: int = DEFAULT_THREADS):
    """A waitress server bound to host:port (not yet serving); CommandError if the port is taken."""
    from waitress.server import create_server

    from shopflow.wsgi import application

    try:
        return create_server(application, host=host, port=port, threads=threads, ident="shopflow")
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                _("Port %(port)s on %(host)s is already in use. Stop the other program or choose "
                  "another address, e.g. --addr 127.0.0.1:8001.") % {"port": port, "host": host}
            ) from exc
        if exc.errno == errno.EACCES:
            raise CommandError(
                _("Not allowed to listen on port %(port)s; ports below 1024 need administrator "
                  "rights. Use a port such as 8000.") % {"port": port}
            ) from exc
        raise CommandError(
            _("Cannot listen on %(host)s:%(port)s: %(error)s") % {"host": host, "port": port, "error": exc.strerror}
        ) from exc


def host_warnings(host: str) -> list[str]:
    out = []
    if host not in LOOPBACK:
        from shopflow.settings import INSECURE_DEV_KEY

        if settings.SECRET_KEY == INSECURE_DEV_KEY:
            out.append(_("Warning: the development secret key is in use; set SHOPFLOW_SECRET_KEY "
                         "before other machines connect."))
        out.append(_("Other machines must reach this server by a host name listed in "
                     "SHOPFLOW_ALLOWED_HOSTS (now: %(hosts)s).") % {"hosts": ", ".join(settings.ALLOWED_HOSTS)})
    return out


def _stop(signum, frame):
    raise KeyboardInterrupt


def run_server(server, url: str, stdout, style) -> None:
    """Serve until Ctrl+C or SIGTERM (e.g. `systemctl stop`), then close the listening socket."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    stdout.write(style.SUCCESS(_("shopflow is running at %(url)s/ (press Ctrl+C to stop)") % {"url": url}))
    stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        stdout.write(_("Stopped."))
    finally:
        server.close()


class Command(BaseCommand):
    help = "Serve shopflow with waitress (static files included)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=DEFAULT_ADDR,
                            help=_("HOST:PORT to listen on (default %(default)s)"))
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                            help=_("worker threads (default %(default)s)"))

    def handle(self, *args, **options):
        host, port = parse_addr(options["addr"])
        threads = options["threads"]
        if threads < 1:
            raise CommandError(_("--threads must be at least 1."))
        self.check(display_num_errors=False)
        problem = database_problem()
        if problem:
            raise CommandError(problem)
        for warning in host_warnings(host):
            self.stderr.write(self.style.WARNING(warning))
        server = make_server(host, port, threads=threads)
        run_server(server, format_url(host, port), self.stdout, self.style)
