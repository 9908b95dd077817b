"""shopflow import <list> FILE: summary, error table, exit codes, progress on stderr."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from shopflow.catalog.models import Sku
from tests.imports.conftest import SKU_HEADERS, csv_bytes

GOOD = [SKU_HEADERS, ["A-1", "T恤", "黑色", "M", "件", "", "35", "89"],
        ["A-2", "卫衣", "灰色", "L", "件", "", "62", "199"]]
BAD = [*GOOD, ["A-3", "裤子", "", "", "", "", "贵", "1"]]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def make(rows, name="skus.csv", encoding="gbk"):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, encoding))
        return str(path)

    return make


def test_imports_and_summarises(db, write):
    code, out, err = run("skus", write(GOOD))
    assert code == 0
    assert "2 rows — 2 new, 0 changed" in out and "gb18030" in out and "rows/s" in out
    assert Sku.objects.count() == 2
    assert "Checking" in err  # progress on stderr


def test_bad_rows_exit_1_with_the_error_table_and_save_nothing(db, write):
    code, out, err = run("skus", write(BAD))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["Row", "Column", "Value", "Reason"]
    assert lines[1].split()[:3] == ["4", "成本价", "贵"]
    assert "Nothing was saved" in err
    assert Sku.objects.count() == 0


def test_good_rows_saves_the_rest_but_still_exits_1(db, write):
    code, out, err = run("skus", write(BAD), "--good-rows")
    assert code == 1 and Sku.objects.count() == 2
    assert "1 bad row(s) were skipped" in err


def test_dry_run(db, write):
    code, out, _err = run("skus", write(GOOD), "--dry-run", "--no-progress")
    assert code == 0 and "Dry run" in out and Sku.objects.count() == 0


def test_errors_file(db, write, tmp_path):
    target = tmp_path / "errors.xlsx"
    code, _out, err = run("skus", write(BAD), "--errors", str(target))
    assert code == 1 and str(target) in err
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("skus.csv", 4, "成本价", "贵")


def test_user_is_recorded(db, write, manager):
    from shopflow.core.models import AuditEvent

    assert run("skus", write(GOOD), "--user", manager.username)[0] == 0
    assert set(AuditEvent.objects.filter(doc_type="catalog.sku").values_list("actor", flat=True)) == {manager.pk}


def test_unreadable_file_exits_1(db, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"\x00\x01garbage")
    code, _out, err = run("skus", str(path))
    assert code == 1 and "cannot be imported" in err


@pytest.mark.parametrize("args", [("nolist", "x.csv"), ("skus", "/no/such/file.csv"),
                                  ("skus", "x", "--user", "nobody")])
def test_usage_errors(db, write, args):
    if args[1] == "x":
        args = ("skus", write(GOOD), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("import", *args, stdout=io.StringIO(), stderr=io.StringIO())


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal():
    from importlib import import_module

    bar = import_module("shopflow.core.management.commands.import").ProgressBar(Terminal())
    bar("check", 0, 100)
    bar.last = 0
    bar("check", 50, 100)
    bar("check", 100, 100)
    bar.finish()
    text = bar.stream.getvalue()
    assert "\rChecking" in text and "50%" in text and "100/100" in text and text.endswith("\n")
