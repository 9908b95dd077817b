"""Warehouses as master data (core.masterdata): their columns in import files, exports and the
API, and which roles may see and edit them. Registered from InventoryConfig.ready()."""

from shopflow.core.masterdata import Column, MasterList, register
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory.models import Warehouse

WAREHOUSES = register(MasterList(
    key="warehouses",
    model=Warehouse,
    area="inventory",
    columns=(
        Column("code", "仓库编码", "Warehouse code", required=True, aliases=("编码", "代码", "code")),
        Column("name", "仓库名称", "Warehouse name", required=True, aliases=("名称", "仓库", "name")),
        Column("kind", "仓库类型", "Warehouse kind", aliases=("类型", "kind")),
        Column("allow_negative", "允许负库存", "Allow negative stock", aliases=("负库存",)),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("kind", "active"),
    access={
        **{role: ("view",) for role in ROLE_CODES},
        **{role: ("view", "add", "change") for role in ("manager", "warehouse")},
    },
))
