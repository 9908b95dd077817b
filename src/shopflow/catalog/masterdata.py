"""The SKU list as master data (core.masterdata): its columns in import files, exports and the
API, who may see and edit it, and the catalogue's rules an import must keep.

Registered from CatalogConfig.ready(). A grid SKU (one cell of a style's colour × size grid)
takes its code, kind, category, colour, size and unit from the style, so an import or an edit
may not change those on it; a bundle with components stays a bundle."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopflow.catalog import services
from shopflow.catalog.barcodes import validate_barcode
from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import CATEGORY_PATH_SEPARATOR, BundleLine, Category, ProductKind, Sku, Style
from shopflow.catalog.selectors import category_paths
from shopflow.core.masterdata import CellError, Column, MasterList, Reference, register, text_parser
from shopflow.core.roles import ROLE_CODES

EVERY_ROLE_VIEWS = {role: ("view",) for role in ROLE_CODES}


# ---------------------------------------------------------------- references


def _clean_path(text: str) -> str:
    return CATEGORY_PATH_SEPARATOR.join(p.strip() for p in text.split(CATEGORY_PATH_SEPARATOR))


def resolve_categories(texts: set[str]) -> dict[str, int]:
    """A category by its code, or by its full path 服装/上装/T恤 (spaces around "/" ignored)."""
    found = dict(Category.objects.filter(code__in=texts).values_list("code", "pk"))
    rest = texts - set(found)
    if rest:
        by_path = {path: pk for pk, path in category_paths().items()}
        for text in rest:
            pk = by_path.get(_clean_path(text))
            if pk is not None:
                found[text] = pk
    return found


def describe_categories(ids: set[int]) -> dict[int, str]:
    paths = category_paths()  # one query for the whole tree; categories are few
    return {pk: paths[pk] for pk in ids if pk in paths}


def resolve_styles(texts: set[str]) -> dict[str, int]:
    return dict(Style.objects.filter(code__in=texts).values_list("code", "pk"))


def describe_styles(ids: set[int]) -> dict[int, str]:
    return dict(Style.objects.filter(pk__in=ids).values_list("pk", "code"))


CATEGORY = Reference(resolve_categories, describe_categories, hint="服装/上装/T恤")
STYLE = Reference(resolve_styles, describe_styles)


def parse_barcode(text: str) -> str:
    value = text_parser(Sku._meta.get_field("barcode"))(text)
    try:
        validate_barcode(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages), CatalogError.INVALID_BARCODE) from None
    return value


# ---------------------------------------------------------------- the catalogue's rules


def check_sku_rows(plans) -> list[tuple]:
    """Grid SKUs keep the fields they take from their style; a bundle with components stays one."""
    problems = []
    grid = [p for p in plans if not p.is_new and p.obj.style_id and p.changed & set(services.GRID_SKU_LOCKED)]
    if grid:
        styles = dict(Style.objects.filter(pk__in={p.obj.style_id for p in grid}).values_list("pk", "code"))
        for plan in grid:
            for name in sorted(plan.changed & set(services.GRID_SKU_LOCKED)):
                problems.append((plan, name, _("This comes from style %(style)s; change it there.")
                                 % {"style": styles.get(plan.obj.style_id, "")}, CatalogError.GRID_SKU_FIELD))
    leaving = [p for p in plans if not p.is_new and "kind" in p.changed
               and p.before.get("kind") == ProductKind.BUNDLE and p.obj.kind != ProductKind.BUNDLE]
    if leaving:
        with_lines = set(BundleLine.objects.filter(bundle_id__in=[p.obj.pk for p in leaving])
                         .values_list("bundle_id", flat=True))
        for plan in leaving:
            if plan.obj.pk in with_lines:
                problems.append((plan, "kind", _("Remove the bundle's components first."),
                                 CatalogError.BUNDLE_HAS_COMPONENTS))
    return problems


def locked_sku_fields(sku: Sku) -> set[str]:
    return set(services.GRID_SKU_LOCKED) if sku.style_id else set()


def create_sku(*, actor, values: dict) -> Sku:
    values = dict(values)
    return services.sku_create(actor=actor, code=values.pop("code", "") or "", name=values.pop("name", "") or "",
                               **values)


def update_sku(*, obj: Sku, actor, changes: dict) -> Sku:
    # Only what differs: a grid SKU's form sends its locked fields back unchanged.
    changes = {k: v for k, v in changes.items() if getattr(obj, Sku._meta.get_field(k).attname)
               != getattr(v, "pk", v)}
    return services.sku_update(sku=obj, actor=actor, **changes)


SKUS = register(MasterList(
    key="skus",
    model=Sku,
    area="catalog",
    columns=(
        Column("code", "商家编码", "Item code", required=True,
               aliases=("SKU编码", "SKU", "sku code", "编码", "货号", "规格编码", "商品编码", "code")),
        Column("name", "名称", "Name", required=True, aliases=("商品名称", "品名", "宝贝名称")),
        Column("colour", "颜色", "Colour", aliases=("color", "颜色分类")),
        Column("size", "尺码", "Size", aliases=("尺寸",)),
        Column("unit", "单位", "Unit"),
        Column("barcode", "条码", "Barcode", unique=True, parse=parse_barcode, aliases=("条形码", "EAN", "国际条码"),
               hint="6901234567892"),
        Column("cost", "成本价", "Cost", aliases=("成本", "进价"), hint="35.00"),
        Column("list_price", "吊牌价", "List price", aliases=("零售价", "标价", "售价"), hint="89.00"),
        Column("weight", "重量(kg)", "Weight (kg)", aliases=("重量", "weight"), hint="0.25"),
        Column("kind", "商品类型", "Product kind", aliases=("类型", "kind")),
        Column("category", "分类", "Category", ref=CATEGORY, aliases=("类目", "商品分类")),
        Column("style", "款号", "Style", ref=STYLE, importable=False),
        Column("active", "启用", "Active", importable=False),
    ),
    list_columns=("code", "name", "style", "colour", "size", "unit", "barcode", "category", "kind", "cost",
                  "list_price", "active"),
    search_fields=("code", "name", "barcode", "colour", "size"),
    filter_fields=("category", "kind", "active"),
    access={**EVERY_ROLE_VIEWS,
            **{role: ("view", "add", "change") for role in ("manager", "operations", "warehouse", "purchasing",
                                                            "planning")}},
    create=create_sku,
    update=update_sku,
    check_rows=check_sku_rows,
    locked_fields=locked_sku_fields,
))
