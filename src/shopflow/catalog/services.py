"""Every write to the catalogue: categories, styles and their SKU grid, SKUs, bundles and BOMs.

Nothing here deletes: stock moves and documents point at SKUs, so retiring (active=False) is
how a product leaves the catalogue. Every create, update, retire and restore writes an audit
event (core.AuditEvent, doc_type "catalog.<model>").
"""

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shopflow.catalog import barcodes
from shopflow.catalog.error_codes import CatalogError
from shopflow.catalog.models import (
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
from shopflow.catalog.selectors import (
    GRID_SKU_LOCKED,
    QUANTITY_STEP,
    bom_graph,
    bundle_graph,
    category_ancestors,
    category_path,
    codes_path,
    find_path,
)
from shopflow.core.errors import DomainError, FieldError, ValidationFailed
from shopflow.core.models import QTY, AuditEvent
from shopflow.core.serialize import diff, field_values
from shopflow.core.services import audit_record

CATEGORY_FIELDS = ("code", "name", "parent", "sort_order")
STYLE_FIELDS = ("code", "name", "category", "kind", "unit", "weight", "cost", "list_price", "remarks")
SKU_FIELDS = ("code", "name", "kind", "category", "colour", "size", "unit", "barcode", "weight", "cost", "list_price")
# A style change reaches the SKUs that still carry the style's old value (not ones priced on their own)…
STYLE_INHERITED_IF_SAME = ("name", "weight", "cost", "list_price")
# …and these always, since a grid SKU cannot differ from its style in them.
STYLE_INHERITED_ALWAYS = ("category", "kind", "unit")
BARCODE_SCHEMES = ("", "ean13", "code128")
# What a quantity column (core.models.QTY) can hold: 14 digits before the point, 4 after.
MAX_QUANTITY = Decimal(10) ** (QTY["max_digits"] - QTY["decimal_places"])


# ---------------------------------------------------------------- helpers

def _audit(instance, action: str, actor, payload: dict | None = None) -> None:
    audit_record(doc=instance, action=action, actor=actor, payload=payload)


def _audit_many(instances: Sequence, action: str, actor, payload_of=None) -> None:
    AuditEvent.objects.bulk_create([
        AuditEvent(doc_type=i._meta.label_lower, doc_id=i.pk, action=action, actor=actor,
                   payload=payload_of(i) if payload_of else {})
        for i in instances
    ])


def _snapshot(instance, names: Sequence[str]) -> dict:
    return field_values(instance, names)


def _assign(instance, values: dict, allowed: Sequence[str], errors: list[FieldError], where: str = "") -> None:
    """Set the given fields, trimming text; unknown names become field errors."""
    for name, value in values.items():
        path = f"{where}{name}"
        if name not in allowed:
            errors.append(FieldError(path, _("Unknown or read-only field."), CatalogError.UNKNOWN_FIELD))
            continue
        if isinstance(value, str):
            value = value.strip()
        f = instance._meta.get_field(name)
        if f.many_to_one:
            setattr(instance, f.attname, getattr(value, "pk", value) or None)
        else:
            setattr(instance, name, value)


def _clean(instance, errors: list[FieldError], *, where: str = "", exclude: Sequence[str] = ()) -> None:
    """Model validation (types, choices, validators, unique fields) as field errors."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            path = where.rstrip(".") if name == NON_FIELD_ERRORS else f"{where}{name}"
            for problem in problems:
                code = CatalogError.DUPLICATE_CODE if problem.code == "unique" else (problem.code or "invalid")
                errors.append(FieldError(path, " ".join(problem.messages), str(code)))


def _code_problem(value: str) -> str:
    if any(ch.isspace() for ch in value):
        return _("A code may not contain spaces.")
    return ""


def _check_code(value: str, path: str, errors: list[FieldError]) -> None:
    problem = _code_problem(value or "")
    if problem:
        errors.append(FieldError(path, problem, CatalogError.INVALID_CODE))


def _check_barcode(sku: Sku, errors: list[FieldError], where: str = "") -> None:
    if not sku.barcode:
        return
    try:
        barcodes.validate_barcode(sku.barcode)
    except ValidationError as exc:
        errors.append(FieldError(f"{where}barcode", " ".join(exc.messages), CatalogError.INVALID_BARCODE))
        return
    if Sku.objects.filter(barcode=sku.barcode).exclude(pk=sku.pk).exists():
        errors.append(FieldError(f"{where}barcode", _("Barcode %(barcode)s already belongs to another SKU.")
                                 % {"barcode": sku.barcode}, CatalogError.DUPLICATE_BARCODE))


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _quantity(value, path: str, errors: list[FieldError]) -> Decimal | None:
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0:
        errors.append(FieldError(path, _("Enter a number greater than zero."), CatalogError.INVALID_QUANTITY))
        return None
    if qty >= MAX_QUANTITY:
        errors.append(FieldError(path, _("Enter a number below %(max)s.") % {"max": MAX_QUANTITY},
                                 CatalogError.INVALID_QUANTITY))
        return None
    if qty != qty.quantize(QUANTITY_STEP):
        errors.append(FieldError(path, _("Use at most 4 decimal places."), CatalogError.INVALID_QUANTITY))
        return None
    return qty


def _refuse_cycle(code: str, message: str, path: str) -> None:
    """A cycle refuses the whole request (DomainError) and names the line that closes it."""
    raise DomainError(code, message, field=path, errors=[FieldError(path, message, code)])


def _relock(instance):
    """The row re-read under lock (PostgreSQL; SQLite holds the write lock for the transaction)."""
    return type(instance).objects.select_for_update().get(pk=instance.pk)


# ---------------------------------------------------------------- categories

def _check_category_parent(category: Category, errors: list[FieldError], *, current_path: str = "") -> None:
    if category.parent_id is None or any(e.field == "parent" for e in errors):
        return
    parent = category.parent
    if category.pk and (parent.pk == category.pk or category.pk in {c.pk for c in category_ancestors(parent)}):
        raise DomainError(
            CatalogError.CATEGORY_CYCLE,
            _("Cannot move %(category)s under %(parent)s: that is the category itself or one below it.")
            % {"category": current_path, "parent": category_path(parent)},
            field="parent",
        )
    if not parent.active:
        errors.append(FieldError("parent", _("The parent category %(parent)s is retired.")
                                 % {"parent": category_path(parent)}, CatalogError.PARENT_INACTIVE))


def _check_sibling_name(category: Category, errors: list[FieldError]) -> None:
    clash = Category.objects.filter(parent_id=category.parent_id, name=category.name).exclude(pk=category.pk)
    if category.name and clash.exists():
        errors.append(FieldError("name", _("There is already a category %(name)s at this level.")
                                 % {"name": category.name}, CatalogError.DUPLICATE_CODE))


@transaction.atomic
def category_create(*, code: str, name: str, actor, parent: Category | None = None, sort_order: int = 0) -> Category:
    category = Category()
    errors: list[FieldError] = []
    _assign(category, {"code": code, "name": name, "parent": parent, "sort_order": sort_order},
            CATEGORY_FIELDS, errors)
    _check_code(category.code, "code", errors)
    _clean(category, errors)
    _check_category_parent(category, errors)
    _check_sibling_name(category, errors)
    _raise(errors)
    category.save()
    _audit(category, "create", actor, {"values": _snapshot(category, CATEGORY_FIELDS)})
    return category


@transaction.atomic
def category_update(*, category: Category, actor, **changes) -> Category:
    """Rename, recode, reorder or move a category (parent=...). Moving it under itself or
    under one of its own descendants is refused."""
    category = _relock(category)
    before = _snapshot(category, CATEGORY_FIELDS)
    current_path = category_path(category)
    errors: list[FieldError] = []
    _assign(category, changes, CATEGORY_FIELDS, errors)
    _check_code(category.code, "code", errors)
    _clean(category, errors)
    if "parent" in changes:
        _check_category_parent(category, errors, current_path=current_path)
    _check_sibling_name(category, errors)
    _raise(errors)
    category.save()
    _audit(category, "update", actor, {"changes": diff(before, _snapshot(category, CATEGORY_FIELDS))})
    return category


@transaction.atomic
def category_retire(*, category: Category, actor) -> Category:
    """Hide a category from pickers. Its styles and SKUs keep it; active subcategories must be
    retired first."""
    category = _relock(category)
    children = list(category.children.filter(active=True).values_list("name", flat=True))
    if children:
        raise DomainError(CatalogError.CATEGORY_HAS_ACTIVE_CHILDREN,
                          _("Retire the subcategories of %(category)s first: %(children)s.")
                          % {"category": category_path(category), "children": "、".join(children)})
    category.active = False
    category.save(update_fields=["active"])
    _audit(category, "retire", actor)
    return category


@transaction.atomic
def category_restore(*, category: Category, actor) -> Category:
    category = _relock(category)
    if category.parent is not None and not category.parent.active:
        raise DomainError(CatalogError.PARENT_INACTIVE, _("Restore the parent category %(parent)s first.")
                          % {"parent": category_path(category.parent)}, field="parent")
    category.active = True
    category.save(update_fields=["active"])
    _audit(category, "restore", actor)
    return category


# ---------------------------------------------------------------- styles

def _check_style(style: Style, errors: list[FieldError]) -> None:
    _check_code(style.code, "code", errors)
    if style.kind == ProductKind.BUNDLE:
        errors.append(FieldError("kind", _("A style cannot be a bundle; create a bundle SKU instead."),
                                 "invalid_choice"))
    _clean(style, errors, exclude=["kind"] if style.kind == ProductKind.BUNDLE else ())


@transaction.atomic
def style_create(*, code: str, name: str, actor, category: Category | None = None,
                 kind: str = ProductKind.BOUGHT, unit: str = "件", weight=0, cost=0, list_price=0,
                 remarks: str = "") -> Style:
    """A style 款号; its SKUs come from style_generate_skus."""
    style = Style()
    errors: list[FieldError] = []
    values = {"code": code, "name": name, "category": category, "kind": kind, "unit": unit, "weight": weight,
              "cost": cost, "list_price": list_price, "remarks": remarks}
    _assign(style, values, STYLE_FIELDS, errors)
    _check_style(style, errors)
    _raise(errors)
    style.save()
    _audit(style, "create", actor, {"values": _snapshot(style, STYLE_FIELDS)})
    return style


def _propagate_style(style: Style, before: dict, old: Style, actor) -> None:
    """Carry a style change to its SKUs (see STYLE_INHERITED_*)."""
    changed = diff(before, _snapshot(style, STYLE_FIELDS))
    updates = []
    for sku in style.skus.all():
        sku_before = _snapshot(sku, SKU_FIELDS)
        for name in STYLE_INHERITED_ALWAYS:
            if name in changed:
                setattr(sku, Sku._meta.get_field(name).attname, getattr(style, Style._meta.get_field(name).attname))
        for name in STYLE_INHERITED_IF_SAME:
            if name in changed and getattr(sku, name) == getattr(old, name):
                setattr(sku, name, getattr(style, name))
        sku_changes = diff(sku_before, _snapshot(sku, SKU_FIELDS))
        if sku_changes:
            updates.append((sku, sku_changes))
    Sku.objects.bulk_update([s for s, _c in updates], list(STYLE_INHERITED_ALWAYS + STYLE_INHERITED_IF_SAME))
    lookup = {s.pk: c for s, c in updates}
    _audit_many([s for s, _c in updates], "update", actor, lambda s: {"changes": lookup[s.pk], "via": "style"})


@transaction.atomic
def style_update(*, style: Style, actor, **changes) -> Style:
    """Change a style. Category, kind and unit follow onto all its SKUs; name, weight, cost and
    list price onto the SKUs that still had the style's old value. The code is fixed once
    SKUs exist (it is part of their item codes)."""
    style = _relock(style)
    old = copy.copy(style)
    before = _snapshot(style, STYLE_FIELDS)
    errors: list[FieldError] = []
    _assign(style, changes, STYLE_FIELDS, errors)
    if style.code != old.code and style.skus.exists():
        errors.append(FieldError("code", _("The style code is part of its SKUs' item codes and cannot change."),
                                 CatalogError.STYLE_CODE_LOCKED))
    _check_style(style, errors)
    _raise(errors)
    style.save()
    _audit(style, "update", actor, {"changes": diff(before, _snapshot(style, STYLE_FIELDS))})
    _propagate_style(style, before, old, actor)
    return style


def _set_skus_active(skus: Sequence[Sku], active: bool, actor, reason: str) -> list[Sku]:
    changed = [s for s in skus if s.active != active]
    for s in changed:
        s.active = active
    Sku.objects.bulk_update(changed, ["active"])
    _audit_many(changed, "restore" if active else "retire", actor, lambda s: {"via": reason})
    return changed


@transaction.atomic
def style_retire(*, style: Style, actor) -> Style:
    """Take a style off sale: it and all its SKUs become inactive (never deleted)."""
    style = _relock(style)
    style.active = False
    style.save(update_fields=["active"])
    _audit(style, "retire", actor)
    _set_skus_active(list(style.skus.all()), False, actor, "style")
    return style


@transaction.atomic
def style_restore(*, style: Style, actor) -> Style:
    """Put a style back on sale, with the SKUs whose colour and size are active."""
    style = _relock(style)
    style.active = True
    style.save(update_fields=["active"])
    _audit(style, "restore", actor)
    cells = style.skus.filter(style_colour__active=True, style_size__active=True)
    _set_skus_active(list(cells), True, actor, "style")
    return style


# ---------------------------------------------------------------- the colour × size grid

@dataclass
class GridResult:
    """What style_generate_skus did."""

    created: list[Sku] = field(default_factory=list)
    adopted: list[Sku] = field(default_factory=list)  # existing SKUs with the grid code, now linked to the style
    existing: list[Sku] = field(default_factory=list)  # cells that already had their SKU
    colours_added: list[StyleColour] = field(default_factory=list)
    sizes_added: list[StyleSize] = field(default_factory=list)


def grid_sku_code(style: Style, colour: StyleColour, size: StyleSize) -> str:
    """<style>-<colour code>-<size>, e.g. TX2401-BLK-M."""
    return f"{style.code}-{colour.code}-{size.code}"


def _new_colours(style: Style, colours, errors: list[FieldError]) -> list[StyleColour]:
    known = {c.code: c for c in style.colours.all()}
    names = {c.name: c for c in style.colours.all()}
    order = max((c.sort_order for c in known.values()), default=0)
    new: list[StyleColour] = []
    for i, entry in enumerate(colours):
        where = f"colours[{i}]"
        try:
            code, name = (str(part).strip() for part in entry)
        except (TypeError, ValueError):
            errors.append(FieldError(where, _("Give each colour as (code, name), e.g. (\"BLK\", \"黑色\")."),
                                     "invalid"))
            continue
        problem = _code_problem(code) or ("-" in code and _("A colour code may not contain “-”."))
        if not code or not name:
            errors.append(FieldError(where, _("A colour needs a code and a name."), CatalogError.REQUIRED))
        elif problem:
            errors.append(FieldError(f"{where}.code", problem, CatalogError.INVALID_CODE))
        elif code in known:
            if known[code].name != name:
                errors.append(FieldError(f"{where}.name", _("Colour %(code)s is already called %(name)s.")
                                         % {"code": code, "name": known[code].name}, CatalogError.DUPLICATE_CODE))
            elif not known[code].active:
                errors.append(FieldError(f"{where}.code", _("Colour %(code)s is retired; restore it first.")
                                         % {"code": code}, CatalogError.GRID_CELL_RETIRED))
        elif name in names:
            errors.append(FieldError(f"{where}.name", _("Colour %(name)s already has the code %(code)s.")
                                     % {"name": name, "code": names[name].code}, CatalogError.DUPLICATE_CODE))
        else:
            order += 1
            colour = StyleColour(style=style, code=code, name=name, sort_order=order)
            _clean(colour, errors, where=f"{where}.", exclude=["style"])
            known[code] = names[name] = colour
            new.append(colour)
    return new


def _new_sizes(style: Style, sizes, errors: list[FieldError]) -> list[StyleSize]:
    known = {s.code: s for s in style.sizes.all()}
    order = max((s.sort_order for s in known.values()), default=0)
    new: list[StyleSize] = []
    for i, code in enumerate(sizes):
        where = f"sizes[{i}]"
        code = str(code).strip()
        problem = _code_problem(code)
        if not code:
            errors.append(FieldError(where, _("A size may not be blank."), CatalogError.REQUIRED))
        elif problem:
            errors.append(FieldError(where, problem, CatalogError.INVALID_CODE))
        elif code in known:
            if not known[code].active:
                errors.append(FieldError(where, _("Size %(size)s is retired; restore it first.") % {"size": code},
                                         CatalogError.GRID_CELL_RETIRED))
        else:
            order += 1
            size = StyleSize(style=style, code=code, sort_order=order)
            _clean(size, errors, where=f"{where}.", exclude=["style"])
            known[code] = size
            new.append(size)
    return new


def _grid_sku(style: Style, colour: StyleColour, size: StyleSize) -> Sku:
    return Sku(code=grid_sku_code(style, colour, size), name=style.name, kind=style.kind,
               category_id=style.category_id, style=style, style_colour=colour, style_size=size,
               colour=colour.name, size=size.code, unit=style.unit, weight=style.weight, cost=style.cost,
               list_price=style.list_price)


def _plan_cells(style: Style, result: GridResult, errors: list[FieldError]) -> list[Sku]:
    """The SKUs of the grid cells that have none yet; existing stand-alone SKUs with the same
    code are adopted (linked) rather than duplicated."""
    colours = list(style.colours.filter(active=True))
    sizes = list(style.sizes.filter(active=True))
    if not colours:
        errors.append(FieldError("colours", _("The style needs at least one colour."), CatalogError.REQUIRED))
    if not sizes:
        errors.append(FieldError("sizes", _("The style needs at least one size."), CatalogError.REQUIRED))
    present = {(s.style_colour_id, s.style_size_id): s for s in style.skus.all()}
    planned = []
    for colour in colours:
        for size in sizes:
            if (colour.pk, size.pk) in present:
                result.existing.append(present[(colour.pk, size.pk)])
            else:
                planned.append(_grid_sku(style, colour, size))
    taken = {s.code: s for s in Sku.objects.filter(code__in=[p.code for p in planned])}
    new = []
    for sku in planned:
        if len(sku.code) > Sku._meta.get_field("code").max_length:
            errors.append(FieldError("sizes", _("Item code %(code)s would be longer than %(max)s characters.")
                                     % {"code": sku.code, "max": Sku._meta.get_field("code").max_length},
                                     CatalogError.INVALID_CODE))
        elif sku.code not in taken:
            new.append(sku)
        elif taken[sku.code].style_id is None and taken[sku.code].kind != ProductKind.BUNDLE:
            result.adopted.append(_adopt(taken[sku.code], sku))
        else:
            errors.append(FieldError("colours", _("Item code %(code)s is already used by another SKU.")
                                     % {"code": sku.code}, CatalogError.GRID_CODE_TAKEN))
    return new


def _adopt(existing: Sku, cell: Sku) -> Sku:
    """A stand-alone SKU (imported before its style existed) takes its place on the grid."""
    existing.style, existing.style_colour, existing.style_size = cell.style, cell.style_colour, cell.style_size
    existing.colour, existing.size, existing.kind, existing.unit = cell.colour, cell.size, cell.kind, cell.unit
    existing.category_id = existing.category_id or cell.category_id
    return existing


def _give_barcodes(skus: list[Sku], scheme: str, errors: list[FieldError]) -> None:
    if scheme == "ean13" and skus:
        for sku, code in zip(skus, barcodes.ean13_allocate(count=len(skus)), strict=True):
            sku.barcode = code
    elif scheme == "code128":
        for sku in skus:
            if barcodes.is_code128(sku.code):
                sku.barcode = sku.code
                _check_barcode(sku, errors)
            else:
                errors.append(FieldError("barcode", _("Item code %(code)s cannot be printed as Code128.")
                                         % {"code": sku.code}, CatalogError.NOT_CODE128))


@transaction.atomic
def style_generate_skus(*, style: Style, colours: Sequence[tuple[str, str]] = (), sizes: Sequence[str] = (),
                        actor, barcode: str = "") -> GridResult:
    """Add colours (code, name) and sizes to a style, then make the SKU of every active colour ×
    size cell that has none, coded <style>-<colour code>-<size> and inheriting name, kind,
    category, unit, weight, cost and list price. Running it again adds only what is missing;
    passing just a new colour adds its row across the sizes. `barcode` "ean13" or "code128" gives
    the new SKUs barcodes. Retired colours and sizes are refused (restore them instead)."""
    style = _relock(style)
    if not style.active:
        raise DomainError(CatalogError.STYLE_INACTIVE, _("Style %(code)s is retired.") % {"code": style.code})
    if barcode not in BARCODE_SCHEMES:
        raise ValidationFailed([FieldError("barcode", _("Choose ean13, code128 or nothing."), "invalid_choice")])
    result = GridResult()
    errors: list[FieldError] = []
    result.colours_added = _new_colours(style, colours, errors)
    result.sizes_added = _new_sizes(style, sizes, errors)
    _raise(errors)
    StyleColour.objects.bulk_create(result.colours_added)
    StyleSize.objects.bulk_create(result.sizes_added)
    new = _plan_cells(style, result, errors)
    _raise(errors)
    _give_barcodes(new, barcode, errors)
    _raise(errors)
    result.created = Sku.objects.bulk_create(new)
    Sku.objects.bulk_update(result.adopted, ["style", "style_colour", "style_size", "colour", "size", "kind",
                                             "unit", "category"])
    _audit_many(result.colours_added + result.sizes_added, "create", actor,
                lambda line: {"style": style.code, "code": line.code, "name": getattr(line, "name", line.code)})
    _audit_many(result.created, "create", actor, lambda s: {"values": _snapshot(s, SKU_FIELDS), "via": "grid"})
    _audit_many(result.adopted, "update", actor, lambda s: {"adopted_by_style": style.code})
    return result


@transaction.atomic
def style_colour_rename(*, colour: StyleColour, name: str, actor) -> StyleColour:
    """Rename a colour (雾霾蓝 → 灰蓝); its SKUs' colour text follows. The code stays."""
    colour = _relock(colour)
    before = colour.name
    errors: list[FieldError] = []
    colour.name = str(name).strip()
    _clean(colour, errors, exclude=["style"])
    if colour.style.colours.filter(name=colour.name).exclude(pk=colour.pk).exists():
        errors.append(FieldError("name", _("The style already has a colour %(name)s.") % {"name": colour.name},
                                 CatalogError.DUPLICATE_CODE))
    _raise(errors)
    colour.save(update_fields=["name"])
    skus = list(colour.skus.all())
    for sku in skus:
        sku.colour = colour.name
    Sku.objects.bulk_update(skus, ["colour"])
    _audit(colour, "update", actor, {"changes": {"name": [before, colour.name]}})
    _audit_many(skus, "update", actor, lambda s: {"changes": {"colour": [before, colour.name]}, "via": "colour"})
    return colour


def _set_cell_line_active(line: StyleColour | StyleSize, active: bool, actor) -> None:
    line.active = active
    line.save(update_fields=["active"])
    _audit(line, "restore" if active else "retire", actor)
    if active:
        skus = line.skus.filter(style__active=True, style_colour__active=True, style_size__active=True)
    else:
        skus = line.skus.all()
    _set_skus_active(list(skus), active, actor, line._meta.model_name)


@transaction.atomic
def style_colour_retire(*, colour: StyleColour, actor) -> StyleColour:
    """Retire a colour: its SKUs become inactive; they stay for stock and documents."""
    colour = _relock(colour)
    _set_cell_line_active(colour, False, actor)
    return colour


@transaction.atomic
def style_colour_restore(*, colour: StyleColour, actor) -> StyleColour:
    """Bring a colour back; its SKUs in active sizes become active again (run style_generate_skus
    to fill cells added meanwhile)."""
    colour = _relock(colour)
    _set_cell_line_active(colour, True, actor)
    return colour


@transaction.atomic
def style_size_retire(*, size: StyleSize, actor) -> StyleSize:
    size = _relock(size)
    _set_cell_line_active(size, False, actor)
    return size


@transaction.atomic
def style_size_restore(*, size: StyleSize, actor) -> StyleSize:
    size = _relock(size)
    _set_cell_line_active(size, True, actor)
    return size


# ---------------------------------------------------------------- SKUs

def _check_sku(sku: Sku, errors: list[FieldError]) -> None:
    _check_code(sku.code, "code", errors)
    _clean(sku, errors)
    _check_barcode(sku, errors)


@transaction.atomic
def sku_create(*, code: str, name: str, actor, kind: str = ProductKind.BOUGHT, category: Category | None = None,
               colour: str = "", size: str = "", unit: str = "件", barcode: str = "", weight=0, cost=0,
               list_price=0) -> Sku:
    """A SKU without a style: raw material, packaging, tooling, a service, a bundle
    (kind="bundle", then bundle_set_components). A given barcode must be a valid EAN-13 or
    printable Code128 and unique."""
    sku = Sku()
    errors: list[FieldError] = []
    values = {"code": code, "name": name, "kind": kind, "category": category, "colour": colour, "size": size,
              "unit": unit, "barcode": barcode, "weight": weight, "cost": cost, "list_price": list_price}
    _assign(sku, values, SKU_FIELDS, errors)
    _check_sku(sku, errors)
    _raise(errors)
    sku.save()
    _audit(sku, "create", actor, {"values": _snapshot(sku, SKU_FIELDS)})
    return sku


@transaction.atomic
def sku_update(*, sku: Sku, actor, **changes) -> Sku:
    """Change a SKU. On a grid SKU the code, kind, category, colour, size and unit come from its
    style and cell and are refused here; change the style instead. A bundle with components
    cannot stop being a bundle."""
    sku = _relock(sku)
    before = _snapshot(sku, SKU_FIELDS)
    errors: list[FieldError] = []
    allowed = [f for f in SKU_FIELDS if not (sku.style_id and f in GRID_SKU_LOCKED)]
    for name in changes:
        if sku.style_id and name in GRID_SKU_LOCKED:
            errors.append(FieldError(name, _("This comes from style %(style)s; change it there.")
                                     % {"style": sku.style.code}, CatalogError.GRID_SKU_FIELD))
    _assign(sku, {k: v for k, v in changes.items() if k not in GRID_SKU_LOCKED or not sku.style_id}, allowed, errors)
    _check_sku(sku, errors)
    if before["kind"] == ProductKind.BUNDLE and sku.kind != ProductKind.BUNDLE and sku.bundle_lines.exists():
        errors.append(FieldError("kind", _("Remove the bundle's components first."),
                                 CatalogError.BUNDLE_HAS_COMPONENTS))
    _raise(errors)
    sku.save()
    _audit(sku, "update", actor, {"changes": diff(before, _snapshot(sku, SKU_FIELDS))})
    return sku


@transaction.atomic
def sku_retire(*, sku: Sku, actor) -> Sku:
    """Take one SKU off sale; stock, documents, bundles and BOMs that use it keep it."""
    sku = _relock(sku)
    _set_skus_active([sku], False, actor, "sku")
    return sku


@transaction.atomic
def sku_restore(*, sku: Sku, actor) -> Sku:
    sku = _relock(sku)
    if sku.style_id and not (sku.style.active and sku.style_colour.active and sku.style_size.active):
        raise DomainError(CatalogError.GRID_CELL_RETIRED,
                          _("%(code)s belongs to a retired style, colour or size; restore that first.")
                          % {"code": sku.code})
    _set_skus_active([sku], True, actor, "sku")
    return sku


@transaction.atomic
def sku_assign_barcode(*, sku: Sku, actor, scheme: str = "ean13", replace: bool = False) -> Sku:
    """Give a SKU a generated barcode: the next EAN-13 under the BARCODE_PREFIX setting, or its
    item code as Code128. A SKU that has one keeps it unless `replace`."""
    sku = _relock(sku)
    if sku.barcode and not replace:
        raise DomainError(CatalogError.BARCODE_EXISTS, _("%(code)s already has barcode %(barcode)s.")
                          % {"code": sku.code, "barcode": sku.barcode}, field="barcode")
    if scheme not in BARCODE_SCHEMES[1:]:
        raise ValidationFailed([FieldError("scheme", _("Choose ean13 or code128."), "invalid_choice")])
    before = sku.barcode
    sku.barcode = barcodes.ean13_next() if scheme == "ean13" else barcodes.code128_value(sku.code)
    errors: list[FieldError] = []
    _check_barcode(sku, errors)
    _raise(errors)
    sku.save(update_fields=["barcode"])
    _audit(sku, "update", actor, {"changes": {"barcode": [before, sku.barcode]}})
    return sku


# ---------------------------------------------------------------- bundles

def _fresh_skus(refs) -> dict[int, Sku]:
    """The SKUs given (as SKUs or ids) re-read in one query, so checks see today's rows rather
    than the caller's possibly stale copies."""
    ids = {getattr(ref, "pk", ref) for ref in refs}
    return Sku.objects.in_bulk([pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool)])


def _component_lines(owner: Sku, components, errors: list[FieldError], *, where: str) -> list[tuple[Sku, Decimal]]:
    seen: set[int] = set()
    out = []
    entries = list(components)
    fresh = _fresh_skus(e[0] for e in entries if isinstance(e, tuple | list) and len(e) == 2)
    for i, entry in enumerate(entries):
        path = f"{where}[{i}]"
        if not (isinstance(entry, tuple | list) and len(entry) == 2):
            errors.append(FieldError(path, _("Give each component as (SKU, quantity)."), "invalid"))
            continue
        component = fresh.get(getattr(entry[0], "pk", entry[0]))
        qty = _quantity(entry[1], f"{path}.quantity", errors)
        if component is None:
            errors.append(FieldError(f"{path}.component", _("Choose a SKU."), CatalogError.REQUIRED))
        elif component.pk == owner.pk:
            errors.append(FieldError(f"{path}.component", _("%(code)s cannot be its own component.")
                                     % {"code": owner.code}, CatalogError.BUNDLE_CYCLE))
        elif component.pk in seen:
            errors.append(FieldError(f"{path}.component", _("%(code)s is listed twice.") % {"code": component.code},
                                     CatalogError.DUPLICATE_LINE))
        elif not component.active:
            errors.append(FieldError(f"{path}.component", _("%(code)s is retired.") % {"code": component.code},
                                     CatalogError.INACTIVE))
        elif qty is not None:
            seen.add(component.pk)
            out.append((component, qty))
    return out


@transaction.atomic
def bundle_set_components(*, bundle: Sku, components: Sequence[tuple[Sku, object]], actor) -> list[BundleLine]:
    """Replace a bundle's components with [(SKU, quantity per bundle), ...]. Components may be
    bundles themselves, as long as no bundle ends up inside itself."""
    bundle = _relock(bundle)
    if bundle.kind != ProductKind.BUNDLE:
        raise DomainError(CatalogError.NOT_A_BUNDLE, _("%(code)s is not a bundle.") % {"code": bundle.code})
    errors: list[FieldError] = []
    wanted = _component_lines(bundle, components, errors, where="components")
    if not wanted and not errors:
        errors.append(FieldError("components", _("A bundle needs at least one component."), CatalogError.REQUIRED))
    _raise(errors)
    graph = bundle_graph()
    graph[bundle.pk] = {c.pk for c, _q in wanted}
    cycle = find_path(graph, bundle.pk, bundle.pk)
    if cycle:
        # On the line whose component leads back to the bundle, so a form can mark that row.
        index = next((i for i, (c, _q) in enumerate(wanted) if c.pk == cycle[1]), None)
        _refuse_cycle(CatalogError.BUNDLE_CYCLE, _("Bundle contains itself: %(path)s.") % {"path": codes_path(cycle)},
                      "components" if index is None else f"components[{index}].component")
    before = [[line.component.code, str(line.quantity)] for line in bundle.bundle_lines.select_related("component")]
    bundle.bundle_lines.all().delete()
    lines = BundleLine.objects.bulk_create([
        BundleLine(bundle=bundle, line_no=n, component=c, quantity=q) for n, (c, q) in enumerate(wanted, 1)
    ])
    _audit(bundle, "components", actor,
           {"before": before, "after": [[c.code, format(q, "f")] for c, q in wanted]})
    return lines


@transaction.atomic
def bundle_create(*, code: str, name: str, components: Sequence[tuple[Sku, object]], actor,
                  list_price=0, barcode: str = "", category: Category | None = None) -> Sku:
    """A bundle 套餐 SKU with its components, in one go."""
    bundle = sku_create(code=code, name=name, kind=ProductKind.BUNDLE, actor=actor, list_price=list_price,
                        barcode=barcode, category=category)
    bundle_set_components(bundle=bundle, components=components, actor=actor)
    return bundle


# ---------------------------------------------------------------- BOMs

@dataclass(frozen=True)
class BomLineSpec:
    """A BOM line as given to bom_create / bom_update: quantity per unit of the product and
    scrap % (5 = 5 %)."""

    component: Sku
    quantity: object
    scrap_percent: object = 0
    remarks: str = ""


def _bom_spec(spec) -> BomLineSpec | FieldError:
    """A BomLineSpec, or the problem with what was given (a mapping with other keys, say)."""
    if isinstance(spec, Mapping):
        try:
            spec = BomLineSpec(**spec)
        except TypeError:
            return FieldError("", _("A line has component, quantity, scrap_percent and remarks."),
                              CatalogError.UNKNOWN_FIELD)
    if not isinstance(spec, BomLineSpec):
        return FieldError("", _("Give each line as a BomLineSpec."), "invalid")
    return spec


def _bom_lines(bom: Bom, specs: Sequence[BomLineSpec], errors: list[FieldError]) -> list[BomLine]:
    built: list[BomLine] = []
    seen: set[int] = set()
    given = [_bom_spec(spec) for spec in specs]
    fresh = _fresh_skus(spec.component for spec in given if isinstance(spec, BomLineSpec))
    for i, spec in enumerate(given):
        where = f"lines[{i}]"
        if isinstance(spec, FieldError):
            errors.append(FieldError(where, spec.message, spec.code))
            continue
        component = fresh.get(getattr(spec.component, "pk", spec.component))
        if component is None:
            errors.append(FieldError(f"{where}.component", _("Choose a SKU."), CatalogError.REQUIRED))
            continue
        qty = _quantity(spec.quantity, f"{where}.quantity", errors)
        line = BomLine(component=component, quantity=qty or 1, scrap_percent=spec.scrap_percent,
                       remarks=spec.remarks or "", line_no=i + 1)
        _clean(line, errors, where=f"{where}.", exclude=["bom", "quantity"])
        if component.pk == bom.product_id:
            errors.append(FieldError(f"{where}.component", _("A product cannot be its own component."),
                                     CatalogError.BOM_CYCLE))
        elif component.pk in seen:
            errors.append(FieldError(f"{where}.component", _("%(code)s is listed twice.") % {"code": component.code},
                                     CatalogError.DUPLICATE_LINE))
        elif not component.active:
            errors.append(FieldError(f"{where}.component", _("%(code)s is retired.") % {"code": component.code},
                                     CatalogError.INACTIVE))
        elif component.kind == ProductKind.BUNDLE:
            errors.append(FieldError(f"{where}.component", _("A bundle cannot be a BOM component; use its "
                                                              "components."), "invalid"))
        seen.add(component.pk)
        built.append(line)
    if not given:
        errors.append(FieldError("lines", _("A BOM needs at least one line."), CatalogError.REQUIRED))
    return built


def _check_bom_cycle(bom: Bom, lines: list[BomLine]) -> None:
    graph = bom_graph(exclude_bom_id=bom.pk)
    graph[bom.product_id] = graph.get(bom.product_id, set()) | {line.component_id for line in lines}
    cycle = find_path(graph, bom.product_id, bom.product_id)
    if cycle:
        # On the line whose component leads back to the product, so a form can mark that row.
        index = next((i for i, line in enumerate(lines) if line.component_id == cycle[1]), None)
        _refuse_cycle(CatalogError.BOM_CYCLE, _("The BOM would contain itself: %(path)s.")
                      % {"path": codes_path(cycle)}, "lines" if index is None else f"lines[{index}].component")


def _check_bom_header(bom: Bom, errors: list[FieldError]) -> None:
    _check_code(bom.version, "version", errors)
    _clean(bom, errors, exclude=["product"])
    if Bom.objects.filter(product_id=bom.product_id, version=bom.version).exclude(pk=bom.pk).exists():
        errors.append(FieldError("version", _("%(code)s already has BOM version %(version)s.")
                                 % {"code": bom.product.code, "version": bom.version}, CatalogError.DUPLICATE_CODE))


def _save_lines(bom: Bom, lines: list[BomLine]) -> None:
    bom.lines.all().delete()
    for n, line in enumerate(lines, 1):
        line.bom, line.line_no = bom, n
    BomLine.objects.bulk_create(lines)


def _lines_payload(lines: list[BomLine]) -> list[list[str]]:
    return [[line.component.code, format(line.quantity, "f"), format(Decimal(line.scrap_percent), "f")]
            for line in lines]


def _make_default(bom: Bom) -> None:
    Bom.objects.filter(product_id=bom.product_id, is_default=True).exclude(pk=bom.pk).update(is_default=False)
    bom.is_default = True


@transaction.atomic
def bom_create(*, product: Sku, version: str, lines: Sequence[BomLineSpec], actor, is_default: bool | None = None,
               remarks: str = "") -> Bom:
    """A BOM version for a product. It becomes the default when asked, or when the product has
    no default yet. Refuses a component that (through its own BOMs) contains the product."""
    product = _relock(product)
    errors: list[FieldError] = []
    if product.kind == ProductKind.BUNDLE:
        errors.append(FieldError("product", _("A bundle has components, not a BOM."), "invalid"))
    elif not product.active:
        errors.append(FieldError("product", _("%(code)s is retired.") % {"code": product.code}, CatalogError.INACTIVE))
    bom = Bom(product=product, version=str(version).strip(), remarks=remarks)
    _check_bom_header(bom, errors)
    built = _bom_lines(bom, lines, errors)
    _raise(errors)
    _check_bom_cycle(bom, built)
    if is_default or (is_default is None and not Bom.objects.filter(product=product, is_default=True).exists()):
        _make_default(bom)
    bom.save()
    _save_lines(bom, built)
    _audit(bom, "create", actor, {"product": product.code, "version": bom.version, "is_default": bom.is_default,
                                  "lines": _lines_payload(built)})
    return bom


@transaction.atomic
def bom_update(*, bom: Bom, actor, version: str | None = None, remarks: str | None = None,
               lines: Sequence[BomLineSpec] | None = None) -> Bom:
    """Rename a version, change its remarks or replace its lines (checked for cycles again)."""
    bom = _relock(bom)
    before = {"version": bom.version, "remarks": bom.remarks, "lines": _lines_payload(list(bom.lines.all()))}
    errors: list[FieldError] = []
    if version is not None:
        bom.version = str(version).strip()
    if remarks is not None:
        bom.remarks = remarks
    _check_bom_header(bom, errors)
    built = _bom_lines(bom, lines, errors) if lines is not None else None
    _raise(errors)
    if built is not None:
        if bom.active:
            _check_bom_cycle(bom, built)
        _save_lines(bom, built)
    bom.save()
    after = {"version": bom.version, "remarks": bom.remarks, "lines": _lines_payload(list(bom.lines.all()))}
    _audit(bom, "update", actor, {"changes": diff(before, after)})
    return bom


@transaction.atomic
def bom_set_default(*, bom: Bom, actor) -> Bom:
    """Make this version the one explosion uses by default (the previous default stays, as a
    non-default version)."""
    bom = _relock(bom)
    if not bom.active:
        raise DomainError(CatalogError.BOM_INACTIVE, _("BOM version %(version)s is retired; restore it first.")
                          % {"version": bom.version})
    _make_default(bom)
    bom.save(update_fields=["is_default", "updated_at"])
    _audit(bom, "set_default", actor)
    return bom


@transaction.atomic
def bom_retire(*, bom: Bom, actor) -> Bom:
    """Retire a version. The default can be retired only when it is the product's last active
    version (choose another default first otherwise)."""
    bom = _relock(bom)
    others = Bom.objects.filter(product_id=bom.product_id, active=True).exclude(pk=bom.pk)
    if bom.is_default and others.exists():
        raise DomainError(CatalogError.BOM_DEFAULT_RETIRE,
                          _("Version %(version)s is the default; make another version the default first.")
                          % {"version": bom.version})
    bom.active = bom.is_default = False
    bom.save(update_fields=["active", "is_default", "updated_at"])
    _audit(bom, "retire", actor)
    return bom


@transaction.atomic
def bom_restore(*, bom: Bom, actor) -> Bom:
    """Bring a version back (checked for cycles against today's BOMs); it becomes the default if
    the product has none."""
    bom = _relock(bom)
    _check_bom_cycle(bom, list(bom.lines.all()))
    bom.active = True
    if not Bom.objects.filter(product_id=bom.product_id, is_default=True).exists():
        bom.is_default = True
    bom.save(update_fields=["active", "is_default", "updated_at"])
    _audit(bom, "restore", actor)
    return bom


@transaction.atomic
def bom_copy(*, bom: Bom, version: str, actor) -> Bom:
    """A new, non-default version with the same lines, to edit into the next revision."""
    specs = [BomLineSpec(line.component, line.quantity, line.scrap_percent, line.remarks)
             for line in bom.lines.select_related("component")]
    return bom_create(product=bom.product, version=version, lines=specs, actor=actor, is_default=False,
                      remarks=bom.remarks)
