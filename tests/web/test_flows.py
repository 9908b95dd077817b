"""The generic pages at work: create, edit with errors in the right place, list tools,
bulk results, push-down and change records."""

from decimal import Decimal

import pytest
from django.test import override_settings

from shopflow.core.models import ChangeRecord
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt
from tests.factories import SkuFactory, SupplierFactory
from tests.web.conftest import PO, PR


def order_form(supplier, warehouse, lines, **header):
    data = {"supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": "2026-01-05", "remarks": "",
            "expected_date": "", **header}
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def test_create_saves_a_draft_and_shows_it(buyer, client_of, supplier, warehouse, sku):
    client = client_of(buyer)
    response = client.post(f"/d/{PO}/new/", order_form(supplier, warehouse, [
        {"sku": sku.pk, "quantity": "12", "unit_price": "3.5"},
        {"sku": "", "quantity": "", "unit_price": ""},  # an untouched empty row is ignored
    ], remarks="首单"))
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/d/{PO}/{po.pk}/"
    assert (po.state, po.remarks, po.created_by) == ("draft", "首单", buyer)
    assert [(line.quantity, line.unit_price) for line in po.lines.all()] == [(Decimal("12"), Decimal("3.5"))]
    page = client.get(response["Location"]).content.decode()
    assert "¥42.00" in page and "2026-01-05" in page


def test_errors_are_shown_next_to_the_right_line_and_field(buyer, client_of, supplier, warehouse, sku):
    response = client_of(buyer).post(f"/d/{PO}/new/", order_form(supplier, warehouse, [
        {"sku": sku.pk, "quantity": "1", "unit_price": "1"},
        {"sku": sku.pk, "quantity": "2", "unit_price": "1"},
        {"sku": sku.pk, "quantity": "-3", "unit_price": "1"},
    ], expected_date="2025-01-01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="lines[2].quantity"' in page  # row 3 on screen
    assert 'data-error-for="lines[0].quantity"' not in page
    assert 'name="lines-2-quantity" value="-3"' in page  # what was typed is kept
    assert PurchaseOrder.objects.count() == 0


def test_header_errors_are_shown_at_the_field(buyer, client_of, supplier, warehouse, sku):
    response = client_of(buyer).post(f"/d/{PO}/new/", order_form(supplier, warehouse, [
        {"sku": sku.pk, "quantity": "1", "unit_price": "1"}], expected_date="2025-01-01"))
    assert response.status_code == 400
    assert 'data-error-for="header.expected_date"' in response.content.decode()


def test_a_document_without_lines_is_refused_with_a_message(buyer, client_of, supplier, warehouse):
    response = client_of(buyer).post(f"/d/{PO}/new/", order_form(supplier, warehouse, []))
    assert response.status_code == 400
    assert "至少需要一行" in response.content.decode()


def test_add_line_without_javascript_adds_an_empty_row(buyer, client_of, supplier, warehouse, sku):
    data = order_form(supplier, warehouse, [{"sku": sku.pk, "quantity": "1", "unit_price": "1"}])
    response = client_of(buyer).post(f"/d/{PO}/new/", {**data, "add_line": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="lines-1-quantity"' in page and PurchaseOrder.objects.count() == 0


def test_edit_updates_adds_and_removes_lines(make_po, author, client_of, supplier, warehouse):
    po = make_po("draft")
    old = po.lines.get()
    other = SkuFactory()
    response = client_of(author).post(f"/d/{PO}/{po.pk}/edit/", {
        **order_form(supplier, warehouse, [
            {"id": old.pk, "sku": old.sku_id, "quantity": "7", "unit_price": "12.50", "DELETE": "on"},
            {"sku": other.pk, "quantity": "4", "unit_price": "9"},
        ]), "version": po.version,
    })
    assert response.status_code == 302
    assert [(line.sku_id, line.quantity) for line in po.lines.all()] == [(other.pk, Decimal("4"))]


def test_edit_with_a_stale_version_is_refused(make_po, author, client_of, supplier, warehouse):
    po = make_po("draft")
    line = po.lines.get()
    response = client_of(author).post(f"/d/{PO}/{po.pk}/edit/", {
        **order_form(supplier, warehouse, [{"id": line.pk, "sku": line.sku_id, "quantity": "9",
                                            "unit_price": "1"}]), "version": po.version - 1 or 99,
    })
    assert response.status_code == 400
    assert "其他人刚刚修改" in response.content.decode()


def test_edit_of_an_approved_document_sends_to_the_detail_page(make_po, manager, client_of):
    po = make_po("approved")
    response = client_of(manager).get(f"/d/{PO}/{po.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/d/{PO}/{po.pk}/"


def test_list_filters_searches_and_sorts(make_po, manager, client_of):
    first = make_po("draft", remarks="红色样衣")
    second = make_po("submitted", remarks="蓝色大货", partner=SupplierFactory(name="宁波织造"))
    client = client_of(manager)

    def numbers(**params):
        page = client.get(f"/d/{PO}/", params).content.decode()
        return [po.display_number for po in (first, second) if f">{po.display_number}</a>" in page]

    assert numbers(state="submitted") == [second.display_number]
    assert numbers(q="红色") == [first.display_number]
    assert numbers(q="宁波") == [second.display_number]
    assert numbers(supplier="not-a-number") == [first.display_number, second.display_number]
    page = client.get(f"/d/{PO}/", {"o": "-doc_date"}).content.decode()
    assert 'aria-sort="descending"' in page


@override_settings(SHOPFLOW={"LIST_PAGE_SIZE": 2})
def test_list_paginates(make_po, manager, client_of):
    for _ in range(5):
        make_po("draft")
    client = client_of(manager)
    page1 = client.get(f"/d/{PO}/").content.decode()
    assert page1.count('name="ids"') == 2 and "page=2" in page1
    page3 = client.get(f"/d/{PO}/", {"page": 3}).content.decode()
    assert page3.count('name="ids"') == 1


def test_htmx_requests_get_the_same_page(make_po, manager, client_of):
    make_po("draft")
    response = client_of(manager).get(f"/d/{PO}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="sf-results"' in response.content.decode()


def test_bulk_action_reports_each_document(make_po, author, manager, client_of):
    mine = make_po("submitted")  # created by author: the author may not approve it
    theirs = make_po("submitted")
    response = client_of(author).post(f"/d/{PO}/bulk/", {"action": "approve", "ids": [mine.pk, theirs.pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="sf-failed"') == 2  # both were created by the author
    assert "另一个人" in page
    response = client_of(manager).post(f"/d/{PO}/bulk/", {"action": "approve", "ids": [mine.pk, theirs.pk]})
    assert response.content.decode().count('class="sf-ok"') == 2
    assert set(PurchaseOrder.objects.values_list("state", flat=True)) == {"approved"}


def test_bulk_without_selection_goes_back_with_a_warning(manager, client_of):
    response = client_of(manager).post(f"/d/{PO}/bulk/", {"action": "approve", "next": f"/d/{PO}/?state=draft"})
    assert response.status_code == 302 and response["Location"] == f"/d/{PO}/?state=draft"


def test_bulk_refuses_to_redirect_to_another_host(manager, client_of):
    response = client_of(manager).post(f"/d/{PO}/bulk/", {"action": "approve", "next": "https://evil.example/"})
    assert response["Location"] == f"/d/{PO}/"


def test_transition_with_reason_and_its_confirmation_page(make_po, manager, client_of):
    po = make_po("approved")
    client = client_of(manager)
    confirm = client.get(f"/d/{PO}/{po.pk}/do/unapprove/")
    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    refused = client.post(f"/d/{PO}/{po.pk}/do/unapprove/", {"reason": ""}, follow=True)
    assert "必须填写原因" in refused.content.decode()
    po.refresh_from_db()
    assert po.state == "approved"
    client.post(f"/d/{PO}/{po.pk}/do/unapprove/", {"reason": "单价错了", "version": po.version})
    po.refresh_from_db()
    assert po.state == "draft"
    page = client.get(f"/d/{PO}/{po.pk}/").content.decode()
    assert "单价错了" in page and "反审核" in page


def test_unknown_action_is_404(make_po, manager, client_of):
    po = make_po("draft")
    assert client_of(manager).post(f"/d/{PO}/{po.pk}/do/explode/").status_code == 404


def test_push_down_defaults_to_remaining_and_refuses_too_much(make_po, manager, client_of):
    po = make_po("approved")
    line = po.lines.get()
    client = client_of(manager)
    form = client.get(f"/d/{PO}/{po.pk}/push/{PR}/").content.decode()
    assert f'name="qty-{line.pk}" value="10"' in form
    too_much = client.post(f"/d/{PO}/{po.pk}/push/{PR}/", {f"qty-{line.pk}": "11"})
    assert too_much.status_code == 400 and "只剩 10" in too_much.content.decode()
    assert PurchaseReceipt.objects.count() == 0
    done = client.post(f"/d/{PO}/{po.pk}/push/{PR}/", {f"qty-{line.pk}": "6"})
    receipt = PurchaseReceipt.objects.get()
    assert done["Location"] == f"/d/{PR}/{receipt.pk}/"
    detail = client.get(f"/d/{PO}/{po.pk}/").content.decode()
    assert f'href="/d/{PR}/{receipt.pk}/"' in detail  # trace down
    assert client.get(f"/d/{PO}/{po.pk}/push/{PR}/").content.decode().count('value="4"') == 1
    receipt_page = client.get(f"/d/{PR}/{receipt.pk}/").content.decode()
    assert f'href="/d/{PO}/{po.pk}/"' in receipt_page  # trace up


def test_push_to_an_unrelated_type_is_404(make_po, manager, client_of):
    po = make_po("approved")
    assert client_of(manager).get(f"/d/{PO}/{po.pk}/push/{PO}/").status_code == 404


def test_change_record_on_an_approved_document(make_po, manager, client_of):
    po = make_po("approved")
    client = client_of(manager)
    assert 'id="sf-change-form"' in client.get(f"/d/{PO}/{po.pk}/").content.decode()
    missing_reason = client.post(f"/d/{PO}/{po.pk}/change/", {"remarks": "新备注", "version": po.version})
    assert missing_reason.status_code == 400 and "必须填写原因" in missing_reason.content.decode()
    client.post(f"/d/{PO}/{po.pk}/change/", {"remarks": "新备注", "expected_date": "", "reason": "供应商要求",
                                             "version": po.version})
    record = ChangeRecord.objects.get()
    assert record.reason == "供应商要求" and record.changes["remarks"][1] == "新备注"
    page = client.get(f"/d/{PO}/{po.pk}/").content.decode()
    assert "供应商要求" in page and "新备注" in page


def test_drafts_have_no_change_form(make_po, manager, client_of):
    po = make_po("draft")
    assert 'id="sf-change-form"' not in client_of(manager).get(f"/d/{PO}/{po.pk}/").content.decode()


@pytest.mark.parametrize("role, expected", [("manager", "审核"), ("purchasing", "提交")])
def test_home_lists_what_awaits_the_user(role, expected, role_user, client_of, make_po, supplier, warehouse,
                                         sku):
    make_po("submitted")
    user = role_user(role)
    if role == "purchasing":
        from tests.factories import make_purchase_order

        make_purchase_order(actor=user, supplier=supplier, warehouse=warehouse, lines=[(sku, 1, 1)])
    page = client_of(user).get("/").content.decode()
    assert "待我处理" in page and f"<span class=\"fw-semibold\">{expected}</span>" in page


def test_home_chart_has_fourteen_days_of_real_counts(make_po, manager, client_of):
    make_po("draft")
    make_po("draft")
    response = client_of(manager).get("/")
    chart = response.context["chart"]
    assert len(chart["days"]) == 14
    orders = next(s for s in chart["series"] if s["name"] == "采购订单")
    assert orders["data"][-1] == 2 and sum(orders["data"]) == 2


def test_empty_rows_of_the_new_page_carry_no_defaults(buyer, client_of):
    """A blank row showing unit price 0 would be posted back as a half-filled line."""
    page = client_of(buyer).get(f"/d/{PO}/new/").content.decode()
    assert 'name="lines-0-unit_price" value="0"' not in page
    assert 'name="lines-0-unit_price"' in page


def test_push_down_menu_disappears_when_nothing_remains(make_po, manager, client_of):
    po = make_po("approved")
    line = po.lines.get()
    client = client_of(manager)
    client.post(f"/d/{PO}/{po.pk}/push/{PR}/", {f"qty-{line.pk}": "10"})
    assert 'data-action="pushdown"' not in client.get(f"/d/{PO}/{po.pk}/").content.decode()
