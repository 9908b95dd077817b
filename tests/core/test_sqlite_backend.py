"""The SQLite backend converts each statement's placeholders once and keeps Django's behaviour."""

import pytest
from django.db import connection

from shopflow.core.sqlite_backend import base

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_format_and_pyformat_placeholders_and_literal_percent_signs(db):
    assert connection.settings_dict["ENGINE"] == "shopflow.core.sqlite_backend"
    sql = "SELECT %s, %s || '%%s', '100%%'"
    for _ in range(2):  # converted, then taken from what was kept
        assert _run(sql, [1, "a"]) == [(1, "a%s", "100%")]
    assert base._converted[sql] == "SELECT ?, ? || '%s', '100%'"
    assert _run("SELECT %(x)s, %(y)s", {"x": 2, "y": "b"}) == [(2, "b")]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE t (a text)")
        cursor.executemany("INSERT INTO t VALUES (%s || '%%')", [["1"], ["2"]])
        cursor.execute("SELECT a FROM t ORDER BY a")
        assert cursor.fetchall() == [("1%",), ("2%",)]


def test_long_statements_are_not_kept_and_the_store_is_bounded(db, monkeypatch):
    long_sql = "SELECT %s" + " " * base._LONGEST
    assert _run(long_sql, [3]) == [(3,)] and long_sql not in base._converted
    monkeypatch.setattr(base, "_converted", {f"SELECT {i}": f"SELECT {i}" for i in range(base._KEPT)})
    assert _run("SELECT %s + 1", [4]) == [(5,)]
    assert base._converted == {"SELECT %s + 1": "SELECT ? + 1"}


def test_sql_looking_parameters_stay_parameters(db):
    hostile = "'); DROP TABLE catalog_sku; --"
    assert _run("SELECT %s", [hostile]) == [(hostile,)]
    assert _run("SELECT count(*) FROM catalog_sku", None) == [(0,)]
