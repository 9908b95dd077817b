"""Backup and restore keep every document and every balance: after a round trip every row of
every shopflow table (documents of each type and their lines, links, change records, stock
moves, balances on hand and reserved, reservations, costs, supplier payments, numbering, the
audit trail) and the users are exactly as they were at the backup, whatever happened after it.

tests/cli/test_backup.py covers the commands themselves and a purchase's documents and on-hand
balances; this is the same round trip over the whole schema, with reservations, payments and a
change record in it. It runs on the engine of the test database: SQLite, or PostgreSQL with
SHOPFLOW_DATABASE_URL=postgres://… (pg_dump / pg_restore)."""

import datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import F

from shopflow.core import services
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.inventory.selectors import cost_differences, stock_differences
from shopflow.inventory.services import stock_release, stock_reserve
from shopflow.purchasing.services import supplier_payment_create
from tests.cli.test_backup import ROUND_TRIP, backup, database_put_back, received_purchase, restore
from tests.factories import UserFactory


def tables() -> dict[str, list[dict]]:
    """Every row of every shopflow model (and the users), in primary-key order."""
    models = [m for m in apps.get_models() if m.__module__.startswith("shopflow.")] + [User]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


@ROUND_TRIP
def test_every_document_and_balance_survives_a_round_trip(tmp_path):
    with database_put_back(tmp_path):
        po, receipt, manager = received_purchase()
        line = receipt.lines.get()
        reservation = stock_reserve(sku_id=line.sku_id, warehouse_id=receipt.warehouse_id, quantity=Decimal("7.5"),
                                    origin_type="test.order", origin_id=1, actor=manager)
        supplier_payment_create(supplier_id=po.supplier_id, amount="300.50", pay_date=datetime.date(2026, 11, 20),
                                actor=manager, reference="招行 尾号 8888")
        services.document_change(doc=po, actor=manager, reason="交期调整", header={"remarks": "供应商要求延期"})
        before = tables()
        assert before["inventory.StockBalance"][0]["reserved"] == Decimal("7.5")
        assert len(before["purchasing.SupplierPayment"]) == 1 and len(before["core.ChangeRecord"]) == 1

        file = tmp_path / "shop.backup"
        backup(file)

        # After the backup: release the reservation, un-approve the receipt, another payment, a user.
        stock_release(sku_id=line.sku_id, warehouse_id=receipt.warehouse_id, origin_type="test.order",
                      origin_id=1, actor=manager)
        services.document_transition(receipt, "unapprove", actor=manager, reason="数错了")
        supplier_payment_create(supplier_id=po.supplier_id, amount="99", pay_date=datetime.date(2026, 11, 21),
                                actor=manager)
        UserFactory(username="after-backup")
        assert tables() != before

        restore(file, yes=True)
        after = tables()
        changed = [label for label in before if before[label] != after.get(label)]
        assert not changed, f"tables that came back different: {changed}"
        assert stock_differences() == [] and cost_differences() == []
        assert StockReservation.objects.get(pk=reservation.pk).quantity == Decimal("7.5")
        assert not StockBalance.objects.filter(reserved__gt=F("on_hand")).exists()
