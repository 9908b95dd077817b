"""Master-data lists 主数据 — SKUs, suppliers, couriers, warehouses, … — as one registry.

Each app registers its lists in AppConfig.ready() (core never imports the apps). A
`MasterList` says what its list page, exports, import files, template and API show and
accept: the columns with their Chinese and English headers, how a cell's text becomes a
value, the key an import matches existing records on, search and filter fields, and which
roles may view and edit. The generic pages (web.views.masterdata), the importer
(core.imports), the `shopflow import` command and the API (core.masterdata_api) all read it.

Permissions are Django's model permissions: `view` lets a user see and export the list,
`add` + `change` let them create, edit and import. Which role holds them is declared here
per list (`MasterList.access`) and synced to the role groups after every migrate, like the
document access tables in core.access.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core.errors import FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.core.roles import ROLE_CODES
from shopflow.core.serialize import diff, field_values, json_value

# What a role may do with a list. Importing needs add and change (it creates and updates).
MASTER_ACTIONS = ("view", "add", "change")
ACTION_LABELS = {
    "view": gettext_lazy("view"),
    "add": gettext_lazy("create"),
    "change": gettext_lazy("edit"),
    "import": gettext_lazy("import"),
}


class CellError(ValueError):
    """A cell's text cannot become a value; the message says why, for people."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code


# ---------------------------------------------------------------- references (foreign keys as text)


@dataclass(frozen=True)
class Reference:
    """A foreign key written as text in files and the API (a code, or a path like 服装/上装).

    Both directions work on sets, so an import of 100 000 rows asks the database once:
    `resolve(texts) → {text: id}` (texts it does not know are left out) and
    `describe(ids) → {id: text}` (what an export writes, and what resolve accepts back)."""

    resolve: Callable[[set[str]], dict[str, int]]
    describe: Callable[[set[int]], dict[int, str]]
    # Shown in the template's notes: what to write in the column.
    hint: str = ""


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One column of a list: a model field, with its headers in both languages."""

    # The model field, or a path through foreign keys to a field of a related record ("bom__version"
    # on a BOM line: the version of the line's BOM), as grouped lists use for their parent's columns.
    name: str
    zh: str  # 商家编码
    en: str  # Item code
    required: bool = False  # the file must have the column, and a new record a value in it
    aliases: tuple[str, ...] = ()  # more header names found in other systems' exports
    parse: Callable[[str], Any] | None = None  # text → value; default: from the model field
    # A foreign key written as text. On a many-to-many field: several texts in one cell, separated
    # by 、 , or ; (written back joined with 、); such a list imports through its hooks (see MasterList).
    ref: Reference | None = None
    importable: bool = True  # False: shown and exported, ignored on import (e.g. computed)
    unique: bool = False  # non-blank values belong to one record (e.g. a barcode)
    hint: str = ""  # a note for the template sheet (format, example)

    def header(self, language: str | None = None) -> str:
        """The header in the given (default: active) language: Chinese for zh*, else English."""
        language = language or translation.get_language() or "zh-hans"
        return self.zh if language.lower().startswith("zh") else self.en

    def header_names(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.name, *self.aliases)


def normalize_header(text) -> str:
    """Header text as compared: NFKC (full-width （）→ ()), no spaces anywhere, no required
    marker "*", case-folded. " 商家编码 " → "商家编码", "Item Code*" → "itemcode"."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*]+", "", text).casefold()


# ---------------------------------------------------------------- parsers: text → value

# Several references in one cell (a many-to-many column): "CUT、SEW", "CUT, SEW", "CUT;SEW".
MANY_SEPARATOR = "、"
_MANY_SPLIT = re.compile(r"[、,，;；\n]+")


def split_many(text: str) -> list[str]:
    """"CUT、SEW" / "CUT, SEW" / "CUT；SEW" → ["CUT", "SEW"] (blanks and repeats dropped, order kept)."""
    return list(dict.fromkeys(p.strip() for p in _MANY_SPLIT.split(str(text)) if p.strip()))


# NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL; UTF-8 cannot encode surrogates).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
TRUE_WORDS = {"1", "y", "yes", "true", "t", "是", "有效", "启用", "在用", "✓", "√", "on"}
FALSE_WORDS = {"0", "n", "no", "false", "f", "否", "无效", "停用", "禁用", "✗", "×", "x", "off"}


# Checked by the parsers themselves (faster, and with messages that name the limit).
_BUILTIN_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator, DecimalValidator)


def _extra_validators(db_field) -> list:
    """The field's own validators (not negative, a barcode, a pattern…), run on the parsed value."""
    return [v for v in db_field.validators if not isinstance(v, _BUILTIN_VALIDATORS)]


def _run(validators, value) -> None:
    try:
        for validator in validators:
            validator(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages), exc.code or "invalid") from None


def text_parser(db_field) -> Callable[[str], str]:
    limit = getattr(db_field, "max_length", None)
    validators = _extra_validators(db_field)

    def parse(text: str) -> str:
        value = text.strip()
        if UNSTORABLE.search(value):
            raise CellError(_("Text contains characters that cannot be stored."), "invalid_text")
        if limit and len(value) > limit:
            raise CellError(_("At most %(n)s characters (this has %(m)s).") % {"n": limit, "m": len(value)},
                            "too_long")
        if validators:
            _run(validators, value)
        return value

    return parse


def code_parser(db_field) -> Callable[[str], str]:
    """A code: text without spaces inside (they would not survive scanners and URLs)."""
    as_text = text_parser(db_field)
    space = re.compile(r"\s")

    def parse(text: str) -> str:
        value = as_text(text)
        if space.search(value):
            raise CellError(_("A code may not contain spaces."), "invalid_code")
        return value

    return parse


_NOT_NUMBER = re.compile(r"[,\s¥$]")


def number_text(text: str) -> str:
    """"￥1,234.50" → "1234.50": full-width digits, currency signs and thousands separators go."""
    value = text.strip()
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return _NOT_NUMBER.sub("", value)


def _number(text: str, whole: bool = False) -> Decimal:
    try:
        value = Decimal(number_text(text))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        message = _("“%(value)s” is not a whole number.") if whole else _("“%(value)s” is not a number.")
        raise CellError(message % {"value": text.strip()}, "not_a_number")
    return value


def _negative_check(db_field) -> bool:
    return isinstance(db_field, models.PositiveIntegerField | models.PositiveBigIntegerField
                      | models.PositiveSmallIntegerField)


def decimal_parser(db_field) -> Callable[[str], Decimal]:
    places, digits = db_field.decimal_places, db_field.max_digits
    step, limit = Decimal(1).scaleb(-places), Decimal(10) ** (digits - places)
    validators = _extra_validators(db_field)

    def parse(text: str) -> Decimal:
        value = _number(text)
        if abs(value) >= limit:
            raise CellError(_("The number is too large."), "too_large")
        exact = value.quantize(step)
        if exact != value:
            raise CellError(_("At most %(n)s decimal places.") % {"n": places}, "too_many_places")
        if validators:
            _run(validators, exact)
        return exact

    return parse


def integer_parser(db_field) -> Callable[[str], int]:
    validators = _extra_validators(db_field)
    positive = _negative_check(db_field)

    def parse(text: str) -> int:
        number = _number(text, whole=True)
        if number != number.to_integral_value() or abs(number) >= 2 ** 63:
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": text.strip()}, "not_a_number")
        value = int(number)
        if positive and value < 0:
            raise CellError(_("Must not be negative."), "negative")
        if validators:
            _run(validators, value)
        return value

    return parse


def boolean_parser(db_field=None) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        word = unicodedata.normalize("NFKC", text).strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(_("Write 是 or 否 (yes or no)."), "not_a_boolean")

    return parse


def choice_labels(db_field) -> list[tuple[str, str, str]]:
    """(value, Chinese label, English label) of each choice."""
    out = []
    for value, label in db_field.flatchoices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        out.append((str(value), zh, en))
    return out


def choice_parser(db_field) -> Callable[[str], str]:
    """A choice by its stored value, its Chinese or its English label."""

    def parse(text: str) -> str:
        word = normalize_header(text)
        for value, zh, en in choice_labels(db_field):
            if word in (normalize_header(value), normalize_header(zh), normalize_header(en)):
                return value
        allowed = "、".join(label for _value, label, _en in choice_labels(db_field)) if _is_zh() else ", ".join(
            en for _value, _zh, en in choice_labels(db_field))
        raise CellError(_("Unknown value “%(value)s”; use one of: %(allowed)s.")
                        % {"value": text.strip(), "allowed": allowed}, "unknown_choice")

    return parse


def _is_zh() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def default_parser(db_field) -> Callable[[str], Any]:
    """The parser a column gets from its model field when it names none."""
    if db_field.choices:
        return choice_parser(db_field)
    if isinstance(db_field, models.BooleanField):
        return boolean_parser(db_field)
    if isinstance(db_field, models.DecimalField):
        return decimal_parser(db_field)
    if isinstance(db_field, models.IntegerField):
        return integer_parser(db_field)
    return text_parser(db_field)


def column_help(master_list, column: Column) -> str:
    """What to write in a column, for the template's notes and the import page."""
    db_field = master_list.db_field(column.name)
    if column.ref is not None and db_field.many_to_many:
        text = _("%(what)s: their codes, several separated by 、") % {"what": column.header()}
        return _with_example(text, column.ref.hint)
    if column.ref is not None:
        text = _("%(what)s: its code or full name") % {"what": column.header()}
        return _with_example(text, column.ref.hint)
    if db_field.choices:
        labels = [zh if _is_zh() else en for _value, zh, en in choice_labels(db_field)]
        return _("One of: %(values)s") % {"values": ("、" if _is_zh() else ", ").join(labels)}
    if isinstance(db_field, models.BooleanField):
        return _("是 or 否 (yes / no, 1 / 0)")
    if isinstance(db_field, models.DecimalField):
        text = _("A number, up to %(n)s decimals") % {"n": db_field.decimal_places}
    elif isinstance(db_field, models.IntegerField):
        text = _("A whole number")
    elif column.name in master_list.key_fields:
        text = _("Text without spaces, up to %(n)s characters") % {"n": db_field.max_length}
    elif db_field.max_length is None:  # a TextField: remarks
        text = _("Text")
    else:
        text = _("Text, up to %(n)s characters") % {"n": db_field.max_length}
    return _with_example(text, column.hint)


def _with_example(text: str, example: str) -> str:
    return _("%(text)s, e.g. %(example)s") % {"text": text, "example": example} if example else text


# ---------------------------------------------------------------- the list


@dataclass
class RowPlan:
    """A record an import or the API is about to write, for a list's `check_rows` hook."""

    row: int  # spreadsheet row (2 = first data row); 0 for a single API record
    obj: models.Model
    is_new: bool
    changed: set[str] = field(default_factory=set)
    before: dict = field(default_factory=dict)  # field → value before, for changed fields
    # column name → value read from the file (a reference as its id, a many-to-many column as a
    # list of ids): what an import through the list's hooks passes to create / update.
    values: dict = field(default_factory=dict)


@dataclass
class MasterList:
    key: str  # "skus": the URL slug, the `shopflow import` name and the API path
    model: type
    area: str  # navigation area (see web.navigation)
    columns: tuple[Column, ...]
    key_fields: tuple[str, ...] = ("code",)  # an import updates the record with these values
    list_columns: tuple[str, ...] = ()  # default: every column
    search_fields: tuple[str, ...] = ("code", "name")
    filter_fields: tuple[str, ...] = ()  # choice, boolean or foreign-key fields
    form_fields: tuple[str, ...] = ()  # default: the importable columns
    # role code → actions (from MASTER_ACTIONS) that role may take.
    access: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # create(actor=, values=) → record and update(obj=, actor=, changes=) → record: the app's
    # own services for one record (they validate and audit); default: full_clean + save.
    create: Callable | None = None
    update: Callable | None = None
    # check_rows(plans) → [(plan, column name, message[, code])]: the app's rules over a whole import
    # (set-wise; may query once), e.g. fields a record takes from elsewhere.
    check_rows: Callable | None = None
    # locked_fields(obj) → names the edit form shows read-only for this record.
    locked_fields: Callable | None = None
    # True: imports write each record through `create` / `update` (one savepoint per row, a row
    # they refuse is reported like any bad row) instead of the bulk insert — for lists whose
    # services do more than store the values: normalise phone numbers, parse addresses, set
    # many-to-many links, create a subcontractor's warehouse. Slower (milliseconds per row).
    import_via_hooks: bool = False
    # records() → the queryset the list shows, exports and serves (default: every record), e.g.
    # only the lines of active BOMs.
    records: Callable | None = None
    # The model whose view / add / change permissions guard the list (default: `model`), e.g. BOM
    # lines are guarded by the BOM's. Such a list's access table only adds those permissions to
    # the roles; the model's own list or app decides what is revoked.
    perm_model: type | None = None
    # A grouped list: one row per line of a parent record (a BOM's lines, a bundle's components).
    # `group_by` are the leading key fields that name the parent (("bom__product", "bom__version"));
    # the remaining key fields name the line within it. An import groups the rows by parent and
    # calls write_group(actor=, key={name: value}, rows=[values, ...]) once per parent, in a
    # savepoint: the parent's lines become exactly those rows (through the app's services), and it
    # returns "created", "updated" or "unchanged". Each row's values hold every column the file
    # has (None for an empty cell). It reports problems as ValidationFailed / DomainError with field
    # paths "rows[2].quantity" (the group's third row) or a column name (the group's first row).
    # Columns on the parent ("bom__is_default") must agree on every row of a group. `check_rows`,
    # if given, gets one plan per good row with `values` only (obj None): rules across groups.
    # Single lines are not created or edited on their own (that is the parent's page).
    group_by: tuple[str, ...] = ()
    write_group: Callable | None = None

    def __post_init__(self):
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.key}: a column appears twice")
        missing = [k for k in self.key_fields if k not in names]
        if missing:
            raise ValueError(f"{self.key}: key fields {missing} are not columns")
        for role, actions in self.access.items():
            if role not in ROLE_CODES:
                raise ValueError(f"{self.key}: unknown role {role!r}")
            unknown = set(actions) - set(MASTER_ACTIONS)
            if unknown:
                raise ValueError(f"{self.key}: unknown actions {sorted(unknown)} for role {role!r}")
        many = [c.name for c in self.columns if self.db_field(c.name).many_to_many]
        if many and not all(self.column(n).ref for n in many):
            raise ValueError(f"{self.key}: many-to-many columns {many} need a reference")
        if (many or self.import_via_hooks) and not (self.create and self.update and self.import_via_hooks):
            raise ValueError(f"{self.key}: many-to-many columns and import_via_hooks need create and update hooks "
                             "and import_via_hooks=True")
        if tuple(self.key_fields[:len(self.group_by)]) != tuple(self.group_by) or \
                len(self.group_by) >= len(self.key_fields) or bool(self.group_by) != bool(self.write_group):
            raise ValueError(f"{self.key}: group_by must lead key_fields (a line key after it), with write_group")
        for name in names:
            path = field_path(self.model, name)  # unknown fields raise FieldDoesNotExist here
            if any(not (f.many_to_one or f.one_to_one) for f in path[:-1]):
                raise ValueError(f"{self.key}: column {name!r} must follow foreign keys only")
        if not self.list_columns:
            self.list_columns = tuple(names)
        if not self.form_fields:
            self.form_fields = () if self.group_by else tuple(c.name for c in self.columns if c.importable)

    # -------- naming

    @property
    def label(self):
        return self.model._meta.verbose_name

    @property
    def label_plural(self):
        return self.model._meta.verbose_name_plural

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    def perm(self, action: str) -> str:
        meta = (self.perm_model or self.model)._meta
        return f"{meta.app_label}.{action}_{meta.model_name}"

    @property
    def grouped(self) -> bool:
        return bool(self.group_by)

    @property
    def parent_columns(self) -> tuple[Column, ...]:
        """A grouped list's columns on the parent record besides its key ("bom__is_default"):
        the same on every row of a group."""
        if not self.group_by or "__" not in self.group_by[0]:
            return ()
        prefix = self.group_by[0].split("__")[0] + "__"
        return tuple(c for c in self.importable_columns if c.name.startswith(prefix) and c.name not in self.group_by)

    def all_records(self):
        """Every record of the list (before search, filters and permissions)."""
        return self.records() if self.records is not None else self.model.objects.all()

    # -------- columns

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def importable_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.importable)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        keys = set(self.key_fields)
        return tuple(c for c in self.columns if c.importable and (c.required or c.name in keys))

    def db_field(self, name: str):
        """The model field of a column; a path "bom__version" gives the related model's field."""
        return field_path(self.model, name)[-1]

    def parser(self, column: Column) -> Callable[[str], Any]:
        if column.parse is not None:
            return column.parse
        db_field = self.db_field(column.name)
        if column.name in self.key_fields and isinstance(db_field, models.CharField):
            return code_parser(db_field)
        return default_parser(db_field)

    def header_index(self) -> dict[str, Column]:
        """Normalised header text → column, for every name a column may go by."""
        index = {}
        for column in self.importable_columns:
            for name in column.header_names():
                index.setdefault(normalize_header(name), column)
        return index


def field_path(model, name: str) -> list:
    """The fields a column name walks: "bom__product" on BomLine → [BomLine.bom, Bom.product]."""
    fields = []
    for part in name.split("__"):
        db_field = model._meta.get_field(part)
        fields.append(db_field)
        if db_field.is_relation:
            model = db_field.related_model
    return fields


def field_owner(obj, name: str):
    """(the record holding the field, the field's name): (line.bom, "version") for "bom__version"
    on a BOM line; (None, name) when a foreign key on the way is empty."""
    *through, last = name.split("__")
    for part in through:
        obj = getattr(obj, part) if obj is not None else None
    return obj, last


def column_attr(master_list: "MasterList", obj, name: str):
    """The stored value of a column on a record (a foreign key as its id), following paths."""
    owner, _last = field_owner(obj, name)
    return None if owner is None else getattr(owner, master_list.db_field(name).attname)


_lists: dict[str, MasterList] = {}


def register(master_list: MasterList) -> MasterList:
    _lists[master_list.key] = master_list
    return master_list


def master_lists() -> list[MasterList]:
    return list(_lists.values())


def get_list(key: str) -> MasterList:
    """The list by key ("skus"); KeyError if none."""
    return _lists[key]


# ---------------------------------------------------------------- permissions


def user_may_list(user, master_list: MasterList, action: str) -> bool:
    """view (also: export), add, change, or import (= add and change)."""
    if not (user and user.is_active):
        return False
    if action == "import":
        return user.has_perm(master_list.perm("add")) and user.has_perm(master_list.perm("change"))
    if action == "export":
        action = "view"
    return user.has_perm(master_list.perm(action))


def require_list(user, master_list: MasterList, action: str) -> None:
    if not user_may_list(user, master_list, action):
        raise PermissionDeniedError(
            "permission_denied",
            _("You may not %(action)s: %(list)s.")
            % {"action": ACTION_LABELS.get(action, action), "list": master_list.label_plural},
        )


def access_table() -> list[dict]:
    """One row per (list, role): the actions that role may take, for people to review."""
    return [
        {"list": ml, "role": role, "actions": [a for a in MASTER_ACTIONS if a in ml.access.get(role, ())]}
        for ml in master_lists()
        for role in ROLE_CODES
    ]


def sync_masterdata_permissions(sender=None, **kwargs) -> None:
    """post_migrate: give each role group exactly the view/add/change permissions of the
    registered lists that their access tables grant; other permissions (delete, documents,
    reports) are left alone. Waits for the last app with models, like core.access."""
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not None and sender.label != with_models[-1].label:
        return
    groups = {code: Group.objects.get_or_create(name=code)[0] for code in ROLE_CODES}
    managed, granted = set(), {code: set() for code in ROLE_CODES}
    for ml in master_lists():
        meta = (ml.perm_model or ml.model)._meta
        perms = Permission.objects.filter(content_type__app_label=meta.app_label, content_type__model=meta.model_name)
        by_codename = {p.codename: p.pk for p in perms}
        for action in MASTER_ACTIONS:
            pk = by_codename.get(f"{action}_{meta.model_name}")
            if pk is None:
                continue
            if ml.perm_model is None:  # another model's permissions are only added (see perm_model)
                managed.add(pk)
            for role in ROLE_CODES:
                if action in ml.access.get(role, ()):
                    granted[role].add(pk)
    for code, group in groups.items():
        current = set(group.permissions.values_list("pk", flat=True))
        wanted = (current - managed) | granted[code]
        if wanted != current:
            group.permissions.set(wanted)


# ---------------------------------------------------------------- reads


def record_list(master_list: MasterList, *, user, search: str = "", filters: dict | None = None,
                ordering: str = ""):
    """The records this user may view, searched, filtered and sorted (unknown names ignored)."""
    model = master_list.model
    if not user_may_list(user, master_list, "view"):
        return model.objects.none()
    qs = master_list.all_records()
    related = [n for n in master_list.list_columns if master_list.db_field(n).many_to_one]
    related += [n.rsplit("__", 1)[0] for n in master_list.list_columns if "__" in n]  # a path's records
    if related:
        qs = qs.select_related(*related)
    for name, value in (filters or {}).items():
        if name in master_list.filter_fields and value not in ("", None):
            qs = qs.filter(**{name: value})
    words = search.split()
    for word in words:  # every word must match some search field
        qs = qs.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in master_list.search_fields)))
    name = ordering.lstrip("-")
    if name in master_list.list_columns:
        qs = qs.order_by(ordering, "pk")
    return qs


def many_ids(master_list: MasterList, name: str, pks: Iterable[int]) -> dict[int, list[int]]:
    """{record id: [ids it links to]} of a many-to-many column, for these records (one query)."""
    db_field = master_list.db_field(name)
    through = db_field.remote_field.through._meta
    source = through.get_field(db_field.m2m_field_name()).attname
    target = through.get_field(db_field.m2m_reverse_field_name()).attname
    out: dict[int, list[int]] = {pk: [] for pk in pks}
    keys = list(out)
    for start in range(0, len(keys), 2000):
        chunk = keys[start:start + 2000]
        for pk, linked in through.model.objects.filter(**{f"{source}__in": chunk}).values_list(source, target):
            out[pk].append(linked)
    return out


def reference_texts(master_list: MasterList, objects: Iterable[models.Model]) -> dict[str, dict[int, str]]:
    """For each reference column, {id: text} of the ids these records point at (one query each).
    A many-to-many column gives {record id: "CUT、SEW"} instead (texts sorted)."""
    objects = list(objects)
    out = {}
    for column in master_list.columns:
        if column.ref is None:
            continue
        db_field = master_list.db_field(column.name)
        if db_field.many_to_many:
            linked = many_ids(master_list, column.name, [o.pk for o in objects if o.pk is not None])
            texts = column.ref.describe({i for ids in linked.values() for i in ids}) if linked else {}
            out[column.name] = {pk: MANY_SEPARATOR.join(sorted(texts[i] for i in ids if i in texts))
                                for pk, ids in linked.items()}
            continue
        ids = {column_attr(master_list, o, column.name) for o in objects} - {None}
        out[column.name] = column.ref.describe(ids) if ids else {}
    return out


def reference_value(master_list: MasterList, column: Column, obj, refs: dict[str, dict[int, str]]):
    """A reference column's text for one record, from `reference_texts` (None when empty)."""
    db_field = master_list.db_field(column.name)
    key = obj.pk if db_field.many_to_many else column_attr(master_list, obj, column.name)
    return refs.get(column.name, {}).get(key) or None


def cell_text(master_list: MasterList, column: Column, obj, refs: dict[str, dict[int, str]]):
    """The value as exports write it and imports read it back: numbers stay numbers, choices
    and booleans in the active language, references as their text."""
    db_field = master_list.db_field(column.name)
    if column.ref is not None:
        return reference_value(master_list, column, obj, refs) or ""
    value = column_attr(master_list, obj, column.name)
    if db_field.choices:
        return str(dict(db_field.flatchoices).get(value, value))
    if isinstance(db_field, models.BooleanField):
        return _("Yes") if value else _("No")
    return "" if value is None else value


def export_rows(master_list: MasterList, queryset, columns: tuple[Column, ...], chunk: int = 2000):
    """Rows of cell values, `chunk` records at a time (references resolved per chunk)."""
    batch = []
    for obj in queryset.iterator(chunk_size=chunk):
        batch.append(obj)
        if len(batch) >= chunk:
            yield from _rows(master_list, batch, columns)
            batch = []
    if batch:
        yield from _rows(master_list, batch, columns)


def _rows(master_list, objects, columns):
    refs = reference_texts(master_list, objects)
    for obj in objects:
        yield [cell_text(master_list, c, obj, refs) for c in columns]


def record_values(master_list: MasterList, obj) -> dict:
    """A record as JSON for the API: every column by name, references as their text."""
    refs = reference_texts(master_list, [obj])
    out = {}
    for column in master_list.columns:
        if column.ref is not None:
            out[column.name] = reference_value(master_list, column, obj, refs)
        else:
            out[column.name] = json_value(column_attr(master_list, obj, column.name))
    return out


# ---------------------------------------------------------------- one record: create and edit


def parse_values(master_list: MasterList, raw: dict, *, fields: tuple[str, ...] | None = None) -> dict:
    """API input → model values through the same parsers as imports: {"cost": "12.5",
    "category": "服装/上装"} → {"cost": Decimal("12.50"), "category": 7}. Unknown, read-only
    or bad values are field errors, all reported together."""
    if fields is None:
        _refuse_grouped(master_list)
    allowed = set(fields if fields is not None else master_list.form_fields)
    values, errors, refs = {}, [], {}
    for name, value in raw.items():
        if name not in allowed:
            errors.append(FieldError(name, _("Unknown or read-only field."), "unknown_field"))
            continue
        column = master_list.column(name)
        db_field = master_list.db_field(name)
        if db_field.many_to_many:
            parts = [str(v) for v in value] if isinstance(value, list | tuple) else split_many(value or "")
            refs[name] = [p.strip() for p in parts if p.strip()]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            values[name] = None if column.ref is not None else _blank(db_field)
            continue
        text = _as_text(value)
        if column.ref is not None:
            refs[name] = text.strip()
            continue
        try:
            values[name] = master_list.parser(column)(text)
        except CellError as exc:
            errors.append(FieldError(name, exc.message, exc.code))
    for name, text in refs.items():
        if isinstance(text, list):  # many-to-many: every text must be known
            found = master_list.column(name).ref.resolve(set(text)) if text else {}
            unknown = [t for t in text if t not in found]
            if unknown:
                errors.append(FieldError(name, _("Unknown %(what)s “%(value)s”.")
                                         % {"what": master_list.db_field(name).verbose_name,
                                            "value": MANY_SEPARATOR.join(unknown)}, "unknown_reference"))
            else:
                values[name] = list(dict.fromkeys(found[t] for t in text))
            continue
        found = master_list.column(name).ref.resolve({text})
        if text in found:
            values[name] = found[text]
        else:
            errors.append(FieldError(name, _("Unknown %(what)s “%(value)s”.")
                                     % {"what": master_list.db_field(name).verbose_name, "value": text},
                                     "unknown_reference"))
    if errors:
        raise ValidationFailed(errors)
    return values


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(db_field):
    """What an emptied field holds: "" for text, its default otherwise."""
    if isinstance(db_field, models.CharField | models.TextField):
        return ""
    return db_field.get_default()


def _clean_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for name, problems in exc.message_dict.items():
        for message in problems:
            errors.append(FieldError("" if name == "__all__" else name, message, "invalid"))
    return errors


def _assign(master_list: MasterList, obj, values: dict) -> None:
    for name, value in values.items():
        db_field = master_list.db_field(name)
        if db_field.many_to_one:
            setattr(obj, db_field.attname, getattr(value, "pk", value))
        else:
            setattr(obj, name, value)


def _refuse_grouped(master_list: MasterList) -> None:
    if master_list.grouped:
        raise ValidationFailed([FieldError("", _("%(list)s are edited on their own page, or imported from a file.")
                                           % {"list": master_list.label_plural}, "grouped_list")])


def _check_plan(master_list: MasterList, plan: RowPlan) -> None:
    if master_list.check_rows is None:
        return
    problems = master_list.check_rows([plan])
    if problems:
        raise ValidationFailed([FieldError(name, message, str(code[0]) if code else "invalid")
                                for _plan, name, message, *code in problems])


@transaction.atomic
def record_create(master_list: MasterList, *, actor, values: dict):
    """One new record; `values` are model values (a foreign key as instance or id)."""
    require_list(actor, master_list, "add")
    _refuse_grouped(master_list)
    if master_list.create is not None:
        return master_list.create(actor=actor, values=values)
    obj = master_list.model()
    _assign(master_list, obj, values)
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_clean_errors(exc)) from None
    _check_plan(master_list, RowPlan(row=0, obj=obj, is_new=True, changed=set(values)))
    obj.save()
    names = [c.name for c in master_list.importable_columns]
    AuditEvent.objects.create(doc_type=obj._meta.label_lower, doc_id=obj.pk, action="create", actor=actor,
                              payload={"values": field_values(obj, names)})
    return obj


@transaction.atomic
def record_update(master_list: MasterList, *, obj, actor, changes: dict):
    """Change a record's fields; the others stay."""
    require_list(actor, master_list, "change")
    _refuse_grouped(master_list)
    if master_list.update is not None:
        return master_list.update(obj=obj, actor=actor, changes=changes)
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    names = [c.name for c in master_list.importable_columns]
    before = field_values(obj, names)
    _assign(master_list, obj, changes)
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_clean_errors(exc)) from None
    after = field_values(obj, names)
    changed = diff(before, after)
    _check_plan(master_list, RowPlan(row=0, obj=obj, is_new=False, changed=set(changed),
                                     before={k: v[0] for k, v in changed.items()}))
    if changed:
        obj.save()
        AuditEvent.objects.create(doc_type=obj._meta.label_lower, doc_id=obj.pk, action="update", actor=actor,
                                  payload={"changes": changed})
    return obj
