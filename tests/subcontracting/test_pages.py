"""The subcontracting pages: reconciliation (and closing from it), the order PDF with its issue
list, tooling on loan, processing fees; each refused to a role that may not see it."""

import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from shopflow.core import services
from shopflow.subcontracting.models import MaterialIssueList
from tests.subcontracting.conftest import LOAN, RECEIPT, TRANSFER, approve, make_order


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def flow(setup, cast):
    order = approve(make_order(setup, cast.planner, 10, planner_number="JH-9"), cast.planner, cast.manager)
    issue_list = approve(MaterialIssueList.objects.get(order=order), cast.planner, cast.planner)
    approve(services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner),
            cast.planner, cast.keeper)
    approve(services.document_push_down(source=order, target_type=RECEIPT, actor=cast.keeper),
            cast.keeper, cast.keeper2)
    return order


def test_reconciliation_page_and_close(flow, cast):
    page = client_for(cast.planner).get(reverse("web:sub_reconciliation", args=[flow.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ML-JC-01" in html and "12.6" in html and "¥65.00" in html
    assert "Reconciled" in html
    # the planner may not close (approve permission); the manager sees the button and closes
    assert 'data-action="close"' not in html
    manager = client_for(cast.manager)
    page = manager.get(reverse("web:sub_reconciliation", args=[flow.pk]))
    assert 'data-action="close"' in page.content.decode()
    done = manager.post(reverse("web:doc_transition", args=["subcontracting-subcontractorder", flow.pk, "close"]),
                        {"version": flow.version})
    assert done.status_code == 302
    flow.refresh_from_db()
    assert flow.state == "closed"


def test_detail_page_links_and_pdf(flow, cast, tmp_path: Path):
    client = client_for(cast.planner)
    detail = client.get(reverse("web:doc_detail", args=["subcontracting-subcontractorder", flow.pk]))
    html = detail.content.decode()
    assert reverse("web:sub_reconciliation", args=[flow.pk]) in html
    assert reverse("web:sub_order_pdf", args=[flow.pk]) in html
    pdf = client.get(reverse("web:sub_order_pdf", args=[flow.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    target = tmp_path / "order.pdf"
    target.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout \
        if Path("/usr/bin/pdftotext").exists() else ""
    if text:  # the Chinese names come out of the PDF as text
        assert "东莞华艺制衣厂" in text and "精梳棉汗布" in text and "JH-9" in text


def test_tooling_and_fees_pages(flow, setup, cast):
    approve(services.document_create(doc_type=LOAN, actor=cast.keeper, header={
        "subcontractor": setup.factory.pk, "from_warehouse": setup.raw.pk, "due_back": "2026-01-01",
        "doc_date": "2025-12-01"}, lines=[{"sku": setup.stencil.pk, "quantity": "1"}]), cast.keeper, cast.keeper2)
    tooling = client_for(cast.keeper).get(reverse("web:sub_tooling"), HTTP_ACCEPT_LANGUAGE="en")
    html = tooling.content.decode()
    assert "GZ-GW-01" in html and "table-danger" in html  # overdue since January
    fees = client_for(cast.finance).get(reverse("web:sub_fees"))
    assert "¥65.00" in fees.content.decode()


@pytest.mark.parametrize("role", ["customer_service", "designer", "legal"])
def test_pages_refused_to_roles_without_access(flow, role_user, role):
    client = client_for(role_user(role, f"{role}-x"))
    for url in (reverse("web:sub_reconciliation", args=[flow.pk]), reverse("web:sub_order_pdf", args=[flow.pk]),
                reverse("web:sub_tooling"), reverse("web:sub_fees")):
        assert client.get(url).status_code == 403, url


def test_pages_need_login(flow):
    response = Client().get(reverse("web:sub_fees"))
    assert response.status_code == 302 and "/login/" in response["Location"]

