"""What a platform's order file says, before it touches the database: one `PlatformOrder` per
platform order with its `PlatformLine`s, each carrying the file row it came from so every
problem can be reported as file / row / column. Readers (taobao.py, …) produce these; the
import service (sales.services) matches SKUs, parses addresses and writes orders."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from shopflow.sales.models import PlatformStatus  # noqa: F401  (re-exported: readers map to it)


@dataclass
class FileProblem:
    file: str  # the file's name as uploaded
    row: int  # spreadsheet row, 1 = header
    column: str  # header text as in the file ("" = the whole row)
    message: str
    code: str = "invalid"


@dataclass
class PlatformLine:
    title: str  # 宝贝标题 / 标题
    quantity: Decimal  # 购买数量
    price: Decimal  # 价格 (unit price shown to the buyer)
    sku_code: str  # 商家编码 (the seller's item code; may be empty)
    outer_code: str = ""  # 外部系统编号 (another system's code; fallback for matching)
    properties: str = ""  # 商品属性, e.g. "颜色分类：黑色;尺码：XL"
    refund_status: str = ""  # the item's refund state as the platform writes it ("" = none)
    source_row: int = 0  # row in the item file


@dataclass
class PlatformOrder:
    order_no: str  # 订单编号, without Excel protection (="…")
    status: PlatformStatus
    buyer_nick: str = ""  # 买家会员名
    goods_amount: Decimal = Decimal(0)  # 买家应付货款
    postage: Decimal = Decimal(0)  # 买家应付邮费
    total_amount: Decimal = Decimal(0)  # 总金额
    paid_amount: Decimal = Decimal(0)  # 买家实际支付金额
    buyer_message: str = ""  # 买家留言
    seller_remark: str = ""  # 订单备注
    receiver_name: str = ""  # 收货人姓名
    receiver_address: str = ""  # 收货地址 (raw)
    receiver_mobile: str = ""  # 联系手机 (raw; may be masked 138****1234)
    receiver_phone: str = ""  # 联系电话
    created_at: datetime.datetime | None = None  # 订单创建时间 (aware, Asia/Shanghai)
    paid_at: datetime.datetime | None = None  # 订单付款时间 (None: unpaid)
    tracking_no: str = ""  # 物流单号
    courier_name: str = ""  # 物流公司
    close_reason: str = ""  # 订单关闭原因
    lines: list[PlatformLine] = field(default_factory=list)
    source_row: int = 0  # row in the order file


@dataclass
class ReadResult:
    orders: list[PlatformOrder]
    problems: list[FileProblem]  # rows that could not be read at all (the rest still import)
    rows_read: int = 0
