"""Shops as master data (core.masterdata): list, import/export, API. Registered from
ChannelsConfig.ready()."""

from shopflow.channels.models import Shop
from shopflow.core.masterdata import Column, MasterList, register
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory.masterdata import WAREHOUSE
from shopflow.sales.masterdata import COURIER

SHOPS = register(MasterList(
    key="shops",
    model=Shop,
    area="channels",
    columns=(
        Column("code", "店铺编码", "Shop code", required=True, aliases=("编码", "code")),
        Column("name", "店铺名称", "Shop name", required=True, aliases=("店铺", "名称", "name")),
        Column("platform", "平台", "Platform", aliases=("platform",)),
        Column("warehouse", "默认发货仓", "Default warehouse", ref=WAREHOUSE, aliases=("发货仓", "仓库")),
        Column("default_courier", "默认快递", "Default courier", ref=COURIER, aliases=("快递", "默认快递公司")),
        Column("auto_review", "自动审单", "Auto review", aliases=("自动审核",)),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("platform", "auto_review", "active"),
    access={
        **{role: ("view",) for role in ROLE_CODES},
        **{role: ("view", "add", "change") for role in ("manager", "operations")},
    },
))
