"""Taobao / Tmall seller-centre exports: the order report 订单报表 (ExportOrderList…csv) and the
item report 宝贝报表 (ExportOrderDetailList…csv), read as a pair into `PlatformOrder`s.

What the reader copes with, because real exports do it:

* Encoding: GBK (really GB18030, so rare characters in names survive), UTF-8 with or without
  BOM (re-saved by Excel/WPS), UTF-16; an .xlsx re-saved from the CSV is read too.
* Headers compared after NFKC folding with all spaces removed ("收货地址 ", "订单付款时间 " and
  "宝贝标题 " carry a trailing space in the real export); a trailing empty column is ignored;
  Tmall's newer item report names the order column 主订单编号.
* Numbers Excel would damage are written `="2365…"` (or `'1861…` for mobiles, `No:…` for
  tracking numbers): the protection is removed. A number Excel already turned into 2.36E+18
  cannot be repaired and the order is reported.
* Quoted cells with commas, quotes and line breaks (buyer messages, remarks); rows are
  numbered as the spreadsheet shows them (1 = header), not as physical lines.
* Amounts "89.00" (also "89.00元", "¥89.00", "1,089.00"); times "2026-11-11 00:00:05" in China
  time (also "2026/11/11 0:00" after Excel); an empty payment time means unpaid; "null" in
  商家编码 means none.
* Statuses: 等待买家付款 → unpaid, 买家已付款，等待卖家发货 → paid, 卖家已发货，等待买家确认 →
  shipped, 交易成功 → completed, 交易关闭 / 付款以后用户退款成功，交易自动关闭 → closed; a paid
  or shipped order with an item whose refund is in progress (退款状态 such as
  买家已经申请退款，等待卖家同意) → refunding. An item closed inside an open order without a
  退款状态 column (the classic 10-column item report) gets its item status (交易关闭) as
  `refund_status`.

A bad cell (amount, time, status, quantity) is reported with file, row and column and only its
order is left out; a missing required column is reported once per column and nothing is read.
Orders keep the order file's order, lines the item file's order. Orders without any item row
are passed on with no lines (the import holds them)."""

import csv
import datetime
import io
import random
import unicodedata
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from django.conf import settings
from django.utils.translation import gettext as _

from shopflow.channels.formats import FileProblem, PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.core.gcpause import gc_paused
from shopflow.core.imports import XLSX_MAGIC, ImportFileError, decode_text, read_xlsx

# ---------------------------------------------------------------- the format

STATUS_TEXTS: dict[str, PlatformStatus] = {
    "等待买家付款": PlatformStatus.UNPAID,
    "没有创建支付宝交易": PlatformStatus.UNPAID,
    "买家已付款，等待卖家发货": PlatformStatus.PAID,
    "卖家部分发货": PlatformStatus.PAID,  # something is still to ship
    "卖家已发货，等待买家确认": PlatformStatus.SHIPPED,
    "买家已签收": PlatformStatus.SHIPPED,  # cash on delivery
    "交易成功": PlatformStatus.COMPLETED,
    "交易关闭": PlatformStatus.CLOSED,
    "付款以后用户退款成功，交易自动关闭": PlatformStatus.CLOSED,
    "付款以前，卖家或买家主动关闭交易": PlatformStatus.CLOSED,
    "买家已申请退款": PlatformStatus.REFUNDING,
    "退款中": PlatformStatus.REFUNDING,
}
# 退款状态 texts meaning "no refund" (stored as "").
REFUND_NONE = frozenset({"", "没有申请退款", "无退款", "null", "-"})
# Refunds that are over: the money went back (the item is not to ship) or the request was withdrawn/refused.
REFUND_SUCCEEDED = frozenset({"退款成功"})
REFUND_ENDED = frozenset({"退款成功", "退款关闭", "卖家拒绝退款"})
# Every other non-empty 退款状态 (买家已经申请退款，等待卖家同意, 卖家已经同意退款，等待买家退货,
# 买家已经退货，等待卖家确认收货, …) is a refund in progress.

ORDER_HEADERS = (
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
    "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ",
    "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单",
    "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku",
    "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "",
)  # as the seller centre writes them: trailing spaces and a trailing empty column included
ITEM_HEADERS = ("订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态",
                "商家编码", "退款状态", "退款金额", "")

ORDER_REQUIRED = ("订单编号", "订单状态", "买家实际支付金额", "收货人姓名", "收货地址", "订单创建时间", "订单付款时间")
ITEM_REQUIRED = ("订单编号", "标题", "价格", "购买数量", "商家编码")
ALIASES = {"主订单编号": "订单编号", "买家实付金额": "买家实际支付金额", "收货人": "收货人姓名", "商品标题": "标题",
           "数量": "购买数量", "单价": "价格"}
ORDER_AMOUNTS = (("买家应付货款", "goods_amount"), ("买家应付邮费", "postage"), ("总金额", "total_amount"),
                 ("买家实际支付金额", "paid_amount"))
ORDER_TEXTS = (("买家会员名", "buyer_nick"), ("买家留言", "buyer_message"), ("订单备注", "seller_remark"),
               ("收货人姓名", "receiver_name"), ("收货地址", "receiver_address"), ("物流公司", "courier_name"),
               ("订单关闭原因", "close_reason"))
ORDER_NUMBERS = (("联系手机", "receiver_mobile"), ("联系电话", "receiver_phone"), ("物流单号", "tracking_no"))
ZERO = Decimal(0)


def normalize_header(text: str) -> str:
    """"收货地址 ", "﻿订单编号", "订单编号（主）"… → the name to compare: NFKC, no spaces, aliases."""
    name = "".join(unicodedata.normalize("NFKC", text.replace("\ufeff", "")).split()).strip("*")
    return ALIASES.get(name, name)


_PROTECTING = frozenset("='N n\t")  # first characters that may need work (N: "No:", n: "null")


def unprotect(text: str) -> str:
    """`="2365…"` / `'1861…` / `No:YT…` (Excel protection) → the number itself; "null" → ""."""
    if text[:1] not in _PROTECTING and text[-1:] not in " \t":
        return text  # the common case, kept fast: 2 of every 3 cells read go through here
    if text[:2] == '="' and text[-1:] == '"':  # the next most common: ="2365…" (order numbers)
        inner = text[2:-1]
        if inner.isalnum() and inner != "null":
            return inner
    text = text.strip()
    if text[:2] == '="' and text[-1:] == '"':
        text = text[2:-1].strip()
    elif text[:1] == "=":
        text = text[1:].strip().strip('"')
    if text[:1] == "'":
        text = text[1:]
    if text[:3] == "No:":
        text = text[3:].lstrip("'")
    return "" if text == "null" else text


def _damaged(number: str) -> bool:
    """Excel turned a long number into 2.36540E+18: the digits are gone."""
    return ("E+" in number or "e+" in number) and number.replace(".", "").replace("E+", "").replace("e+", "").isdigit()


def parse_amount(text: str) -> Decimal | None:
    """"89.00", "89.00元", "¥1,089.00", "" (= 0) → Decimal; None if it is not a non-negative amount."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元").lstrip("¥￥").strip()
        if not cleaned:
            return ZERO
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            return None
    if not value.is_finite() or value < 0:
        return None
    return value


def parse_time(text: str, tz: datetime.tzinfo) -> datetime.datetime | None:
    """"2026-11-11 00:00:05" (China time) → aware datetime; also "2026/11/11 0:00". ValueError if bad,
    None if empty."""
    text = text.strip()
    if not text or text == "null":
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        value = _slow_time(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def _slow_time(text: str) -> datetime.datetime:
    date, _sep, time = text.replace("/", "-").replace(".", "-").partition(" ")
    parts = date.split("-")
    if len(parts) != 3:
        raise ValueError(text)
    clock = [int(p) for p in time.strip().split(":")] if time.strip() else []
    if len(clock) > 3 or (clock and len(clock) < 2):
        raise ValueError(text)
    return datetime.datetime(int(parts[0]), int(parts[1]), int(parts[2]), *clock)


# ---------------------------------------------------------------- reading


_MISSING = object()


class _BadFile(Exception):
    def __init__(self, problems: list[FileProblem]):
        super().__init__()
        self.problems = problems


def _rows(content: bytes, name: str):
    """(spreadsheet row number, cells) of every non-blank row; the first is the header."""
    if content.startswith(XLSX_MAGIC):
        try:
            return read_xlsx(content).rows
        except ImportFileError as exc:
            raise _BadFile([FileProblem(name, e.row, e.column, e.message, e.code) for e in exc.errors]) from None
    if not content.strip():
        raise _BadFile([FileProblem(name, 0, "", _("The file is empty."), "empty")])
    try:
        text, _encoding = decode_text(content)
    except ImportFileError as exc:
        raise _BadFile([FileProblem(name, e.row, e.column, e.message, e.code) for e in exc.errors]) from None
    if "\x00" in text[:4096]:
        raise _BadFile([FileProblem(name, 0, "", _("This is not a CSV file (it contains binary data)."), "binary")])
    first = text[: text.find("\n")]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _numbered(reader, name)


def _numbered(reader, name: str):
    try:
        # Excel's numbering: one row per record, even when a quoted cell holds line breaks.
        for number, cells in enumerate(reader, start=1):
            if any(cells):
                yield number, cells
    except csv.Error as exc:
        message = _("The CSV file is malformed near line %(line)s: %(problem)s") % {"line": reader.line_num,
                                                                                   "problem": exc}
        raise _BadFile([FileProblem(name, reader.line_num, "", message, "bad_csv")]) from None


class _Sheet:
    """One file: its rows, and where each column we know is."""

    def __init__(self, content: bytes, name: str, required: tuple[str, ...], what: str):
        self.name = name
        self.rows = iter(_rows(content, name))
        try:
            _number, header = next(self.rows)
        except StopIteration:
            raise _BadFile([FileProblem(name, 0, "", _("The %(file)s has no header row.") % {"file": what},
                                        "empty")]) from None
        self.index: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        for i, text in enumerate(header):
            key = normalize_header(text)
            if key and key not in self.index:
                self.index[key] = i
                self.labels[key] = text.strip().lstrip("\ufeff")
        missing = [c for c in required if c not in self.index]
        if missing:
            raise _BadFile([FileProblem(name, 1, c, _("The %(file)s has no column “%(column)s”; export it again "
                                                      "from the seller centre with all columns.")
                                        % {"file": what, "column": c}, "missing_column") for c in missing])

    def col(self, key: str) -> int:
        """The column's index, or -1 (reads as "") if the file does not have it."""
        return self.index.get(key, -1)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


def _status(text: str) -> PlatformStatus | None:
    text = text.strip()
    found = STATUS_TEXTS.get(text)
    if found is None:
        found = _folded_statuses().get(unicodedata.normalize("NFKC", text).replace(" ", ""))
    return found


@cache
def _folded_statuses() -> dict[str, PlatformStatus]:
    return {unicodedata.normalize("NFKC", k): v for k, v in STATUS_TEXTS.items()}


@gc_paused()
def read_taobao_pair(orders: bytes, items: bytes, *, orders_name: str = "orders.csv",
                     items_name: str = "items.csv") -> ReadResult:
    """Read an order report and its item report. Never raises for bad content: what cannot be
    read is in `problems` (file / row / column), everything else in `orders`."""
    try:
        order_sheet = _Sheet(orders, orders_name, ORDER_REQUIRED, _("order report (订单报表)"))
    except _BadFile as exc:
        problems = exc.problems
        try:
            _Sheet(items, items_name, ITEM_REQUIRED, _("item report (宝贝报表)"))
        except _BadFile as item_exc:
            problems += item_exc.problems
        return ReadResult([], problems, 0)
    try:
        item_sheet = _Sheet(items, items_name, ITEM_REQUIRED, _("item report (宝贝报表)"))
    except _BadFile as exc:
        return ReadResult([], exc.problems, 0)
    problems: list[FileProblem] = []
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    try:
        found, skipped, rows_read = _read_orders(order_sheet, problems, tz)
        rows_read += _read_items(item_sheet, found, skipped, problems)
    except _BadFile as exc:  # a malformed CSV part-way
        return ReadResult([], problems + exc.problems, 0)
    _refunding(found.values())
    return ReadResult(list(found.values()), problems, rows_read)


def _read_orders(sheet: _Sheet, problems: list[FileProblem], tz) -> tuple[dict[str, PlatformOrder], set[str], int]:
    name, col, label = sheet.name, sheet.col, sheet.label
    i_no, i_status = col("订单编号"), col("订单状态")
    i_created, i_paid = col("订单创建时间"), col("订单付款时间")
    amounts = [(col(h), label(h), attr) for h, attr in ORDER_AMOUNTS if col(h) >= 0]
    texts = [(col(h), attr) for h, attr in ORDER_TEXTS if col(h) >= 0]
    numbers = [(col(h), attr) for h, attr in ORDER_NUMBERS if col(h) >= 0]
    times = ((i_created, "created_at", label("订单创建时间")), (i_paid, "paid_at", label("订单付款时间")))
    width = max(sheet.index.values()) + 1
    pad = [""] * width
    found: dict[str, PlatformOrder] = {}
    skipped: set[str] = set()
    # The same texts come again and again (89.00, 0.00, the same second on a busy day): each is
    # parsed once per file. Decimals and datetimes are immutable, so orders may share them.
    amount_of: dict[str, Decimal] = {}
    time_of: dict[str, datetime.datetime | None] = {}
    protecting = _PROTECTING
    rows = 0
    for row, cells in sheet.rows:
        rows += 1
        if len(cells) < width:
            cells = cells + pad[len(cells):]
        order_no = unprotect(cells[i_no])
        bad: list[FileProblem] = []
        if not order_no:
            problems.append(FileProblem(name, row, label("订单编号"), _("The order number is empty."), "required"))
            continue
        if _damaged(order_no):
            problems.append(FileProblem(name, row, label("订单编号"), _(
                "The order number “%(value)s” was rounded by Excel; export the file again and do not save it "
                "from Excel.") % {"value": order_no}, "damaged_number"))
            skipped.add(order_no)
            continue
        if order_no in found or order_no in skipped:
            problems.append(FileProblem(name, row, label("订单编号"), _(
                "Order %(order)s appears more than once in the file; only its first row is read.")
                % {"order": order_no}, "duplicate"))
            continue
        status = _status(cells[i_status])
        if status is None:
            bad.append(FileProblem(name, row, label("订单状态"), _("Unknown order status “%(value)s”.")
                                   % {"value": cells[i_status].strip()}, "invalid_status"))
        order = PlatformOrder(order_no=order_no, status=status, source_row=row)
        for i, header, attr in amounts:
            text = cells[i]
            value = amount_of.get(text)
            if value is None:
                value = parse_amount(text)
                if value is None:
                    bad.append(FileProblem(name, row, header, _(
                        "“%(value)s” is not an amount (write it like 89.00).") % {"value": text}, "invalid_amount"))
                    continue
                amount_of[text] = value
            setattr(order, attr, value)
        for i, attr in texts:
            setattr(order, attr, cells[i].strip())
        for i, attr in numbers:
            text = cells[i]
            setattr(order, attr, unprotect(text) if text[:1] in protecting or text[-1:] in " \t" else text)
        for i, attr, header in times:
            text = cells[i]
            value = time_of.get(text, _MISSING)
            if value is _MISSING:
                try:
                    value = time_of[text] = parse_time(text, tz)
                except ValueError:
                    bad.append(FileProblem(name, row, header, _(
                        "“%(value)s” is not a date and time (write it like 2026-11-11 00:00:05).")
                        % {"value": text}, "invalid_date"))
                    continue
            setattr(order, attr, value)
        if order.created_at is None and not cells[i_created].strip():
            bad.append(FileProblem(name, row, label("订单创建时间"), _("The order creation time is empty."),
                                   "required"))
        if bad:
            problems.extend(bad)
            skipped.add(order_no)
            continue
        if order.close_reason == "订单未关闭":
            order.close_reason = ""
        found[order_no] = order
    return found, skipped, rows


def _read_items(sheet: _Sheet, found: dict[str, PlatformOrder], skipped: set[str],
                problems: list[FileProblem]) -> int:
    name, col, label = sheet.name, sheet.col, sheet.label
    i_no, i_title, i_price, i_qty = col("订单编号"), col("标题"), col("价格"), col("购买数量")
    i_sku, i_outer, i_props = col("商家编码"), col("外部系统编号"), col("商品属性")
    i_refund, i_status = col("退款状态"), col("订单状态")
    width = max(sheet.index.values()) + 1
    pad = [""] * width
    amount_of: dict[str, Decimal] = {}  # as in _read_orders: each text parsed once
    quantity_of: dict[str, Decimal] = {}  # (good quantities only)
    protecting = _PROTECTING
    rows = 0
    for row, cells in sheet.rows:
        rows += 1
        if len(cells) < width:
            cells = cells + pad[len(cells):]
        order_no = unprotect(cells[i_no])
        order = found.get(order_no)
        if order is None:
            if order_no not in skipped:  # a skipped order was reported already
                problems.append(FileProblem(name, row, label("订单编号"), _(
                    "Order %(order)s is not in the order report; export both reports for the same period.")
                    % {"order": order_no or "—"}, "unknown_order"))
            continue
        bad: list[FileProblem] = []
        price = amount_of.get(cells[i_price])
        if price is None:
            price = parse_amount(cells[i_price])
            if price is None:
                bad.append(FileProblem(name, row, label("价格"), _(
                    "“%(value)s” is not an amount (write it like 89.00); order %(order)s is not imported.")
                    % {"value": cells[i_price], "order": order_no}, "invalid_amount"))
            else:
                amount_of[cells[i_price]] = price
        quantity = quantity_of.get(cells[i_qty])
        if quantity is None:
            quantity = parse_amount(cells[i_qty])
            if quantity is not None and quantity > 0 and quantity == quantity.to_integral_value():
                quantity_of[cells[i_qty]] = quantity
        if quantity is None or quantity <= 0 or quantity != quantity.to_integral_value():
            bad.append(FileProblem(name, row, label("购买数量"), _(
                "“%(value)s” is not a quantity (a whole number above 0); order %(order)s is not imported.")
                % {"value": cells[i_qty], "order": order_no}, "invalid_quantity"))
        if bad:
            problems.extend(bad)
            skipped.add(order_no)
            del found[order_no]
            continue
        refund = cells[i_refund].strip() if i_refund >= 0 else ""
        if refund in REFUND_NONE:
            refund = ""
        if i_refund < 0 and i_status >= 0 and order.status not in (PlatformStatus.CLOSED, PlatformStatus.UNPAID):
            line_status = cells[i_status].strip()
            if _status(line_status) == PlatformStatus.CLOSED:
                refund = line_status  # an item closed inside an open order: refunded
        order.lines.append(PlatformLine(
            title=cells[i_title].strip(), quantity=quantity, price=price,
            sku_code=unprotect(sku) if (sku := cells[i_sku])[:1] in protecting or sku[-1:] in " \t" else sku,
            outer_code=unprotect(cells[i_outer]) if i_outer >= 0 else "",
            properties=cells[i_props].strip() if i_props >= 0 else "", refund_status=refund, source_row=row))
    return rows


def _refunding(orders) -> None:
    """A paid or shipped order with an item whose refund is still open is refunding."""
    for order in orders:
        if order.status in (PlatformStatus.PAID, PlatformStatus.SHIPPED) and any(
                line.refund_status and line.refund_status not in REFUND_ENDED
                and _status(line.refund_status) is None for line in order.lines):
            order.status = PlatformStatus.REFUNDING


# ---------------------------------------------------------------- generating (tests, demo, benchmark)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "子涵", "欣怡", "梓轩", "浩然", "雨桐", "一诺", "思远", "佳怡", "俊杰",
         "晓燕", "建国", "淑珍")
RARE_GIVEN = ("䶮", "㛃", "𠇔", "喆", "堃", "昇")  # GB18030-only (not GBK) except the last three
NICK_WORDS = ("小", "大", "爱", "甜", "猫", "鱼", "星", "月", "风", "云", "糖", "豆", "tb", "ly", "happy", "_",
              "宝贝", "妈咪", "2018", "888", "喵")
STREETS = ("人民路", "解放路", "中山路", "建设路", "文三路", "和平街", "新华路", "长江路", "学府路", "幸福里",
           "光明大道", "东风路", "迎宾大道", "滨江路", "科技园路")
ESTATES = ("阳光花园", "锦绣华庭", "翠苑小区", "东方明珠城", "紫御府", "金色家园", "万科城", "碧桂园", "绿地世纪城",
           "恒大名都")
MESSAGES = (
    "请发顺丰，谢谢！", "尺码偏小吗？要大一码", "周末不在家，请放快递柜", "送人的，不要放发票和价格单",
    "颜色要黑色，别发错了, 急用", "麻烦尽快发货\n下午四点前能发吗", "备注：\"加急\"，谢谢", "发中通吧，韵达到不了",
    "<script>alert(1)</script>", '=HYPERLINK("http://example.invalid/x","点我领红包")', "=1+2", "@SUM(A1:A9)",
    "+86 不要打电话，发短信", "包装好一点, 上次压坏了,,,", "地址写错了 改成：\n浙江省杭州市西湖区文三路100号",
)
REMARKS = ("已核对尺码", "客户要求顺丰到付", "赠品：袜子一双", "老客户，优先发", "换货补发，原单号见旺旺记录",
           "红旗：改XL", "黄旗，缺货等待")
PRODUCTS = (("TX", "纯棉圆领短袖T恤男女同款"), ("WY", "加绒连帽卫衣宽松外套"), ("NZ", "高腰直筒牛仔裤显瘦"),
            ("LY", "法式碎花连衣裙夏季"), ("YRF", "轻薄短款羽绒服白鸭绒"), ("ZZ", "条纹针织开衫毛衣"),
            ("XZ", "休闲运动鞋透气跑步鞋"), ("BB", "帆布托特包大容量"))
COLOURS = (("BLK", "黑色"), ("WHT", "白色"), ("GRY", "灰色"), ("NVY", "藏青色"), ("RED", "酒红色"), ("KHA", "卡其色"))
SIZES = ("S", "M", "L", "XL", "XXL")
PRICES = ("39.90", "59.00", "69.00", "89.00", "99.00", "129.00", "159.00", "199.00", "259.00", "399.00")
COURIERS = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "极兔速递", "邮政快递包裹")
COURIER_PREFIX = {"中通快递": "7", "圆通速递": "YT", "韵达快递": "43", "申通快递": "77", "顺丰速运": "SF",
                  "极兔速递": "JT", "邮政快递包裹": "98"}
REFUND_OPEN = ("买家已经申请退款，等待卖家同意", "卖家已经同意退款，等待买家退货", "买家已经退货，等待卖家确认收货")
SHOP = "衣橱小铺旗舰店"
MUNICIPALITIES = {"11": "北京", "12": "天津", "31": "上海", "50": "重庆"}


@cache
def _divisions() -> tuple[tuple[str, str, str], ...]:
    """(province, city, district) names as Taobao writes them ("北京 北京市 朝阳区")."""
    import json

    data = json.loads(resources.files("shopflow.partners").joinpath("data", "divisions_cn.json")
                      .read_text(encoding="utf-8"))
    provinces, cities = data["provinces"], data["cities"]
    out = []
    for code, district in data["districts"].items():
        if district.endswith("辖区") or district.endswith("直辖县级行政区划"):
            continue
        province = provinces[code[:2]]
        city = cities.get(code[:4], "")
        if code[:2] in MUNICIPALITIES:
            out.append((MUNICIPALITIES[code[:2]], province, district))
        elif city in ("", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            out.append((province, district, district))
        else:
            out.append((province, city, district))
    return tuple(out)


def _default_skus() -> list[str]:
    return [f"{prefix}24{n:02d}-{colour}-{size}" for n, (prefix, _title) in enumerate(PRODUCTS, 1)
            for colour, _c in COLOURS for size in SIZES]


def _csv_cell(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def generate_taobao_pair(n_orders: int, *, seed: int = 1, sku_codes: list[str] | None = None,
                         unknown_sku_every: int = 0, unpaid_every: int = 10, refund_every: int = 50,
                         remark_every: int = 7, encoding: str = "gbk") -> tuple[bytes, bytes]:
    """A realistic (orders, items) pair of `n_orders` orders, the same bytes for the same arguments.

    Order k (1-based): refunded and closed if k % refund_every == 0; else unpaid if
    k % unpaid_every == 0; else a refund in progress on a paid order if
    k % refund_every == refund_every // 2; else paid, shipped or completed (7:1.5:1.5). Every
    remark_every-th order has a buyer message (commas, quotes, line breaks, hostile text), every
    unknown_sku_every-th order an item with a 商家编码 not in sku_codes. Rare GB18030 characters in
    names only when the encoding can hold them (not plain GBK)."""
    rng = random.Random(seed)
    skus = list(sku_codes) if sku_codes else _default_skus()
    divisions = _divisions()
    municipal = [d for d in divisions if d[0] in MUNICIPALITIES.values()]
    rare = encoding.lower().replace("-", "") not in ("gbk", "cp936", "gb2312")
    titles = {p: t for p, t in PRODUCTS}
    colour_names = dict(COLOURS)
    start = datetime.datetime(2026, 11, 11, 0, 0, 0)
    order_lines = [",".join(ORDER_HEADERS)]
    item_lines = [",".join(ITEM_HEADERS)]
    seconds = 0
    for k in range(1, n_orders + 1):
        order_no = str(2365000000000000000 + k * 7919 + rng.randrange(1000))
        if refund_every and k % refund_every == 0:
            status = "交易关闭" if k % (refund_every * 2) else "付款以后用户退款成功，交易自动关闭"
        elif unpaid_every and k % unpaid_every == 0:
            status = "等待买家付款"
        elif refund_every >= 2 and k % refund_every == refund_every // 2:
            status = "买家已付款，等待卖家发货"
        else:
            roll = rng.random()
            status = ("买家已付款，等待卖家发货" if roll < 0.7 else
                      "卖家已发货，等待买家确认" if roll < 0.85 else "交易成功")
        refunding = status == "买家已付款，等待卖家发货" and refund_every >= 2 and k % refund_every == refund_every // 2
        refunded = status in ("交易关闭", "付款以后用户退款成功，交易自动关闭")
        unpaid = status == "等待买家付款"
        # lines
        n_lines = 1 + (rng.random() < 0.35) + (rng.random() < 0.15) + (rng.random() < 0.05)
        goods = Decimal(0)
        quantity_total = 0
        titles_here = []
        partial_refund = status == "交易成功" and n_lines > 1 and rng.random() < 0.1
        for j in range(n_lines):
            code = skus[rng.randrange(len(skus))]
            if unknown_sku_every and k % unknown_sku_every == 0 and j == n_lines - 1:
                code = f"GONE-{k}"
            prefix = code.split("-")[0].rstrip("0123456789")
            title = titles.get(prefix, "时尚百搭新款") + ("【双11预售】" if rng.random() < 0.1 else "")
            parts = code.split("-")
            colour = colour_names.get(parts[1], "黑色") if len(parts) > 2 else "黑色"
            size = parts[2] if len(parts) > 2 else "均码"
            price = PRICES[rng.randrange(len(PRICES))]
            quantity = 1 if rng.random() < 0.8 else rng.randrange(2, 5)
            goods += Decimal(price) * quantity
            quantity_total += quantity
            titles_here.append(title)
            if refunded:
                line_status, refund = "交易关闭", "退款成功"
            elif refunding and j == 0:
                line_status, refund = status, REFUND_OPEN[k % len(REFUND_OPEN)]
            elif partial_refund and j == n_lines - 1:
                line_status, refund = "交易关闭", "退款成功"
            else:
                line_status, refund = status, "没有申请退款"
            outer = "null" if rng.random() < 0.5 else code
            item_lines.append(",".join((
                f'="{order_no}"', _csv_cell(title), price, str(quantity), outer, f"颜色分类：{colour};尺码：{size}",
                "", "", line_status, code if rng.random() < 0.9 else f'="{code}"', refund,
                format(Decimal(price) * quantity, ".2f") if refund == "退款成功" else "0.00", "")))
        postage = Decimal("0.00") if goods >= 99 or rng.random() < 0.6 else Decimal("10.00")
        total = goods + postage
        seconds += rng.randrange(0, 4)
        created = start + datetime.timedelta(seconds=seconds)
        paid = "" if unpaid else (created + datetime.timedelta(seconds=rng.randrange(3, 900))).strftime(
            "%Y-%m-%d %H:%M:%S")
        shipped = status in ("卖家已发货，等待买家确认", "交易成功")
        courier = COURIERS[rng.randrange(len(COURIERS))] if shipped else ""
        tracking = f'="{COURIER_PREFIX[courier]}{rng.randrange(10**11, 10**12)}"' if shipped else ""
        surname = SURNAMES[rng.randrange(len(SURNAMES))]
        given = RARE_GIVEN[rng.randrange(len(RARE_GIVEN))] if rare and k % 97 == 0 else \
            GIVEN[rng.randrange(len(GIVEN))]
        name = surname + ("**" if rng.random() < 0.3 else given)
        mobile_digits = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        mobile_kind = rng.random()
        mobile = (f"{mobile_digits[:3]}****{mobile_digits[-4:]}" if mobile_kind < 0.4 else
                  f"'{mobile_digits}" if mobile_kind < 0.7 else f'="{mobile_digits}"')
        phone = f"0571-{rng.randrange(10**7, 10**8)}" if rng.random() < 0.05 else ""
        places = municipal if rng.random() < 0.2 else divisions  # big cities buy more
        province, city, district = places[rng.randrange(len(places))]
        street = f"{STREETS[rng.randrange(len(STREETS))]}{rng.randrange(1, 999)}号"
        estate = ESTATES[rng.randrange(len(ESTATES))]
        room = f"{estate}{rng.randrange(1, 30)}幢{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室"
        postcode = "000000" if rng.random() < 0.7 else f"{rng.randrange(100000, 860000):06d}"
        address = f"{province} {city} {district} {street} {room}({postcode})"
        nick = "".join(NICK_WORDS[rng.randrange(len(NICK_WORDS))] for _ in range(3)) + str(rng.randrange(100, 9999))
        message = MESSAGES[(k // remark_every) % len(MESSAGES)] if remark_every and k % remark_every == 0 else ""
        remark = REMARKS[rng.randrange(len(REMARKS))] if rng.random() < 0.05 else ""
        close_reason = ("退款" if refunded else "订单未关闭")
        paid_amount = "0.00" if unpaid else f"{total:.2f}"
        cells = (
            f'="{order_no}"', _csv_cell(nick), f"{nick[:2]}***@163.com" if rng.random() < 0.5 else "",
            f"{goods:.2f}", f"{postage:.2f}", "0", f"{total:.2f}", "0", paid_amount, "0", status,
            _csv_cell(message), _csv_cell(name), _csv_cell(address), "快递", phone, mobile,
            created.strftime("%Y-%m-%d %H:%M:%S"), paid, _csv_cell("，".join(titles_here)), str(n_lines), tracking,
            courier, _csv_cell(remark), str(quantity_total), "0", SHOP, close_reason, "0", "0元", "",
            "手机订单" if rng.random() < 0.85 else "", "", "", "否", "否", "否", "", "", "", "", "0.00", "0.00", "否",
            "")
        order_lines.append(",".join(cells))
    order_lines.append("")
    item_lines.append("")
    return _encode("\r\n".join(order_lines), encoding), _encode("\r\n".join(item_lines), encoding)


def _encode(text: str, encoding: str) -> bytes:
    if encoding.lower().replace("-", "") in ("utf8sig", "utf8bom"):
        return text.encode("utf-8-sig")
    return text.encode(encoding)
