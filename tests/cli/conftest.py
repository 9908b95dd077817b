"""Fixtures for the command-line tests."""

import os
import socket
import sys
from pathlib import Path

import pytest


@pytest.fixture
def busy_port():
    """A port on 127.0.0.1 that something is already listening on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def free_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def cli_env(tmp_path):
    """Environment for running the `shopflow` command in a subprocess against its own SQLite
    file under tmp_path (never the test database, never the developer's var/)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOW_")}
    env["SHOPFLOW_HOME"] = str(tmp_path)
    env["SHOPFLOW_DATABASE_URL"] = f"sqlite:///{tmp_path / 'var' / 'shopflow.sqlite3'}"
    env["PYTHONWARNINGS"] = "ignore"
    return env


@pytest.fixture
def shopflow_cmd():
    """argv prefix for the console script (the venv's `shopflow`, or python -m shopflow)."""
    script = Path(sys.executable).with_name("shopflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "shopflow"]
