"""shopflow backup / restore on the test database: a round trip brings the data back.

The round trips run outside a test transaction (restore replaces the whole database). They
restore a copy of the database as they found it before they end, because the test runner
empties tables afterwards and the ledger and audit tables refuse DELETE by trigger."""

import subprocess
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shopflow.core import services
from shopflow.core.models import AuditEvent
from shopflow.inventory.models import StockBalance, StockMove
from shopflow.inventory.selectors import stock_differences
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt
from tests.factories import SkuFactory, SupplierFactory, UserFactory, WarehouseFactory, make_purchase_order

SQLITE_ONLY = pytest.mark.skipif(connection.vendor != "sqlite", reason="needs SQLite")
POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs SHOPFLOW_DATABASE_URL=postgres://…")
# No serialized_rollback: the round trip puts the database back itself, and reloading a
# serialized copy would clash with the role groups that the post-migrate sync recreates.
ROUND_TRIP = pytest.mark.django_db(transaction=True)


def backup(path) -> str:
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore(path, **options) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out, **options)
    return out.getvalue()


@contextmanager
def database_put_back(tmp_path: Path):
    """Leave the test database as found, whatever happens in between."""
    pristine = tmp_path / "pristine.backup"
    backup(pristine)
    try:
        yield
    finally:
        restore(pristine, yes=True)


def received_purchase():
    buyer = UserFactory(username="rt-buyer", roles=["purchasing"])
    manager = UserFactory(username="rt-manager", roles=["manager"])
    clerk = UserFactory(username="rt-clerk", roles=["warehouse"])
    sku, warehouse = SkuFactory(), WarehouseFactory()
    po = make_purchase_order(actor=buyer, supplier=SupplierFactory(), warehouse=warehouse,
                             lines=[(sku, Decimal("30"), Decimal("28.50"))])
    services.document_transition(po, "submit", actor=buyer)
    services.document_transition(po, "approve", actor=manager)
    receipt = services.document_push_down(source=po, target_type="purchasing.purchasereceipt", actor=clerk,
                                          quantities={po.lines.get().pk: Decimal("20")})
    services.document_transition(receipt, "submit", actor=clerk)
    services.document_transition(receipt, "approve", actor=manager)
    return po, receipt, manager


def snapshot() -> dict:
    return {
        "orders": list(PurchaseOrder.objects.order_by("pk").values_list("pk", "number", "state")),
        "receipts": list(PurchaseReceipt.objects.order_by("pk").values_list("pk", "number", "state")),
        "audit": AuditEvent.objects.count(),
        "moves": StockMove.objects.count(),
        "balances": list(StockBalance.objects.order_by("pk").values_list("pk", "on_hand")),
        "users": sorted(User.objects.values_list("username", flat=True)),
    }


def round_trip(tmp_path: Path, suffix: str):
    with database_put_back(tmp_path):
        po, receipt, manager = received_purchase()
        before = snapshot()
        file = tmp_path / f"shop{suffix}"
        assert str(file) in backup(file)

        # Change things after the backup: un-approve the receipt (reversing moves), add a user.
        services.document_transition(receipt, "unapprove", actor=manager, reason="counted again")
        UserFactory(username="after-backup", roles=["finance"])
        assert snapshot() != before

        assert "Restored" in restore(file, yes=True)
        assert snapshot() == before
        assert stock_differences() == []
        assert PurchaseReceipt.objects.get(pk=receipt.pk).state == "approved"


@SQLITE_ONLY
@ROUND_TRIP
def test_sqlite_round_trip(tmp_path):
    round_trip(tmp_path, ".sqlite3")
    assert (tmp_path / "shop.sqlite3").read_bytes().startswith(b"SQLite format 3\x00")


@POSTGRES_ONLY
@ROUND_TRIP
def test_postgresql_round_trip(tmp_path):
    round_trip(tmp_path, ".dump")
    assert (tmp_path / "shop.dump").read_bytes().startswith(b"PGDMP")


@ROUND_TRIP
def test_default_file_name_in_a_folder(tmp_path):
    output = backup(tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("shopflow-")
    assert files[0].suffix == (".sqlite3" if connection.vendor == "sqlite" else ".dump")
    assert str(files[0]) in output


@pytest.mark.django_db
def test_backup_never_overwrites(tmp_path):
    target = tmp_path / "exists.bak"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        backup(target)
    assert target.read_text() == "keep me"


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        restore(tmp_path / "nope.sqlite3", yes=True)


@pytest.mark.django_db
def test_restore_refuses_a_folder(tmp_path):
    with pytest.raises(CommandError, match="not a file"):
        restore(tmp_path, yes=True)


@pytest.mark.django_db
def test_restore_refuses_a_file_of_another_kind(tmp_path):
    junk = tmp_path / "orders.xlsx"
    junk.write_bytes(b"PK\x03\x04 not a backup")
    with pytest.raises(CommandError, match="not a shopflow backup"):
        restore(junk, yes=True)


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    other = tmp_path / "other.bak"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "PostgreSQL backup but the database is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
        expected = "SQLite backup but the database is PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        restore(other, yes=True)


@SQLITE_ONLY
@pytest.mark.django_db
def test_restore_refuses_an_sqlite_file_that_is_not_shopflow(tmp_path):
    import sqlite3

    foreign = tmp_path / "other-app.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    with pytest.raises(CommandError, match="not a shopflow backup"):
        restore(foreign, yes=True)


@ROUND_TRIP
def test_restore_without_yes_and_without_a_terminal_changes_nothing(tmp_path):
    file = tmp_path / "b.backup"
    backup(file)
    UserFactory(username="still-here")
    with pytest.raises(CommandError, match="--yes"):
        restore(file)
    assert User.objects.filter(username="still-here").exists()


@SQLITE_ONLY
@pytest.mark.django_db
def test_in_memory_backup_inside_a_transaction_is_refused(tmp_path):
    with pytest.raises(CommandError, match="transaction"):
        backup(tmp_path / "x.sqlite3")
    assert not list(tmp_path.iterdir())


def test_console_round_trip_on_an_sqlite_file(cli_env, shopflow_cmd, tmp_path):
    """The real thing: file database in WAL mode, console script, exit codes."""

    def shopflow(*args):
        return subprocess.run([*shopflow_cmd, *args], env=cli_env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=180)

    assert shopflow("demo", "--no-serve").returncode == 0
    file = tmp_path / "demo.sqlite3"
    result = shopflow("backup", str(file))
    assert result.returncode == 0, result.stderr
    assert not Path(f"{file}-wal").exists()
    assert shopflow("createuser", "after.backup", "--role", "finance", "--password", "Kc7!vbQ2xx").returncode == 0

    refused = shopflow("restore", str(file))
    assert refused.returncode == 1 and "--yes" in refused.stderr

    result = shopflow("restore", str(file), "--yes")
    assert result.returncode == 0, result.stderr
    again = shopflow("createuser", "after.backup", "--role", "finance", "--password", "Kc7!vbQ2xx")
    assert again.returncode == 0, again.stderr  # the user made after the backup is gone
    assert shopflow("verify-stock").returncode == 0
