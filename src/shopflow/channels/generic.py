"""The generic order sheet 通用订单表: one CSV or .xlsx file, one row per order line, the order's
own columns repeated on each of its rows — what a JD, Pinduoduo or Douyin export, a
distributor's list or an own-site dump becomes after a little work in Excel.

Columns are found by their header: the names below in Chinese or English, or a mapping the
user gives (`{"order_no": "单号", ...}`: our field → their header), so a file need not be
renamed first. Only the order number and the quantity are required. Every problem is
reported with the file, the spreadsheet row and the column; the other rows still import.

The mapping comes as `字段=表头` items (the command's --map values, the import page's lines):
`parse_mapping` reads them, `mapping_problems` checks them against a file's header row before
anything is imported."""

import datetime
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.channels.formats import FileProblem, PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.taobao import parse_amount, parse_time, unprotect
from shopflow.core.gcpause import gc_paused
from shopflow.core.imports import XLSX_MAGIC, ImportFileError, cell_to_text, read_csv, read_xlsx

logger = logging.getLogger(__name__)

# Our field → the headers it is known by (compared without spaces, case-insensitive).
FIELDS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单编号", "订单号", "平台订单号", "单号", "order_no", "order number", "order id"),
    "status": ("订单状态", "状态", "status"),
    "buyer_nick": ("买家会员名", "买家昵称", "买家", "会员名", "buyer", "buyer_nick"),
    "goods_amount": ("货款", "商品金额", "买家应付货款", "goods_amount"),
    "postage": ("邮费", "运费", "买家应付邮费", "postage", "shipping fee"),
    "total_amount": ("总金额", "订单金额", "total_amount", "total"),
    "paid_amount": ("实付金额", "买家实际支付金额", "实付款", "paid_amount", "paid"),
    "buyer_message": ("买家留言", "留言", "buyer_message", "buyer message"),
    "seller_remark": ("卖家备注", "订单备注", "备注", "seller_remark", "remark"),
    "receiver_name": ("收货人", "收货人姓名", "收件人", "receiver", "receiver_name"),
    "receiver_mobile": ("手机", "联系手机", "收货人手机", "手机号", "mobile", "receiver_mobile"),
    "receiver_phone": ("电话", "联系电话", "phone", "receiver_phone"),
    "receiver_address": ("收货地址", "地址", "详细地址", "address", "receiver_address"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "city"),
    "district": ("区", "区县", "district"),
    "created_at": ("下单时间", "订单创建时间", "创建时间", "created_at", "order time"),
    "paid_at": ("付款时间", "订单付款时间", "支付时间", "paid_at", "payment time"),
    "sku_code": ("商家编码", "商品编码", "SKU编码", "sku", "sku_code", "item code"),
    "title": ("商品名称", "宝贝标题", "标题", "商品", "title", "product"),
    "properties": ("商品属性", "规格", "颜色尺码", "properties", "variant"),
    "quantity": ("数量", "购买数量", "quantity", "qty"),
    "price": ("单价", "价格", "price", "unit price"),
}
REQUIRED = ("order_no", "quantity")
# What each field is, for people choosing a mapping (the import page lists them).
FIELD_LABELS = {
    "order_no": gettext_lazy("Order number"),
    "status": gettext_lazy("Order status"),
    "buyer_nick": gettext_lazy("Buyer's nickname"),
    "goods_amount": gettext_lazy("Goods amount"),
    "postage": gettext_lazy("Postage"),
    "total_amount": gettext_lazy("Total amount"),
    "paid_amount": gettext_lazy("Amount paid"),
    "buyer_message": gettext_lazy("Buyer message"),
    "seller_remark": gettext_lazy("Seller remark"),
    "receiver_name": gettext_lazy("Receiver"),
    "receiver_mobile": gettext_lazy("Receiver's mobile"),
    "receiver_phone": gettext_lazy("Receiver's phone"),
    "receiver_address": gettext_lazy("Address"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "district": gettext_lazy("District"),
    "created_at": gettext_lazy("Order time"),
    "paid_at": gettext_lazy("Payment time"),
    "sku_code": gettext_lazy("Item code"),
    "title": gettext_lazy("Item title"),
    "properties": gettext_lazy("Item properties"),
    "quantity": gettext_lazy("Quantity"),
    "price": gettext_lazy("Unit price"),
}
MAPPING_SEPARATORS = ("=", "＝")  # full-width too: typed with a Chinese input method
HEADER_BYTES = 256 * 1024  # of a CSV file read to find its header row (the job reads it whole)
# Status words of common exports → the normalised platform status.
STATUS_WORDS = {
    PlatformStatus.UNPAID: ("待付款", "等待买家付款", "未付款", "unpaid"),
    PlatformStatus.PAID: ("已付款", "待发货", "等待卖家发货", "买家已付款，等待卖家发货", "paid"),
    PlatformStatus.SHIPPED: ("已发货", "卖家已发货", "待收货", "shipped"),
    PlatformStatus.COMPLETED: ("已完成", "交易成功", "已签收", "completed"),
    PlatformStatus.CLOSED: ("已关闭", "交易关闭", "已取消", "closed", "cancelled"),
    PlatformStatus.REFUNDING: ("退款中", "售后中", "refunding"),
}


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text.replace("\ufeff", "")).split()).strip("*").casefold()


_STATUS = {_key(word): status for status, words in STATUS_WORDS.items() for word in words}
_AMOUNTS = ("goods_amount", "postage", "total_amount", "paid_amount")


class _RowProblem(ValueError):
    def __init__(self, column: str, message: str, code: str = "invalid"):
        super().__init__(message)
        self.column, self.message, self.code = column, message, code


def _columns(header: list[str], mapping: Mapping[str, str], name: str) -> tuple[dict[str, int], list[FileProblem]]:
    """Our field → its column index, from the user's mapping first, then the known names."""
    positions = {_key(text): i for i, text in reversed(list(enumerate(header)))}
    found, problems = {}, []
    for field, their_header in mapping.items():
        if field not in FIELDS:
            problems.append(FileProblem(name, 1, their_header, _("“%(field)s” is not a field of the order sheet.")
                                        % {"field": field}, "unknown_field"))
        elif _key(their_header) in positions:
            found[field] = positions[_key(their_header)]
        else:
            problems.append(FileProblem(name, 1, their_header, _("The file has no column “%(header)s” (mapped to "
                                                                  "%(field)s).") % {"header": their_header,
                                                                                    "field": field}, "no_column"))
    for field, names in FIELDS.items():
        if field not in found:
            taken = set(found.values())  # a column the user mapped is not also guessed for another field
            index = next((positions[_key(n)] for n in names if positions.get(_key(n), -1) not in taken | {-1}), None)
            if index is not None:
                found[field] = index
    for field in REQUIRED:
        if field not in found and field not in mapping:  # a mapped one that is not there is said above
            message = _("The file has no column for %(field)s (one of: %(names)s).") % {
                "field": FIELDS[field][0], "names": "、".join(FIELDS[field])}
            problems.append(FileProblem(name, 1, FIELDS[field][0], message, "missing_column"))
    return found, problems


class MappingError(ValueError):
    """Mapping items that cannot be read; `messages` says what is wrong with each, naming it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


_FIELD_NAMES = {_key(name): f for f, names in FIELDS.items() for name in (f, *names)}


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """`字段=表头` items → {our field: their header}. The field is named by its key (order_no) or
    any header it is known by (订单编号, 单号, …); blank items are skipped. MappingError names every
    item that is not `field=header`, names no field of the sheet, has no header or repeats a field."""
    mapping: dict[str, str] = {}
    messages = []
    for item in items:
        text = item.strip()
        if not text:
            continue
        cut = min((i for i in (text.find(s) for s in MAPPING_SEPARATORS) if i >= 0), default=-1)
        if cut < 0:
            messages.append(_("“%(text)s”: write it as field=header, e.g. 订单编号=单号.") % {"text": text})
            continue
        name, header = text[:cut].strip(), text[cut + 1:].strip()
        field = _FIELD_NAMES.get(_key(name))
        if field is None:
            messages.append(_("“%(text)s”: “%(field)s” is not a field of the order sheet.")
                            % {"text": text, "field": name})
        elif not header:
            messages.append(_("“%(text)s”: which column holds %(field)s? Write its header after the “=”.")
                            % {"text": text, "field": FIELDS[field][0]})
        elif field in mapping:
            messages.append(_("“%(text)s”: %(field)s is already mapped to “%(header)s”.")
                            % {"text": text, "field": FIELDS[field][0], "header": mapping[field]})
        else:
            mapping[field] = header
    if messages:
        raise MappingError(messages)
    return mapping


def _xlsx_header(content: bytes) -> list[str] | None:
    from openpyxl import load_workbook  # heavy; only when an .xlsx arrives
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        logger.info("unreadable xlsx: %s", exc)
        return None
    try:
        if not workbook.worksheets:
            return None
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            cells = [cell_to_text(v) for v in values]
            if any(c.strip() for c in cells):
                return cells
        return None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        logger.info("unreadable xlsx: %s", exc)
        return None
    finally:
        workbook.close()


def read_header(content: bytes) -> list[str] | None:
    """The header row (the first row that is not blank) of a sheet, reading no more of the file
    than it takes; None when it cannot be read that way (reading the whole file says why)."""
    if content.startswith(XLSX_MAGIC):
        return _xlsx_header(content)
    head = content
    if len(content) > HEADER_BYTES and not content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: whole
        cut = content.rfind(b"\n", 0, HEADER_BYTES)  # a line end: never inside a UTF-8 or GBK character
        head = content[:cut + 1] if cut > 0 else content
    try:
        table = read_csv(head)
    except ImportFileError:
        return None
    return table.rows[0][1] if table.rows else None


def mapping_problems(content: bytes, name: str, mapping: Mapping[str, str]) -> list[FileProblem]:
    """What is wrong with a mapping for this file: a field the sheet does not have, a header the
    file does not have, a required field that is still without a column. Nothing when the header
    row cannot be read here (the import then reports the file's problem)."""
    header = read_header(content)
    if header is None:
        return []
    return _columns(header, mapping, name)[1]


def _cell(cells: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return unprotect(cells[index].strip()) if index is not None and index < len(cells) else ""


def _amount(text: str, column: str) -> Decimal:
    value = parse_amount(text)
    if value is None:
        raise _RowProblem(column, _("“%(value)s” is not an amount.") % {"value": text})
    return value


def _time(text: str, column: str, tz) -> datetime.datetime | None:
    try:
        return parse_time(text, tz)
    except (ValueError, OverflowError):
        raise _RowProblem(column, _("“%(value)s” is not a date and time (write 2026-11-11 10:30:00).")
                          % {"value": text}) from None


def _header_of(header: list[str], columns: dict[str, int], field: str) -> str:
    return header[columns[field]] if field in columns else FIELDS[field][0]


def _line(cells, columns, header, row: int) -> PlatformLine:
    qty_text = _cell(cells, columns, "quantity")
    try:
        quantity = Decimal(qty_text)
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite() or quantity <= 0 or quantity >= 10 ** 9:
        raise _RowProblem(_header_of(header, columns, "quantity"),
                          _("“%(value)s” is not a quantity above 0.") % {"value": qty_text})
    price = _amount(_cell(cells, columns, "price"), _header_of(header, columns, "price"))
    return PlatformLine(title=_cell(cells, columns, "title"), quantity=quantity, price=price,
                        sku_code=_cell(cells, columns, "sku_code"), properties=_cell(cells, columns, "properties"),
                        source_row=row)


def _order(cells, columns, header, row: int, tz) -> PlatformOrder:
    values = {f: _cell(cells, columns, f) for f in ("buyer_nick", "buyer_message", "seller_remark", "receiver_name",
                                                     "receiver_mobile", "receiver_phone")}
    amounts = {f: _amount(_cell(cells, columns, f), _header_of(header, columns, f)) for f in _AMOUNTS}
    paid_at = _time(_cell(cells, columns, "paid_at"), _header_of(header, columns, "paid_at"), tz)
    status_text = _cell(cells, columns, "status")
    if status_text:
        status = _STATUS.get(_key(status_text))
        if status is None:
            raise _RowProblem(_header_of(header, columns, "status"), _(
                "“%(value)s” is not an order status we know (e.g. 待付款, 已付款, 已发货, 已完成, 已关闭, 退款中).")
                % {"value": status_text})
    else:
        status = PlatformStatus.PAID if paid_at else PlatformStatus.UNPAID
    address = _cell(cells, columns, "receiver_address")
    parts = [_cell(cells, columns, f) for f in ("province", "city", "district")]
    if any(parts) and not address.startswith(parts[0] or "\0"):
        address = " ".join(p for p in [*parts, address] if p)
    if not amounts["paid_amount"] and paid_at:
        amounts["paid_amount"] = amounts["total_amount"]
    return PlatformOrder(order_no=_cell(cells, columns, "order_no"), status=status, receiver_address=address,
                         created_at=_time(_cell(cells, columns, "created_at"),
                                          _header_of(header, columns, "created_at"), tz),
                         paid_at=paid_at, source_row=row, **values, **amounts)


@gc_paused()
def read_generic(content: bytes, name: str, mapping: Mapping[str, str] | None = None) -> ReadResult:
    """A generic order sheet → orders with their lines; rows of one order number are one order
    (its own columns taken from the first of them)."""
    try:
        table = read_xlsx(content) if content.startswith(XLSX_MAGIC) else read_csv(content)
    except ImportFileError as exc:
        return ReadResult([], [FileProblem(name, e.row, e.column, e.message, e.code) for e in exc.errors])
    if not table.rows:
        return ReadResult([], [FileProblem(name, 0, "", _("The file is empty."), "empty")])
    _row, header = table.rows[0]
    columns, problems = _columns(header, mapping or {}, name)
    if any(p.code in ("missing_column", "no_column", "unknown_field") for p in problems):
        return ReadResult([], problems)
    tz = ZoneInfo(settings.TIME_ZONE)
    orders: dict[str, PlatformOrder] = {}
    bad: set[str] = set()
    for row, cells in table.rows[1:]:
        number = _cell(cells, columns, "order_no")
        if not number:
            problems.append(FileProblem(name, row, _header_of(header, columns, "order_no"),
                                        _("The order number is empty."), "required"))
            continue
        try:
            line = _line(cells, columns, header, row)
            if number not in orders:
                orders[number] = _order(cells, columns, header, row, tz)
        except _RowProblem as exc:
            problems.append(FileProblem(name, row, exc.column, exc.message, exc.code))
            bad.add(number)  # an order with a bad row is left out whole, never imported short of a line
            continue
        orders[number].lines.append(line)
    return ReadResult([o for no, o in orders.items() if no not in bad], problems, rows_read=len(table.rows) - 1)
