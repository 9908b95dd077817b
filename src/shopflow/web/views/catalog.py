"""The catalogue's own pages (URLs in web.catalog_urls, under /catalog/): a style's colour × size
grid, bundle components, BOMs with their multi-level explosion, and the SKU search behind every
SKU picker. Thin: parse the POST, call one catalogue service, then redirect, or show the page
again with each error where it belongs (a field, a line, or above the form)."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.catalog import services
from shopflow.catalog.models import STYLE_KINDS, Bom, ProductKind, Sku, Style, StyleColour, StyleSize
from shopflow.catalog.roles import user_may_bom
from shopflow.catalog.selectors import (
    bom_explode,
    bom_lines,
    bom_list,
    bom_totals,
    bundle_components,
    bundle_lines,
    bundle_list,
    catalog_history,
    category_path,
    category_tree,
    sku_label,
    sku_search,
    style_grid,
)
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, FieldError
from shopflow.core.masterdata import ACTION_LABELS, get_list, user_may_list
from shopflow.web.display import trimmed
from shopflow.web.forms import PICKER_TEXT, TypedText, picker_context, resolve_sku, unknown_sku_message
from shopflow.web.views.masterdata import require as require_list

SEARCH_LIMIT = 20  # options a picker shows
SEARCH_MAX = 50
BLANK_LINES = 3  # empty line rows under a new bundle or BOM
BLANK_COLOURS = 3  # empty colour rows in the "add colours and sizes" form
# Sizes typed in one box: "S M L XL", "S,M,L", "S、M、L" (not "/": 160/84A is one size).
SIZE_SPLIT = re.compile(r"[\s,，、;；]+")
# Everything a BOM may be made of: not bundles (a bundle has components, not a BOM).
BOM_KINDS = ",".join(v for v, _label in STYLE_KINDS)
CSS_PICKER = "form-control form-control-sm"


# ---------------------------------------------------------------- permissions and lookups


def require_bom(user, action: str) -> None:
    """403 unless the user may view, add or change BOMs."""
    if not user_may_bom(user, action):
        raise PermissionDenied(_("You may not %(action)s: %(list)s.")
                               % {"action": ACTION_LABELS.get(action, action), "list": Bom._meta.verbose_name_plural})


def _get(model, pk: int, **filters):
    try:
        return model.objects.get(pk=pk, **filters)
    except model.DoesNotExist:
        raise Http404(_("No such record.")) from None


def _num(value) -> str:
    """A stored quantity as people type it: 2, 1.5 (not 2.0000)."""
    return format(trimmed(Decimal(value)), "f") if value is not None else ""


EVENT_LABELS = {
    "create": pgettext_lazy("audit event", "Created"),
    "update": pgettext_lazy("audit event", "Changed"),
    "retire": pgettext_lazy("audit event", "Retired"),
    "restore": pgettext_lazy("audit event", "Restored"),
    "components": pgettext_lazy("audit event", "Components changed"),
    "set_default": pgettext_lazy("audit event", "Made the default version"),
}
HISTORY = 10


def history(obj, *, actions: tuple[str, ...] = ()) -> list[dict]:
    """The record's last audit events, newest first, with the fields they changed."""
    if obj is None:
        return []
    events = catalog_history(obj)
    if actions:
        events = events.filter(action__in=actions)
    out = []
    for event in events.order_by("-at", "-id")[:HISTORY]:
        changes = (event.payload or {}).get("changes") or {}
        out.append({"event": event, "label": EVENT_LABELS.get(event.action, event.action),
                    "changes": [(_field_label(obj, name), *pair) for name, pair in changes.items()
                                if isinstance(pair, list | tuple) and len(pair) == 2 and name != "lines"]})
    return out


def _field_label(obj, name: str) -> str:
    try:
        return capfirst(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


# ---------------------------------------------------------------- errors → where they are shown

LINE_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


@dataclass
class PageErrors:
    """A service's errors sorted by where the page shows them: "version" on that field,
    "lines[2].quantity" on row 3's quantity, anything else above the form."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, dict[int, dict[str, list[str]]]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines or self.general)

    def add(self, path: str, message: str) -> None:
        match = LINE_PATH.match(path or "")
        if match:
            group, index, name = match.group(1), int(match.group(2)), match.group(3) or ""
            self.lines.setdefault(group, {}).setdefault(index, {}).setdefault(name, []).append(message)
        elif path:
            self.fields.setdefault(path, []).append(message)
        else:
            self.general.append(message)

    def of_line(self, group: str, index: int) -> dict[str, list[str]]:
        return self.lines.get(group, {}).get(index, {})


def page_errors(exc: DomainError) -> PageErrors:
    out = PageErrors()
    for problem in exc.errors or [FieldError(exc.field, exc.message, exc.code)]:
        out.add(problem.field, problem.message)
    return out


# ---------------------------------------------------------------- component lines (bundles and BOMs)

LINE_KEY = re.compile(r"^lines-(\d+)-")


def posted_lines(data, names: tuple[str, ...]) -> list[dict]:
    """The line rows posted, in screen order, without blank and removed ones; the component is
    resolved from the picker (its id, or an exact code or barcode typed into it)."""
    indices = sorted({int(m.group(1)) for key in data for m in [LINE_KEY.match(key)] if m})
    rows = []
    for index in indices:
        prefix = f"lines-{index}-"
        if data.get(f"{prefix}DELETE"):
            continue
        raw = {name: str(data.get(f"{prefix}{name}", "")).strip() for name in ("component", *names)}
        typed = str(data.get(f"{prefix}component{PICKER_TEXT}", "")).strip()
        if not typed and not any(raw.values()):
            continue
        raw["component_id"], raw["unknown"] = resolve_sku(raw["component"], typed)
        rows.append(raw)
    return rows


def line_rows(rows: list[dict], *, kinds: str = "", errors: PageErrors | None = None, blank: int = 0) -> list[dict]:
    """Rows for web/catalog/_line_row.html, numbered 0..n-1 so row i is lines[i] / components[i]
    of the service, plus `blank` empty rows."""
    out = []
    for index, raw in enumerate(rows):
        row_errors = dict(errors.of_line("lines", index) or errors.of_line("components", index)) if errors else {}
        if raw.get("unknown") and errors:
            row_errors["component"] = [unknown_sku_message(raw["unknown"])]
        value = TypedText(raw["unknown"]) if raw.get("unknown") else raw.get("component_id")
        css = CSS_PICKER + (" is-invalid" if row_errors.get("component") else "")
        out.append({"index": index, "number": index + 1, "values": raw, "errors": row_errors,
                    "picker": picker_context(name=f"lines-{index}-component", id=f"id_lines-{index}-component",
                                             value=value, css=css, kinds=kinds, label=raw.get("label"))})
    for index in range(len(rows), len(rows) + blank):
        out.append(empty_line_row(index, kinds=kinds))
    return out


def empty_line_row(index, *, kinds: str = "") -> dict:
    return {"index": index, "number": "" if index == "__prefix__" else index + 1, "values": {}, "errors": {},
            "picker": picker_context(name=f"lines-{index}-component", id=f"id_lines-{index}-component", value="",
                                     kinds=kinds, label="")}


def _line_values(line, *, bom: bool) -> dict:
    values = {"component_id": line.component_id, "unknown": "", "label": sku_label(line.component),
              "quantity": _num(line.quantity)}
    if bom:
        values.update(scrap_percent=_num(line.scrap_percent), remarks=line.remarks)
    return values


# ---------------------------------------------------------------- SKU search (the picker's options)


@require_GET
def sku_search_view(request):
    """The options of a SKU picker: ?q= (or the picker's own <name>__text), optional kinds=a,b and
    limit (up to 50). Every word must match the code, name, barcode, colour or size."""
    require_list(request.user, get_list("skus"), "view")
    term = request.GET.get("q")
    if term is None:
        term = next((v for k, v in request.GET.items() if k.endswith(PICKER_TEXT)), "")
    term = term.strip()[:100]
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in ProductKind.values] or None
    try:
        limit = max(1, min(SEARCH_MAX, int(request.GET.get("limit", SEARCH_LIMIT))))
    except ValueError:
        limit = SEARCH_LIMIT
    found = sku_search(term, limit=limit + 1, kinds=kinds) if term else []
    options = [{"sku": s, "label": sku_label(s), "exact": term.lower() in (s.code.lower(), s.barcode.lower())}
               for s in found[:limit]]
    return render(request, "web/catalog/_sku_options.html",
                  {"options": options, "term": term, "more": len(found) > limit, "limit": limit})


# ---------------------------------------------------------------- the style page: colour × size grid


def _grid_form(data=None, errors: PageErrors | None = None, positions: list[int] | None = None) -> dict:
    """The "add colours and sizes" form: colour rows (code + name), the sizes box, the barcode
    scheme; errors of colours[i] go to the screen row the i-th colour came from."""
    data = data or {}
    indices = sorted({int(m.group(1)) for key in data for m in [re.match(r"^colour-(\d+)-", key)] if m})
    count = max(len(indices), BLANK_COLOURS)
    by_position = {pos: i for i, pos in enumerate(positions or [])}
    rows = []
    for n in range(count):
        index = indices[n] if n < len(indices) else None
        code = str(data.get(f"colour-{index}-code", "")).strip() if index is not None else ""
        name = str(data.get(f"colour-{index}-name", "")).strip() if index is not None else ""
        row_errors = errors.of_line("colours", by_position[n]) if errors and n in by_position else {}
        rows.append({"n": n, "code": code, "name": name, "errors": row_errors})
    return {"colours": rows, "sizes": str(data.get("sizes", "")), "barcode": str(data.get("barcode", "")),
            "errors": errors or PageErrors()}


def _size_errors(errors: PageErrors, sizes: list[str]) -> list[str]:
    """Messages about sizes, each naming its size (the box holds several)."""
    out = list(errors.fields.get("sizes", []))
    for index, by_name in sorted(errors.lines.get("sizes", {}).items()):
        size = sizes[index] if index < len(sizes) else ""
        for message in (m for ms in by_name.values() for m in ms):
            out.append(message if size in message else f"{size}: {message}")
    return out


def _style_page(request, style: Style, *, grid_form: dict | None = None, rename: dict | None = None, status=200):
    grid = style_grid(style)
    rows = grid.rows()
    active_sizes = {s.pk for s in grid.sizes if s.active}
    missing = sum(1 for colour, cells in rows if colour.active
                  for size, sku in zip(grid.sizes, cells, strict=True) if size.pk in active_sizes and sku is None)
    return render(request, "web/catalog/style.html", {
        "style": style,
        "category": category_path(style.category) if style.category else "",
        "grid": grid,
        "rows": [{"colour": colour, "cells": list(zip(grid.sizes, cells, strict=True))} for colour, cells in rows],
        "sku_count": len(grid.cells),
        "missing": missing,
        "form": grid_form or _grid_form(),
        "rename": rename or {},
        "may_change": user_may_list(request.user, get_list("styles"), "change"),
        "history": history(style),
        "schemes": (("", _("No barcode")), ("ean13", _("EAN-13 (next number under your GS1 prefix)")),
                    ("code128", _("Code128 (the item code itself)"))),
    }, status=status)


@require_http_methods(["GET", "POST"])
def style_page(request, pk):
    """GET: the style and its grid. POST: add colours and sizes and make the missing SKUs."""
    ml = get_list("styles")
    require_list(request.user, ml, "view")
    style = _get(Style, pk)
    if request.method == "GET":
        return _style_page(request, style)
    require_list(request.user, ml, "change")
    indices = sorted({int(m.group(1)) for key in request.POST for m in [re.match(r"^colour-(\d+)-", key)] if m})
    colours, positions = [], []
    for n, index in enumerate(indices):
        code = request.POST.get(f"colour-{index}-code", "").strip()
        name = request.POST.get(f"colour-{index}-name", "").strip()
        if code or name:
            colours.append((code, name))
            positions.append(n)
    sizes = [s for s in SIZE_SPLIT.split(request.POST.get("sizes", "")) if s]
    try:
        result = services.style_generate_skus(style=style, colours=colours, sizes=sizes, actor=request.user,
                                              barcode=request.POST.get("barcode", ""))
    except DomainError as exc:
        errors = page_errors(exc)
        form = _grid_form(request.POST, errors, positions)
        form["size_errors"] = _size_errors(errors, sizes)
        return _style_page(request, style, grid_form=form, status=400)
    messages.success(request, _("%(created)s SKUs created, %(linked)s existing SKUs linked; %(colours)s colours and "
                                "%(sizes)s sizes added.")
                     % {"created": len(result.created), "linked": len(result.adopted),
                        "colours": len(result.colours_added), "sizes": len(result.sizes_added)})
    return redirect(reverse("web:catalog_style", args=[style.pk]))


@require_POST
def colour_rename(request, pk, colour_pk):
    require_list(request.user, get_list("styles"), "change")
    style = _get(Style, pk)
    colour = _get(StyleColour, colour_pk, style=style)
    name = request.POST.get("name", "")
    try:
        services.style_colour_rename(colour=colour, name=name, actor=request.user)
    except DomainError as exc:
        errors = page_errors(exc)
        problems = [m for ms in errors.fields.values() for m in ms] + errors.general
        return _style_page(request, style, rename={"colour": colour.pk, "name": name, "errors": problems}, status=400)
    messages.success(request, _("Colour renamed to %(name)s.") % {"name": name.strip()})
    return redirect(reverse("web:catalog_style", args=[style.pk]))


LINE_ACTIONS = {
    ("colour", "retire"): services.style_colour_retire,
    ("colour", "restore"): services.style_colour_restore,
    ("size", "retire"): services.style_size_retire,
    ("size", "restore"): services.style_size_restore,
}


@require_POST
def grid_line_active(request, pk, what, line_pk, action):
    """Retire or restore a colour (a row) or a size (a column) and the SKUs on it."""
    require_list(request.user, get_list("styles"), "change")
    style = _get(Style, pk)
    service = LINE_ACTIONS.get((what, action))
    if service is None:
        raise Http404(_("No such action."))
    line = _get(StyleColour if what == "colour" else StyleSize, line_pk, style=style)
    try:
        service(**{what: line, "actor": request.user})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = _("%(what)s retired; its SKUs are inactive.") if action == "retire" else _(
            "%(what)s restored with its SKUs.")
        messages.success(request, done % {"what": str(line)})
    return redirect(reverse("web:catalog_style", args=[style.pk]))


@require_POST
def style_active(request, pk, action):
    require_list(request.user, get_list("styles"), "change")
    style = _get(Style, pk)
    service = {"retire": services.style_retire, "restore": services.style_restore}.get(action)
    if service is None:
        raise Http404(_("No such action."))
    try:
        service(style=style, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Style %(code)s retired with its SKUs.") % {"code": style.code}
                         if action == "retire" else _("Style %(code)s restored.") % {"code": style.code})
    return redirect(reverse("web:catalog_style", args=[style.pk]))


# ---------------------------------------------------------------- bundles 套餐


def _active_filter(request) -> bool | None:
    return {"1": True, "0": False}.get(request.GET.get("active", ""))


@require_GET
def bundle_list_view(request):
    ml = get_list("skus")
    require_list(request.user, ml, "view")
    search = request.GET.get("q", "")[:200]
    qs = bundle_list(search=search, active=_active_filter(request))
    page = Paginator(qs, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/catalog/bundles.html", {
        "page": page, "search": search, "active": request.GET.get("active", ""),
        "may_add": user_may_list(request.user, ml, "add"),
    })


def _bundle_header(data) -> dict:
    return {name: str(data.get(name, "")).strip() for name in ("code", "name", "list_price", "barcode", "category")}


def _categories() -> list:
    return [(node.category.pk, node.path) for node in category_tree(active_only=True)]


def _bundle_page(request, *, bundle: Sku | None, rows: list[dict], header: dict | None = None,
                 errors: PageErrors | None = None, status=200):
    expansion, expansion_error = [], ""
    if bundle is not None and bundle.bundle_lines.exists():
        try:
            expansion = bundle_components(bundle)
        except DomainError as exc:
            expansion_error = exc.message
    return render(request, "web/catalog/bundle.html", {
        "bundle": bundle,
        "rows": rows,
        "template_row": empty_line_row("__prefix__"),
        "header": header or {},
        "errors": errors or PageErrors(),
        "categories": _categories(),
        "expansion": expansion,
        "expansion_error": expansion_error,
        "may_change": user_may_list(request.user, get_list("skus"), "add" if bundle is None else "change"),
        "history": history(bundle, actions=("components",)),
    }, status=status)


def _components(rows: list[dict]) -> list[tuple]:
    return [(row["component_id"], row["quantity"]) for row in rows]


@require_http_methods(["GET", "POST"])
def bundle_new(request):
    """A new bundle SKU with its components, in one go (bundle_create)."""
    require_list(request.user, get_list("skus"), "add")
    if request.method == "GET":
        return _bundle_page(request, bundle=None, rows=line_rows([], blank=BLANK_LINES))
    rows, header = posted_lines(request.POST, ("quantity",)), _bundle_header(request.POST)
    if "add_line" in request.POST:
        return _bundle_page(request, bundle=None, header=header, rows=line_rows(rows, blank=1))
    category = header["category"]
    try:
        bundle = services.bundle_create(
            code=header["code"], name=header["name"], components=_components(rows), actor=request.user,
            list_price=header["list_price"] or 0, barcode=header["barcode"],
            category=int(category) if category.isdigit() else None)
    except DomainError as exc:
        errors = page_errors(exc)
        return _bundle_page(request, bundle=None, header=header, errors=errors,
                            rows=line_rows(rows, errors=errors), status=400)
    messages.success(request, _("Bundle %(code)s created.") % {"code": bundle.code})
    return redirect(reverse("web:catalog_bundle", args=[bundle.pk]))


@require_http_methods(["GET", "POST"])
def bundle_page(request, pk):
    """A bundle's components: what selling one consumes (bundle_set_components)."""
    ml = get_list("skus")
    require_list(request.user, ml, "view")
    bundle = _get(Sku, pk, kind=ProductKind.BUNDLE)
    if request.method == "GET":
        rows = [_line_values(line, bom=False) for line in bundle_lines(bundle)]
        blank = 0 if rows else BLANK_LINES
        return _bundle_page(request, bundle=bundle, rows=line_rows(rows, blank=blank))
    require_list(request.user, ml, "change")
    rows = posted_lines(request.POST, ("quantity",))
    if "add_line" in request.POST:
        return _bundle_page(request, bundle=bundle, rows=line_rows(rows, blank=1))
    try:
        services.bundle_set_components(bundle=bundle, components=_components(rows), actor=request.user)
    except DomainError as exc:
        errors = page_errors(exc)
        return _bundle_page(request, bundle=bundle, errors=errors, rows=line_rows(rows, errors=errors), status=400)
    messages.success(request, _("Components of %(code)s saved.") % {"code": bundle.code})
    return redirect(reverse("web:catalog_bundle", args=[bundle.pk]))


# ---------------------------------------------------------------- BOMs


@require_GET
def bom_list_view(request):
    require_bom(request.user, "view")
    search = request.GET.get("q", "")[:200]
    product = None
    if request.GET.get("product", "").isdigit():
        product = Sku.objects.filter(pk=int(request.GET["product"])).first()
    qs = bom_list(search=search, active=_active_filter(request), product=product)
    page = Paginator(qs, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/catalog/boms.html", {
        "page": page, "search": search, "active": request.GET.get("active", ""), "product": product,
        "may_add": user_may_bom(request.user, "add"),
    })


BOM_LINE_FIELDS = ("quantity", "scrap_percent", "remarks")


def _bom_specs(rows: list[dict]) -> list[services.BomLineSpec]:
    return [services.BomLineSpec(component=row["component_id"], quantity=row["quantity"],
                                 scrap_percent=row["scrap_percent"] or 0, remarks=row["remarks"]) for row in rows]


def _bom_form(data) -> dict:
    out = {name: str(data.get(name, "")).strip() for name in ("version", "remarks")}
    out["is_default"] = bool(data.get("is_default"))
    return out


def _explosion(request, bom: Bom) -> dict:
    """The explosion panel: ?qty= (default 1) and ?levels=all|1, for this version of the BOM."""
    quantity = request.GET.get("qty", "1").strip() or "1"
    levels = "all" if request.GET.get("levels", "all") != "1" else 1
    out = {"quantity": quantity, "levels": str(levels), "rows": [], "totals": [], "error": ""}
    try:
        out["rows"] = bom_explode(sku=bom.product, quantity=quantity, version=bom.version, levels=levels)
        out["totals"] = bom_totals(sku=bom.product, quantity=quantity, version=bom.version, levels=levels)
    except DomainError as exc:
        out["error"] = exc.message
        out["error_field"] = exc.field
    return out


def _bom_page(request, *, bom: Bom | None, rows: list[dict], form: dict, product=None, errors=None,
              copy: dict | None = None, status=200):
    may = user_may_bom(request.user, "add" if bom is None else "change")
    product_value = TypedText(product) if isinstance(product, str) else product
    product_css = CSS_PICKER + (" is-invalid" if errors and errors.fields.get("product") else "")
    return render(request, "web/catalog/bom.html", {
        "bom": bom,
        "rows": rows,
        "template_row": empty_line_row("__prefix__", kinds=BOM_KINDS),
        "form": form,
        "product_picker": picker_context(name="product", id="id_product", value=product_value, kinds=BOM_KINDS,
                                         css=product_css) if bom is None else None,
        "errors": errors or PageErrors(),
        "may_change": may,
        "copy": copy or {},
        "explosion": _explosion(request, bom) if bom is not None else None,
        "versions": list(bom_list(product=bom.product)) if bom is not None else [],
        "history": history(bom),
    }, status=status)


@require_http_methods(["GET", "POST"])
def bom_new(request):
    """A new BOM version for a product (bom_create): ?product=<id> preselects it."""
    require_bom(request.user, "add")
    if request.method == "GET":
        product = request.GET.get("product", "")
        form = {"version": "", "remarks": "", "is_default": True}
        return _bom_page(request, bom=None, rows=line_rows([], kinds=BOM_KINDS, blank=BLANK_LINES), form=form,
                         product=int(product) if product.isdigit() else None)
    rows, form = posted_lines(request.POST, BOM_LINE_FIELDS), _bom_form(request.POST)
    product_id, typed = resolve_sku(request.POST.get("product", ""), request.POST.get("product" + PICKER_TEXT, ""))
    product_value = typed or product_id
    if "add_line" in request.POST:
        return _bom_page(request, bom=None, rows=line_rows(rows, kinds=BOM_KINDS, blank=1), form=form,
                         product=product_value)
    product = Sku.objects.filter(pk=product_id).first() if product_id else None
    try:
        if product is None:
            message = unknown_sku_message(typed) if typed else _("Choose the product this BOM makes.")
            raise DomainError("required", message, field="product")
        bom = services.bom_create(product=product, version=form["version"], lines=_bom_specs(rows),
                                  actor=request.user, is_default=True if form["is_default"] else None,
                                  remarks=form["remarks"])
    except DomainError as exc:
        errors = page_errors(exc)
        return _bom_page(request, bom=None, rows=line_rows(rows, kinds=BOM_KINDS, errors=errors), form=form,
                         product=product_value, errors=errors, status=400)
    messages.success(request, _("BOM %(version)s of %(code)s created.") % {"version": bom.version,
                                                                           "code": product.code})
    return redirect(reverse("web:catalog_bom", args=[bom.pk]))


@require_http_methods(["GET", "POST"])
def bom_page(request, pk):
    """A BOM version: its lines (bom_update), default / copy / retire, and the explosion."""
    require_bom(request.user, "view")
    bom = _get(Bom, pk)
    if request.method == "GET":
        rows = [_line_values(line, bom=True) for line in bom_lines(bom)]
        form = {"version": bom.version, "remarks": bom.remarks}
        return _bom_page(request, bom=bom, rows=line_rows(rows, kinds=BOM_KINDS), form=form)
    require_bom(request.user, "change")
    rows, form = posted_lines(request.POST, BOM_LINE_FIELDS), _bom_form(request.POST)
    if "add_line" in request.POST:
        return _bom_page(request, bom=bom, rows=line_rows(rows, kinds=BOM_KINDS, blank=1), form=form)
    try:
        services.bom_update(bom=bom, actor=request.user, version=form["version"], remarks=form["remarks"],
                            lines=_bom_specs(rows))
    except DomainError as exc:
        errors = page_errors(exc)
        return _bom_page(request, bom=bom, rows=line_rows(rows, kinds=BOM_KINDS, errors=errors), form=form,
                         errors=errors, status=400)
    messages.success(request, _("BOM %(version)s saved.") % {"version": form["version"]})
    return redirect(reverse("web:catalog_bom", args=[bom.pk]))


BOM_ACTIONS = {
    "default": (services.bom_set_default, gettext_lazy("Version %(version)s is now the default.")),
    "retire": (services.bom_retire, gettext_lazy("Version %(version)s retired.")),
    "restore": (services.bom_restore, gettext_lazy("Version %(version)s restored.")),
}


@require_POST
def bom_action(request, pk, action):
    """Make a version the default, retire it or restore it."""
    require_bom(request.user, "change")
    bom = _get(Bom, pk)
    if action not in BOM_ACTIONS:
        raise Http404(_("No such action."))
    service, done = BOM_ACTIONS[action]
    try:
        bom = service(bom=bom, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done) % {"version": bom.version})
    return redirect(reverse("web:catalog_bom", args=[bom.pk]))


@require_POST
def bom_copy(request, pk):
    """A copy of this version under a new version name, to edit into the next revision."""
    require_bom(request.user, "add")
    bom = _get(Bom, pk)
    version = request.POST.get("version", "")
    try:
        copy = services.bom_copy(bom=bom, version=version, actor=request.user)
    except DomainError as exc:
        errors = page_errors(exc)
        problems = errors.fields.get("version", []) + [m for k, ms in errors.fields.items() if k != "version"
                                                       for m in ms] + errors.general
        rows = [_line_values(line, bom=True) for line in bom_lines(bom)]
        return _bom_page(request, bom=bom, rows=line_rows(rows, kinds=BOM_KINDS),
                         form={"version": bom.version, "remarks": bom.remarks},
                         copy={"version": version, "errors": problems}, status=400)
    messages.success(request, _("Version %(version)s copied from %(source)s; edit it below.")
                     % {"version": copy.version, "source": bom.version})
    return redirect(reverse("web:catalog_bom", args=[copy.pk]))
