"""Every stock document passes the framework's conformance suite; approval changes stock and
cost, un-approval puts both back exactly."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from shopflow.core import services
from shopflow.core.testing import DocumentConformance
from shopflow.inventory.models import SkuCost, StockBalance, StockMove
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import OTHER_ISSUE, OTHER_RECEIPT, STOCKTAKE, TRANSFER, put


class StockSnapshot:
    """What approval changes: the document's moves, the balances and the SKU's cost."""

    sku = None

    def effect_snapshot(self, doc):
        moves = StockMove.objects.filter(origin_type=self.doc_type, origin_id=doc.pk).aggregate(s=Sum("quantity"))
        balances = sorted(StockBalance.objects.filter(sku=self.sku).exclude(on_hand=0)
                          .values_list("warehouse_id", "on_hand"))
        cost = SkuCost.objects.filter(sku=self.sku).values_list("quantity", "value").first() or (0, 0)
        return moves["s"] or 0, balances, tuple(Decimal(c) for c in cost)


class TestOtherReceiptConformance(StockSnapshot, DocumentConformance):
    doc_type = OTHER_RECEIPT

    @pytest.fixture
    def make_draft(self, db):
        self.sku, wh = SkuFactory(), WarehouseFactory()
        put(self.sku, wh, 4, cost="10.00")
        return lambda actor: services.document_create(
            doc_type=self.doc_type, actor=actor, header={"warehouse": wh.pk},
            lines=[{"sku": self.sku.pk, "quantity": "3", "unit_cost": "13.30"}])


class TestOtherIssueConformance(StockSnapshot, DocumentConformance):
    doc_type = OTHER_ISSUE

    @pytest.fixture
    def make_draft(self, db):
        self.sku, wh = SkuFactory(), WarehouseFactory()
        put(self.sku, wh, 1000, cost="7.77")
        return lambda actor: services.document_create(
            doc_type=self.doc_type, actor=actor, header={"warehouse": wh.pk},
            lines=[{"sku": self.sku.pk, "quantity": "3"}])


class TestTransferOrderConformance(StockSnapshot, DocumentConformance):
    doc_type = TRANSFER

    @pytest.fixture
    def make_draft(self, db):
        self.sku, source, target = SkuFactory(), WarehouseFactory(), WarehouseFactory()
        put(self.sku, source, 1000, cost="3.33")
        return lambda actor: services.document_create(
            doc_type=self.doc_type, actor=actor, header={"from_warehouse": source.pk, "to_warehouse": target.pk},
            lines=[{"sku": self.sku.pk, "quantity": "7"}])


class TestStockTakeConformance(StockSnapshot, DocumentConformance):
    doc_type = STOCKTAKE

    @pytest.fixture
    def make_draft(self, db):
        self.sku, wh = SkuFactory(), WarehouseFactory()
        put(self.sku, wh, 10, cost="5.55")
        return lambda actor: services.document_create(
            doc_type=self.doc_type, actor=actor, header={"warehouse": wh.pk},
            lines=[{"sku": self.sku.pk, "quantity": "7"}])
