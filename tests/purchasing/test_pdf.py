"""The purchase order PDF: linked from the detail page, Chinese text in it, refused to roles
that may not view purchase orders."""

import subprocess
from pathlib import Path

from django.test import Client
from django.urls import reverse


def test_purchase_order_pdf(approved_po, buyer, role_user, tmp_path):
    client = Client()
    client.force_login(buyer)
    detail = client.get(reverse("web:doc_detail", args=["purchasing-purchaseorder", approved_po.pk]))
    url = reverse("web:purchasing_order_pdf", args=[approved_po.pk])
    assert url in detail.content.decode()
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if Path("/usr/bin/pdftotext").exists():
        (tmp_path / "po.pdf").write_bytes(pdf.content)
        text = subprocess.run(["pdftotext", str(tmp_path / "po.pdf"), "-"], capture_output=True, text=True).stdout
        assert approved_po.supplier.name in text and approved_po.number in text
    designer = Client()
    designer.force_login(role_user("designer", "d2"))
    assert designer.get(url).status_code == 403
