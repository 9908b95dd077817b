"""shopflow demo: idempotent, real documents through the services, a ledger that verifies."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink
from shopflow.core.roles import ROLE_CODES
from shopflow.core.selectors import audit_events, change_records, line_remaining, trace_down, trace_up
from shopflow.core.states import DocState
from shopflow.demo import data
from shopflow.inventory.models import StockBalance, StockMove, Warehouse
from shopflow.inventory.selectors import stock_differences
from shopflow.partners.models import Supplier
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt

pytestmark = pytest.mark.django_db

COUNTED = (User, Supplier, Warehouse, Sku, PurchaseOrder, PurchaseReceipt, AuditEvent, ChangeRecord,
           DocumentLink, StockMove, StockBalance)


def run_demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


@pytest.fixture
def demo():
    return run_demo()


def test_running_twice_creates_nothing_new(demo):
    first = counts()
    assert first["PurchaseOrder"] >= 5 and first["PurchaseReceipt"] >= 4 and first["Sku"] >= 20
    output = run_demo()
    assert counts() == first
    assert "nothing new" in output or "没有" in output


def test_prints_every_demo_user_with_role_labels_and_password(demo):
    for code in ROLE_CODES:
        assert f"| {code} " in demo
    assert "| admin " in demo
    assert data.DEMO_PASSWORD in demo
    assert "店长" in demo and "Shop manager" in demo


def test_one_user_per_role_who_can_log_in(demo):
    for code in ROLE_CODES:
        user = User.objects.get(username=code)
        assert list(user.groups.values_list("name", flat=True)) == [code]
        assert not user.is_superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    client = Client()
    assert client.login(username="purchasing", password=data.DEMO_PASSWORD)


def test_documents_in_every_state(demo):
    assert set(PurchaseOrder.objects.values_list("state", flat=True)) == set(DocState.values)
    assert set(PurchaseReceipt.objects.values_list("state", flat=True)) >= {
        DocState.DRAFT, DocState.SUBMITTED, DocState.APPROVED, DocState.CANCELLED}


def test_every_document_has_a_real_audit_trail(demo):
    docs = list(PurchaseOrder.objects.all()) + list(PurchaseReceipt.objects.all())
    for doc in docs:
        actions = list(audit_events(doc).values_list("action", flat=True))
        assert actions and actions[0] == "create", doc
        if doc.state in (DocState.APPROVED, DocState.CLOSED):
            assert "approve" in actions, doc
            # Segregation of duties held: someone else approved.
            assert doc.approved_by_id and doc.approved_by_id != doc.created_by_id, doc
            assert doc.number, doc


def test_history_includes_unapprove_change_record_and_cancellation(demo):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"create", "edit", "submit", "approve", "unapprove", "cancel", "close", "change", "pushdown"} <= actions
    changed = PurchaseOrder.objects.get(pk=ChangeRecord.objects.get().doc_id)
    assert change_records(changed).get().reason


def test_partial_receipts_leave_quantities_to_receive(demo):
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


def test_stock_was_posted_and_verifies(demo):
    fg = Warehouse.objects.get(code="FG01")
    assert StockBalance.objects.get(warehouse=fg, sku__code="TX2401-BLK-M").on_hand == 200
    assert stock_differences() == []
    out = StringIO()
    call_command("verify_stock", stdout=out)
    assert "OK" in out.getvalue()


def test_refuses_to_touch_a_real_user_with_a_demo_name():
    User.objects.create_user("manager", email="boss@example.com", password="x-real-password")
    with pytest.raises(CommandError, match="manager"):
        run_demo()
    assert not Supplier.objects.exists()
    assert User.objects.get(username="manager").check_password("x-real-password")


def test_busy_port_is_reported_before_any_work(busy_port):
    with pytest.raises(CommandError, match=str(busy_port)):
        call_command("demo", addr=f"127.0.0.1:{busy_port}", stdout=StringIO())
    assert not PurchaseOrder.objects.exists()
