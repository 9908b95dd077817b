"""The concurrency soak (shopflow.bench.soak), short: 32 clients for a few seconds on hot SKUs
— reserving, releasing, shipping, receiving, issuing, approving documents and re-allocating
online orders — (PostgreSQL only: SQLite has one writer at a time, and a plain TestCase would
hide missing locks). Afterwards nothing was oversold, every order holds all its lines or
nothing, nothing the clients were told was lost, verify-stock is clean, and no deadlock
reached a client. The minute-long run is `shopflow bench --only soak`
(SHOPFLOW_SOAK_SECONDS).

Also, on any database: the soak's own checks catch what they are there to catch (a lost
write, an oversell in the logs), and its retry wrapper retries exactly what the database asks
to be retried."""

import os
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from shopflow.bench.soak import (
    MAX_ATTEMPTS,
    RECEIPT,
    ClientLog,
    SoakConfig,
    _Client,
    _report,
    _setup,
    lower_bound_oversell,
    run_soak,
    sqlstate,
)
from shopflow.inventory.models import StockMove
from tests.factories import SkuFactory, WarehouseFactory

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs SHOPFLOW_DATABASE_URL=postgres://…")
SECONDS = float(os.environ.get("SHOPFLOW_SOAK_TEST_SECONDS", "6"))  # the whole test stays under 15 s
CLIENTS = 32


def config(role_user, *, hot: int = 6, others: int = 20, **overrides) -> SoakConfig:
    warehouse = WarehouseFactory()
    skus = [SkuFactory() for _ in range(hot + others)]
    return SoakConfig(warehouse_id=warehouse.pk, hot_sku_ids=[s.pk for s in skus[:hot]],
                      other_sku_ids=[s.pk for s in skus[hot:]], clerk=role_user("warehouse"),
                      manager=role_user("manager"), **overrides)


@POSTGRES_ONLY
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_two_clients_on_hot_skus_never_oversell_lose_writes_or_see_a_deadlock(role_user):
    cfg = config(role_user, clients=CLIENTS, seconds=SECONDS, initial_stock=40, orders=40,
                 actor_orders=role_user("customer_service"))
    started = time.perf_counter()
    report = run_soak(cfg)
    assert time.perf_counter() - started < SECONDS + 6, "the clients did not stop in time"
    failed = [(name, detail) for name, ok, detail in report.checks if not ok]
    assert not failed, failed
    assert report.errors == []  # no deadlock, lock error or other database error reached a client
    assert report.clients == CLIENTS and report.ops > CLIENTS * 3
    # Every kind of work happened, concurrently.
    assert {"reserve", "release", "ship", "receipt", "issue", "document", "allocate"} <= {
        k for k, n in report.ok.items() if n}
    assert "allocation all or nothing" in {name for name, _ok, _detail in report.checks}
    assert report.facts["orders"] == 40
    assert report.facts["moves_posted"][RECEIPT] == StockMove.objects.filter(origin_type=RECEIPT).count()
    assert report.percentile_ms(99) >= report.percentile_ms(50) > 0


# ---------------------------------------------------------------- the checks themselves

@pytest.mark.django_db
def test_a_write_a_client_was_told_of_but_the_ledger_lacks_fails_the_run(role_user):
    cfg = config(role_user, hot=2, others=2, clients=1)
    initial = _setup(cfg)
    honest = ClientLog()
    report = _report(cfg, [honest], initial, dict.fromkeys(cfg.hot_sku_ids, Decimal(0)), {}, 1.0, [])
    assert report.passed, report.checks
    liar = ClientLog()
    liar.moves[RECEIPT] += 1  # told "posted", but no move is there
    liar.on_hand[cfg.hot_sku_ids[0]] += Decimal(3)
    report = _report(cfg, [liar], initial, dict.fromkeys(cfg.hot_sku_ids, Decimal(0)), {}, 1.0, [])
    failed = {name: detail for name, ok, detail in report.checks if not ok}
    assert set(failed) == {"no lost writes"}
    assert "soak.receipt" in failed["no lost writes"] and "on_hand" in failed["no lost writes"]


def test_oversell_bound_counts_grants_late_and_returns_early():
    sku = 7
    ten = {sku: Decimal(10)}
    # Two clients hold 6 + 5 at once on 10 on hand: oversold by 1.
    assert lower_bound_oversell([(1.0, sku, Decimal(6), Decimal(0)), (2.0, sku, Decimal(5), Decimal(0))],
                                ten) == {sku: Decimal(1)}
    # Released (at its call's start) before the other grant returned: never both held.
    assert lower_bound_oversell([(1.0, sku, Decimal(6), Decimal(0)), (1.5, sku, Decimal(-6), Decimal(0)),
                                 (2.0, sku, Decimal(5), Decimal(0))], ten) == {}
    # Goods coming in count from their call's start: 10 + 4 on hand covers 6 + 5 + 3.
    assert lower_bound_oversell([(0.5, sku, Decimal(0), Decimal(4)), (1.0, sku, Decimal(6), Decimal(0)),
                                 (2.0, sku, Decimal(5), Decimal(0)), (3.0, sku, Decimal(3), Decimal(0))], ten) == {}
    # Goods going out count from their call's end: 10 − 2 is less than 6 + 3.
    assert lower_bound_oversell([(1.0, sku, Decimal(6), Decimal(0)), (2.0, sku, Decimal(0), Decimal(-2)),
                                 (3.0, sku, Decimal(3), Decimal(0))], ten) == {sku: Decimal(1)}


class _PgError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.sqlstate = code


def _db_error(code: str | None) -> OperationalError:
    exc = OperationalError(f"error {code}")
    exc.__cause__ = _PgError(code) if code else None
    return exc


def test_retry_wrapper_retries_deadlocks_and_serialization_failures_only():
    client = _Client(SoakConfig(warehouse_id=1, hot_sku_ids=[1], other_sku_ids=[], clerk=None, manager=None),
                     0, ClientLog(), [0.0])
    failures = [_db_error("40P01"), _db_error("40001"), _db_error("40P01")]

    def flaky():
        if failures:
            raise failures.pop(0)
        return "done"

    assert client.attempt(flaky) == "done"
    assert client.log.retries == {"40P01": 2, "40001": 1}
    assert sqlstate(_db_error("40P01")) == "40P01" and sqlstate(_db_error(None)) is None

    def locked():
        raise _db_error(None)  # e.g. SQLite's "database is locked": not something to retry blindly

    with pytest.raises(OperationalError):
        client.attempt(locked)

    def always_deadlocked():
        raise _db_error("40P01")

    with pytest.raises(OperationalError):
        client.attempt(always_deadlocked)  # after the last attempt, the error reaches the user
    assert client.log.retries["40P01"] == 2 + MAX_ATTEMPTS - 1
