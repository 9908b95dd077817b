"""Imports as jobs: small files run at once, large ones as a background task whose progress
the page polls; a job runs once, and a crash marks it failed instead of leaving it waiting."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shopflow.catalog.models import Sku
from shopflow.core import imports
from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.core.imports import import_job_create, import_job_run, run_import
from shopflow.core.masterdata import get_list
from shopflow.core.models import ImportJob
from tests.imports.conftest import SKU_HEADERS, csv_bytes

ROWS = [SKU_HEADERS] + [[f"A-{i}", "T恤", "黑色", "M", "件", "", "35", "89"] for i in range(50)]
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_a_small_file_runs_at_once(manager):
    job = import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv", actor=manager)
    assert job.status == ImportJob.Status.DONE and job.finished
    assert job.summary["created"] == 50 and job.summary["written"]
    assert job.content == b"" and job.errors == []
    assert Sku.objects.count() == 50


def test_a_large_file_is_queued_as_a_task(manager, settings, django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 100}
    settings.TASKS = DUMMY
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv",
                                actor=manager)
    assert len(callbacks) == 1
    assert job.status == ImportJob.Status.QUEUED and Sku.objects.count() == 0
    run_import.call(job.pk)  # what a worker does
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.percent == 100
    assert Sku.objects.count() == 50


def test_the_immediate_backend_runs_it_in_process(manager, settings, django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 100}
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv",
                                actor=manager)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Sku.objects.count() == 50


def test_progress_is_saved_while_checking(manager, monkeypatch):
    seen = []
    real = imports._JobProgress.__call__

    def spy(self, phase, done, total):
        real(self, phase, done, total)
        job = ImportJob.objects.get(pk=self.job_id)
        seen.append((job.status, job.phase))

    monkeypatch.setattr(imports._JobProgress, "__call__", spy)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv", actor=manager)
    assert ("running", "check") in seen


def test_a_job_runs_once(manager):
    job = import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv", actor=manager)
    assert import_job_run(job.pk) == {}
    assert Sku.objects.count() == 50


def test_a_crash_marks_the_job_failed(manager, settings, monkeypatch):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 100}
    settings.TASKS = DUMMY
    job = import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv", actor=manager)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_file", boom)
    with pytest.raises(RuntimeError):
        import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "disk on fire" in job.message and job.content == b""


def test_import_needs_permission(role_user):
    with pytest.raises(PermissionDeniedError):
        import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv",
                          actor=role_user("designer"))
    assert not ImportJob.objects.exists() and Sku.objects.count() == 0


def test_an_oversized_file_is_not_even_stored(manager, settings):
    settings.SHOPFLOW = {"IMPORT_MAX_BYTES": 100}
    with pytest.raises(ValidationFailed) as caught:
        import_job_create(master_list=get_list("skus"), content=csv_bytes(ROWS), filename="a.csv", actor=manager)
    assert caught.value.errors[0].code == "too_large"
    assert not ImportJob.objects.exists()


def test_upload_helper_keeps_the_file_name(manager):
    upload = SimpleUploadedFile("商品资料.csv", csv_bytes(ROWS))
    job = import_job_create(master_list=get_list("skus"), content=upload.read(), filename=upload.name, actor=manager)
    assert job.filename == "商品资料.csv" and job.size == len(csv_bytes(ROWS))
