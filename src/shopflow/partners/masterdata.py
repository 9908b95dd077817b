"""Suppliers and couriers as master data (core.masterdata): their columns in import files,
exports and the API, and which roles may see and edit them. Registered from
PartnersConfig.ready()."""

from shopflow.core.masterdata import Column, MasterList, register
from shopflow.core.roles import ROLE_CODES
from shopflow.partners.models import Courier, Supplier

SUPPLIERS = register(MasterList(
    key="suppliers",
    model=Supplier,
    area="partners",
    columns=(
        Column("code", "供应商编码", "Supplier code", required=True, aliases=("编码", "代码", "code")),
        Column("name", "供应商名称", "Supplier name", required=True, aliases=("名称", "供应商", "name")),
        Column("contact", "联系人", "Contact"),
        Column("phone", "电话", "Phone", aliases=("联系电话", "手机", "手机号")),
        Column("address", "地址", "Address", aliases=("联系地址",)),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name", "contact", "phone"),
    filter_fields=("active",),
    access={
        "manager": ("view", "add", "change"),
        "purchasing": ("view", "add", "change"),
        **{role: ("view",) for role in ("operations", "warehouse", "planning", "finance")},
    },
))

COURIERS = register(MasterList(
    key="couriers",
    model=Courier,
    area="partners",
    columns=(
        Column("code", "快递编码", "Courier code", required=True, aliases=("编码", "代码", "code"), hint="SF"),
        Column("name", "快递公司", "Courier name", required=True, aliases=("名称", "name"), hint="顺丰速运"),
        Column("tracking_pattern", "单号规则", "Tracking-number pattern", aliases=("单号格式",), hint=r"SF\d{12}"),
        Column("sort_order", "排序", "Sort order"),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("active",),
    access={
        **{role: ("view",) for role in ROLE_CODES},
        **{role: ("view", "add", "change") for role in ("manager", "operations", "warehouse")},
    },
))
