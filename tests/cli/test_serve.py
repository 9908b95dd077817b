"""shopflow serve: addresses, clear errors, and a real waitress server answering."""

import subprocess
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shopflow.core.management.commands.serve import format_url, parse_addr


@pytest.mark.parametrize("addr, expected", [
    ("127.0.0.1:8000", ("127.0.0.1", 8000)),
    ("0.0.0.0:80", ("0.0.0.0", 80)),
    ("8001", ("127.0.0.1", 8001)),
    ("[::1]:8000", ("::1", 8000)),
    ("localhost:9000", ("localhost", 9000)),
])
def test_parse_addr(addr, expected):
    assert parse_addr(addr) == expected


@pytest.mark.parametrize("addr", ["127.0.0.1:", "127.0.0.1:http", "host:70000", ":0"])
def test_bad_addr_is_refused(addr):
    with pytest.raises(CommandError, match="HOST:PORT"):
        parse_addr(addr)


def test_format_url_brackets_ipv6():
    assert format_url("::1", 8000) == "http://[::1]:8000"
    assert format_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"


@pytest.mark.django_db
def test_busy_port_is_a_clear_error(busy_port):
    with pytest.raises(CommandError, match="already in use"):
        call_command("serve", addr=f"127.0.0.1:{busy_port}", stdout=StringIO())


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120, **kwargs)


def test_missing_database_suggests_migrate_or_demo(cli_env, shopflow_cmd):
    result = run([*shopflow_cmd, "serve"], cli_env)
    assert result.returncode == 1
    assert "shopflow migrate" in result.stderr and "shopflow demo" in result.stderr


def test_unmigrated_database_suggests_migrate(cli_env, shopflow_cmd, tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    cli_env["SHOPFLOW_DATABASE_URL"] = f"sqlite:///{empty}"
    result = run([*shopflow_cmd, "serve"], cli_env)
    assert result.returncode == 1
    assert "shopflow migrate" in result.stderr and "shopflow demo" in result.stderr


def get(url: str, timeout: float = 20.0) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serves_pages_and_static_files(cli_env, shopflow_cmd, free_port):
    Path(cli_env["SHOPFLOW_HOME"], "var").mkdir()
    assert run([*shopflow_cmd, "migrate", "--verbosity", "0"], cli_env).returncode == 0
    server = subprocess.Popen([*shopflow_cmd, "serve", "--addr", f"127.0.0.1:{free_port}", "--threads", "2"],
                              env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL)
    try:
        status, body = get(f"http://127.0.0.1:{free_port}/login/")
        assert status == 200
        assert b"csrfmiddlewaretoken" in body
        status, _body = get(f"http://127.0.0.1:{free_port}/static/admin/css/base.css")
        assert status == 200
    finally:
        server.terminate()
        output, _err = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{free_port}/" in output
