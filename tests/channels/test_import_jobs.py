"""The order import page as a job with progress (channels.tasks): the upload becomes a job, small
ones run at once, large ones on the task queue; the job's page polls until it is done and then
shows the counts and every problem with file / row / column; re-uploading creates nothing twice;
only people who may import see the page, and only their own jobs. The job has its own page
(/orders/import/<id>/, and problems.xlsx under it); the older ?job=<id> addresses redirect there."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shopflow.channels import services, tasks
from shopflow.channels.models import Shop
from shopflow.channels.taobao import generate_taobao_pair
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
URL = "/orders/import/"
CODES = ["TX-BLK-M", "TX-WHT-L"]


@pytest.fixture
def shop(db):
    for code in CODES:
        SkuFactory(code=code)
    # Without the automatic review: these tests are about the job (the review after an import is
    # tested in test_intake_review.py).
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", auto_review=False)


@pytest.fixture
def ops(role_user):
    return role_user("operations", "ops-1")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pair(n=30, **kwargs) -> tuple[bytes, bytes]:
    return generate_taobao_pair(n, seed=11, sku_codes=CODES, **kwargs)


def upload(client, shop, orders: bytes, items: bytes | None, *, fmt="taobao", follow=True, **extra):
    data = {"shop": shop.pk, "format": fmt, "orders_file": SimpleUploadedFile("订单报表.csv", orders)}
    if items is not None:
        data["items_file"] = SimpleUploadedFile("宝贝报表.csv", items)
    return client.post(URL, data, follow=follow, **extra)


def job_url(job) -> str:
    return reverse("web:order_import_job", args=[job.pk])


def problems_url(job) -> str:
    return reverse("web:order_import_job_problems", args=[job.pk])


def latest_job() -> ImportJob:
    return ImportJob.objects.filter(list_key__startswith=tasks.JOB_PREFIX).latest("id")


def break_cell(data: bytes, row: int, header: str, value: str) -> bytes:
    """The file with one cell (spreadsheet row, header text without spaces) replaced."""
    lines = data.decode("gbk").split("\r\n")
    headers = [h.strip() for h in lines[0].split(",")]
    cells = lines[row - 1].split(",")
    cells[headers.index(header)] = value
    lines[row - 1] = ",".join(cells)
    return "\r\n".join(lines).encode("gbk")


# ---------------------------------------------------------------- the page


def test_upload_becomes_a_finished_job_with_its_summary(shop, ops):
    orders, items = pair(30, unknown_sku_every=7)
    response = upload(client_for(ops), shop, orders, items)
    job = latest_job()
    assert response.redirect_chain == [(f"{URL}{job.pk}/", 302)] == [(job_url(job), 302)]
    assert job.status == ImportJob.Status.DONE and job.created_by == ops and job.content == b""
    assert job.list_key == "orders:taobao" and job.filename == "订单报表.csv + 宝贝报表.csv"
    held = OnlineOrder.objects.filter(shop=shop, state=OrderState.HELD).count()
    assert held > 0
    assert {k: job.summary[k] for k in ("created", "updated", "unchanged", "held", "failed", "orders")} == {
        "created": 30, "updated": 0, "unchanged": 0, "held": held, "failed": 0, "orders": 30}
    assert (job.done, job.total, job.percent) == (30, 30, 100)  # progress reached the total
    page = response.content.decode()
    assert 'id="sf-import-summary"' in page and "hx-trigger" not in page
    assert 'data-count="created">30<' in page and f'data-count="held">{held}<' in page
    assert f"?state=held&amp;shop={shop.pk}" in page
    assert job.summary["auto_review"] is False and job.summary["auto_reviewed"] is False
    assert 'id="sf-import-review"' in page and 'data-count="auto_approved"' not in page  # "review is off"
    assert OnlineOrder.objects.filter(shop=shop).count() == 30
    assert AuditEvent.objects.filter(doc_type="sales.onlineorder", action="import").count() == 30
    # and it is listed on the import page
    assert f'href="{job_url(job)}"' in client_for(ops).get(URL).content.decode()


def test_reupload_creates_nothing_twice(shop, ops):
    orders, items = pair(25)
    client = client_for(ops)
    upload(client, shop, orders, items)
    page = upload(client, shop, orders, items).content.decode()
    job = latest_job()
    assert (job.summary["created"], job.summary["unchanged"], job.summary["updated"]) == (0, 25, 0)
    assert 'data-count="unchanged">25<' in page
    assert OnlineOrder.objects.filter(shop=shop).count() == 25
    assert AuditEvent.objects.filter(doc_type="sales.onlineorder", action="import").count() == 25


def test_problems_are_listed_with_file_row_and_column(shop, ops):
    orders, items = pair(12)
    orders = break_cell(orders, 3, "买家实际支付金额", "<b>八十九</b>")  # hostile text is shown escaped
    items = break_cell(items, 2, "购买数量", "-1")
    page = upload(client_for(ops), shop, orders, items).content.decode()
    job = latest_job()
    assert job.summary["failed"] >= 1 and job.summary["problem_count"] == len(job.errors) >= 2
    amount = next(p for p in job.errors if p["column"] == "买家实际支付金额")
    assert (amount["file"], amount["row"]) == ("订单报表.csv", 3)
    quantity = next(p for p in job.errors if p["column"] == "购买数量")
    assert (quantity["file"], quantity["row"]) == ("宝贝报表.csv", 2)
    assert 'id="sf-import-problems"' in page
    assert "&lt;b&gt;八十九&lt;/b&gt;" in page and "<b>八十九</b>" not in page
    assert "<td class=\"sf-num text-end pe-3\">3</td>" in page and "买家实际支付金额" in page
    assert f'href="{problems_url(job)}"' in page
    created = job.summary["created"]
    assert created == OnlineOrder.objects.filter(shop=shop).count() == 12 - job.summary["failed"]
    # the download has every kept problem, file / row / column / problem
    response = client_for(ops).get(problems_url(job))
    assert response.status_code == 200 and "problems.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(job.errors)
    assert ("订单报表.csv", 3, "买家实际支付金额") in {tuple(r[:3]) for r in rows}


def test_a_file_that_cannot_be_read_reports_where(shop, ops):
    _orders, items = pair(5)
    page = upload(client_for(ops), shop, "订单编号,买家会员名\r\n1,x\r\n".encode("gbk"), items).content.decode()
    job = latest_job()
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 0
    assert {p["column"] for p in job.errors} >= {"订单状态", "收货地址"}
    assert all(p["file"] == "订单报表.csv" and p["row"] == 1 for p in job.errors)
    assert "订单状态" in page and OnlineOrder.objects.count() == 0


def test_taobao_needs_both_files_and_bad_forms_change_nothing(shop, ops):
    orders, _items = pair(5)
    response = upload(client_for(ops), shop, orders, None, follow=False)
    assert response.status_code == 400 and "宝贝报表" in response.content.decode()
    assert not ImportJob.objects.exists() and not OnlineOrder.objects.exists()
    response = client_for(ops).post(URL, {"shop": shop.pk, "format": "nope"})
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_inactive_shop_is_refused(shop, ops):
    orders, items = pair(5)
    other = Shop.objects.create(code="OLD", name="关了的店", active=False)
    response = upload(client_for(ops), other, orders, items, follow=False)
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_files_over_the_limit_are_refused_before_storing(shop, ops, settings):
    settings.SHOPFLOW = {"ORDER_IMPORT_MAX_BYTES": 1024 * 1024}
    orders, items = pair(5)
    response = upload(client_for(ops), shop, orders + b" " * (1024 * 1024), items, follow=False)
    assert response.status_code == 400 and not ImportJob.objects.exists()


# ---------------------------------------------------------------- in the background


def test_a_large_upload_is_queued_and_the_page_polls_until_done(shop, ops, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 1000}
    settings.TASKS = DUMMY
    orders, items = pair(40)
    client = client_for(ops)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = upload(client, shop, orders, items).content.decode()
    assert len(callbacks) == 1
    job = latest_job()
    assert job.status == ImportJob.Status.QUEUED and len(job.content) > len(orders) + len(items)
    assert not OnlineOrder.objects.exists()
    assert 'id="sf-import-progress"' in page and f'hx-get="{job_url(job)}"' in page
    assert 'hx-trigger="every 1s"' in page
    tasks.run_order_import.call(job.pk)  # what a worker does
    poll = client.get(job_url(job), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="sf-import-summary"' in poll and "hx-trigger" not in poll and "<html" not in poll
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and (job.done, job.total) == (40, 40)
    assert OnlineOrder.objects.filter(shop=shop).count() == 40
    assert tasks.order_import_job_run(job.pk) == {}  # a retried task does nothing
    assert OnlineOrder.objects.filter(shop=shop).count() == 40


def test_a_queued_job_words_its_problems_in_the_uploaders_language(shop, ops, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 1000}
    settings.TASKS = DUMMY
    orders, items = pair(12)
    orders = break_cell(orders, 2, "总金额", "八十九")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for(ops), shop, orders, items, HTTP_ACCEPT_LANGUAGE="zh-hans")
    job = latest_job()
    tasks.run_order_import.call(job.pk)  # a worker, whose own language is English here (tests/conftest)
    job.refresh_from_db()
    assert [p["message"] for p in job.errors] == ["“八十九”不是金额（应写作 89.00 这样）。"]


def test_the_immediate_backend_runs_it_in_process(shop, ops, settings, django_capture_on_commit_callbacks):
    """The default backend: the task runs in-process as the job's row commits (in a request
    outside a test transaction that is at once), so the page the upload leads to is finished."""
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 1000}
    orders, items = pair(20)
    assert len(orders) + len(items) > 1000
    client = client_for(ops)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, shop, orders, items, follow=False)
    assert len(callbacks) == 1 and response.status_code == 302
    job = latest_job()
    assert response["Location"] == job_url(job)
    assert job.status == ImportJob.Status.DONE
    page = client.get(response["Location"]).content.decode()
    assert 'id="sf-import-summary"' in page and "hx-trigger" not in page
    assert OnlineOrder.objects.filter(shop=shop).count() == 20


def test_progress_is_saved_batch_by_batch_up_to_the_total(shop, ops, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 7)
    monkeypatch.setattr(tasks, "PROGRESS_SECONDS", 0)
    seen = []
    real = tasks._Progress.__call__

    def spy(self, done, total):
        real(self, done, total)
        job = ImportJob.objects.get(pk=self.job_id)
        seen.append((job.status, job.phase, job.done, job.total, OnlineOrder.objects.count()))

    monkeypatch.setattr(tasks._Progress, "__call__", spy)
    orders, items = pair(30)
    upload(client_for(ops), shop, orders, items)
    assert [s[2] for s in seen] == [7, 14, 21, 28, 30]
    # saved while running, after each batch was written
    assert all(status == ImportJob.Status.RUNNING and phase == "write" and total == 30 and count == done
               for status, phase, done, total, count in seen)
    assert latest_job().percent == 100


def test_a_crash_marks_the_job_failed_and_keeps_whole_batches(shop, ops, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 10)
    real = services._insert_new
    calls = []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_insert_new", crash_on_second)
    orders, items = pair(30)
    with pytest.raises(RuntimeError):
        upload(client_for(ops), shop, orders, items)  # run at once: the request fails like the job
    job = latest_job()
    assert job.status == ImportJob.Status.FAILED and "disk full" in job.message and job.content == b""
    assert OnlineOrder.objects.filter(shop=shop).count() == 10  # the first batch, whole
    monkeypatch.setattr(services, "_insert_new", real)
    page = upload(client_for(ops), shop, orders, items).content.decode()  # the same files again complete it
    assert 'data-count="created">20<' in page and 'data-count="unchanged">10<' in page
    assert OnlineOrder.objects.filter(shop=shop).count() == 30
    failed = client_for(ops).get(job_url(job)).content.decode()
    assert 'id="sf-import-failed"' in failed and "disk full" in failed


def test_a_job_whose_importer_lost_the_permission_fails_without_importing(shop, ops, settings,
                                                                          django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 1000}
    settings.TASKS = DUMMY
    orders, items = pair(10)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for(ops), shop, orders, items)
    job = latest_job()
    ops.groups.clear()
    tasks.run_order_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and not OnlineOrder.objects.exists()


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["designer", "warehouse", "purchasing"])
def test_roles_that_may_not_import_are_refused(shop, role_user, role):
    client = client_for(role_user(role, f"{role}-1"))
    orders, items = pair(5)
    assert client.get(URL).status_code == 403
    assert upload(client, shop, orders, items, follow=False).status_code == 403
    assert not ImportJob.objects.exists() and not OnlineOrder.objects.exists()


def test_the_old_job_addresses_redirect_to_the_jobs_own_page(shop, ops):
    """Bookmarks of /orders/import/?job=<id> (and its download) from before the job had its own page."""
    orders, items = pair(8, unknown_sku_every=3)
    client = client_for(ops)
    upload(client, shop, orders, items)
    job = latest_job()
    old = client.get(URL, {"job": job.pk})
    assert (old.status_code, old["Location"]) == (302, job_url(job))
    old_download = client.get(URL, {"job": job.pk, "download": "problems"})
    assert (old_download.status_code, old_download["Location"]) == (302, problems_url(job))
    assert "problems.xlsx" in client.get(old_download["Location"])["Content-Disposition"]
    assert client.get(URL, {"job": job.pk + 1000}).status_code == 404  # no such job: nothing to redirect to
    for bad in ("x", "-1", "99999999999999999999999", "١٢", ""):
        assert client.get(URL, {"job": bad}).status_code == 404


def test_an_unknown_job_is_not_found(shop, ops):
    client = client_for(ops)
    assert client.get(reverse("web:order_import_job", args=[424242])).status_code == 404
    assert client.get(reverse("web:order_import_job", args=[424242]), HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(reverse("web:order_import_job_problems", args=[424242])).status_code == 404
    assert client.get(f"{URL}99999999999999999999999/").status_code == 404  # beyond a database id


def test_the_job_page_takes_get_only(shop, ops):
    orders, items = pair(5)
    client = client_for(ops)
    upload(client, shop, orders, items)
    job = latest_job()
    assert client.post(job_url(job)).status_code == 405
    assert client.post(problems_url(job)).status_code == 405


def test_someone_elses_job_is_not_found(shop, ops, role_user):
    orders, items = pair(8, unknown_sku_every=3)
    upload(client_for(ops), shop, orders, items)
    job = latest_job()
    other = client_for(role_user("customer_service", "cs-2"))  # may import, but it is not theirs
    assert other.get(job_url(job)).status_code == 404
    assert other.get(job_url(job), HTTP_HX_REQUEST="true").status_code == 404
    assert other.get(problems_url(job)).status_code == 404
    assert other.get(URL, {"job": job.pk}).status_code == 404  # the old address does not redirect them either
    assert other.get(URL, {"job": job.pk, "download": "problems"}).status_code == 404
    assert job_url(job) not in other.get(URL).content.decode()
    designer = client_for(role_user("designer", "d-1"))  # may not import at all
    for url in (job_url(job), problems_url(job), f"{URL}?job={job.pk}"):
        assert designer.get(url).status_code == 403, url
    assert designer.get(job_url(job), HTTP_HX_REQUEST="true").status_code == 403
    for url in (job_url(job), problems_url(job), f"{URL}?job={job.pk}"):
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"], url


def test_master_data_pages_do_not_show_order_jobs(shop, ops, manager):
    orders, items = pair(5)
    upload(client_for(ops), shop, orders, items)
    job = latest_job()
    client = client_for(manager)
    assert client.get(reverse("web:md_job", args=["skus", job.pk])).status_code == 404
