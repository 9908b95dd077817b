"""The automatic review after an import (channels.services.orders_intake): a shop with auto review
on has the orders an import created or updated reviewed at once — paid clean orders with stock
approved, orders with a buyer message (or short of stock) held — by the import page's job, the
import-orders command and the push API, each saying how many it approved and held. With auto
review off the orders wait for review. Orders the import did not bring are left alone, and a
review that fails keeps the imported orders."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client

from shopflow.channels import services, tasks
from shopflow.channels.generic import read_generic
from shopflow.channels.models import Shop
from shopflow.core.errors import DomainError
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.tokens import api_token_create
from shopflow.inventory.services import MoveSpec, stock_post
from shopflow.partners.models import Courier
from shopflow.sales.models import OnlineOrder, OrderFlag, OrderState
from tests.factories import SkuFactory, WarehouseFactory

URL = "/orders/import/"
HEADER = "订单编号,订单状态,收货人,手机,收货地址,付款时间,商家编码,数量,单价,实付金额,买家留言\n"
ADDRESS = "浙江省杭州市西湖区文三路90号"
# G1 paid, clean → approved; G2 paid with a buyer message → held (red flag); G3 unpaid → waits for
# payment; G4 an unknown item code → held by the intake; G5 more than the stock → held, no stock.
SHEET = HEADER + "".join([
    f"G1,已付款,李雷,13900139000,{ADDRESS},2026-11-11 00:01:00,TX-BLK-M,2,29.50,59.00,\n",
    f"G2,已付款,韩梅梅,13900139001,{ADDRESS},2026-11-11 00:02:00,TX-BLK-M,1,29.50,29.50,请发顺丰\n",
    f"G3,待付款,王五,13900139002,{ADDRESS},,TX-BLK-M,1,29.50,0,\n",
    f"G4,已付款,赵六,13900139003,{ADDRESS},2026-11-11 00:03:00,GONE-1,1,29.50,29.50,\n",
    f"G5,已付款,孙七,13900139004,{ADDRESS},2026-11-11 00:04:00,TX-WHT-L,50,29.50,1475.00,\n",
])


@pytest.fixture
def shop(db):
    wh = WarehouseFactory(code="WH-A", name="成品仓A")
    courier, _created = Courier.objects.get_or_create(code="STO", defaults={"name": "申通快递"})
    for code in ("TX-BLK-M", "TX-WHT-L"):
        sku = SkuFactory(code=code)
        stock_post(moves=[MoveSpec(sku.pk, wh.pk, Decimal(10), unit_cost=Decimal("30"))],
                   origin_type="tests.opening", origin_id=sku.pk, actor=None)
    return Shop.objects.create(code="GW01", name="官网", platform="own_site", warehouse=wh,
                               default_courier=courier, auto_review=True)


@pytest.fixture
def cs(role_user):
    return role_user("customer_service", "cs-1")


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def states() -> dict[str, str]:
    return dict(OnlineOrder.objects.values_list("platform_order_no", "state"))


def assert_reviewed() -> None:
    assert states() == {"G1": OrderState.APPROVED, "G2": OrderState.HELD, "G3": OrderState.AWAITING_PAYMENT,
                        "G4": OrderState.HELD, "G5": OrderState.HELD}
    g2 = OnlineOrder.objects.get(platform_order_no="G2")
    assert [h["code"] for h in g2.holds] == ["buyer_message"] and g2.flag == OrderFlag.RED
    assert [h["code"] for h in OnlineOrder.objects.get(platform_order_no="G4").holds] == ["unknown_sku"]
    assert [h["code"] for h in OnlineOrder.objects.get(platform_order_no="G5").holds] == ["no_stock"]
    # Reviewed by the system (the shop's setting), recorded as such.
    events = AuditEvent.objects.filter(doc_type="sales.onlineorder", action="auto_review")
    assert sorted(events.values_list("to_state", flat=True)) == ["approved", "held", "held"]
    assert all(e.actor_id is None for e in events)


def upload(client, shop, content: bytes, **data):
    return client.post(URL, {"shop": shop.pk, "format": "generic",
                             "orders_file": SimpleUploadedFile("官网订单.csv", content), **data}, follow=True)


# ---------------------------------------------------------------- the import page's job


def test_the_job_reviews_what_it_imported_and_says_so(shop, cs, client_of):
    page = upload(client_of(cs), shop, SHEET.encode()).content.decode()
    assert_reviewed()
    job = ImportJob.objects.latest("id")
    summary = job.summary
    assert (summary["created"], summary["held"], summary["auto_reviewed"], summary["auto_approved"],
            summary["auto_held"], summary["review_problem"]) == (5, 1, True, 1, 2, "")
    assert 'id="sf-import-review" data-approved="1" data-held="2"' in page
    assert 'data-count="auto_approved">1<' in page and 'data-count="auto_held">2<' in page
    assert 'id="sf-import-held"' in page  # the link to the held orders


def test_auto_review_off_leaves_the_orders_to_review(shop, cs, client_of):
    shop.auto_review = False
    shop.save()
    page = upload(client_of(cs), shop, SHEET.encode()).content.decode()
    assert states() == {"G1": OrderState.TO_REVIEW, "G2": OrderState.TO_REVIEW, "G3": OrderState.AWAITING_PAYMENT,
                        "G4": OrderState.HELD, "G5": OrderState.TO_REVIEW}
    assert not AuditEvent.objects.filter(action="auto_review").exists()
    summary = ImportJob.objects.latest("id").summary
    assert (summary["auto_review"], summary["auto_reviewed"], summary["auto_approved"], summary["auto_held"]) == (
        False, False, 0, 0)
    assert 'id="sf-import-review"' in page and 'data-count="auto_approved"' not in page


def test_a_queued_job_reviews_in_the_worker(shop, cs, client_of, settings, monkeypatch,
                                            django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 100}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_of(cs), shop, SHEET.encode())
    job = ImportJob.objects.latest("id")
    assert job.status == ImportJob.Status.QUEUED and not OnlineOrder.objects.exists()
    seen = []
    real = tasks._reviewing
    monkeypatch.setattr(tasks, "_reviewing",
                        lambda job_id: (real(job_id), seen.append(ImportJob.objects.get(pk=job_id).phase)))
    tasks.run_order_import.call(job.pk)
    assert seen == ["review"]  # the page says "reviewing" while the review runs
    assert_reviewed()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.phase == "" and job.summary["auto_approved"] == 1


def test_only_the_orders_of_this_import_are_reviewed(shop, cs, client_of):
    # An order already waiting (imported before the shop turned auto review on) is not touched.
    shop.auto_review = False
    shop.save()
    earlier = "订单编号,订单状态,收货地址,付款时间,商家编码,数量\n" \
              f"OLD-1,已付款,{ADDRESS},2026-11-10 09:00:00,TX-BLK-M,1\n"
    services.orders_intake(shop=shop, result=read_generic(earlier.encode(), "earlier.csv"), actor=cs)
    shop.auto_review = True
    shop.save()
    upload(client_of(cs), shop, SHEET.encode())
    assert states()["OLD-1"] == OrderState.TO_REVIEW and states()["G1"] == OrderState.APPROVED


def test_an_update_is_reviewed_once_it_is_paid(shop, cs):
    unpaid = HEADER + f"P1,待付款,李雷,13900139000,{ADDRESS},,TX-BLK-M,1,29.50,0,\n"
    summary = services.orders_intake(shop=shop, result=read_generic(unpaid.encode(), "a.csv"), actor=cs)
    assert summary.auto_reviewed and (summary.auto_approved, summary.auto_held) == (0, 0)
    assert states() == {"P1": OrderState.AWAITING_PAYMENT}
    paid = HEADER + f"P1,已付款,李雷,13900139000,{ADDRESS},2026-11-11 00:05:00,TX-BLK-M,1,29.50,29.50,\n"
    summary = services.orders_intake(shop=shop, result=read_generic(paid.encode(), "b.csv"), actor=cs)
    assert (summary.updated, summary.auto_approved) == (1, 1) and states() == {"P1": OrderState.APPROVED}
    again = services.orders_intake(shop=shop, result=read_generic(paid.encode(), "b.csv"), actor=cs)
    assert (again.unchanged, again.auto_reviewed, again.auto_approved) == (1, False, 0)  # nothing new to review


@pytest.mark.parametrize("failure", [DatabaseError("deadlock detected"),
                                     DomainError("review_refused", "no review today")])
def test_a_review_that_fails_keeps_the_imported_orders(shop, cs, client_of, monkeypatch, failure):
    def broken(**kwargs):
        raise failure

    monkeypatch.setattr(services, "orders_auto_review", broken)
    page = upload(client_of(cs), shop, SHEET.encode()).content.decode()
    job = ImportJob.objects.latest("id")
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 5
    assert job.summary["auto_reviewed"] is False and job.summary["review_problem"]
    assert 'class="text-danger" id="sf-import-review"' in page
    assert states()["G1"] == OrderState.TO_REVIEW and OnlineOrder.objects.count() == 5
    if isinstance(failure, DomainError):
        assert "no review today" in job.summary["review_problem"]
    else:
        assert "deadlock" not in job.summary["review_problem"]  # internals go to the log only


# ---------------------------------------------------------------- the command and the API


def run_command(path, *extra) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_orders", "--format", "generic", "--shop", "GW01", "--no-progress", *extra, str(path),
                 stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_reviews_and_prints_the_counts(shop, tmp_path):
    path = tmp_path / "官网.csv"
    path.write_text(SHEET, encoding="utf-8")
    out, _err = run_command(path)
    assert "5 created" in out and "Automatic review: 1 approved, 2 held." in out
    assert_reviewed()


def test_the_command_says_when_auto_review_is_off(shop, tmp_path):
    shop.auto_review = False
    shop.save()
    path = tmp_path / "官网.csv"
    path.write_text(SHEET, encoding="utf-8")
    out, _err = run_command(path)
    assert "Automatic review is off" in out and states()["G1"] == OrderState.TO_REVIEW


def push_body(*orders):
    return {"orders": [{"order_no": no, "status": "paid", "receiver_name": "李雷", "paid_amount": "59.00",
                        "receiver_address": ADDRESS, "receiver_mobile": "13900139000", "buyer_message": message,
                        "paid_at": "2026-11-11T00:01:00+08:00",
                        "lines": [{"title": "T恤", "sku_code": "TX-BLK-M", "quantity": "1", "price": "29.50"}]}
                       for no, message in orders]}


def test_the_push_api_reviews_and_answers_the_counts(shop, role_user):
    _token, key = api_token_create(user=role_user("operations", "ops"), name="t")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    response = client.post("/api/v1/channels/shops/GW01/orders",
                           json.dumps(push_body(("A1", ""), ("A2", "周末不在家"))), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0, "held": 0, "auto_reviewed": True,
                               "auto_approved": 1, "auto_held": 1, "review_problem": ""}
    assert states() == {"A1": OrderState.APPROVED, "A2": OrderState.HELD}
