"""The catalogue's master-data lists (core.masterdata): SKUs, categories and styles 款号 — their
columns in import files, exports and the API, who may see and edit them, and the catalogue's
rules an import must keep. BOMs have lines, so they have their own pages (web.views.catalog).

Registered from CatalogConfig.ready(). A grid SKU (one cell of a style's colour × size grid)
takes its code, kind, category, colour, size and unit from the style, so an import or an edit
may not change those on it; a bundle with components stays a bundle."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopflow.catalog import services
from shopflow.catalog.barcodes import validate_barcode
from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import CATEGORY_PATH_SEPARATOR, BundleLine, Category, ProductKind, Sku, Style
from shopflow.catalog.selectors import category_paths
from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
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


# ---------------------------------------------------------------- categories and styles
#
# Both import through their services (import_via_hooks), one record at a time: a category's
# parent is checked for cycles and retired parents, and a style's change reaches its SKUs,
# exactly as when the record is edited in its form.


@contextmanager
def refusals_on_fields():
    """A rule that refuses a whole request (a cycle, a retired parent) as an error on the field
    it names, so forms, the API and import reports show it there."""
    try:
        yield
    except (ValidationFailed, PermissionDeniedError):
        raise
    except DomainError as exc:
        raise ValidationFailed(exc.errors or [FieldError(exc.field, exc.message, exc.code)]) from exc


def _saved_and_changed(obj, changes: dict):
    """The record as saved (an import hands over its copy with the new values already set) and
    what differs from it (a form sends every field back)."""
    saved = type(obj).objects.get(pk=obj.pk)
    return saved, {k: v for k, v in changes.items()
                   if getattr(saved, saved._meta.get_field(k).attname) != getattr(v, "pk", v)}


def _set_active(obj, active, retire, restore, actor, name: str):
    if active is False and obj.active:
        return retire(**{name: obj, "actor": actor})
    if active is True and not obj.active:
        return restore(**{name: obj, "actor": actor})
    return obj


def create_category(*, actor, values: dict) -> Category:
    values = dict(values)
    active = values.pop("active", True)
    if values.get("sort_order") is None:
        values.pop("sort_order", None)
    with refusals_on_fields():
        category = services.category_create(actor=actor, code=values.pop("code", "") or "",
                                            name=values.pop("name", "") or "", **values)
        return _set_active(category, active, services.category_retire, services.category_restore, actor, "category")


def update_category(*, obj: Category, actor, changes: dict) -> Category:
    obj, changes = _saved_and_changed(obj, changes)
    active = changes.pop("active", None)
    with refusals_on_fields():
        if changes:
            obj = services.category_update(category=obj, actor=actor, **changes)
        return _set_active(obj, active, services.category_retire, services.category_restore, actor, "category")


CATEGORIES = register(MasterList(
    key="categories",
    model=Category,
    area="catalog",
    columns=(
        Column("code", "分类编码", "Category code", required=True, aliases=("编码", "类目编码", "code")),
        Column("name", "分类名称", "Name", required=True, aliases=("名称", "类目名称", "name")),
        Column("parent", "上级分类", "Parent category", ref=CATEGORY, aliases=("父分类", "上级", "父级", "parent")),
        Column("sort_order", "排序", "Sort order", aliases=("顺序", "排序号")),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("parent", "active"),
    access={**EVERY_ROLE_VIEWS, **{role: ("view", "add", "change") for role in ("manager", "operations")}},
    create=create_category,
    update=update_category,
    import_via_hooks=True,
))


def create_style(*, actor, values: dict) -> Style:
    values = {k: v for k, v in values.items() if v is not None or k == "category"}
    active = values.pop("active", True)
    with refusals_on_fields():
        style = services.style_create(actor=actor, code=values.pop("code", "") or "", name=values.pop("name", "") or "",
                                      **values)
        return _set_active(style, active, services.style_retire, services.style_restore, actor, "style")


def update_style(*, obj: Style, actor, changes: dict) -> Style:
    obj, changes = _saved_and_changed(obj, changes)
    active = changes.pop("active", None)
    with refusals_on_fields():
        if changes:
            obj = services.style_update(style=obj, actor=actor, **changes)
        return _set_active(obj, active, services.style_retire, services.style_restore, actor, "style")


STYLES = register(MasterList(
    key="styles",
    model=Style,
    area="catalog",
    columns=(
        Column("code", "款号", "Style code", required=True, aliases=("款式编码", "款式编号", "style code", "style")),
        Column("name", "名称", "Name", required=True, aliases=("款式名称", "商品名称", "品名")),
        Column("category", "分类", "Category", ref=CATEGORY, aliases=("类目", "商品分类")),
        Column("kind", "商品类型", "Product kind", aliases=("类型", "kind")),
        Column("unit", "单位", "Unit"),
        Column("weight", "重量(kg)", "Weight (kg)", aliases=("重量", "weight"), hint="0.25"),
        Column("cost", "成本价", "Cost", aliases=("成本", "进价"), hint="35.00"),
        Column("list_price", "吊牌价", "List price", aliases=("零售价", "标价", "售价"), hint="89.00"),
        Column("remarks", "备注", "Remarks", aliases=("说明",)),
        Column("active", "启用", "Active"),
    ),
    list_columns=("code", "name", "category", "kind", "unit", "cost", "list_price", "active"),
    search_fields=("code", "name"),
    filter_fields=("category", "kind", "active"),
    access={**EVERY_ROLE_VIEWS,
            **{role: ("view", "add", "change") for role in ("manager", "operations", "purchasing", "planning")}},
    create=create_style,
    update=update_style,
    import_via_hooks=True,
))


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

