"""Master-data endpoints at /api/v1/masterdata: one set of routes for every registered list
(skus, suppliers, couriers, warehouses, …).

Values are keyed by column name. They go in as the import file would have them (text or JSON
numbers: "12.50", 12.5, "是", true; a category by code or full path) through the same parsers
as imports, and come out with decimals as strings at the field's scale, choices by value and
references as text (a category's path, a style's code), so a record read can be sent back."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shopflow.core.conf import setting
from shopflow.core.errors import FieldError, NotFoundError, ValidationFailed
from shopflow.core.imports import MODES, human_size, import_job_create
from shopflow.core.masterdata import (
    MASTER_ACTIONS,
    MasterList,
    field_owner,
    get_list,
    master_lists,
    parse_values,
    record_create,
    record_list,
    record_update,
    reference_texts,
    reference_value,
    require_list,
    user_may_list,
)
from shopflow.core.models import ImportJob
from shopflow.core.schemas import ErrorOut, wire_value

router = Router(tags=["master data"])
ERRORS = {status: ErrorOut for status in (400, 401, 403, 404)}


# ---------------------------------------------------------------- schemas


class ColumnOut(Schema):
    name: str
    zh: str
    en: str
    required: bool
    importable: bool
    unique: bool


class MasterListOut(Schema):
    key: str
    label: str
    label_plural: str
    key_fields: list[str]
    search_fields: list[str]
    filter_fields: list[str]
    columns: list[ColumnOut]
    actions: list[str] = Field(description="what the caller may do: view, add, change, import")

    @staticmethod
    def build(ml: MasterList, user) -> "MasterListOut":
        required = {c.name for c in ml.required_columns}
        return MasterListOut(
            key=ml.key, label=str(ml.label), label_plural=str(ml.label_plural), key_fields=list(ml.key_fields),
            search_fields=list(ml.search_fields), filter_fields=list(ml.filter_fields),
            columns=[ColumnOut(name=c.name, zh=c.zh, en=c.en, required=c.name in required, importable=c.importable,
                               unique=c.unique) for c in ml.columns],
            actions=[a for a in (*MASTER_ACTIONS, "import") if user_may_list(user, ml, a)],
        )


class RecordOut(Schema):
    id: int
    values: dict[str, Any]

    @staticmethod
    def build_many(ml: MasterList, objects) -> list["RecordOut"]:
        objects = list(objects)
        refs = reference_texts(ml, objects)
        out = []
        for obj in objects:
            values = {}
            for column in ml.columns:
                if column.ref is not None:
                    values[column.name] = reference_value(ml, column, obj, refs)
                else:  # a path column ("bom__version") is read on the related record
                    owner, name = field_owner(obj, column.name)
                    values[column.name] = None if owner is None else wire_value(owner, name)
            out.append(RecordOut(id=obj.pk, values=values))
        return out


class RecordListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecordOut]


class RecordListQuery(Schema):
    search: str = Field("", description="words that must all appear in one of the list's search fields")
    ordering: str = Field("", description="a column name, '-' first for descending")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=2**63 - 1)  # what a database takes as OFFSET


class RecordIn(Schema):
    values: dict[str, Any] = Field(description="column name → value, e.g. {\"cost\": \"35.00\"}")


class ImportJobOut(Schema):
    id: int
    list: str
    filename: str
    size: int
    mode: str
    dry_run: bool
    status: str = Field(description="queued, running, done or failed")
    phase: str
    done: int
    total: int
    summary: dict[str, Any] = Field(description="rows, created, updated, unchanged, bad_rows, error_count, written…")
    errors: list[dict[str, Any]] = Field(description="the first errors: row, column, value, message, code")
    message: str

    @staticmethod
    def build(job: ImportJob) -> "ImportJobOut":
        return ImportJobOut(id=job.pk, list=job.list_key, filename=job.filename, size=job.size, mode=job.mode,
                            dry_run=job.dry_run, status=job.status, phase=job.phase, done=job.done, total=job.total,
                            summary=job.summary or {}, errors=job.errors or [], message=job.message)


# ---------------------------------------------------------------- helpers


def master_list(key: str) -> MasterList:
    try:
        return get_list(key)
    except KeyError:
        raise NotFoundError("unknown_list", _("Unknown list “%(list)s”.") % {"list": key}) from None


def viewable_record(request, key: str, record_id: int):
    ml = master_list(key)
    require_list(request.auth, ml, "view")
    return ml, ml.model.objects.get(pk=record_id)  # DoesNotExist → 404 in shopflow.api


def _one(ml: MasterList, obj) -> RecordOut:
    return RecordOut.build_many(ml, [obj])[0]


# ---------------------------------------------------------------- routes


@router.get("", response={200: list[MasterListOut], **ERRORS})
def lists(request):
    """Every master-data list, with its columns and what the caller may do with it."""
    return [MasterListOut.build(ml, request.auth) for ml in master_lists()]


@router.get("/{list}", response={200: RecordListOut, **ERRORS})
def list_records(request, list: str, query: Query[RecordListQuery]):
    """Records of one list. Filter with the list's `filter_fields` as query parameters, written as
    in an import file: `?active=1&kind=bundle&category=服装/上装`."""
    ml = master_list(list)
    require_list(request.auth, ml, "view")
    raw = {name: request.GET[name] for name in ml.filter_fields if request.GET.get(name, "") != ""}
    filters = parse_values(ml, raw, fields=ml.filter_fields) if raw else {}
    records = record_list(ml, user=request.auth, search=query.search, filters=filters, ordering=query.ordering)
    return RecordListOut(count=records.count(), limit=query.limit, offset=query.offset,
                         items=RecordOut.build_many(ml, records[query.offset:query.offset + query.limit]))


@router.post("/{list}", response={201: RecordOut, **ERRORS})
def create_record(request, list: str, payload: RecordIn):
    """A new record; required columns must be given."""
    ml = master_list(list)
    require_list(request.auth, ml, "add")
    obj = record_create(ml, actor=request.auth, values=parse_values(ml, payload.values))
    return Status(201, _one(ml, obj))


@router.get("/{list}/{int:id}", response={200: RecordOut, **ERRORS})
def get_record(request, list: str, id: int):
    ml, obj = viewable_record(request, list, id)
    return _one(ml, obj)


@router.patch("/{list}/{int:id}", response={200: RecordOut, **ERRORS})
def update_record(request, list: str, id: int, payload: RecordIn):
    """Change the given values; the others stay. null or "" empties a field (numbers go back to
    their default)."""
    ml, obj = viewable_record(request, list, id)
    require_list(request.auth, ml, "change")
    obj = record_update(ml, obj=obj, actor=request.auth, changes=parse_values(ml, payload.values))
    return _one(ml, ml.model.objects.get(pk=obj.pk))


@router.post("/{list}/imports", response={201: ImportJobOut, 202: ImportJobOut, **ERRORS})
def import_records(request, list: str, file: File[UploadedFile], mode: Form[str] = "all",
                   dry_run: Form[bool] = False):
    """Upload an .xlsx or CSV file (multipart field `file`), as on the import page. `mode`:
    `all` (default: nothing is saved if any row is bad) or `good` (save the good rows). Small
    files are imported at once (201, the finished job with its errors); larger ones run in the
    background (202): poll `GET /{list}/imports/{id}` until `status` is done."""
    ml = master_list(list)
    require_list(request.auth, ml, "import")
    if mode not in MODES:
        raise ValidationFailed([FieldError("mode", _("Use “all” or “good”."), "invalid_choice")])
    limit = setting("IMPORT_MAX_BYTES")
    if file.size > limit:  # before reading it into memory
        raise ValidationFailed([FieldError("file", _("The file is %(size)s; files up to %(limit)s can be imported. "
                                                     "Split it into smaller files.")
                                           % {"size": human_size(file.size), "limit": human_size(limit)},
                                           "too_large")])
    job = import_job_create(master_list=ml, content=file.read(), filename=file.name or "upload", actor=request.auth,
                            mode=mode, dry_run=dry_run)
    return Status(201 if job.finished else 202, ImportJobOut.build(job))


@router.get("/{list}/imports/{int:id}", response={200: ImportJobOut, **ERRORS})
def get_import(request, list: str, id: int):
    """An import's status, progress, counts and errors."""
    ml = master_list(list)
    require_list(request.auth, ml, "import")
    return ImportJobOut.build(ImportJob.objects.get(pk=id, list_key=ml.key))
