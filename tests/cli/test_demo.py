"""shopflow demo: idempotent, real master data and documents through the services, a catalogue
big enough to try every page, and a ledger that verifies.

The demo is loaded once per class (TestCase.setUpTestData) and each test runs in a savepoint
on top of it: the demo takes seconds, and most tests only read what it made."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, TestCase, override_settings

from shopflow.catalog.barcodes import is_ean13
from shopflow.catalog.models import Bom, BundleLine, Category, ProductKind, Sku, Style, StyleColour
from shopflow.catalog.selectors import bom_explode, bom_totals, category_paths
from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink
from shopflow.core.roles import ROLE_CODES
from shopflow.core.selectors import audit_events, change_records, line_remaining, trace_down, trace_up
from shopflow.core.states import DocState
from shopflow.demo import data
from shopflow.inventory.models import (
    OtherReceipt,
    SafetyStock,
    SkuCost,
    StockBalance,
    StockMove,
    TransferOrder,
    Warehouse,
)
from shopflow.inventory.selectors import low_stock, stock_differences
from shopflow.partners.models import Customer, CustomerKind, Subcontractor, Supplier
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt

COUNTED = (User, Supplier, Customer, Subcontractor, Warehouse, Category, Style, StyleColour, Sku, Bom, BundleLine,
           PurchaseOrder, PurchaseReceipt, OtherReceipt, TransferOrder, SafetyStock, AuditEvent, ChangeRecord,
           DocumentLink, StockMove, StockBalance)


def run_demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


# The demo's users are made once per class, before the per-test fast-hasher fixture applies.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class TestDemo(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo()

    # ------------------------------------------------------------ idempotent

    def test_running_twice_creates_nothing_new(self):
        first = counts()
        assert first["PurchaseOrder"] >= 5 and first["PurchaseReceipt"] >= 4 and first["Sku"] >= 500
        output = run_demo()
        assert counts() == first
        assert "nothing new" in output or "未新建" in output

    def test_first_run_says_what_it_made(self):
        assert "56 款式" in self.output or "56 styles" in self.output
        assert "外协厂" in self.output or "subcontractors" in self.output

    # ------------------------------------------------------------ users

    def test_prints_every_demo_user_with_role_labels_and_password(self):
        for code in ROLE_CODES:
            assert f"| {code} " in self.output
        assert "| admin " in self.output
        assert data.DEMO_PASSWORD in self.output
        assert "店长" in self.output and "Shop manager" in self.output

    def test_one_user_per_role_who_can_log_in(self):
        for code in ROLE_CODES:
            user = User.objects.get(username=code)
            assert list(user.groups.values_list("name", flat=True)) == [code]
            assert not user.is_superuser
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        assert Client().login(username="purchasing", password=data.DEMO_PASSWORD)

    # ------------------------------------------------------------ purchase documents

    def test_documents_in_every_state(self):
        assert set(PurchaseOrder.objects.values_list("state", flat=True)) == set(DocState.values)
        assert set(PurchaseReceipt.objects.values_list("state", flat=True)) >= {
            DocState.DRAFT, DocState.SUBMITTED, DocState.APPROVED, DocState.CANCELLED}

    def test_every_document_has_a_real_audit_trail(self):
        docs = [*PurchaseOrder.objects.all(), *PurchaseReceipt.objects.all(), *OtherReceipt.objects.all(),
                *TransferOrder.objects.all()]
        for doc in docs:
            actions = list(audit_events(doc).values_list("action", flat=True))
            assert actions and actions[0] == "create", doc
            if doc.state in (DocState.APPROVED, DocState.CLOSED):
                assert "approve" in actions, doc
                # Segregation of duties held: someone else approved.
                assert doc.approved_by_id and doc.approved_by_id != doc.created_by_id, doc
                assert doc.number, doc

    def test_history_includes_unapprove_change_record_and_cancellation(self):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"create", "edit", "submit", "approve", "unapprove", "cancel", "close", "change", "pushdown"} <= actions
        changed = PurchaseOrder.objects.get(pk=ChangeRecord.objects.get().doc_id)
        assert change_records(changed).get().reason

    def test_partial_receipts_leave_quantities_to_receive(self):
        po = PurchaseOrder.objects.get(remarks__contains="分批到货")
        remaining = line_remaining(po)
        lines = {line.sku.code: line for line in po.lines.select_related("sku")}
        assert remaining[lines["TX2401-BLK-M"].pk] == 0
        assert remaining[lines["TX2401-WHT-S"].pk] == Decimal(40)
        # The cancelled receipt gave its quantity back.
        assert remaining[lines["TX2401-WHT-XL"].pk] == Decimal(80)
        # Trace down shows the live receipts; the cancelled one still traces up to its order.
        assert {node["doc"].state for node in trace_down(po)} == {DocState.APPROVED, DocState.DRAFT}
        cancelled = PurchaseReceipt.objects.get(state=DocState.CANCELLED)
        assert [node["doc"] for node in trace_up(cancelled)] == [po]

    # ------------------------------------------------------------ catalogue

    def test_at_least_fifty_styles_on_a_category_tree(self):
        assert Style.objects.count() >= 50
        paths = set(category_paths().values())
        assert {"服装/上装/T恤", "服装/上装/卫衣", "服装/上装/衬衫", "服装/上装/外套", "服装/下装/牛仔裤",
                "服装/下装/休闲裤", "服装/下装/半身裙", "服装/连衣裙", "配饰/帽子", "原辅料/面料",
                "原辅料/辅料"} <= paths
        by_leaf = Counter(category_paths()[s.category_id].split("/")[-1] for s in Style.objects.all())
        for leaf in ("T恤", "卫衣", "衬衫", "外套", "牛仔裤", "休闲裤", "半身裙", "连衣裙"):
            assert by_leaf[leaf] >= 3, leaf
        assert {s.kind for s in Style.objects.all()} == {ProductKind.BOUGHT, ProductKind.MADE, ProductKind.OUTSOURCED}

    def test_every_style_is_a_full_colour_size_grid_with_ean13_barcodes(self):
        for style in Style.objects.prefetch_related("colours", "sizes", "skus"):
            colours, sizes = style.colours.count(), style.sizes.count()
            assert 2 <= colours <= 5 and 3 <= sizes <= 6, style
            assert style.skus.count() == colours * sizes, style
        barcodes = list(Sku.objects.filter(style__isnull=False).values_list("barcode", flat=True))
        assert all(is_ean13(b) for b in barcodes) and len(set(barcodes)) == len(barcodes)
        tee = Sku.objects.get(code="TX2403-PNK-L")
        assert (tee.colour, tee.size, tee.style.code, tee.cost, tee.list_price) == (
            "樱花粉", "L", "TX2403", Decimal("25.00"), Decimal("79.00"))
        assert Sku.objects.get(code="WZ2401-BLK-M").unit == "双"

    def test_raw_materials_are_bought_by_the_metre_piece_length_and_roll(self):
        materials = Sku.objects.filter(category__code__in=["YF01", "YF02", "YF03"])
        assert {m.kind for m in materials} == {ProductKind.BOUGHT}
        assert {m.unit for m in materials} == {"米", "个", "条", "卷"}
        assert {m.unit for m in materials.filter(category__code="YF01")} == {"米"}
        assert materials.filter(category__code="YF01").count() >= 10
        for code in ("FL-KZ-18L", "FL-LL-JS4", "FL-ZB-01", "FL-XX-402", "BZ-OPP-3040"):
            assert materials.filter(code=code).exists(), code

    def test_made_and_outsourced_styles_have_boms_with_scrap(self):
        for style in Style.objects.exclude(kind=ProductKind.BOUGHT):
            for sku in style.skus.all():
                bom = Bom.objects.get(product=sku, is_default=True)
                assert bom.lines.exists(), sku
        hoodie = Bom.objects.get(product__code="WY2402-OAT-L").lines.select_related("component")
        fabric = next(line for line in hoodie if line.component.code == "ML-WQ320-OAT")
        assert (fabric.quantity, fabric.scrap_percent) == (Decimal("1.6000"), Decimal("5.0000"))  # L: 2nd of M L XL

    def test_two_level_bom_explodes_to_fabric_and_trims(self):
        jeans = Sku.objects.get(code="NZ2401-MBL-27")
        rows = {r.path[-1]: r for r in bom_explode(sku=jeans, quantity=100)}
        blank = rows["NZ2401P-27"]
        assert (blank.level, blank.has_bom, blank.quantity) == (1, True, Decimal("102.0000"))  # 2 % lost in the wash
        denim = rows["ML-NZ12-IND"]
        # 102 blanks × 1.25 m (size 27) × 1.04 cutting loss
        assert (denim.level, denim.quantity, denim.path) == (2, Decimal("132.6000"),
                                                             ("NZ2401-MBL-27", "NZ2401P-27", "ML-NZ12-IND"))
        totals = {sku.code: qty for sku, qty in bom_totals(sku=jeans, quantity=100)}
        assert "NZ2401P-27" not in totals and totals["FL-MD-9"] == Decimal("630.3600")

    def test_bundles(self):
        lines = BundleLine.objects.filter(bundle__code="TC-TX2401-2M").values_list("component__code", "quantity")
        assert sorted(lines) == [("TX2401-BLK-M", Decimal("1")), ("TX2401-WHT-M", Decimal("1"))]
        assert Sku.objects.filter(kind=ProductKind.BUNDLE).count() >= 3

    # ------------------------------------------------------------ partners and warehouses

    def test_customers_of_every_kind_with_parsed_addresses(self):
        assert set(Customer.objects.values_list("kind", flat=True)) == set(CustomerKind.values)
        for customer in Customer.objects.all():
            assert customer.province and customer.city and customer.district, customer
            assert not customer.address_needs_confirmation, customer
        agent = Customer.objects.get(code="KH0302")
        assert (agent.level, agent.first_order_minimum) == (2, Decimal("6000.00"))
        assert Customer.objects.get(code="KH0101").credit_limit == Decimal("80000.00")
        assert AuditEvent.objects.filter(doc_type="partners.customer", action="create",
                                         actor__username="sales").count() == Customer.objects.count()

    def test_subcontractors_with_categories_and_their_warehouses(self):
        assert Subcontractor.objects.count() == 3
        for sub in Subcontractor.objects.all():
            assert sub.processing_categories.exists(), sub
            assert Warehouse.objects.get(subcontractor=sub).kind == "subcontractor"
        assert set(Subcontractor.objects.get(code="WX003").processing_categories.values_list("code", flat=True)) \
            == {"WASH", "SEW", "DYE"}

    def test_warehouses_of_every_kind(self):
        kinds = Counter(Warehouse.objects.values_list("kind", flat=True))
        assert kinds["raw"] >= 1 and kinds["finished"] >= 1 and kinds["defective"] >= 1 and kinds["samples"] >= 1
        assert kinds["subcontractor"] == 3

    # ------------------------------------------------------------ stock

    def test_opening_stock_through_approved_other_receipts_with_costs(self):
        receipts = OtherReceipt.objects.filter(remarks__startswith=data.MARK)
        assert receipts.count() >= 5 and set(receipts.values_list("state", flat=True)) == {DocState.APPROVED}
        fg = Warehouse.objects.get(code="FG01")
        balance = StockBalance.objects.get(warehouse=fg, sku__code="TX2403-WHT-M")
        moves = StockMove.objects.filter(warehouse=fg, sku__code="TX2403-WHT-M", origin_type="inventory.otherreceipt")
        assert balance.on_hand > 0 and sum(m.quantity for m in moves) == balance.on_hand
        assert SkuCost.objects.get(sku__code="TX2403-WHT-M").average == Decimal("25.00")
        rm = StockBalance.objects.get(warehouse__code="RM01", sku__code="ML-JB180-BLK")
        assert rm.on_hand >= 600 and rm.sku.unit == "米"
        assert StockBalance.objects.get(warehouse__code="SP01", sku__code="LQ2401-BLU-M").on_hand == 1
        assert StockBalance.objects.filter(warehouse__code="DF01", on_hand__gt=0).count() == len(data.DEFECTIVE)

    def test_material_sent_to_the_subcontractor_warehouse(self):
        transfer = TransferOrder.objects.get(remarks__startswith=data.MARK + "牛仔裤坯委外发料")
        assert transfer.state == DocState.APPROVED and transfer.to_warehouse.subcontractor.code == "WX001"
        assert transfer.lines.get(sku__code="ML-NZ12-IND").quantity == 240

    def test_online_orders_imported_with_some_held(self):
        from shopflow.sales.models import OnlineOrder, OrderState

        orders = OnlineOrder.objects.filter(shop__code="TB01")
        assert orders.count() == 200
        held = orders.filter(state=OrderState.HELD)
        assert held.exists() and all(order.holds for order in held)
        # Auto review approved the clean ones; allocation reserved stock; a wave shipped some and handed them over.
        assert orders.filter(state=OrderState.APPROVED, allocation="allocated").count() > 50
        assert orders.filter(state=OrderState.SHIPPED, parcels__state="shipped").count() == 12

    def test_a_wave_shipped_and_handed_over(self):
        from shopflow.fulfilment.models import Handover, Parcel, ParcelState, Wave

        wave = Wave.objects.get()
        assert wave.printed_at and wave.parcels.count() == 30
        shipped = Parcel.objects.filter(state=ParcelState.SHIPPED)
        assert shipped.count() == 12 and all(p.tracking_no and p.weight and p.packed_by for p in shipped)
        handover = Handover.objects.get()
        assert handover.parcel_count == 12 and set(handover.parcels.all()) == set(shipped)

    def test_subcontract_order_half_received(self):
        from shopflow.subcontracting.models import SubcontractOrder
        from shopflow.subcontracting.selectors import order_reconciliation

        order = SubcontractOrder.objects.get(planner_number="JH-DEMO-001")
        rec = order_reconciliation(order)
        assert [(p.ordered, p.received) for p in rec.products] == [(60, 30)]
        fabric = next(m for m in rec.materials if m.sku.code == "ML-NZ12-IND")
        # 60 × 1.3 m with 4 % scrap issued; half of it used by the 30 received
        assert (fabric.listed, fabric.issued, fabric.consumed) == (Decimal("81.12"), Decimal("81.12"),
                                                                   Decimal("40.56"))
        assert rec.fees == Decimal("540.00") and not rec.reconciled

    def test_low_stock_report_has_rows(self):
        rows = low_stock()
        codes = {(r.warehouse_code, r.sku_code) for r in rows}
        assert ("FG01", "TX2403-WHT-M") in codes and ("RM01", "ML-XF-YEL") in codes
        assert all(r.available < r.minimum for r in rows)
        assert SafetyStock.objects.count() == len(data.SAFETY_STOCK) > len(rows)  # some are above their minimum

    def test_stock_was_posted_and_verifies(self):
        fg = Warehouse.objects.get(code="FG01")
        assert StockBalance.objects.get(warehouse=fg, sku__code="TX2401-BLK-M").on_hand == 200
        assert stock_differences() == []
        out = StringIO()
        call_command("verify_stock", stdout=out)
        assert "OK" in out.getvalue()


@pytest.mark.django_db
def test_refuses_to_touch_a_real_user_with_a_demo_name():
    User.objects.create_user("manager", email="boss@example.com", password="x-real-password")
    with pytest.raises(CommandError, match="manager"):
        run_demo()
    assert not Supplier.objects.exists() and not Style.objects.exists()
    assert User.objects.get(username="manager").check_password("x-real-password")


@pytest.mark.django_db
def test_busy_port_is_reported_before_any_work(busy_port):
    with pytest.raises(CommandError, match=str(busy_port)):
        call_command("demo", addr=f"127.0.0.1:{busy_port}", stdout=StringIO())
    assert not PurchaseOrder.objects.exists()
