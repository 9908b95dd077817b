"""shopflow bench: the tiny size runs end to end on a database of its own and writes the JSON
the README's figures come from; the checks it relies on (oversell detection, query budget,
the raw-insert limit, refusing a used database) do what they say."""

import json
import os
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError, connection

from shopflow.bench.management.commands.bench import default_pg_url, with_database
from shopflow.bench.raw import SCRATCH_PREFIX, raw_insert
from shopflow.bench.report import target
from shopflow.bench.scenarios import Result, Target, load, percentile, selected
from shopflow.bench.scenarios.ledger import RAW_COLUMNS
from shopflow.bench.scenarios.reports import sql_budget
from shopflow.bench.scenarios.reservations import ClientLog, oversold, peak_held
from shopflow.bench.sizes import SIZES
from shopflow.inventory.models import StockMove
from tests.factories import SkuFactory, WarehouseFactory

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs SHOPFLOW_DATABASE_URL=postgres://…")
SCENARIO_KEYS = {"ledger.receipts", "ledger.issues", "documents.other_receipt", "reservations.hot",
                 "report.valuation", "report.low_stock", "report.slow_moving", "report.inquiry_page",
                 "report.inquiry_search", "report.inquiry_category", "report.dashboard", "orders.import",
                 "orders.review", "orders.allocate", "orders.ship", "orders.per_order", "verify.stock"}
TARGETS = {"orders.import": (10_000, "sqlite"), "orders.allocate": (10_000, "sqlite"), "orders.ship": (2_000, None),
           "orders.per_order": (200, None)}


def run_bench(tmp_path, db: str) -> tuple[dict, str]:
    path = tmp_path / f"bench-{db}.json"
    out, err = StringIO(), StringIO()
    call_command("bench", size="tiny", db=db, json=str(path), stdout=out, stderr=err)
    return json.loads(path.read_text(encoding="utf-8")), out.getvalue()


def assert_tiny_run(run: dict, table: str, *, vendor: str, raw_method: str) -> None:
    assert run["ok"] is True, [c for c in run["checks"] if not c["ok"]]
    assert {"suite", "format", "size", "db", "git", "machine", "database", "size_definition", "timings", "results",
            "checks", "started_at", "finished_at"} <= set(run)
    assert run["size"] == "tiny" and run["size_definition"]["skus"] == SIZES["tiny"].skus
    assert isinstance(run["machine"]["cpu_count"], int) and run["machine"]["python"].startswith("3.11")
    assert "commit" in run["git"]  # a hash in a checkout, null outside one
    assert run["database"]["vendor"] == vendor and run["database"]["version"]
    results = {r["key"]: r for r in run["results"]}
    assert set(results) == SCENARIO_KEYS and not run["errors"]
    for r in run["results"]:
        assert r["count"] > 0 and r["seconds"] > 0 and r["per_unit"]["us"] > 0, r
    for key in ("ledger.receipts", "ledger.issues"):
        ledger = results[key]
        assert ledger["raw"]["method"] == raw_method and ledger["raw"]["rows"] == ledger["count"]
        assert 0 < ledger["fraction_of_raw"] < 1  # nothing beats inserting the rows raw
    assert results["ledger.receipts"]["count"] == SIZES["tiny"].receipts
    res = results["reservations.hot"]["extra"]
    assert res["oversell_count"] == 0 and res["reserved_mismatches"] == 0
    assert res["refused"] > 0 and res["granted"] > 0  # stock ran out: the oversell check was under load
    assert res["deadlocks"] == 0 and res["other_errors"] == 0
    assert res["p99_ms"] >= res["p50_ms"] > 0
    verify = results["verify.stock"]
    assert all(v == 0 for k, v in verify["extra"].items() if k.endswith("_differences"))
    assert "stock_post receipts" in table and "all checks passed" in table
    assert_order_scenarios(results, table, vendor=vendor)


def assert_order_scenarios(results: dict, table: str, *, vendor: str) -> None:
    tiny = SIZES["tiny"]
    imported = results["orders.import"]
    assert imported["count"] == tiny.orders and imported["extra"]["created"] == tiny.orders
    assert imported["extra"]["failed"] == 0 and imported["raw"]["rows"] == tiny.orders
    allocated = results["orders.allocate"]["extra"]
    assert allocated["allocated"] > 0 and allocated["short"] > 0  # one SKU in 25 is a unit short
    assert results["orders.allocate"]["count"] == allocated["allocated"] + allocated["short"]
    ship = results["orders.ship"]
    assert ship["count"] == allocated["allocated"]  # every allocated order waved, packed and shipped
    assert set(ship["extra"]["stages"]) == {"wave", "tracking", "verify", "ship"}
    per_order = results["orders.per_order"]
    assert per_order["count"] == tiny.per_order
    assert per_order["extra"]["p99_ms"] >= per_order["extra"]["p50_ms"] > 0
    for key, (rate, target_vendor) in TARGETS.items():
        target = results[key]["target"]
        assert target["rate_per_s"] == rate and isinstance(target["met"], bool)
        assert target["applies"] == (target_vendor in (None, vendor))
        assert target["met"] == (results[key]["rate_per_s"] >= rate)
    assert "≥ 10,000/s" in table and "≥ 2,000/s" in table and "≥ 200/s" in table


def test_tiny_run_on_its_own_sqlite_database(tmp_path):
    run, table = run_bench(tmp_path, "sqlite")
    assert_tiny_run(run, table, vendor="sqlite", raw_method="executemany")
    assert run["database"]["journal_mode"] == "wal"
    assert run["results"][0]["extra"]["moves_per_post"] == SIZES["tiny"].batch


@POSTGRES_ONLY
@pytest.mark.postgres
def test_tiny_run_on_its_own_postgres_database(tmp_path):
    run, table = run_bench(tmp_path, "postgres")
    assert_tiny_run(run, table, vendor="postgresql", raw_method="COPY")
    import psycopg

    with psycopg.connect(default_pg_url(), autocommit=True) as admin:  # the run's database is gone again
        left = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"shopflow_bench_{os.getpid()}"])
        assert left.fetchall() == []


def test_unknown_scenario_is_refused():
    with pytest.raises(CommandError, match="unknown scenario"):
        call_command("bench", size="tiny", only=["ledger", "nonsense"], stdout=StringIO(), stderr=StringIO())


def test_unknown_size_is_refused():
    with pytest.raises(CommandError):
        call_command("bench", size="10m", stdout=StringIO(), stderr=StringIO())


def test_every_scenario_module_registers():
    assert [s.key for s in load()] == ["ledger", "documents", "reservations", "reports", "orders.import",
                                       "orders.allocate", "orders.ship", "orders.per_order", "soak", "verify"]


def test_the_soak_runs_only_when_asked_for():
    assert "soak" not in [s.key for s in selected([])]
    assert [s.key for s in selected(["soak", "ledger"])] == ["ledger", "soak"]
    assert [s.key for s in selected(["orders.ship"])] == ["orders.ship"]


@pytest.mark.django_db
def test_worker_refuses_a_database_that_holds_data():
    from shopflow.bench.worker import _refuse_used_database

    with pytest.raises(SystemExit, match="not empty"):
        _refuse_used_database()


def test_pg_url_comes_from_the_configured_server(monkeypatch):
    monkeypatch.delenv("SHOPFLOW_BENCH_PG_URL", raising=False)
    monkeypatch.setenv("SHOPFLOW_DATABASE_URL", "postgres://shop:secret@db.local:6543/shopflow")
    assert default_pg_url() == "postgres://shop:secret@db.local:6543/postgres"
    monkeypatch.setenv("SHOPFLOW_DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    assert default_pg_url() == "postgres://postgres@127.0.0.1:5432/postgres"
    monkeypatch.setenv("SHOPFLOW_BENCH_PG_URL", "postgres://u@h/x")
    assert default_pg_url() == "postgres://u@h/x"
    assert with_database("postgres://u@h:1/a?sslmode=disable", "b") == "postgres://u@h:1/b?sslmode=disable"


# ---------------------------------------------------------------- the oversell check

def log(*events) -> ClientLog:
    out = ClientLog()
    out.events = [(t, sku, Decimal(q)) for t, sku, q in events]
    return out


def test_peak_counts_overlapping_holdings_across_clients():
    a = log((1.0, 7, 3), (4.0, 7, -3))
    b = log((2.0, 7, 4), (3.0, 7, -4))
    assert peak_held([a, b]) == {7: Decimal(7)}
    assert oversold(peak_held([a, b]), {7: Decimal(10)}) == {}
    assert oversold(peak_held([a, b]), {7: Decimal(6)}) == {7: Decimal(1)}


def test_released_then_granted_again_is_not_an_oversell():
    a = log((1.0, 7, 5), (2.0, 7, -5))
    b = log((2.5, 7, 5))
    assert oversold(peak_held([a, b]), {7: Decimal(5)}) == {}


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile(values, 100) == 100
    assert percentile([3.0], 99) == 3.0 and percentile([], 50) == 0.0


def test_target_is_shown_beside_the_figure_met_or_not():
    met = Result(key="x", title="x", unit="order", count=30_000, seconds=2.0, target=Target(10_000, "sqlite"),
                 vendor="sqlite").as_dict()
    assert met["target"] == {"rate_per_s": 10_000, "applies": True, "vendor": "sqlite", "met": True, "fraction": 1.5}
    assert "≥ 10,000/s" in target(met) and "✓" in target(met)
    missed = Result(key="x", title="x", unit="order", count=1_000, seconds=1.0, target=Target(2_000),
                    vendor="postgresql").as_dict()
    assert missed["target"]["met"] is False and missed["target"]["applies"] is True
    assert "✗ 50 %" in target(missed)
    other_db = Result(key="x", title="x", unit="order", count=1_000, seconds=1.0, target=Target(10_000, "sqlite"),
                      vendor="postgresql").as_dict()
    assert other_db["target"]["applies"] is False and "(sqlite target)" in target(other_db)
    assert "target" not in Result(key="y", title="y", unit="op", count=1, seconds=1.0).as_dict()
    assert target({"key": "y"}) == ""


def test_result_reports_the_fraction_of_the_raw_rate():
    r = Result(key="x", title="x", unit="move", count=100, seconds=2.0,
               raw={"method": "COPY", "rows": 100, "seconds": 0.02}).as_dict()
    assert r["rate_per_s"] == 50 and r["raw"]["rate_per_s"] == 5000 and r["fraction_of_raw"] == 0.01
    assert r["per_unit"] == {"unit": "move", "us": 20000.0}
    q = Result(key="q", title="q", unit="query", count=1, seconds=0.5, basis_unit="SKU", basis_count=1000).as_dict()
    assert q["per_unit"] == {"unit": "SKU", "us": 500.0} and q["fraction_of_raw"] is None


# ---------------------------------------------------------------- the physical limit and the query budget

@pytest.mark.django_db
def test_raw_insert_uses_a_copy_with_the_ledgers_constraints():
    sku, wh = SkuFactory(), WarehouseFactory()
    row = (sku.pk, wh.pk, Decimal("5"), Decimal("2.00"), Decimal("10.00"), "bench.raw", 1, None, None,
           "2026-01-01 00:00:00+00:00", None)
    result = raw_insert(StockMove._meta.db_table, RAW_COLUMNS, [row, row])
    assert result["rows"] == 2 and result["seconds"] > 0
    assert result["method"] == ("COPY" if connection.vendor == "postgresql" else "executemany")
    assert StockMove.objects.count() == 0  # the ledger itself is untouched
    assert not [t for t in connection.introspection.table_names() if t.startswith(SCRATCH_PREFIX)]
    zero = (*row[:2], Decimal("0"), *row[3:])  # the copy refuses what the ledger refuses
    with pytest.raises(IntegrityError):
        raw_insert(StockMove._meta.db_table, RAW_COLUMNS, [zero])
    assert not [t for t in connection.introspection.table_names() if t.startswith(SCRATCH_PREFIX)]


@pytest.mark.django_db(transaction=True)
def test_query_budget_cancels_a_runaway_query():
    slow = ("SELECT pg_sleep(5)" if connection.vendor == "postgresql" else
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n")
    with pytest.raises(OperationalError), sql_budget(0.2), connection.cursor() as cur:
        cur.execute(slow)
        cur.fetchall()
    with connection.cursor() as cur:  # the connection is usable afterwards, without a budget
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1


def fake_run(db: str, size: str, us: float, started: str, *, timed_out: bool = False) -> dict:
    result = Result(key="ledger.receipts", title="receipts", unit="move", count=1000, seconds=us * 1000 / 1e6,
                    raw={"method": "COPY", "rows": 1000, "seconds": 0.01}, extra={"timed_out": timed_out}).as_dict()
    return {"db": db, "size": size, "started_at": started, "results": [result]}


def test_growth_table_shows_per_unit_cost_by_size(tmp_path):
    files = []
    runs = [fake_run("sqlite", "100k", 300.0, "2026-01-02"), fake_run("sqlite", "10k", 999.0, "2026-01-01"),
            fake_run("sqlite", "10k", 200.0, "2026-01-03"),  # a later run replaces the earlier one
            fake_run("sqlite", "tiny", 50.0, "2026-01-04"),  # the smoke size is no point of the growth
            fake_run("postgres", "10k", 100.0, "2026-01-01", timed_out=True)]
    for i, run in enumerate(runs):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps(run), encoding="utf-8")
        files.append(str(path))
    out = StringIO()
    call_command("bench", growth=files, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "| figure | sqlite 10k | sqlite 100k | sqlite 10k→100k | postgres 10k |"
    assert lines[2].startswith("| receipts | 200 µs/move (") and "| ×1.50 |" in lines[2]
    assert "≥ 100 µs/move (timed out)" in lines[2]
    runs = [fake_run("sqlite", "10k", 200.0, "2026-01-01"), fake_run("sqlite", "100k", 900.0, "2026-01-01",
                                                                       timed_out=True)]
    out = StringIO()
    for i, run in enumerate(runs):
        (tmp_path / f"t{i}.json").write_text(json.dumps(run), encoding="utf-8")
    call_command("bench", growth=[str(tmp_path / "t0.json"), str(tmp_path / "t1.json")], stdout=out)
    assert out.getvalue().splitlines()[2].endswith("| timed out |")  # a lower bound has no growth factor


def test_growth_refuses_a_file_that_is_not_a_result(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not a benchmark result"):
        call_command("bench", growth=[str(bad)], stdout=StringIO())


def test_growth_keeps_figures_a_later_partial_run_does_not_have(tmp_path):
    full = fake_run("postgres", "10k", 200.0, "2026-01-01")
    soak = {"db": "postgres", "size": "10k", "started_at": "2026-01-02",
            "results": [Result(key="soak", title="soak", unit="op", count=100, seconds=1.0).as_dict()]}
    files = []
    for i, run in enumerate((full, soak)):
        path = tmp_path / f"p{i}.json"
        path.write_text(json.dumps(run), encoding="utf-8")
        files.append(str(path))
    out = StringIO()
    call_command("bench", growth=files, stdout=out)
    rows = out.getvalue().splitlines()[2:]
    assert rows[0].startswith("| receipts | 200 µs/move") and rows[1] == "| soak | 10.0 ms/op |"


def test_growth_of_a_figure_missing_at_some_size_spans_the_sizes_that_have_it(tmp_path):
    import_only = {"db": "sqlite", "size": "1m", "started_at": "2026-01-05", "results": [
        Result(key="orders.import", title="import", unit="order", count=1000, seconds=0.3).as_dict()]}
    runs = [fake_run("sqlite", "10k", 200.0, "2026-01-01"), fake_run("sqlite", "100k", 300.0, "2026-01-02"),
            {"db": "sqlite", "size": "10k", "started_at": "2026-01-03", "results": [
                Result(key="orders.import", title="import", unit="order", count=1000, seconds=0.1).as_dict()]},
            import_only]
    files = []
    for i, run in enumerate(runs):
        path = tmp_path / f"g{i}.json"
        path.write_text(json.dumps(run), encoding="utf-8")
        files.append(str(path))
    out = StringIO()
    call_command("bench", growth=files, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "| figure | sqlite 10k | sqlite 100k | sqlite 1m | sqlite 10k→1m |"
    assert lines[2].endswith("| – | ×1.50 (10k→100k) |")  # receipts: no 1m figure
    assert lines[3] == "| import | 100 µs/order | – | 300 µs/order | ×3.00 |"
