from decimal import Decimal

import pytest
from django.db.models import Sum

from shopflow.core.testing import DocumentConformance
from shopflow.inventory.models import StockMove
from tests.factories import SkuFactory, SupplierFactory, WarehouseFactory, make_purchase_order


class TestPurchaseOrderConformance(DocumentConformance):
    doc_type = "purchasing.purchaseorder"

    @pytest.fixture
    def make_draft(self, db):
        sku, supplier, wh = SkuFactory(), SupplierFactory(), WarehouseFactory()
        return lambda actor: make_purchase_order(actor=actor, supplier=supplier, warehouse=wh,
                                                 lines=[(sku, Decimal("5"), Decimal("9.90"))])


class TestPurchaseReceiptConformance(DocumentConformance):
    doc_type = "purchasing.purchasereceipt"

    @pytest.fixture
    def make_draft(self, db):
        from shopflow.core import services

        sku, supplier, wh = SkuFactory(), SupplierFactory(), WarehouseFactory()

        def make(actor):
            return services.document_create(
                doc_type=self.doc_type, actor=actor, header={"supplier": supplier.pk, "warehouse": wh.pk},
                lines=[{"sku": sku.pk, "quantity": "3", "unit_cost": "9.90"}],
            )

        return make

    def effect_snapshot(self, doc):
        moves = StockMove.objects.filter(origin_type=self.doc_type, origin_id=doc.pk)
        return moves.aggregate(s=Sum("quantity"))["s"] or 0
