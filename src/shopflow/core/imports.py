"""Import of master-data lists from .xlsx and CSV files.

The rules, in the order the importer applies them:

1. **Reading.** .xlsx is recognised by its content (a zip), not its name; CSV text is decoded
   as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030, which covers
   GBK and GB2312 — what Excel and WPS on Chinese Windows write; text that GBK turns into
   garble (Big5, Shift-JIS, Windows-1252 files) is refused rather than imported. The delimiter
   (comma, tab or semicolon) is taken from the header line. Files over IMPORT_MAX_BYTES or with more than
   IMPORT_MAX_ROWS rows are refused before any row is checked; old .xls and anything that is
   not text are refused with a message saying so.
2. **Headers.** The header row is the first of the first ten rows that names the key column.
   Names are compared without spaces, "*" markers or case, full-width characters folded
   (“ 商家编码 ”, “Item Code*” and “商家编码” are one column), in Chinese, English or an alias.
   A missing key column stops the import; other required columns (a name) are needed only by
   rows that create records, so a file of codes and prices can update prices. Unknown columns
   are ignored and listed.
3. **Checking the whole file** before anything is written: every cell through its column's
   parser, duplicate keys within the file, references (a category, a kind) set-wise against
   the database, unique columns (barcodes) within the file and against other records,
   required values of new records, and the list's own rules (`MasterList.check_rows`). Every
   problem is reported as row / column / value / reason; the row is the spreadsheet's row
   number, so people find it in Excel.
4. **Writing.** By key: a key already in the database updates that record (only the columns
   in the file; an empty cell leaves a field as it is), a new key creates one, a row that
   changes nothing writes nothing — so importing the same file twice changes nothing the second
   time. Mode "all" (the default) writes nothing if any row is bad; mode "good" writes the good
   rows and reports the bad. The write is one transaction with bulk_create / bulk_update in
   batches and one audit event per created or changed record, so a crash leaves all or nothing.
   Lists with `import_via_hooks` (customers, subcontractors, …) instead write each row through
   their own services, in a savepoint per row, inside one transaction: a row a service refuses
   is reported like any bad row, and the transaction is rolled back on a dry run or when mode
   "all" found any error — so their rules are checked on a dry run too.
5. **Grouped lists** (a BOM's lines, a bundle's components: `MasterList.group_by`): every row
   needs every required column; rows are grouped by their parent (product + version), and each
   group becomes that parent's lines through `write_group`, in a savepoint of its own, so a
   refused group (a cycle, a retired component) is reported on the row and column it names.
   A group with any bad row is not written at all — in mode "good" its other rows are reported
   as skipped too, since importing part of a group would drop the other lines. Counts are rows:
   a row counts as created, updated or unchanged as its group was.
"""

import csv
import datetime
import io
import logging
import re
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial

from django.db import IntegrityError, connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, FieldError, ValidationFailed
from shopflow.core.masterdata import (
    MANY_SEPARATOR,
    CellError,
    Column,
    MasterList,
    RowPlan,
    column_help,
    get_list,
    many_ids,
    normalize_header,
    require_list,
    split_many,
)
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.serialize import json_value
from shopflow.core.xlsx import safe_sheet_title, write_csv, write_xlsx

logger = logging.getLogger(__name__)

MODE_ALL = "all"  # all-or-nothing: any bad row and nothing is written
MODE_GOOD = "good"  # import the good rows, report the bad ones
MODES = (MODE_ALL, MODE_GOOD)

# Detailed errors kept per import; beyond it they are only counted.
MAX_REPORTED_ERRORS = 10_000
# Rows per INSERT / UPDATE statement, and between two progress reports.
BATCH = 500
PROGRESS_EVERY = 2_000
HEADER_SEARCH_ROWS = 10

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and other MS Office binaries)
MISDECODE_SAMPLE = 100_000  # characters of a GBK-decoded file checked for garbling
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+\d+$")

# progress(phase, done, total); phases: "read", "check", "write".
Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- results


@dataclass
class RowError:
    row: int  # spreadsheet row number; 0 = the file as a whole
    column: str  # the header as in the file (or as expected, for a missing column)
    value: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message,
                "code": self.code}


@dataclass
class ImportResult:
    list_key: str
    filename: str
    mode: str = MODE_ALL
    dry_run: bool = False
    rows: int = 0  # data rows read (blank rows are skipped)
    created: int = 0  # records created (or that would be, when nothing was written)
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0  # rows with at least one error
    error_count: int = 0  # every error found; `errors` holds the first MAX_REPORTED_ERRORS
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""  # "xlsx", "utf-8", "utf-8-sig", "gb18030", "utf-16"
    file_error: bool = False  # the file itself was refused (unreadable, empty, too big, no key column)
    written: bool = False  # whether anything was saved
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def summary(self) -> dict:
        return {k: getattr(self, k) for k in ("list_key", "filename", "mode", "dry_run", "rows", "created",
                                               "updated", "unchanged", "bad_rows", "error_count", "written",
                                               "encoding", "file_error")}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `errors` say why (row 0 or the header row)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _file_error(message: str, code: str, *, row: int = 0, column: str = "", value: str = "") -> ImportFileError:
    return ImportFileError([RowError(row, column, value, message, code)])


# ---------------------------------------------------------------- reading


@dataclass
class Table:
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells as text), blank rows left out
    encoding: str


def cell_to_text(value) -> str:
    """An .xlsx cell as the text a person sees: 12.5 not 12.500000000000002, 6901234567892 not
    6.901234567892e12, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")  # Excel keeps 15 significant digits
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with BOM, UTF-16 with BOM, UTF-8, then GB18030 (a superset of GBK)."""
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _looks_misdecoded(text):
            raise _file_error(_("The file is not in UTF-8 or GBK: read as GBK its text comes out garbled (it may be "
                                "Big5 / Traditional Chinese, or a Western encoding). Save it from Excel as .xlsx or "
                                "as “CSV UTF-8” and try again."), "wrong_encoding")
        return text.lstrip("\ufeff"), encoding
    raise _file_error(_("The file is neither an Excel workbook (.xlsx) nor text in UTF-8 or GBK; save it from "
                        "Excel as .xlsx or as “CSV UTF-8” and try again."), "unreadable")


def _looks_misdecoded(text: str) -> bool:
    """GB18030 decodes almost any bytes. Big5, Shift-JIS or Windows-1252 text read that way comes
    out as private-use code points and GBK characters outside GB2312, which Chinese product, order
    and customer data has only now and then (a 堃 or 镕 in a name, a 謝 in a remark). Garbled:
    such characters are at least 3 and more than a quarter of the non-ASCII text, or a quarter of
    it sits right after a Latin letter — an accented letter and the letter after it become one
    character ("Mütze" → "M黷ze"). The whole file has one encoding, so its start tells."""
    total = odd = after_latin = 0
    previous = ""
    for ch in text[:MISDECODE_SAMPLE]:
        if ch >= "\x80":
            total += 1
            if _unusual(ch):
                odd += 1
                after_latin += previous.isascii() and previous.isalpha()
        previous = ch
    return (odd >= 3 and odd * 4 > total) or (after_latin > 0 and after_latin * 4 >= total)


@cache
def _unusual(ch: str) -> bool:
    """A private-use code point, or a two-byte GBK character that GB2312 lacks."""
    if "\ue000" <= ch <= "\uf8ff":
        return True
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return len(ch.encode("gb18030")) == 2
    return False


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > len(sample) // 100 + 2


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _limit_rows(count: int) -> None:
    limit = setting("IMPORT_MAX_ROWS")
    if count > limit:
        raise _file_error(_("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": limit},
                          "too_many_rows")


def read_csv(content: bytes) -> Table:
    text, encoding = decode_text(content)
    if _looks_binary(text):
        raise _file_error(_("This is not a CSV or Excel file (it contains binary data)."), "binary")
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # Rows are numbered as Excel shows them: one per record, even when a quoted cell
        # holds a line break (csv's line_num would count physical lines).
        for number, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                rows.append((number, cells))
                _limit_rows(len(rows))
    except csv.Error as exc:
        raise _file_error(_("The CSV file is malformed near line %(line)s: %(problem)s")
                          % {"line": reader.line_num, "problem": exc}, "bad_csv", row=reader.line_num) from None
    return Table(rows, encoding)


def read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook  # heavy; only when an .xlsx arrives
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        logger.info("unreadable xlsx: %s", exc)
        raise _file_error(_("The file is not a valid Excel workbook (.xlsx); open it in Excel or WPS and save it "
                            "again as .xlsx."), "bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return Table([], "xlsx")
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_to_text(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append((number, cells))
                _limit_rows(len(rows))
        return Table(rows, "xlsx")
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        logger.info("unreadable xlsx: %s", exc)
        raise _file_error(_("The file is not a valid Excel workbook (.xlsx); open it in Excel or WPS and save it "
                            "again as .xlsx."), "bad_xlsx") from None
    finally:
        workbook.close()


def read_table(content: bytes, filename: str = "") -> Table:
    """The file's non-blank rows as text, whatever the format; ImportFileError if unreadable."""
    limit = setting("IMPORT_MAX_BYTES")
    if len(content) > limit:
        raise _file_error(_("The file is %(size)s; files up to %(limit)s can be imported. Split it into smaller "
                            "files.") % {"size": human_size(len(content)), "limit": human_size(limit)}, "too_large")
    if not content.strip():
        raise _file_error(_("The file is empty."), "empty")
    if content.startswith(XLSX_MAGIC):
        return read_xlsx(content)
    if content.startswith(OLE_MAGIC):
        raise _file_error(_("Old Excel files (.xls) cannot be read; save the file as .xlsx and try again."), "xls")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _file_error(_("The file is named .xlsx but is not an Excel workbook; open it in Excel or WPS and "
                            "save it again as .xlsx."), "bad_xlsx")
    return read_csv(content)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# ---------------------------------------------------------------- headers


@dataclass
class Header:
    row: int
    columns: dict[int, Column]  # cell index → column
    names: dict[str, str]  # column name → header as written in the file
    ignored: list[str]
    chinese: bool = True  # the file's headers are Chinese (missing columns are named that way)


def find_header(master_list: MasterList, table: Table) -> Header:
    index = master_list.header_index()
    key_column = master_list.column(master_list.key_fields[0])
    key_names = {normalize_header(n) for n in key_column.header_names()}
    candidates = table.rows[:HEADER_SEARCH_ROWS]
    if not candidates:
        raise _file_error(_("The file is empty."), "empty")
    # The first row naming the key column; else the first row (then the key column is missing).
    row, cells = next(((n, c) for n, c in candidates if key_names & {normalize_header(x) for x in c}),
                      candidates[0])
    columns, names, ignored, errors = {}, {}, [], []
    for position, text in enumerate(cells):
        if not text.strip():
            continue
        column = index.get(normalize_header(text))
        if column is None:
            ignored.append(text.strip())
        elif column.name in names:
            errors.append(RowError(row, text.strip(), "", _("This column and “%(other)s” are the same column; "
                                                             "keep one of them.") % {"other": names[column.name]},
                                   "duplicate_column"))
        else:
            columns[position] = column
            names[column.name] = text.strip()
    # A missing column is named in the language the file's other headers are in.
    written = {normalize_header(x) for x in cells}
    chinese = sum(normalize_header(c.zh) in written for c in index.values()) >= \
        sum(normalize_header(c.en) in written for c in index.values())
    # Without a key column no row can be matched; other required columns (a name) are only
    # needed by new records, so a file that updates prices may leave them out (see plan()).
    for column in master_list.required_columns:
        if column.name not in names and column.name in master_list.key_fields:
            errors.append(RowError(row, column.zh if chinese else column.en, "",
                                   _("The required column “%(zh)s” (%(en)s) is missing.")
                                   % {"zh": column.zh, "en": column.en}, "missing_column"))
    if errors:
        raise ImportFileError(errors)
    return Header(row, columns, names, ignored, chinese)


# ---------------------------------------------------------------- checking


def new_instances(model) -> Callable[[], models.Model]:
    """A factory of unsaved instances with the model's defaults, for 100 000 rows at a time:
    Model() costs tens of µs per call, a copy of a template a few. Defaults that are callables
    (a timestamp, a dict) are called again for each instance."""
    template = model()
    fresh_defaults = [f for f in model._meta.concrete_fields if callable(f.default)
                      and f.default is not models.NOT_PROVIDED]
    base = template.__dict__.copy()
    base.pop("_state", None)

    def make():
        obj = model.__new__(model)
        obj.__dict__.update(base)
        obj._state = ModelState()
        for db_field in fresh_defaults:
            setattr(obj, db_field.attname, db_field.get_default())
        return obj

    return make


@dataclass
class Row:
    row: int
    values: dict = field(default_factory=dict)  # column name → parsed value
    raw: dict = field(default_factory=dict)  # column name → text as in the file
    bad: bool = False
    key: tuple = ()
    plan: RowPlan | None = None
    status: str = ""  # a grouped list's row: "created", "updated" or "unchanged", as its group


class _Checker:
    def __init__(self, master_list: MasterList, header: Header, result: ImportResult, progress: Progress):
        self.ml = master_list
        self.header = header
        self.result = result
        self.progress = progress
        self.parsers = {c.name: self.ml.parser(c) for c in header.columns.values() if c.ref is None}
        self.text_fields = {c.name for c in header.columns.values()
                            if isinstance(self.ml.db_field(c.name), models.CharField) and c.ref is None}

    def error(self, row: Row, name: str, message: str, code: str) -> None:
        row.bad = True
        column = self.header.names.get(name) or (self.ml.column(name).zh if self.header.chinese
                                                 else self.ml.column(name).en)
        self.result.add(RowError(row.row, column, row.raw.get(name, ""), str(message), code))

    # -------- cells

    def parse(self, table: Table) -> list[Row]:
        rows = []
        data = [r for r in table.rows if r[0] > self.header.row]
        total = len(data)
        for done, (number, cells) in enumerate(data, start=1):
            row = Row(number)
            for position, column in self.header.columns.items():
                text = cells[position].strip() if position < len(cells) else ""
                if not text:
                    continue
                row.raw[column.name] = text
                if column.ref is not None:
                    continue  # resolved for the whole file at once
                if column.name in self.text_fields and SCIENTIFIC.match(text):
                    self.error(row, column.name, _("Excel turned a long number into “%(value)s” and lost digits; "
                                                   "format the column as text and export again.")
                               % {"value": text}, "scientific_notation")
                    continue
                try:
                    row.values[column.name] = self.parsers[column.name](text)
                except CellError as exc:
                    self.error(row, column.name, exc.message, exc.code)
            for name in self.ml.key_fields:
                if name not in row.raw:
                    self.error(row, name, _("Required: the %(column)s identifies the record.")
                               % {"column": self.ml.column(name).header()}, "required")
            row.key = tuple(row.values.get(n) for n in self.ml.key_fields)
            rows.append(row)
            if done % PROGRESS_EVERY == 0:
                self.progress("check", done, total)
        return rows

    def duplicates(self, rows: list[Row]) -> None:
        seen = defaultdict(list)
        for row in rows:
            if None not in row.key:
                seen[row.key].append(row)
        for same in seen.values():
            if len(same) < 2:
                continue
            numbers = [r.row for r in same]
            name = self.ml.key_fields[-1 if self.ml.grouped else 0]  # a grouped list: the line's own key
            for row in same:
                others = ", ".join(str(n) for n in numbers if n != row.row)
                self.error(row, name, _("Duplicate in this file: also on row %(rows)s.") % {"rows": others},
                           "duplicate_key")

    def references(self, rows: list[Row]) -> None:
        for column in self.header.columns.values():
            if column.ref is None:
                continue
            if self.ml.db_field(column.name).many_to_many:
                self.many_references(column, rows)
                continue
            texts = {r.raw[column.name] for r in rows if column.name in r.raw}
            found = column.ref.resolve(texts) if texts else {}
            label = self.header.names[column.name]
            for row in rows:
                text = row.raw.get(column.name)
                if text is None:
                    continue
                if text in found:
                    row.values[column.name] = found[text]
                else:
                    self.error(row, column.name, _("Unknown %(what)s “%(value)s”.") % {"what": label, "value": text},
                               "unknown_reference")

    def many_references(self, column: Column, rows: list[Row]) -> None:
        """"CUT、SEW" → [id of CUT, id of SEW]; every text must be known."""
        parts = {r.row: split_many(r.raw[column.name]) for r in rows if column.name in r.raw}
        texts = {t for p in parts.values() for t in p}
        found = column.ref.resolve(texts) if texts else {}
        label = self.header.names[column.name]
        for row in rows:
            if row.row not in parts:
                continue
            unknown = [t for t in parts[row.row] if t not in found]
            if unknown:
                self.error(row, column.name, _("Unknown %(what)s “%(value)s”.")
                           % {"what": label, "value": MANY_SEPARATOR.join(unknown)}, "unknown_reference")
            else:
                row.values[column.name] = list(dict.fromkeys(found[t] for t in parts[row.row]))

    def keys(self, rows: list[Row]) -> None:
        """Each row's key, once references are resolved: a key may name one (warehouse + bin
        code), and then holds its id."""
        for row in rows:
            row.key = tuple(row.values.get(n) for n in self.ml.key_fields)

    # -------- against the database

    def existing(self, rows: list[Row]) -> dict[tuple, models.Model]:
        keys = [r.key for r in rows if None not in r.key]
        attnames = [self.ml.db_field(n).attname for n in self.ml.key_fields]
        out = {}
        if len(self.ml.key_fields) == 1:
            name = self.ml.key_fields[0]
            values = sorted({k[0] for k in keys})
            for start in range(0, len(values), 2000):
                for obj in self.ml.model.objects.filter(**{f"{name}__in": values[start:start + 2000]}):
                    out[(getattr(obj, attnames[0]),)] = obj
        else:
            wanted = set(keys)
            first = self.ml.key_fields[0]
            values = sorted({k[0] for k in keys})
            for start in range(0, len(values), 2000):
                for obj in self.ml.model.objects.filter(**{f"{first}__in": values[start:start + 2000]}):
                    key = tuple(getattr(obj, a) for a in attnames)
                    if key in wanted:
                        out[key] = obj
        return out

    def plan(self, rows: list[Row]) -> None:
        found = self.existing(rows)
        fresh = new_instances(self.ml.model)
        attnames = {c.name: self.ml.db_field(c.name).attname for c in self.ml.columns}
        many = [c.name for c in self.header.columns.values() if self.ml.db_field(c.name).many_to_many]
        linked = {name: many_ids(self.ml, name, [o.pk for o in found.values()]) for name in many}
        required = [c for c in self.ml.required_columns if c.name not in self.ml.key_fields]
        for row in rows:
            obj = found.get(row.key)
            if obj is None and None not in row.key:
                for column in required:
                    if column.name not in self.header.names:
                        self.error(row, column.name, _("Required for a new record, and the file has no “%(zh)s” "
                                                       "(%(en)s) column.") % {"zh": column.zh, "en": column.en},
                                   "missing_column")
                    elif column.name not in row.raw:
                        self.error(row, column.name, _("Required for a new record."), "required")
            if row.bad:
                continue
            if obj is None:
                obj = fresh()
                for name, value in row.values.items():
                    if name not in many:
                        setattr(obj, attnames[name], value)
                row.plan = RowPlan(row=row.row, obj=obj, is_new=True, changed=set(row.values), values=row.values)
                continue
            changed, before = set(), {}
            for name, value in row.values.items():
                if name in many:
                    current = linked[name].get(obj.pk, [])
                    if set(current) != set(value):
                        changed.add(name)
                        before[name] = current
                    continue
                attname = attnames[name]
                current = getattr(obj, attname)
                if current != value:
                    changed.add(name)
                    before[name] = current
                    setattr(obj, attname, value)
            row.plan = RowPlan(row=row.row, obj=obj, is_new=False, changed=changed, before=before, values=row.values)

    def unique_columns(self, rows: list[Row]) -> None:
        for column in self.header.columns.values():
            if not column.unique:
                continue
            name = column.name
            holders = defaultdict(list)
            for row in rows:
                value = row.values.get(name)
                if row.plan is not None and value not in ("", None):
                    holders[value].append(row)
            for same in holders.values():
                if len(same) > 1:
                    numbers = [r.row for r in same]
                    for row in same:
                        others = ", ".join(str(n) for n in numbers if n != row.row)
                        self.error(row, name, _("Duplicate in this file: also on row %(rows)s.") % {"rows": others},
                                   "duplicate_value")
            values = sorted(holders)
            owners = {}
            key_name = self.ml.key_fields[0]
            for start in range(0, len(values), 2000):
                chunk = values[start:start + 2000]
                for pk, value, key in self.ml.model.objects.filter(**{f"{name}__in": chunk}).values_list(
                        "pk", name, key_name):
                    owners[value] = (pk, key)
            for value, same in holders.items():
                owner = owners.get(value)
                for row in same:
                    if owner is not None and owner[0] != row.plan.obj.pk:
                        self.error(row, name, _("Already used by %(key)s.") % {"key": owner[1]}, "duplicate_value")

    def app_rules(self, rows: list[Row]) -> None:
        if self.ml.check_rows is None:
            return
        by_row = {r.row: r for r in rows}
        plans = [r.plan for r in rows if r.plan is not None and not r.bad]
        for plan, name, message, *code in self.ml.check_rows(plans):
            self.error(by_row[plan.row], name, message, str(code[0]) if code else "rule")


# ---------------------------------------------------------------- writing


# Django's bulk_create / bulk_update compile every value through the ORM (about 10 µs each) and
# bulk_update writes one CASE per field and row; for 100 000 rows that is most of a minute.
# The import writes the rows it has already validated more directly, inside one transaction:
# on SQLite one prepared INSERT / UPDATE run for every row (executemany), on PostgreSQL COPY
# (into a temporary table for updates, then one UPDATE … FROM).

_PLAIN = (models.CharField, models.TextField, models.BooleanField, models.IntegerField, models.DecimalField,
          models.ForeignKey)


def _converter(db_field, connection) -> Callable | None:
    """Python value → what the database driver takes; None where the value goes as it is."""
    if isinstance(db_field, models.JSONField):
        return lambda v: None if v is None else connection.ops.adapt_json_value(v, db_field.encoder)
    if isinstance(db_field, models.CharField | models.TextField):
        # TextChoices members (a model default) → plain str; other text goes as it is.
        return (lambda v: v if v is None or type(v) is str else str(v)) if db_field.choices else None
    if isinstance(db_field, _PLAIN):
        return None
    return lambda v: db_field.get_db_prep_save(v, connection)


def _prepared(fields: list, rows: list[tuple]) -> list:
    convert = [(i, c) for i, c in enumerate(_converter(f, connection) for f in fields) if c is not None]
    if not convert:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i, c in convert:
            row[i] = c(row[i])
        out.append(row)
    return out


def _executemany(sql: str, rows: list, progress: Callable[[int], None]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 4):
            chunk = rows[start:start + BATCH * 4]
            cursor.executemany(sql, chunk)
            progress(len(chunk))


def _copy(cursor, table: str, columns: list[str], rows: list, progress: Callable[[int], None]) -> None:
    """PostgreSQL's COPY: the fastest way in, with values adapted by psycopg as usual."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:  # psycopg errors → Django's
        for index, row in enumerate(rows, start=1):
            copy.write_row(row)
            if index % (BATCH * 4) == 0:
                progress(BATCH * 4)
    progress(len(rows) % (BATCH * 4))


def insert_rows(model, fields: list, rows: list[tuple], progress: Callable[[int], None]) -> None:
    """INSERT rows (tuples of Python values in `fields` order): COPY on PostgreSQL, one prepared
    statement run for every row elsewhere."""
    rows = _prepared(fields, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _copy(cursor, model._meta.db_table, [f.column for f in fields], rows, progress)
        return
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    _executemany(sql, rows, progress)


def update_rows(model, fields: list, rows: list[tuple], progress: Callable[[int], None]) -> None:
    """UPDATE by primary key: each row is (values in `fields` order..., pk). On PostgreSQL the rows
    are copied into a temporary table and applied with one UPDATE … FROM."""
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    rows = _prepared([*fields, model._meta.pk], rows)
    if connection.vendor == "postgresql":
        scratch = f"{table}_import"
        columns = [f.column for f in fields] + [pk]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {quote(scratch)} ON COMMIT DROP AS "
                           f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} WITH NO DATA")
            _copy(cursor, scratch, columns, rows, progress)
            sets = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
            cursor.execute(f"UPDATE {quote(table)} AS t SET {sets} FROM {quote(scratch)} AS s "
                           f"WHERE t.{quote(pk)} = s.{quote(pk)}")
            cursor.execute(f"DROP TABLE {quote(scratch)}")
        return
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    _executemany(f"UPDATE {quote(table)} SET {sets} WHERE {quote(pk)} = %s", rows, progress)


def _json(value):
    return value if value is None or type(value) in (str, int, bool) else json_value(value)


AUDIT_FIELDS = ("doc_type", "doc_id", "action", "from_state", "to_state", "actor", "at", "reason", "payload")


def _audit_rows(master_list: MasterList, plans: list[RowPlan], *, actor, filename: str) -> list[tuple]:
    """AuditEvent rows in AUDIT_FIELDS order: one per written record."""
    attnames = [(c.name, master_list.db_field(c.name).attname) for c in master_list.importable_columns]
    label = master_list.model._meta.label_lower
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    rows = []
    for plan in plans:
        obj = plan.obj
        if plan.is_new:
            payload = {"source": "import", "file": filename,
                       "values": {n: _json(getattr(obj, a)) for n, a in attnames}}
        else:
            payload = {"source": "import", "file": filename,
                       "changes": {n: [_json(plan.before[n]), _json(getattr(obj, a))]
                                   for n, a in attnames if n in plan.changed}}
        rows.append((label, obj.pk, "create" if plan.is_new else "update", "", "", actor_id, now, "", payload))
    return rows


def _write(master_list: MasterList, plans: list[RowPlan], *, actor, filename: str, progress: Progress) -> None:
    new = [p for p in plans if p.is_new]
    changed = [p for p in plans if not p.is_new and p.changed]
    total = len(new) + len(changed)
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done = min(total, done + count)
        progress("write", done, total)

    model = master_list.model
    meta = model._meta
    with transaction.atomic():
        if new:
            fields = [f for f in meta.concrete_fields if not f.primary_key]
            insert_rows(model, fields, [tuple(getattr(p.obj, f.attname) for f in fields) for p in new], step)
            _fetch_ids(master_list, new)
        if changed:
            names = sorted({n for p in changed for n in p.changed})
            fields = [master_list.db_field(n) for n in names]
            update_rows(model, fields, [(*(getattr(p.obj, f.attname) for f in fields), p.obj.pk) for p in changed],
                        step)
        audit = AuditEvent._meta
        fields = [audit.get_field(n) for n in AUDIT_FIELDS]
        insert_rows(AuditEvent, fields, _audit_rows(master_list, new + changed, actor=actor, filename=filename),
                    lambda count: None)


def _fetch_ids(master_list: MasterList, plans: list[RowPlan]) -> None:
    """The ids of freshly inserted records, by their key (executemany returns none)."""
    names = master_list.key_fields
    attnames = [master_list.db_field(n).attname for n in names]
    by_key = {tuple(getattr(p.obj, a) for a in attnames): p.obj for p in plans}
    firsts = sorted({k[0] for k in by_key})
    for start in range(0, len(firsts), 2000):
        rows = master_list.model.objects.filter(**{f"{names[0]}__in": firsts[start:start + 2000]})
        for pk, *key in rows.values_list("pk", *names):
            obj = by_key.get(tuple(key))
            if obj is not None:
                obj.pk = pk


def _error_column(master_list: MasterList, path: str) -> str:
    """A service's field path ("mobile", "processing_categories[1]", "lines[0].code") → the
    column it is about, or "" when it names none."""
    name = re.split(r"[.\[]", path or "", maxsplit=1)[0]
    return name if name in {c.name for c in master_list.columns} else ""


def _really_changed(master_list: MasterList, plan: RowPlan, saved) -> set[str]:
    """The names whose value the hook really changed: a service may normalise what the file
    says ("138 0013 8000" → "13800138000") back to what was stored."""
    out = set()
    for name in plan.changed:
        db_field = master_list.db_field(name)
        if db_field.many_to_many:
            now = many_ids(master_list, name, [saved.pk])[saved.pk]
            if set(now) != set(plan.before.get(name, [])):
                out.add(name)
        elif getattr(saved, db_field.attname) != plan.before.get(name):
            out.add(name)
    return out


def _write_each(master_list: MasterList, rows: list[Row], checker: "_Checker", *, actor,
                progress: Progress) -> None:
    """Each good row that creates or changes something, through the list's create / update
    hooks in a savepoint of its own. What a hook refuses becomes that row's errors; the rest of
    the file goes on. The caller holds the transaction and decides whether to keep it."""
    todo = [r for r in rows if r.plan is not None and not r.bad and (r.plan.is_new or r.plan.changed)]
    for done, row in enumerate(todo, start=1):
        plan = row.plan
        try:
            with transaction.atomic():
                if plan.is_new:
                    master_list.create(actor=actor, values=dict(plan.values))
                else:
                    saved = master_list.update(obj=plan.obj, actor=actor,
                                               changes={n: plan.values[n] for n in sorted(plan.changed)})
                    plan.changed = _really_changed(master_list, plan, saved)
        except DomainError as exc:
            problems = exc.errors or [FieldError(exc.field, exc.message, exc.code)]
            for problem in problems:
                name = _error_column(master_list, problem.field)
                if name:
                    checker.error(row, name, problem.message, problem.code)
                else:
                    row.bad = True
                    checker.result.add(RowError(row.row, "", "", problem.message, problem.code))
        except IntegrityError as exc:
            logger.warning("import into %s: row %s refused by the database: %s", master_list.key, row.row, exc)
            row.bad = True
            checker.result.add(RowError(row.row, "", "", _("This row conflicts with a record saved meanwhile; "
                                                           "import the file again."), "conflict"))
        if done % PROGRESS_EVERY == 0 or done == len(todo):
            progress("write", done, len(todo))


def _import_via_hooks(master_list: MasterList, rows: list[Row], checker: "_Checker", *, actor, mode: str,
                      dry_run: bool, progress: Progress) -> bool:
    """Write through the hooks in one transaction; keep it only when that is what was asked
    (not a dry run; mode "good", or no errors at all). Returns whether it was kept."""
    with transaction.atomic():
        _write_each(master_list, rows, checker, actor=actor, progress=progress)
        keep = not dry_run and not (mode == MODE_ALL and checker.result.error_count)
        if not keep:
            transaction.set_rollback(True)
    return keep


# ---------------------------------------------------------------- grouped lists: a parent's lines

_ROW_PATH = re.compile(r"^rows\[(\d+)\]\.?(.*)$")


def _group_target(master_list: MasterList, path: str) -> tuple[int, str]:
    """A write_group error path → (the row's index in its group, the column or ""):
    "rows[2].quantity" → (2, "quantity"), "bom__version" → (0, "bom__version")."""
    match = _ROW_PATH.match(path or "")
    index, rest = (int(match[1]), match[2]) if match else (0, path or "")
    return index, _error_column(master_list, rest)


def _check_groups(master_list: MasterList, header: Header, rows: list[Row], checker: "_Checker") -> dict:
    """Required cells, parent columns that agree within each group and the list's rules; the
    groups {parent key: rows} in the file's order. A missing required column is a file error."""
    missing = [c for c in master_list.required_columns if c.name not in header.names]
    if missing:
        raise ImportFileError([RowError(header.row, c.zh if header.chinese else c.en, "",
                                        _("The required column “%(zh)s” (%(en)s) is missing.")
                                        % {"zh": c.zh, "en": c.en}, "missing_column") for c in missing])
    required = [c.name for c in master_list.required_columns if c.name not in master_list.key_fields]
    groups: dict[tuple, list[Row]] = {}
    size = len(master_list.group_by)
    for row in rows:
        for name in required:
            if name not in row.raw:
                checker.error(row, name, _("Required."), "required")
        for column in header.columns.values():
            if column.name not in row.raw:
                row.values[column.name] = None
        if None not in row.key[:size]:
            groups.setdefault(row.key[:size], []).append(row)
    for members in groups.values():
        for column in master_list.parent_columns:
            first = next((r for r in members if r.values.get(column.name) is not None), None)
            for row in members:
                if first is not None and row.values.get(column.name) not in (None, first.values[column.name]):
                    checker.error(row, column.name, _("Row %(row)s of the same group says “%(value)s”; write the "
                                                      "same on every row of a group.")
                                  % {"row": first.row, "value": first.raw[column.name]}, "group_disagrees")
    for row in rows:
        if not row.bad:
            row.plan = RowPlan(row=row.row, obj=None, is_new=False, values=row.values)
    checker.app_rules(rows)
    return groups


def _write_groups(master_list: MasterList, groups: dict, checker: "_Checker", *, actor, progress: Progress) -> None:
    """Each group without a bad row through write_group, in a savepoint of its own; what it refuses
    becomes errors on the rows and columns it names."""
    todo = [(key, members) for key, members in groups.items() if not any(r.bad for r in members)]
    for done, (key, members) in enumerate(todo, start=1):
        try:
            with transaction.atomic():
                status = master_list.write_group(actor=actor, key=dict(zip(master_list.group_by, key, strict=True)),
                                                 rows=[dict(r.values) for r in members])
        except DomainError as exc:
            for problem in exc.errors or [FieldError(exc.field, exc.message, exc.code)]:
                index, name = _group_target(master_list, problem.field)
                row = members[index] if index < len(members) else members[0]
                if name:
                    checker.error(row, name, problem.message, problem.code)
                else:
                    row.bad = True
                    checker.result.add(RowError(row.row, "", "", problem.message, problem.code))
        except IntegrityError as exc:
            logger.warning("import into %s: group %s refused by the database: %s", master_list.key, key, exc)
            members[0].bad = True
            checker.result.add(RowError(members[0].row, "", "", _("This row conflicts with a record saved meanwhile; "
                                                                  "import the file again."), "conflict"))
        else:
            for row in members:
                row.status = status
        if done % PROGRESS_EVERY == 0 or done == len(todo):
            progress("write", done, len(todo))


def _skip_whole_groups(groups: dict, checker: "_Checker") -> None:
    """Mode "good": a group with a bad row was not written; its other rows say so, because
    importing only the fixed rows later would replace the parent's lines with just those."""
    for members in groups.values():
        bad = [str(r.row) for r in members if r.bad]
        if not bad:
            continue
        for row in members:
            if not row.bad:
                row.bad = True
                checker.result.add(RowError(row.row, "", "", _("Not imported: row %(rows)s of the same group has "
                                                               "errors, and a group is imported whole or not at all.")
                                            % {"rows": ", ".join(bad)}, "group_has_errors"))


def _import_grouped(master_list: MasterList, header: Header, rows: list[Row], checker: "_Checker", *, actor,
                    mode: str, dry_run: bool, progress: Progress) -> None:
    result = checker.result
    try:
        groups = _check_groups(master_list, header, rows, checker)
    except ImportFileError as exc:
        result.file_error = True
        for error in exc.errors:
            result.add(error)
        return
    progress("check", len(rows), len(rows))
    with transaction.atomic():
        _write_groups(master_list, groups, checker, actor=actor, progress=progress)
        kept = not dry_run and not (mode == MODE_ALL and result.error_count)
        if not kept:
            transaction.set_rollback(True)
    if mode == MODE_GOOD:
        _skip_whole_groups(groups, checker)
    result.errors.sort(key=lambda e: e.row)
    good = [r for r in rows if not r.bad]
    result.bad_rows = len(rows) - len(good)
    result.created = sum(1 for r in good if r.status == "created")
    result.updated = sum(1 for r in good if r.status == "updated")
    result.unchanged = sum(1 for r in good if r.status == "unchanged")
    result.written = kept and bool(result.created or result.updated)


# ---------------------------------------------------------------- the import


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def import_file(master_list: MasterList, content: bytes, filename: str, *, actor=None, mode: str = MODE_ALL,
                dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Check the whole file, then write it as the mode says (nothing at all on a dry run).

    Permissions are the caller's business (pages and API check them; the command line is
    trusted). File-level problems come back as errors with row 0, never as exceptions."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    progress = progress or _no_progress
    started = time.monotonic()
    result = ImportResult(master_list.key, filename, mode, dry_run)
    try:
        progress("read", 0, 0)
        table = read_table(content, filename)
        result.encoding = table.encoding
        header = find_header(master_list, table)
    except ImportFileError as exc:
        result.file_error = True
        for error in exc.errors:
            result.add(error)
        result.seconds = time.monotonic() - started
        return result
    result.ignored_columns = header.ignored
    checker = _Checker(master_list, header, result, progress)
    rows = checker.parse(table)
    del table
    result.rows = len(rows)
    if not rows:
        result.file_error = True
        result.add(RowError(0, "", "", _("The file has a header row but no data rows."), "no_rows"))
        result.seconds = time.monotonic() - started
        return result
    checker.references(rows)
    checker.keys(rows)
    checker.duplicates(rows)
    if master_list.grouped:
        _import_grouped(master_list, header, rows, checker, actor=actor, mode=mode, dry_run=dry_run,
                        progress=progress)
        result.seconds = time.monotonic() - started
        return result
    checker.plan(rows)
    checker.unique_columns(rows)
    checker.app_rules(rows)
    progress("check", len(rows), len(rows))
    kept = None
    if master_list.import_via_hooks:
        kept = _import_via_hooks(master_list, rows, checker, actor=actor, mode=mode, dry_run=dry_run,
                                 progress=progress)
    result.errors.sort(key=lambda e: e.row)  # stable: within a row, in the order found
    good = [r.plan for r in rows if not r.bad and r.plan is not None]
    result.bad_rows = sum(1 for r in rows if r.bad)
    result.created = sum(1 for p in good if p.is_new)
    result.updated = sum(1 for p in good if not p.is_new and p.changed)
    result.unchanged = sum(1 for p in good if not p.is_new and not p.changed)
    if kept is not None:
        result.written = kept and bool(result.created or result.updated)
        result.seconds = time.monotonic() - started
        return result
    if dry_run or (mode == MODE_ALL and result.error_count) or not (result.created or result.updated):
        result.seconds = time.monotonic() - started
        return result
    try:
        _write(master_list, good, actor=actor, filename=filename, progress=progress)
    except IntegrityError as exc:
        logger.warning("import of %s into %s failed on write: %s", filename, master_list.key, exc)
        result.add(RowError(0, "", "", _("Nothing was saved: the list was changed by someone else while the file "
                                         "was imported. Import the file again."), "conflict"))
    else:
        result.written = True
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------- template


def template_workbook(master_list: MasterList) -> bytes:
    """An empty import file: the header row in the active language (required columns in red),
    columns that hold codes formatted as text so Excel keeps 00123 and long barcodes intact,
    and a second sheet saying what to write in each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheet = wb.active
    sheet.title = safe_sheet_title(str(master_list.label_plural))
    required = {c.name for c in master_list.required_columns}
    head_fill = PatternFill("solid", fgColor="E8EEF9")
    for index, column in enumerate(master_list.importable_columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header())
        cell.font = Font(bold=True, color="C62828" if column.name in required else "1F2937")
        cell.fill = head_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header()) * 2 + 4)
        if isinstance(master_list.db_field(column.name), models.CharField):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = wb.create_sheet(_("Notes"))
    notes.append([_("Column"), _("Also accepted"), _("Required"), _("What to write")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    for column in master_list.importable_columns:
        notes.append([column.header(), " / ".join([column.zh if column.header() != column.zh else column.en,
                                                   *column.aliases]),
                      _("Yes") if column.name in required else "", column_help(master_list, column)])
    key = " + ".join(master_list.column(k).header() for k in master_list.key_fields)
    notes.append([])
    if master_list.grouped:
        rules = (_("One row per line. Rows with the same %(group)s are one group: they become all of its lines "
                   "(lines not in the file are removed), so keep a group's rows in one file.")
                 % {"group": " + ".join(master_list.column(k).header() for k in master_list.group_by)},
                 _("Importing the same file again changes nothing."))
    else:
        rules = (_("Rows whose %(key)s already exists update that record; other rows create new records.")
                 % {"key": key},
                 _("Only the columns in the file are changed; an empty cell leaves the field as it is."))
    for line in (
        *rules,
        _("Headers may be in Chinese or English; extra columns are ignored."),
        _("Save as .xlsx, or as CSV in UTF-8 or GBK."),
    ):
        notes.append([line])
    for letter, size in zip("ABCD", (18, 30, 10, 60), strict=True):
        notes.column_dimensions[letter].width = size
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- error report


def error_report(errors: list[dict], filename: str, *, fmt: str = "xlsx") -> bytes:
    """The errors as a spreadsheet people can sort and filter: file, row, column, value, reason.
    Values come from the uploaded file, so formulas are neutralised like any export."""
    headers = [_("File"), _("Row"), _("Column"), _("Value"), _("Reason")]
    rows = ([filename, e["row"] or "", e["column"], e["value"], e["message"]] for e in errors)
    if fmt == "csv":
        return write_csv(headers=headers, rows=rows, max_rows=MAX_REPORTED_ERRORS)[0]
    return write_xlsx(title=_("Errors"), headers=headers, rows=rows, max_rows=MAX_REPORTED_ERRORS)[0]


# ---------------------------------------------------------------- background jobs


def import_job_create(*, master_list: MasterList, content: bytes, filename: str, actor, mode: str = MODE_ALL,
                      dry_run: bool = False):
    """A queued import with the file stored in the database (a worker on another machine
    reads it there). Files over IMPORT_BACKGROUND_BYTES are left to the task queue (run_import),
    smaller ones are run at once; either way the job is returned (re-read after running)."""
    require_list(actor, master_list, "import")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    limit = setting("IMPORT_MAX_BYTES")
    if len(content) > limit:  # refused before it is stored
        raise ValidationFailed([FieldError("file", _("The file is %(size)s; files up to %(limit)s can be imported. "
                                                     "Split it into smaller files.")
                                           % {"size": human_size(len(content)), "limit": human_size(limit)},
                                           "too_large")])
    job = ImportJob.objects.create(list_key=master_list.key, filename=filename[:255], size=len(content), mode=mode,
                                   dry_run=dry_run, content=content, created_by=actor)
    if len(content) > setting("IMPORT_BACKGROUND_BYTES"):
        transaction.on_commit(partial(run_import.enqueue, job.pk))
    else:
        import_job_run(job.pk)
    job.refresh_from_db()
    return job


class _JobProgress:
    """Saves a job's progress at most every half second, and never inside the write
    transaction (no one else could see it there, and a rollback would undo it)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if transaction.get_connection().in_atomic_block and phase == "write":
            return
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        ImportJob.objects.filter(pk=self.job_id).update(phase=phase, done=done, total=total)


def import_job_run(job_id: int) -> dict:
    """Run a queued job once (a second call, e.g. a retried task, does nothing)."""
    started = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), phase="read")
    if not started:
        return {}
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        result = import_file(get_list(job.list_key), bytes(job.content), job.filename, actor=job.created_by,
                             mode=job.mode, dry_run=job.dry_run, progress=_JobProgress(job.pk))
    except Exception as exc:  # a bug: the job says so instead of waiting forever; the task still fails
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, finished_at=timezone.now(),
                                                   message=f"{type(exc).__name__}: {exc}"[:2000], content=b"")
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), phase="", done=result.rows, total=result.rows,
        summary={**result.summary(), "ignored_columns": result.ignored_columns, "seconds": round(result.seconds, 2)},
        errors=[e.as_dict() for e in result.errors], content=b"")
    return result.summary()


@task()
def run_import(job_id: int) -> dict:
    """The background task of a large import (see import_job_create)."""
    return import_job_run(job_id)
