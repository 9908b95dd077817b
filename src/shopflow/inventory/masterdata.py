"""Warehouses, bins 库位 and SKU locations 默认库位 as master data (core.masterdata): their columns
in import files, exports and the API, and which roles may see and edit them. Registered from
InventoryConfig.ready().

A bin is keyed by warehouse code + bin code (the same code may be used in two warehouses); a
SKU location by item code + warehouse code, and names its bin by the bin's code in that
warehouse. Bins and locations are written through inventory.services on every path (the form,
an import row, the API), so the rule "the bin lies in the location's warehouse" and the audit
trail are the services'."""

from django.db.models import Q
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.core.errors import FieldError, ValidationFailed
from shopflow.core.masterdata import Column, MasterList, Reference, register
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory import services
from shopflow.inventory.error_codes import InventoryError
from shopflow.inventory.models import Bin, SkuLocation, Warehouse

EVERY_ROLE_VIEWS = {role: ("view",) for role in ROLE_CODES}
WAREHOUSE_KEEPERS = {role: ("view", "add", "change") for role in ("manager", "warehouse")}


# ---------------------------------------------------------------- references


def resolve_warehouses(texts: set[str]) -> dict[str, int]:
    return dict(Warehouse.objects.filter(code__in=texts).values_list("code", "pk"))


def describe_warehouses(ids: set[int]) -> dict[int, str]:
    return dict(Warehouse.objects.filter(pk__in=ids).values_list("pk", "code"))


def resolve_skus(texts: set[str]) -> dict[str, int]:
    """An SKU by its item code 商家编码, else by its barcode."""
    found: dict[str, int] = {}
    for pk, code, barcode in Sku.objects.filter(Q(code__in=texts) | Q(barcode__in=texts)).values_list(
            "pk", "code", "barcode"):
        if code in texts:
            found[code] = pk
        if barcode in texts:
            found.setdefault(barcode, pk)
    return found


def describe_skus(ids: set[int]) -> dict[int, str]:
    return dict(Sku.objects.filter(pk__in=ids).values_list("pk", "code"))


def resolve_bins(texts: set[str]) -> dict[str, int]:
    """A bin by its code. Codes are unique per warehouse only, so this finds *a* bin with the
    code; the location hooks look the code up again in the location's warehouse."""
    found: dict[str, int] = {}
    for pk, code in Bin.objects.filter(code__in=texts).order_by("pk").values_list("pk", "code"):
        found.setdefault(code, pk)
    return found


def describe_bins(ids: set[int]) -> dict[int, str]:
    return dict(Bin.objects.filter(pk__in=ids).values_list("pk", "code"))


WAREHOUSE = Reference(resolve_warehouses, describe_warehouses, hint="WH01")
SKU = Reference(resolve_skus, describe_skus, hint="TS01-BLK-M")
BIN = Reference(resolve_bins, describe_bins, hint="A-01-03")


def _pk(value):
    return getattr(value, "pk", value)


# ---------------------------------------------------------------- warehouses

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
    access={**EVERY_ROLE_VIEWS, **WAREHOUSE_KEEPERS},
))


# ---------------------------------------------------------------- bins 库位


def create_bin(*, actor, values: dict) -> Bin:
    active = values.get("active")
    return services.bin_create(actor=actor, warehouse=values.get("warehouse"), code=values.get("code") or "",
                               name=values.get("name") or "", sort_order=values.get("sort_order") or 0,
                               active=True if active is None else active)


def update_bin(*, obj: Bin, actor, changes: dict) -> Bin:
    return services.bin_update(bin=obj, actor=actor, **changes)


BINS = register(MasterList(
    key="bins",
    model=Bin,
    area="inventory",
    columns=(
        Column("warehouse", "仓库编码", "Warehouse code", required=True, ref=WAREHOUSE, aliases=("仓库", "warehouse")),
        Column("code", "库位编码", "Bin code", required=True,
               aliases=("库位", "库位号", "货位", "货位编码", "bin", "code"), hint="A-01-03"),
        Column("name", "库位名称", "Bin name", aliases=("名称", "name"), hint="A区1排3层"),
        Column("sort_order", "排序", "Sort order", aliases=("拣货顺序", "顺序")),
        Column("active", "启用", "Active"),
    ),
    key_fields=("warehouse", "code"),
    search_fields=("code", "name", "warehouse__code"),
    filter_fields=("warehouse", "active"),
    access={**EVERY_ROLE_VIEWS, **WAREHOUSE_KEEPERS},
    create=create_bin,
    update=update_bin,
    locked_fields=lambda b: {"warehouse"},
    import_via_hooks=True,
))


# ---------------------------------------------------------------- SKU locations 默认库位


def bin_meant(warehouse_id, value) -> Bin | None:
    """The bin a location names: a bin code means that code in the location's warehouse, so a
    bin resolved (by code) to another warehouse's bin is looked up again in this one."""
    if value in (None, ""):
        return None
    found = value if isinstance(value, Bin) else Bin.objects.filter(pk=value).first()
    if found is not None and warehouse_id and found.warehouse_id != warehouse_id:
        return Bin.objects.filter(warehouse_id=warehouse_id, code=found.code).first() or found
    return found


def _need_bin(value) -> None:
    if value in (None, ""):
        raise ValidationFailed([FieldError("bin", _("Choose a bin."), InventoryError.UNKNOWN_BIN)])


def create_location(*, actor, values: dict) -> SkuLocation:
    _need_bin(values.get("bin"))
    warehouse_id = _pk(values.get("warehouse"))
    return services.sku_location_set(actor=actor, sku=values.get("sku"), warehouse=warehouse_id,
                                     bin=bin_meant(warehouse_id, values.get("bin")))


def update_location(*, obj: SkuLocation, actor, changes: dict) -> SkuLocation:
    moved = [name for name in ("sku", "warehouse") if name in changes
             and _pk(changes[name]) != getattr(obj, f"{name}_id")]
    if moved:
        raise ValidationFailed([FieldError(name, _("A location keeps its SKU and warehouse; change its bin, or add a "
                                                   "location for the other SKU or warehouse."),
                                           InventoryError.LOCATION_KEY_FIXED) for name in moved])
    if "bin" not in changes:
        return obj
    _need_bin(changes["bin"])
    return services.sku_location_set(actor=actor, sku=obj.sku_id, warehouse=obj.warehouse_id,
                                     bin=bin_meant(obj.warehouse_id, changes["bin"]))


SKU_LOCATIONS = register(MasterList(
    key="sku-locations",
    model=SkuLocation,
    area="inventory",
    columns=(
        Column("sku", "商家编码", "Item code", required=True, ref=SKU,
               aliases=("SKU编码", "SKU", "sku code", "货号", "规格编码", "条码")),
        Column("warehouse", "仓库编码", "Warehouse code", required=True, ref=WAREHOUSE, aliases=("仓库", "warehouse")),
        Column("bin", "库位编码", "Bin code", required=True, ref=BIN, aliases=("库位", "默认库位", "货位", "bin")),
    ),
    key_fields=("sku", "warehouse"),
    search_fields=("sku__code", "sku__name", "bin__code"),
    filter_fields=("warehouse",),
    access={**EVERY_ROLE_VIEWS, **WAREHOUSE_KEEPERS},
    create=create_location,
    update=update_location,
    locked_fields=lambda loc: {"sku", "warehouse"},
    import_via_hooks=True,
))
