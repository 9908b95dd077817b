"""The catalogue's master-data lists (core.masterdata): SKUs, categories and styles 款号 — their
columns in import files, exports and the API, who may see and edit them, and the catalogue's
rules an import must keep. BOMs and bundles have lines, so they are edited on their own pages
(web.views.catalog) and imported and exported as grouped lists of lines: `bom-lines` (one row
per BOM line, grouped by product + version) and `bundle-components` (one row per component,
grouped by bundle).

Registered from CatalogConfig.ready(). A grid SKU (one cell of a style's colour × size grid)
takes its code, kind, category, colour, size and unit from the style, so an import or an edit
may not change those on it; a bundle with components stays a bundle."""

import re
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopflow.catalog import services
from shopflow.catalog.barcodes import validate_barcode
from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import CATEGORY_PATH_SEPARATOR, Bom, BomLine, BundleLine, Category, ProductKind, Sku, Style
from shopflow.catalog.roles import BOM_EDITORS
from shopflow.catalog.selectors import category_paths
from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.masterdata import CellError, Column, MasterList, Reference, decimal_parser, register, text_parser
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



# ---------------------------------------------------------------- BOM lines and bundle components
#
# Grouped lists (core.masterdata.MasterList.group_by): one row per line, the rows of one BOM
# (product + version) or one bundle become all of its lines, through the same services as the
# BOM and bundle pages — so cycles, retired components and bundles inside BOMs are refused there,
# and every change is audited on the BOM or bundle. A group that matches what is stored writes
# nothing, so importing a file twice changes nothing.

BOM_ACCESS = {role: ("view", "add", "change") if role in BOM_EDITORS else ("view",) for role in ROLE_CODES}
_LINE_PATH = re.compile(r"^(?:lines|components)\[(\d+)\]\.?(.*)$")


def resolve_sku_codes(texts: set[str]) -> dict[str, int]:
    return dict(Sku.objects.filter(code__in=texts).values_list("code", "pk"))


def describe_sku_codes(ids: set[int]) -> dict[int, str]:
    return dict(Sku.objects.filter(pk__in=ids).values_list("pk", "code"))


SKU_CODE = Reference(resolve_sku_codes, describe_sku_codes, hint="ML-JB180")


def parse_scrap_percent(text: str) -> Decimal:
    """损耗率 as a percentage: "5", "5%" and "5 %" are 5 %; "0.05" is 0.05 %."""
    return _scrap_parser(re.sub(r"[%％]\s*$", "", text.strip()))


_scrap_parser = decimal_parser(BomLine._meta.get_field("scrap_percent"))


@contextmanager
def errors_on_rows(columns: dict[str, str]):
    """A service's refusal in a grouped list's terms (see MasterList.write_group): the n-th line or
    component is the group's n-th row ("lines[2].quantity" → "rows[2].quantity"), and the
    service's other fields are the list's columns (`columns`: "version" → "bom__version")."""
    try:
        yield
    except (ValidationFailed, DomainError) as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        out = []
        for problem in exc.errors or [FieldError(exc.field, exc.message, exc.code)]:
            match = _LINE_PATH.match(problem.field or "")
            if match:
                path = f"rows[{match[1]}]" + (f".{match[2]}" if match[2] else "")
            else:  # the importer reports a path that names no column on the group's first row
                path = columns.get(problem.field or "", problem.field or "")
            out.append(FieldError(path, problem.message, problem.code))
        raise ValidationFailed(out) from exc


def _kept(row: dict, name: str, old, default):
    """A line's value from its row: a column the file lacks keeps the line's current value, an
    empty cell is the default."""
    if name not in row:
        return getattr(old, name) if old is not None else default
    return default if row[name] is None else row[name]


def write_bom_group(*, actor, key: dict, rows: list[dict]) -> str:
    """The rows of one BOM (product + version) become its lines: a new version is created
    (the default if the file says 是, or if the product has none yet), an existing one gets its
    lines replaced when they differ, and 是 in 默认版本 makes it the default. 否 never takes the
    default away; that happens when another version becomes the default."""
    product = Sku.objects.get(pk=key["bom__product"])
    bom = Bom.objects.filter(product=product, version=key["bom__version"]).first()
    current = {line.component_id: line for line in bom.lines.all()} if bom is not None else {}
    specs = [services.BomLineSpec(component=row["component"], quantity=row["quantity"],
                                  scrap_percent=_kept(row, "scrap_percent", current.get(row["component"]), Decimal(0)),
                                  remarks=_kept(row, "remarks", current.get(row["component"]), ""))
             for row in rows]
    default = any(row.get("bom__is_default") for row in rows)
    with errors_on_rows({"product": "bom__product", "version": "bom__version"}):
        if bom is None:
            services.bom_create(product=product, version=key["bom__version"], lines=specs, actor=actor,
                                is_default=True if default else None)
            return "created"
        if not bom.active:
            raise ValidationFailed([FieldError("bom__version", _("BOM version %(version)s of %(code)s is retired; "
                                                                 "restore it on its page first.")
                                               % {"version": bom.version, "code": product.code},
                                               CatalogError.BOM_INACTIVE)])
        changed = False
        stored = [(line.component_id, line.quantity, line.scrap_percent, line.remarks)
                  for line in sorted(current.values(), key=lambda line: (line.line_no, line.pk))]
        if stored != [(s.component, s.quantity, s.scrap_percent, s.remarks) for s in specs]:
            services.bom_update(bom=bom, actor=actor, lines=specs)
            changed = True
        if default and not bom.is_default:
            services.bom_set_default(bom=bom, actor=actor)
            changed = True
    return "updated" if changed else "unchanged"


def check_bom_line_rows(plans) -> list[tuple]:
    """One default version per product: two versions of one product both marked 是 are refused
    (on the later version's rows), since either choice would be a guess."""
    problems, first = [], {}
    for plan in plans:
        values = plan.values
        if not values.get("bom__is_default"):
            continue
        seen = first.setdefault(values["bom__product"], plan)
        if seen.values["bom__version"] != values["bom__version"]:
            problems.append((plan, "bom__is_default",
                             _("Version %(version)s of this product is marked as the default too (row %(row)s); "
                               "a product has one default version.")
                             % {"version": seen.values["bom__version"], "row": seen.row},
                             CatalogError.BOM_DEFAULT_TWICE))
    return problems


BOM_LINES = register(MasterList(
    key="bom-lines",
    model=BomLine,
    area="catalog",
    columns=(
        Column("bom__product", "产品商家编码", "Product code", required=True, ref=SKU_CODE,
               aliases=("产品编码", "成品编码", "父项编码", "父项物料编码", "父件编码", "母件编码", "父项商家编码",
                        "product", "product code"), hint="TX2401-BLK-M"),
        Column("bom__product__name", "产品名称", "Product name", importable=False),
        Column("bom__version", "BOM版本", "BOM version", required=True,
               aliases=("版本", "版本号", "BOM版本号", "BOM编号", "version"), hint="V1"),
        Column("bom__is_default", "默认版本", "Default version", aliases=("是否默认", "默认", "default")),
        Column("component", "子件商家编码", "Component code", required=True, ref=SKU_CODE,
               aliases=("子件编码", "子项编码", "子项物料编码", "子项商家编码", "物料编码", "材料编码", "component",
                        "component code")),
        Column("component__name", "子件名称", "Component name", importable=False),
        Column("quantity", "用量", "Quantity per unit", required=True,
               aliases=("单位用量", "子项用量", "子件用量", "数量", "quantity"), hint="1.2"),
        Column("scrap_percent", "损耗率(%)", "Scrap %", parse=parse_scrap_percent,
               aliases=("损耗率", "损耗率%", "损耗", "损耗%", "scrap", "scrap percent"), hint="5"),
        Column("remarks", "备注", "Remarks", aliases=("说明", "remarks")),
    ),
    key_fields=("bom__product", "bom__version", "component"),
    group_by=("bom__product", "bom__version"),
    write_group=write_bom_group,
    check_rows=check_bom_line_rows,
    search_fields=("bom__product__code", "bom__product__name", "bom__version", "component__code", "component__name"),
    filter_fields=("bom__is_default",),
    access=BOM_ACCESS,
    perm_model=Bom,
    records=lambda: BomLine.objects.filter(bom__active=True),
))


def write_bundle_group(*, actor, key: dict, rows: list[dict]) -> str:
    """The rows of one bundle become its components. A code no SKU has yet creates the bundle
    (its 套餐名称 is then required); a code of a SKU that is not a bundle is refused, since
    turning a product into a bundle is a change of the SKU itself (on the SKU list)."""
    code = key["bundle__code"]
    name = next((row["bundle__name"] for row in rows if row.get("bundle__name")), "")
    components = [(row["component"], row["quantity"]) for row in rows]
    bundle = Sku.objects.filter(code=code).first()
    with errors_on_rows({"code": "bundle__code", "name": "bundle__name", "kind": "bundle__code"}):
        if bundle is None:
            if not name:
                raise ValidationFailed([FieldError("bundle__name", _("Required for a new bundle."),
                                                   CatalogError.REQUIRED)])
            services.bundle_create(code=code, name=name, components=components, actor=actor)
            return "created"
        if bundle.kind != ProductKind.BUNDLE:
            raise ValidationFailed([FieldError("bundle__code", _("%(code)s is not a bundle (its kind is %(kind)s); "
                                                                 "make it a bundle on the SKU list first, or use "
                                                                 "another code.")
                                               % {"code": code, "kind": bundle.get_kind_display()},
                                               CatalogError.NOT_A_BUNDLE)])
        changed = False
        if name and name != bundle.name:
            bundle = services.sku_update(sku=bundle, actor=actor, name=name)
            changed = True
        stored = list(bundle.bundle_lines.order_by("line_no", "id").values_list("component_id", "quantity"))
        if stored != components:
            services.bundle_set_components(bundle=bundle, components=components, actor=actor)
            changed = True
    return "updated" if changed else "unchanged"


BUNDLE_COMPONENTS = register(MasterList(
    key="bundle-components",
    model=BundleLine,
    area="catalog",
    columns=(
        Column("bundle__code", "套餐商家编码", "Bundle code", required=True,
               aliases=("套餐编码", "组合装商家编码", "组合装编码", "组合商品编码", "组合编码", "bundle",
                        "bundle code"),
               hint="TZ-01"),
        Column("bundle__name", "套餐名称", "Bundle name",
               aliases=("组合装名称", "组合商品名称", "套餐名", "bundle name")),
        Column("component", "子件商家编码", "Component code", required=True, ref=SKU_CODE,
               aliases=("子件编码", "子商品编码", "子商品商家编码", "单品商家编码", "component", "component code")),
        Column("component__name", "子件名称", "Component name", importable=False),
        Column("quantity", "数量", "Quantity", required=True, aliases=("子件数量", "子商品数量", "quantity"), hint="2"),
    ),
    key_fields=("bundle__code", "component"),
    group_by=("bundle__code",),
    write_group=write_bundle_group,
    search_fields=("bundle__code", "bundle__name", "component__code", "component__name"),
    access=SKUS.access,
    perm_model=Sku,
    records=lambda: BundleLine.objects.filter(bundle__active=True),
))
