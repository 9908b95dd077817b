"""Reads of the catalogue: lookups and pickers, the category tree, style grids, bundle
expansion and BOM explosion."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import reduce
from operator import and_

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import (
    CATEGORY_PATH_SEPARATOR,
    Bom,
    BomLine,
    BundleLine,
    Category,
    ProductKind,
    Sku,
    Style,
    StyleColour,
    StyleSize,
)
from shopflow.core.errors import DomainError
from shopflow.core.models import QTY, AuditEvent

# Quantities are stored with 4 decimals (core.models.QTY); explosion rounds to that, once, at the end.
QUANTITY_STEP = Decimal(1).scaleb(-QTY["decimal_places"])
# Enough digits that no multiplication along a path is rounded before the end.
EXACT_PRECISION = 80
ARROW = " → "
# A grid SKU takes these from its style and its colour × size cell, so they are not edited on it.
GRID_SKU_LOCKED = ("code", "kind", "category", "colour", "size", "unit")


def round_quantity(value: Decimal) -> Decimal:
    """A quantity rounded (half up) to the 4 decimals a quantity is stored with."""
    with localcontext() as ctx:
        ctx.prec = EXACT_PRECISION  # so a very large total is rounded, not refused
        return value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def catalog_history(instance) -> QuerySet:
    """The audit trail of a category, style, colour, size, SKU or BOM, oldest first."""
    return AuditEvent.objects.filter(doc_type=instance._meta.label_lower, doc_id=instance.pk).select_related("actor")


# ---------------------------------------------------------------- categories

@dataclass(frozen=True)
class CategoryNode:
    category: Category
    path: str  # 服装/上装/T恤
    depth: int  # 0 for a root


def category_paths() -> dict[int, str]:
    """The full path of every category, from one query."""
    rows = {c.pk: (c.parent_id, c.name) for c in Category.objects.only("id", "parent_id", "name")}
    paths: dict[int, str] = {}

    def path(pk: int, seen: frozenset = frozenset()) -> str:
        if pk not in paths:
            parent_id, name = rows[pk]
            # `seen` stops at a cycle that slipped past the services (a raw SQL edit, say).
            parent = path(parent_id, seen | {pk}) if parent_id and parent_id not in seen | {pk} else ""
            paths[pk] = f"{parent}{CATEGORY_PATH_SEPARATOR}{name}" if parent else name
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


def category_ancestors(category: Category) -> list[Category]:
    """The category's parents from the root down, without the category itself."""
    chain: list[Category] = []
    seen = {category.pk}
    node = category.parent
    while node is not None and node.pk not in seen:
        chain.append(node)
        seen.add(node.pk)
        node = node.parent
    return chain[::-1]


def category_path(category: Category) -> str:
    """服装/上装/T恤: the names from the root down to this category."""
    return CATEGORY_PATH_SEPARATOR.join([c.name for c in category_ancestors(category)] + [category.name])


def category_tree(*, active_only: bool = False) -> list[CategoryNode]:
    """Every category in tree order (parents before their children, siblings by sort order and code)."""
    categories = list(Category.objects.order_by("sort_order", "code"))
    children: dict[int | None, list[Category]] = defaultdict(list)
    for c in categories:
        children[c.parent_id].append(c)
    out: list[CategoryNode] = []

    def walk(parent_id: int | None, prefix: str, depth: int) -> None:
        for c in children.get(parent_id, ()):
            if active_only and not c.active:
                continue
            path = f"{prefix}{CATEGORY_PATH_SEPARATOR}{c.name}" if prefix else c.name
            out.append(CategoryNode(c, path, depth))
            walk(c.pk, path, depth + 1)

    walk(None, "", 0)
    return out


def category_descendant_ids(category: Category) -> list[int]:
    """The category and everything below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Category.objects.values_list("id", "parent_id"):
        children[parent_id].append(pk)
    found, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.append(pk)
            todo.extend(children.get(pk, ()))
    return found


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code.strip()).first()


def category_by_path(path: str) -> Category | None:
    """The category named by a full path such as "服装/上装/T恤" (spaces around "/" ignored)."""
    names = [n.strip() for n in path.split(CATEGORY_PATH_SEPARATOR)]
    if not all(names):
        return None
    node = None
    for name in names:
        node = Category.objects.filter(parent=node, name=name).first()
        if node is None:
            return None
    return node


# ---------------------------------------------------------------- styles and SKUs

@dataclass
class StyleGrid:
    """A style's colour × size grid: rows are colours, columns sizes, a cell the SKU (or None)."""

    style: Style
    colours: list[StyleColour]
    sizes: list[StyleSize]
    cells: dict[tuple[int, int], Sku] = field(default_factory=dict)

    def sku(self, colour: StyleColour, size: StyleSize) -> Sku | None:
        return self.cells.get((colour.pk, size.pk))

    def rows(self) -> list[tuple[StyleColour, list[Sku | None]]]:
        return [(c, [self.sku(c, s) for s in self.sizes]) for c in self.colours]


def style_by_code(code: str) -> Style | None:
    return Style.objects.filter(code=code.strip()).first()


def style_list(*, search: str = "", category: Category | None = None, active: bool | None = None) -> QuerySet:
    qs = Style.objects.select_related("category")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if category is not None:
        qs = qs.filter(category_id__in=category_descendant_ids(category))
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def style_grid(style: Style, *, include_retired: bool = True) -> StyleGrid:
    colours = list(style.colours.all())
    sizes = list(style.sizes.all())
    if not include_retired:
        colours = [c for c in colours if c.active]
        sizes = [s for s in sizes if s.active]
    cells = {(s.style_colour_id, s.style_size_id): s for s in style.skus.all()}
    return StyleGrid(style, colours, sizes, cells)


def sku_locked_fields(sku: Sku) -> tuple[str, ...]:
    """Fields an edit form shows read-only for this SKU (a grid SKU's come from its style)."""
    return GRID_SKU_LOCKED if sku.style_id else ()


def sku_by_code(code: str) -> Sku | None:
    """The SKU with this item code 商家编码, or None."""
    return Sku.objects.filter(code=code.strip()).first()


def sku_by_barcode(barcode: str) -> Sku | None:
    barcode = barcode.strip()
    return Sku.objects.filter(barcode=barcode).first() if barcode else None


def sku_by_scan(value: str) -> Sku | None:
    """What a scanner read: a barcode first, else an item code (labels often print the code)."""
    return sku_by_barcode(value) or sku_by_code(value)


def _words_match(words: Iterable[str]) -> Q:
    return reduce(and_, (Q(code__icontains=w) | Q(name__icontains=w) | Q(barcode__startswith=w)
                         | Q(colour__icontains=w) | Q(size__iexact=w) for w in words), Q())


def sku_search(term: str, *, limit: int = 20, active_only: bool = True,
               kinds: Iterable[str] | None = None) -> list[Sku]:
    """SKUs for a picker: every word of `term` must match the code, name, barcode, colour or size.
    An exact code or barcode comes first, then codes that start with the term, then the rest."""
    term = term.strip()
    if not term:
        return []
    qs = Sku.objects.filter(_words_match(term.split()))
    if active_only:
        qs = qs.filter(active=True)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    rank = Case(
        When(Q(code__iexact=term) | Q(barcode=term), then=Value(0)),
        When(code__istartswith=term, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(qs.annotate(rank=rank).order_by("rank", "code")[:limit])


def sku_label(sku: Sku) -> str:
    """How a picker shows a SKU: "TX2401-BLK-M — 纯棉T恤 黑色 M"."""
    rest = " ".join(p for p in (sku.name, sku.colour, sku.size) if p)
    return f"{sku.code} — {rest}" if rest else sku.code


def sku_labels(ids: Iterable[int]) -> dict[int, str]:
    """{id: label} of these SKUs (one query); unknown ids are left out."""
    wanted = {pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool)}
    if not wanted:
        return {}
    return {s.pk: sku_label(s) for s in Sku.objects.filter(pk__in=wanted).only("code", "name", "colour", "size")}


def sku_list(*, search: str = "", category: Category | None = None, style: Style | None = None,
             kind: str | None = None, active: bool | None = None) -> QuerySet:
    """SKUs for list pages and exports; a category includes its subcategories."""
    qs = Sku.objects.select_related("category", "style")
    if search.strip():
        qs = qs.filter(_words_match(search.split()))
    if category is not None:
        qs = qs.filter(category_id__in=category_descendant_ids(category))
    if style is not None:
        qs = qs.filter(style=style)
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


# ---------------------------------------------------------------- graphs (bundles and BOMs)

def find_path(graph: dict[int, Iterable[int]], start: int, goal: int) -> list[int] | None:
    """A path start → … → goal along the graph's edges (depth first), or None."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == goal:
                return path + [nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def codes_path(ids: list[int]) -> str:
    """"A → B → A" from SKU ids, for messages."""
    codes = dict(Sku.objects.filter(pk__in=set(ids)).values_list("id", "code"))
    return ARROW.join(codes.get(pk, str(pk)) for pk in ids)


def bundle_graph() -> dict[int, set[int]]:
    """bundle SKU id → its component SKU ids."""
    graph: dict[int, set[int]] = defaultdict(set)
    for bundle_id, component_id in BundleLine.objects.values_list("bundle_id", "component_id"):
        graph[bundle_id].add(component_id)
    return graph


def bom_graph(*, exclude_bom_id: int | None = None) -> dict[int, set[int]]:
    """product SKU id → component SKU ids over every active BOM version (a version that is not the
    default today may become it tomorrow, so none of them may close a cycle)."""
    graph: dict[int, set[int]] = defaultdict(set)
    lines = BomLine.objects.filter(bom__active=True)
    if exclude_bom_id is not None:
        lines = lines.exclude(bom_id=exclude_bom_id)
    for product_id, component_id in lines.values_list("bom__product_id", "component_id"):
        graph[product_id].add(component_id)
    return graph


# ---------------------------------------------------------------- bundles

def bundle_lines(bundle: Sku) -> list[BundleLine]:
    return list(bundle.bundle_lines.select_related("component"))


def bundle_list(*, search: str = "", active: bool | None = None) -> QuerySet:
    """Bundle SKUs with their component lines (prefetched), for the bundles page."""
    qs = Sku.objects.filter(kind=ProductKind.BUNDLE).select_related("category").prefetch_related(
        Prefetch("bundle_lines", queryset=BundleLine.objects.select_related("component")))
    for word in search.split():
        qs = qs.filter(Q(code__icontains=word) | Q(name__icontains=word) | Q(barcode__startswith=word))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("code")


def _as_quantity(value, *, what: str) -> Decimal:
    try:
        qty = Decimal(str(value))
    except (InvalidOperation, ValueError):
        qty = Decimal("NaN")
    if not qty.is_finite() or qty <= 0:
        raise DomainError(CatalogError.INVALID_QUANTITY,
                          _("%(what)s must be a number greater than zero, got %(value)s.")
                          % {"what": what, "value": value}, field="quantity")
    return qty


def bundle_components(sku: Sku, *, quantity=1) -> list[tuple[Sku, Decimal]]:
    """What selling `quantity` of `sku` consumes: a bundle's components, nested bundles
    flattened, each SKU once with its total; any other SKU is itself × quantity. Refuses an
    empty bundle and a bundle that contains itself (naming the path)."""
    qty = _as_quantity(quantity, what=_("Quantity"))
    lines_of: dict[int, list[BundleLine]] = {}
    totals: dict[int, tuple[Sku, Decimal]] = {}
    with localcontext() as ctx:
        ctx.prec = EXACT_PRECISION
        _expand_bundle(sku, qty, [sku.pk], lines_of, totals)
    return [(s, round_quantity(q)) for s, q in totals.values()]


def _expand_bundle(sku: Sku, qty: Decimal, path: list[int], lines_of: dict, totals: dict) -> None:
    if sku.kind != ProductKind.BUNDLE:
        known = totals.get(sku.pk)
        totals[sku.pk] = (sku, (known[1] if known else Decimal(0)) + qty)
        return
    if sku.pk not in lines_of:
        lines_of[sku.pk] = bundle_lines(sku)
    if not lines_of[sku.pk]:
        raise DomainError(CatalogError.BUNDLE_EMPTY,
                          _("Bundle %(code)s has no components.") % {"code": sku.code})
    for line in lines_of[sku.pk]:
        if line.component_id in path:
            raise DomainError(CatalogError.BUNDLE_CYCLE, _("Bundle contains itself: %(path)s.")
                              % {"path": codes_path(path + [line.component_id])})
        _expand_bundle(line.component, qty * line.quantity, path + [line.component_id], lines_of, totals)


# ---------------------------------------------------------------- BOMs

@dataclass(frozen=True)
class Requirement:
    """One component needed to make a quantity of a product, reached along `path`."""

    sku: Sku
    quantity: Decimal  # already multiplied by the parents' quantities and every scrap % on the way
    level: int  # 1 for a direct component of the exploded product
    path: tuple[str, ...]  # item codes from the exploded product down to this component
    has_bom: bool  # the component has a default BOM of its own (it is a semi-finished product)
    line: BomLine | None = None  # the BOM line that asks for it (quantity per unit, scrap %)


def bom_list(*, product: Sku | None = None, active: bool | None = None, search: str = "") -> QuerySet:
    """BOMs with their product and number of lines; `search` matches the product's code or name
    or the version (every word must match)."""
    qs = Bom.objects.select_related("product").annotate(line_count=Count("lines")).order_by("product__code", "version")
    if product is not None:
        qs = qs.filter(product=product)
    if active is not None:
        qs = qs.filter(active=active)
    for word in search.split():
        qs = qs.filter(Q(product__code__icontains=word) | Q(product__name__icontains=word)
                       | Q(version__icontains=word))
    return qs


def bom_default(sku: Sku) -> Bom | None:
    return Bom.objects.filter(product=sku, is_default=True, active=True).first()


def bom_lines(bom: Bom) -> list[BomLine]:
    return list(bom.lines.select_related("component"))


def bom_where_used(component: Sku) -> QuerySet:
    """The BOMs that list `component` (active or not), for "where used" 反查."""
    return Bom.objects.filter(lines__component=component).select_related("product").distinct()


def _top_bom(sku: Sku, version: str | None) -> Bom:
    if version is None:
        bom = bom_default(sku)
        if bom is None:
            raise DomainError(CatalogError.BOM_NOT_FOUND, _("%(code)s has no default BOM.") % {"code": sku.code})
        return bom
    bom = Bom.objects.filter(product=sku, version=version).first()
    if bom is None:
        raise DomainError(CatalogError.BOM_NOT_FOUND, _("%(code)s has no BOM version %(version)s.")
                          % {"code": sku.code, "version": version})
    if not bom.active:
        raise DomainError(CatalogError.BOM_INACTIVE, _("BOM version %(version)s of %(code)s is retired.")
                          % {"code": sku.code, "version": version})
    return bom


def _default_lines(product_ids: set[int]) -> dict[int, list[BomLine]]:
    """The lines of the default BOM of each product that has one (one query)."""
    found: dict[int, list[BomLine]] = defaultdict(list)
    rows = (BomLine.objects.filter(bom__product_id__in=product_ids, bom__is_default=True, bom__active=True)
            .select_related("component", "bom").order_by("bom_id", "line_no", "id"))
    for line in rows:
        found[line.bom.product_id].append(line)
    return found


def _bom_structure(top_lines: list[BomLine], levels: int | None) -> dict[int, list[BomLine]]:
    """Default-BOM lines of every product below the top, one query per level."""
    structure: dict[int, list[BomLine]] = {}
    frontier = {line.component_id for line in top_lines}
    depth = 1
    while frontier:
        found = _default_lines(frontier)
        for pk in frontier:
            structure[pk] = found.get(pk, [])
        depth += 1
        if levels is not None and depth > levels:
            break
        frontier = {line.component_id for pk in frontier for line in structure[pk]} - set(structure)
    return structure


def _levels(levels) -> int | None:
    if levels == "all":
        return None
    if isinstance(levels, int) and not isinstance(levels, bool) and levels >= 1:
        return levels
    raise DomainError(CatalogError.INVALID_QUANTITY, _("Levels must be \"all\" or a whole number from 1, got %(v)s.")
                      % {"v": levels}, field="levels")


def _explode(sku: Sku, quantity, version: str | None, levels) -> list[Requirement]:
    """Unrounded requirements, depth first in line order."""
    qty = _as_quantity(quantity, what=_("Quantity"))
    max_level = _levels(levels)
    top_lines = bom_lines(_top_bom(sku, version))
    structure = _bom_structure(top_lines, max_level)
    out: list[Requirement] = []

    def walk(lines: list[BomLine], parent_qty: Decimal, level: int, ids: list[int], codes: tuple[str, ...]):
        for line in lines:
            if line.component_id in ids:
                raise DomainError(CatalogError.BOM_CYCLE, _("The BOM contains itself: %(path)s.")
                                  % {"path": ARROW.join(codes + (line.component.code,))})
            need = parent_qty * line.quantity * (1 + line.scrap_percent / 100)
            below = structure.get(line.component_id, [])
            path = codes + (line.component.code,)
            out.append(Requirement(line.component, need, level, path, bool(below), line))
            if below and (max_level is None or level < max_level):
                walk(below, need, level + 1, ids + [line.component_id], path)

    with localcontext() as ctx:
        ctx.prec = EXACT_PRECISION
        walk(top_lines, qty, 1, [sku.pk], (sku.code,))
    return out


def bom_explode(*, sku: Sku, quantity, version: str | None = None, levels="all") -> list[Requirement]:
    """What making `quantity` of `sku` needs, one row per path through the BOM tree, depth first.

    The top level uses `version` (default: the default version); products below use their
    default BOM. Each row is parent quantity × quantity per unit × (1 + scrap % / 100) all the
    way down, computed exactly and rounded to 4 decimals only at the end. `levels=1` gives the
    direct components only. Refuses a BOM that contains itself, naming the path."""
    with localcontext() as ctx:
        ctx.prec = EXACT_PRECISION
        rows = _explode(sku, quantity, version, levels)
    return [Requirement(r.sku, round_quantity(r.quantity), r.level, r.path, r.has_bom, r.line) for r in rows]


def bom_totals(*, sku: Sku, quantity, version: str | None = None, levels="all") -> list[tuple[Sku, Decimal]]:
    """Total requirement per component SKU for what is issued or bought: the rows that are not
    exploded further (leaves, or the last level asked for), summed exactly, rounded once."""
    max_level = _levels(levels)
    totals: dict[int, tuple[Sku, Decimal]] = {}
    with localcontext() as ctx:
        ctx.prec = EXACT_PRECISION
        for r in _explode(sku, quantity, version, levels):
            if r.has_bom and (max_level is None or r.level < max_level):
                continue
            known = totals.get(r.sku.pk)
            totals[r.sku.pk] = (r.sku, (known[1] if known else Decimal(0)) + r.quantity)
    return [(s, round_quantity(q)) for s, q in totals.values()]
