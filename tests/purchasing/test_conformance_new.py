"""The framework's conformance suite for the purchasing documents added in issue 4."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from shopflow.core import services
from shopflow.core.testing import DocumentConformance
from shopflow.inventory.models import StockMove
from shopflow.inventory.services import MoveSpec, stock_post
from tests.factories import SkuFactory, SupplierFactory, WarehouseFactory
from tests.purchasing.conftest import PR, REQ, RT, days


class TestPurchaseRequisitionConformance(DocumentConformance):
    doc_type = REQ

    @pytest.fixture
    def make_draft(self, db):
        sku = SkuFactory()

        def make(actor):
            return services.document_create(doc_type=self.doc_type, actor=actor, header={"department": "planning"},
                                            lines=[{"sku": sku.pk, "quantity": "5",
                                                    "required_date": days(3).isoformat()}])

        return make


class TestPurchaseReturnConformance(DocumentConformance):
    doc_type = RT

    @pytest.fixture
    def make_draft(self, db):
        sku, supplier, wh = SkuFactory(), SupplierFactory(), WarehouseFactory()
        stock_post(moves=[MoveSpec(sku_id=sku.pk, warehouse_id=wh.pk, quantity=Decimal("100"),
                                   unit_cost=Decimal("9"))], origin_type="test.setup", origin_id=1, actor=None)

        def make(actor):
            return services.document_create(
                doc_type=self.doc_type, actor=actor, header={"supplier": supplier.pk, "warehouse": wh.pk},
                lines=[{"sku": sku.pk, "quantity": "3", "unit_cost": "9.90"}],
            )

        return make

    def effect_snapshot(self, doc):
        moves = StockMove.objects.filter(origin_type=self.doc_type, origin_id=doc.pk)
        return moves.aggregate(s=Sum("quantity"))["s"] or 0


class TestQcReceiptConformance(DocumentConformance):
    """A receipt that rejects part of the goods: both postings are reversed by un-approve."""

    doc_type = PR

    @pytest.fixture
    def make_draft(self, db):
        sku, supplier, wh = SkuFactory(), SupplierFactory(), WarehouseFactory()
        bad = WarehouseFactory(kind="defective")

        def make(actor):
            return services.document_create(
                doc_type=self.doc_type, actor=actor,
                header={"supplier": supplier.pk, "warehouse": wh.pk, "defective_warehouse": bad.pk, "freight": "8"},
                lines=[{"sku": sku.pk, "quantity": "5", "rejected_quantity": "2", "unit_cost": "9.90"}],
            )

        return make

    def effect_snapshot(self, doc):
        moves = StockMove.objects.filter(origin_type=self.doc_type, origin_id=doc.pk)
        per_warehouse = moves.values("warehouse_id").annotate(s=Sum("quantity")).values_list("warehouse_id", "s")
        return sorted((wh, qty) for wh, qty in per_warehouse if qty)
