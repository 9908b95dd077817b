"""Order imports from the page, as jobs with progress.

A job is a `core.ImportJob` (the record master-data imports use; `list_key` "orders:<format>"):
the uploaded files are stored with it — in the database, so a worker on another machine can
read them — and it keeps the progress (orders saved of orders read), the summary and the
problems for the page that polls it. Small uploads are imported at once; uploads over
IMPORT_BACKGROUND_BYTES go to the task queue (`run_order_import`). With the default immediate
backend the task runs in-process as soon as the job is saved, so the page shows the finished
summary straight away. Only the person who uploaded a job sees it.

The job runs the intake (channels.services.orders_intake): after the import, the shop's automatic
review of the orders it brought, when the shop has it on. The generic order sheet may come with
a column mapping (our field → their header), checked against the file's header row before the
job is stored."""

import io
import json
import time
import zipfile
from collections.abc import Mapping
from functools import partial

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from shopflow.channels.error_codes import ChannelError
from shopflow.channels.generic import mapping_problems, read_generic
from shopflow.channels.models import Shop
from shopflow.channels.readers import get_format
from shopflow.channels.services import orders_intake, require_import
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.imports import MAX_REPORTED_ERRORS, human_size
from shopflow.core.models import ImportJob

JOB_PREFIX = "orders:"  # ImportJob.list_key of order imports: "orders:taobao", "orders:generic", …
PROGRESS_SECONDS = 0.5  # at most one progress write per this many seconds (and the last one)
FILE_FIELDS = ("orders_file", "items_file")  # the upload form's fields, in the format's file order
MAPPING_FIELD = "mapping"  # the upload form's field of the column mapping
GENERIC = "generic"  # the one format that takes a column mapping (channels.generic)


# ---------------------------------------------------------------- the stored upload


def _pack(*, shop_id: int, format_key: str, files: list[tuple[str, bytes]], language: str | None = None,
          mapping: Mapping[str, str] | None = None) -> bytes:
    """The files and what to do with them, as one zip (stored, not compressed: it is read once).
    `language`: the uploader's, in which the problems and hold reasons are worded."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("job.json", json.dumps({"shop": shop_id, "format": format_key, "language": language,
                                                 "names": [name for name, _content in files],
                                                 "mapping": dict(mapping or {})}))
        for i, (_name, content) in enumerate(files):
            archive.writestr(f"file{i}", content)
    return out.getvalue()


def _unpack(content: bytes) -> tuple[dict, list[bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        params = json.loads(archive.read("job.json"))
        return params, [archive.read(f"file{i}") for i in range(len(params["names"]))]


# ---------------------------------------------------------------- creating and running


def order_import_job_create(*, shop: Shop, format_key: str, files: list[tuple[str, bytes]], actor,
                            mapping: Mapping[str, str] | None = None) -> ImportJob:
    """Store an upload (file name and content of each file the format needs, in its order) as a
    job and start it: at once when small, through the task queue when over IMPORT_BACKGROUND_BYTES.
    `mapping` (generic sheet only; see generic.parse_mapping): our field → the header of its
    column; a field or header it names that the file lacks refuses the upload, nothing stored.
    Returns the job as it is after starting (finished if it ran at once)."""
    require_import(actor)
    fmt = get_format(format_key)
    if fmt is None:
        raise DomainError(ChannelError.UNKNOWN_FORMAT, _("Unknown file format “%(format)s”.") % {"format": format_key})
    if not shop.active:
        raise DomainError(ChannelError.INACTIVE_SHOP, _("Shop %(shop)s is not active.") % {"shop": shop})
    if len(files) != len(fmt.files):
        raise ValidationFailed([FieldError(FILE_FIELDS[min(len(files), len(FILE_FIELDS) - 1)], _(
            "%(format)s needs %(count)s files: %(files)s.") % {"format": fmt.label, "count": len(fmt.files),
                                                               "files": "、".join(fmt.files)}, "required")])
    limit = setting("ORDER_IMPORT_MAX_BYTES")
    too_large = [FieldError(FILE_FIELDS[min(i, len(FILE_FIELDS) - 1)], _(
        "%(file)s is %(size)s; files up to %(limit)s can be imported. Export a shorter period.")
        % {"file": name, "size": human_size(len(content)), "limit": human_size(limit)}, "too_large")
        for i, (name, content) in enumerate(files) if len(content) > limit]
    if too_large:
        raise ValidationFailed(too_large)
    if mapping and fmt.key != GENERIC:
        raise ValidationFailed([FieldError(MAPPING_FIELD, _(
            "Only the generic order sheet (通用订单表) takes a column mapping; %(format)s has fixed headers.")
            % {"format": fmt.label}, "not_allowed")])
    if mapping:
        problems = mapping_problems(files[0][1], files[0][0], mapping)
        if problems:
            raise ValidationFailed([FieldError(MAPPING_FIELD, p.message, p.code) for p in problems])
    size = sum(len(content) for _name, content in files)
    job = ImportJob.objects.create(
        list_key=(JOB_PREFIX + fmt.key)[:40], filename=" + ".join(name for name, _content in files)[:255],
        size=size, content=_pack(shop_id=shop.pk, format_key=fmt.key, files=files,
                                 language=translation.get_language(), mapping=mapping), created_by=actor,
        summary={"shop": shop.pk, "shop_name": str(shop), "format": fmt.key, "mapping": dict(mapping or {})})
    if size > setting("IMPORT_BACKGROUND_BYTES"):
        transaction.on_commit(partial(run_order_import.enqueue, job.pk))
    else:
        order_import_job_run(job.pk)
    return ImportJob.objects.defer("content").get(pk=job.pk)  # the files may be big: not read back


class _Progress:
    """Saves how many orders are written, at most every PROGRESS_SECONDS (and always the last).
    orders_import calls it after each batch has been committed, so others can see it."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS and done < total:
            return
        self.last = now
        ImportJob.objects.filter(pk=self.job_id).update(phase="write", done=done, total=total)


def _reviewing(job_id: int) -> None:
    """The import is written; the automatic review runs (one transaction: no count to show)."""
    ImportJob.objects.filter(pk=job_id).update(phase="review", done=0, total=0)


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                                               phase="", message=message[:2000], content=b"")


def order_import_job_run(job_id: int) -> dict:
    """Run a queued order import once (a second call, e.g. a retried task, does nothing). Orders
    are saved in batches as they go; a job that stops half-way keeps what it saved, and importing
    the same files again completes it without creating anything twice."""
    started = ImportJob.objects.filter(pk=job_id, list_key__startswith=JOB_PREFIX,
                                       status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), phase="read")
    if not started:
        return {}
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    began = time.monotonic()
    try:
        params, files = _unpack(bytes(job.content))
        shop = Shop.objects.filter(pk=params["shop"]).first()
        fmt = get_format(params["format"])
        if shop is None or not shop.active or fmt is None:
            _fail(job_id, _("The shop was deleted or deactivated, or the file format is gone, before the import "
                            "could start. Nothing was imported."))
            return {}
        with translation.override(params.get("language") or translation.get_language()):
            mapping = params.get("mapping")
            if fmt.key == GENERIC and mapping:
                result = read_generic(files[0], params["names"][0], mapping)
            else:
                result = fmt.read(files, params["names"])
            ImportJob.objects.filter(pk=job_id).update(phase="write", done=0, total=len(result.orders))
            summary = orders_intake(shop=shop, result=result, actor=job.created_by, source=job.filename,
                                    on_progress=_Progress(job_id), on_review=partial(_reviewing, job_id))
    except PermissionDeniedError as exc:  # the importer lost the permission while the job waited
        _fail(job_id, exc.message)
        return {}
    except Exception as exc:  # a bug: the job says so instead of running forever; the task still fails
        _fail(job_id, f"{type(exc).__name__}: {exc}")
        raise
    counts = {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
              "held": summary.held, "failed": summary.failed, "orders": summary.total,
              "problem_count": len(summary.problems), "auto_review": shop.auto_review,
              "auto_reviewed": summary.auto_reviewed, "auto_approved": summary.auto_approved,
              "auto_held": summary.auto_held, "review_problem": summary.review_problem}
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), phase="", done=summary.total, total=summary.total,
        summary={**job.summary, **counts, "seconds": round(time.monotonic() - began, 2)},
        errors=[{"file": p.file, "row": p.row, "column": p.column, "message": str(p.message), "code": p.code}
                for p in summary.problems[:MAX_REPORTED_ERRORS]],
        content=b"")
    return counts


@task()
def run_order_import(job_id: int) -> dict:
    """The background task of an order import (see order_import_job_create)."""
    return order_import_job_run(job_id)


# ---------------------------------------------------------------- reading


def order_import_jobs(*, user, limit: int = 8) -> list[ImportJob]:
    """The user's latest order imports (theirs only), newest first, without the stored files."""
    return list(ImportJob.objects.filter(list_key__startswith=JOB_PREFIX, created_by=user)
                .defer("content", "errors").order_by("-id")[:limit])


def order_import_job(*, user, pk) -> ImportJob | None:
    """One of the user's order imports; None when there is no such job or it is someone else's."""
    text = str(pk)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return (ImportJob.objects.filter(pk=int(text), list_key__startswith=JOB_PREFIX, created_by=user)
            .select_related("created_by").defer("content").first())
