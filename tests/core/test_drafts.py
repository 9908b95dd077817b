"""Creating and editing drafts: validation names every bad field; only drafts are editable."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.purchasing.models import PurchaseOrder

PO = "purchasing.purchaseorder"


def test_every_bad_field_is_reported_with_its_path(buyer, supplier, sku):
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PO, actor=buyer,
                                 header={"supplier": supplier.pk, "warehouse": 999999, "colour": "red"},
                                 lines=[{"sku": sku.pk, "quantity": "abc"}, {"sku": 999999, "quantity": "-2"}])
    fields = {e.field for e in exc.value.errors}
    assert {"header.warehouse", "header.colour", "lines[0].quantity", "lines[1].sku", "lines[1].quantity"} <= fields
    assert PurchaseOrder.objects.count() == 0


def test_expected_date_before_order_date_is_refused(buyer, supplier, warehouse, sku):
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PO, actor=buyer,
                                 header={"supplier": supplier.pk, "warehouse": warehouse.pk,
                                         "doc_date": "2026-11-22", "expected_date": "2026-11-21"},
                                 lines=[{"sku": sku.pk, "quantity": "1"}])
    assert exc.value.errors[0].field == "header.expected_date"


def test_zero_lines_are_dropped_and_empty_documents_refused(buyer, supplier, warehouse, sku):
    header = {"supplier": supplier.pk, "warehouse": warehouse.pk}
    po = services.document_create(doc_type=PO, actor=buyer, header=header,
                                  lines=[{"sku": sku.pk, "quantity": "0"}, {"sku": sku.pk, "quantity": "2"}])
    assert [(line.line_no, line.quantity) for line in po.lines.all()] == [(1, Decimal("2"))]
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PO, actor=buyer, header=header, lines=[{"sku": sku.pk, "quantity": "0"}])
    assert exc.value.errors[0].field == "lines"


def test_update_draft_adds_updates_and_removes_lines(draft_po, buyer, sku):
    from tests.factories import SkuFactory

    other = SkuFactory()
    kept = draft_po.lines.get()
    services.document_update_draft(
        doc=draft_po, actor=buyer, header={"remarks": "改单"}, expected_version=draft_po.version,
        lines=[{"sku": other.pk, "quantity": "3"}, {"id": kept.pk, "sku": sku.pk, "quantity": "7"}],
    )
    draft_po.refresh_from_db()
    assert [(line.sku_id, line.quantity, line.line_no) for line in draft_po.lines.all()] == [
        (other.pk, Decimal("3"), 1), (sku.pk, Decimal("7"), 2)]
    assert draft_po.version == 2 and draft_po.remarks == "改单"
    services.document_update_draft(doc=draft_po, actor=buyer, header={}, lines=[{"id": kept.pk, "quantity": "1",
                                                                                  "sku": sku.pk}])
    assert draft_po.lines.count() == 1


def test_lines_of_another_document_cannot_be_hijacked(draft_po, approved_po, buyer, sku):
    foreign = approved_po.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=draft_po, actor=buyer, header={},
                                       lines=[{"id": foreign.pk, "sku": sku.pk, "quantity": "1"}])
    assert exc.value.errors[0].code == "unknown_line"
    foreign.refresh_from_db()
    assert foreign.document_id == approved_po.pk


def test_only_drafts_are_editable(approved_po, buyer, sku):
    with pytest.raises(services.DomainError) as exc:
        services.document_update_draft(doc=approved_po, actor=buyer, header={"remarks": "x"},
                                       lines=[{"sku": sku.pk, "quantity": "1"}])
    assert exc.value.code == "not_editable"


def test_stale_edit_is_refused(draft_po, buyer, sku):
    with pytest.raises(services.DomainError) as exc:
        services.document_update_draft(doc=draft_po, actor=buyer, header={}, expected_version=99,
                                       lines=[{"sku": sku.pk, "quantity": "1"}])
    assert exc.value.code == "stale_version"


def test_create_and_edit_need_permission(draft_po, role_user, supplier, warehouse, sku):
    finance = role_user("finance")
    with pytest.raises(PermissionDeniedError):
        services.document_create(doc_type=PO, actor=finance,
                                 header={"supplier": supplier.pk, "warehouse": warehouse.pk},
                                 lines=[{"sku": sku.pk, "quantity": "1"}])
    with pytest.raises(PermissionDeniedError):
        services.document_update_draft(doc=draft_po, actor=finance, header={}, lines=[])
    assert PurchaseOrder.objects.count() == 1


def test_empty_text_for_a_nullable_field_means_no_value(buyer, supplier, warehouse, sku):
    po = services.document_create(doc_type=PO, actor=buyer,
                                  header={"supplier": supplier.pk, "warehouse": warehouse.pk, "expected_date": ""},
                                  lines=[{"sku": sku.pk, "quantity": "1"}])
    po.refresh_from_db()
    assert po.expected_date is None


def test_validate_hooks_see_the_row_the_user_typed(buyer, supplier, warehouse, sku, monkeypatch):
    from shopflow.core import registry
    from shopflow.core.errors import FieldError

    dt = registry.get_type(PO)
    monkeypatch.setattr(dt, "validate", lambda doc, lines: [
        FieldError(f"lines[{line.input_index}].quantity", "too many") for line in lines if line.quantity > 5])
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PO, actor=buyer, header={"supplier": supplier.pk, "warehouse": warehouse.pk},
                                 lines=[{"sku": sku.pk, "quantity": "0"}, {"sku": sku.pk, "quantity": "9"}])
    assert [e.field for e in exc.value.errors] == ["lines[1].quantity"]
