"""Every write to partners master data: customers, subcontractors and processing categories.

Each service is keyword-only and runs in one transaction. Bad input raises
``core.errors.ValidationFailed`` listing every bad field (``FieldError.field`` is the field name,
``processing_categories[1]`` for list items; codes in ``partners.error_codes``). Nothing here
deletes: documents will point at partners, so deactivating is how one leaves. Every create,
update, confirmation and (de)activation writes an audit event (``core.AuditEvent``, doc_type
``partners.<model>``).

Addresses are parsed here, on every create and whenever the address text changes: the levels
and the parser's problems are stored, and ``address_needs_confirmation`` stays set until the
address parses cleanly or someone confirms the province / city / district by hand
(``customer_address_confirm`` / ``subcontractor_address_confirm``).

Subcontractors' warehouses are inventory's business (partners sits below inventory): creating a
subcontractor here does not create its warehouse. The caller that creates subcontractors for
people (UI / API, or the subcontracting app) also calls inventory's
``subcontractor_warehouse_ensure`` in the same transaction.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from shopflow.core.errors import FieldError, ValidationFailed
from shopflow.core.serialize import diff, field_values
from shopflow.core.services import audit_record
from shopflow.partners.address import parse_address
from shopflow.partners.error_codes import PartnersError
from shopflow.partners.models import (
    DEFAULT_FIRST_ORDER_MINIMUM,
    RESELLER_KINDS,
    AddressFields,
    Customer,
    CustomerKind,
    ProcessingCategory,
    Subcontractor,
)
from shopflow.partners.phone import PhoneKind, normalise_mobile, parse_phone

CUSTOMER_FIELDS = (
    "code", "name", "kind", "contact", "mobile", "phone", "address", "credit_limit", "payment_terms_days",
    "deposit_percent", "region", "level", "first_order_minimum", "remarks",
)
SUBCONTRACTOR_FIELDS = ("code", "name", "contact", "phone", "address", "processing_categories", "remarks")
PROCESSING_CATEGORY_FIELDS = ("code", "name", "sort_order")
ADDRESS_RESULT_FIELDS = (
    "province", "city", "district", "address_detail", "postcode", "province_code", "city_code", "district_code",
    "address_problems", "address_needs_confirmation",
)
# What the audit trail records of each model.
_CUSTOMER_AUDIT = (*CUSTOMER_FIELDS, *ADDRESS_RESULT_FIELDS, "active")
_SUBCONTRACTOR_AUDIT = (*(f for f in SUBCONTRACTOR_FIELDS if f != "processing_categories"),
                        *ADDRESS_RESULT_FIELDS, "active")
_CATEGORY_AUDIT = (*PROCESSING_CATEGORY_FIELDS, "active")

# Empty input ("" from a form or a spreadsheet cell, or None) means "the default" for these.
_ZERO_IF_EMPTY = ("credit_limit", "payment_terms_days", "deposit_percent", "sort_order")
_NONE_IF_EMPTY = ("level", "first_order_minimum")

# Django's validation codes → ours.
_DJANGO_CODES = {
    "unique": PartnersError.DUPLICATE_CODE,
    "blank": PartnersError.REQUIRED,
    "null": PartnersError.REQUIRED,
    "required": PartnersError.REQUIRED,
    "max_length": PartnersError.TOO_LONG,
    "invalid": PartnersError.INVALID,
    "max_digits": PartnersError.INVALID,
    "max_decimal_places": PartnersError.INVALID,
    "max_whole_digits": PartnersError.INVALID,
    "invalid_choice": PartnersError.INVALID_CHOICE,
    "negative": PartnersError.NEGATIVE,
    "min_value": PartnersError.OUT_OF_RANGE,
    "max_value": PartnersError.OUT_OF_RANGE,
}


# ---------------------------------------------------------------- helpers

def _audit(instance, action: str, actor, payload: dict | None = None) -> None:
    audit_record(doc=instance, action=action, actor=actor, payload=payload)


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _relock(instance):
    """The row re-read under lock (PostgreSQL; SQLite holds the write lock for the transaction)."""
    return type(instance).objects.select_for_update().get(pk=instance.pk)


def _assign(instance, values: dict, allowed: Sequence[str], errors: list[FieldError]) -> None:
    """Set plain fields (text trimmed, empty numbers → their default); unknown names are field errors.
    Many-to-many values are left to the caller."""
    for name, value in values.items():
        if name not in allowed:
            errors.append(FieldError(name, _("Unknown or read-only field."), PartnersError.UNKNOWN_FIELD))
            continue
        if instance._meta.get_field(name).many_to_many:
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None) and name in _ZERO_IF_EMPTY:
            value = 0
        elif value in ("", None) and name in _NONE_IF_EMPTY:
            value = None
        elif value is None:
            value = ""
        setattr(instance, name, value)


def _clean(instance, errors: list[FieldError], *, skip: Iterable[str] = ()) -> None:
    """Model validation (types, choices, ranges, unique code) as field errors. Fields already
    in error are not validated again."""
    exclude = {e.field for e in errors} | set(skip)
    try:
        instance.full_clean(exclude=sorted(exclude), validate_constraints=False)
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            for problem in problems:
                if name == "code" and problem.code == "unique":
                    errors.append(FieldError("code", _("Code %(code)s is already taken.") % {"code": instance.code},
                                             PartnersError.DUPLICATE_CODE))
                    continue
                code = _DJANGO_CODES.get(problem.code or "", problem.code or PartnersError.INVALID)
                errors.append(FieldError("" if name == NON_FIELD_ERRORS else name, " ".join(problem.messages),
                                         str(code)))


def _failed(errors: list[FieldError], *names: str) -> bool:
    return any(e.field in names for e in errors)


def _check_code(instance, errors: list[FieldError]) -> None:
    if instance.code and any(ch.isspace() for ch in instance.code):
        errors.append(FieldError("code", _("A code may not contain spaces."), PartnersError.INVALID_CODE))


def _save(instance) -> None:
    """Save; a code taken by a concurrent writer since we checked becomes a field error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        if type(instance).objects.filter(code=instance.code).exclude(pk=instance.pk).exists():
            raise ValidationFailed([FieldError("code", _("Code %(code)s is already taken.") % {"code": instance.code},
                                               PartnersError.DUPLICATE_CODE)]) from None
        raise


def _set_active(instance, active: bool, actor, reason: str = ""):
    instance = _relock(instance)
    if instance.active != active:
        instance.active = active
        instance.save(update_fields=["active"])
        _audit(instance, "reactivate" if active else "deactivate", actor, {"reason": reason} if reason else None)
    return instance


# ---------------------------------------------------------------- phones and addresses

def _mobile(value: str, *, masked_ok: bool, path: str, errors: list[FieldError]) -> str:
    """The normalised mobile number, or "" with a field error. Retail buyers' numbers may be
    masked by the platform (138****1234) or virtual with an extension (17012345678-1234)."""
    if not value:
        return ""
    phone = parse_phone(value)
    if masked_ok and phone.kind in (PhoneKind.MOBILE, PhoneKind.MASKED):
        return phone.full
    if phone.kind is PhoneKind.MASKED:
        errors.append(FieldError(path, _("“%(value)s” is masked by the platform; enter the full mobile number.")
                                 % {"value": value}, PartnersError.MOBILE_MASKED))
        return value
    try:
        return normalise_mobile(value)
    except ValidationError as exc:
        errors.append(FieldError(path, " ".join(exc.messages), str(exc.code or PartnersError.INVALID)))
        return value


def _phone(value: str, *, masked_ok: bool, path: str, errors: list[FieldError]) -> str:
    """Any recognised number (mobile, landline, 400/800), normalised; masked only where allowed."""
    if not value:
        return ""
    phone = parse_phone(value)
    if not phone.ok:
        errors.append(FieldError(path, phone.problem, str(phone.problem_code or PartnersError.INVALID)))
        return value
    if phone.kind is PhoneKind.MASKED and not masked_ok:
        errors.append(FieldError(path, _("“%(value)s” is masked by the platform; enter the full number.")
                                 % {"value": value}, PartnersError.MOBILE_MASKED))
        return value
    return phone.full


def _apply_address(instance: AddressFields) -> None:
    """Fill the parsed levels from ``instance.address`` and record the parser's problems."""
    text = instance.address
    if not text:
        for name in ADDRESS_RESULT_FIELDS:
            setattr(instance, name, instance._meta.get_field(name).get_default())
        return
    parsed = parse_address(text)
    instance.province, instance.city, instance.district = parsed.province, parsed.city, parsed.district
    instance.address_detail = parsed.detail[:300]
    instance.postcode = parsed.postcode
    instance.province_code, instance.city_code, instance.district_code = parsed.codes
    instance.address_problems = [{"code": str(p.code), "message": p.message} for p in parsed.problems]
    instance.address_needs_confirmation = bool(parsed.problems)


def _confirm_address(instance: AddressFields, *, province: str, city: str, district: str) -> None:
    """Set the levels by hand. They must name one real province / city / district (checked by
    parsing them joined: "浙江省" "杭州市" "西湖区" must read back as exactly those)."""
    province, city, district = (v.strip() for v in (province, city, district))
    errors: list[FieldError] = []
    for name, value in (("province", province), ("city", city), ("district", district)):
        if not value:
            errors.append(FieldError(name, _("This field is required."), PartnersError.REQUIRED))
    _raise(errors)
    parsed = parse_address(province + city + district)
    if parsed.problems or (parsed.province, parsed.city, parsed.district) != (province, city, district):
        raise ValidationFailed([FieldError(
            "district",
            _("%(region)s is not a known province, city and district; use the full names, "
              "e.g. 浙江省 杭州市 西湖区.") % {"region": " ".join((province, city, district))},
            PartnersError.ADDRESS_LEVELS_UNKNOWN,
        )])
    instance.province, instance.city, instance.district = parsed.province, parsed.city, parsed.district
    instance.province_code, instance.city_code, instance.district_code = parsed.codes
    instance.address_problems = []
    instance.address_needs_confirmation = False


# ---------------------------------------------------------------- customers

def _check_customer(customer: Customer, errors: list[FieldError]) -> None:
    """Phone numbers, and the fields a kind of customer may or must carry."""
    kind_ok = not _failed(errors, "kind") and customer.kind in CustomerKind.values
    retail = kind_ok and customer.kind == CustomerKind.RETAIL
    if not _failed(errors, "mobile"):
        customer.mobile = _mobile(customer.mobile, masked_ok=retail, path="mobile", errors=errors)
    if not _failed(errors, "phone"):
        customer.phone = _phone(customer.phone, masked_ok=retail, path="phone", errors=errors)
    if not kind_ok:
        return
    if customer.kind in RESELLER_KINDS:
        if customer.level is None:
            customer.level = 1
        if customer.first_order_minimum is None:
            customer.first_order_minimum = DEFAULT_FIRST_ORDER_MINIMUM
    else:
        for name in ("level", "first_order_minimum"):
            if getattr(customer, name) is not None and not _failed(errors, name):
                errors.append(FieldError(name, _("Only distributors and agents have this; leave it empty."),
                                         PartnersError.RESELLER_ONLY))
    if retail:
        for name in ("credit_limit", "payment_terms_days", "deposit_percent"):
            value = getattr(customer, name)
            if not _failed(errors, name) and isinstance(value, int | Decimal) and value != 0:
                errors.append(FieldError(name, _("Retail buyers pay on the platform: no credit limit, payment "
                                                 "terms or deposit."), PartnersError.CREDIT_NOT_APPLICABLE))


@transaction.atomic
def customer_create(
    *, actor, code: str, name: str, kind: str = CustomerKind.B2B, contact: str = "", mobile: str = "",
    phone: str = "", address: str = "", credit_limit: Decimal | int | str = 0, payment_terms_days: int | str = 0,
    deposit_percent: Decimal | int | str = 0, region: str = "", level: int | str | None = None,
    first_order_minimum: Decimal | int | str | None = None, remarks: str = "",
) -> Customer:
    """A new customer. Distributors and agents get level 1 and a first-order minimum of
    DEFAULT_FIRST_ORDER_MINIMUM (4000) unless given; the address is parsed and its problems kept."""
    customer = Customer()
    errors: list[FieldError] = []
    _assign(customer, {
        "code": code, "name": name, "kind": kind, "contact": contact, "mobile": mobile, "phone": phone,
        "address": address, "credit_limit": credit_limit, "payment_terms_days": payment_terms_days,
        "deposit_percent": deposit_percent, "region": region, "level": level,
        "first_order_minimum": first_order_minimum, "remarks": remarks,
    }, CUSTOMER_FIELDS, errors)
    _check_code(customer, errors)
    _clean(customer, errors, skip=ADDRESS_RESULT_FIELDS)
    _check_customer(customer, errors)
    _raise(errors)
    _apply_address(customer)
    _save(customer)
    _audit(customer, "create", actor, {"values": field_values(customer, _CUSTOMER_AUDIT)})
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor, **changes) -> Customer:
    """Change any of CUSTOMER_FIELDS. A new address text is parsed again (and needs confirming
    again if it has problems). Changing the kind to retail needs the credit fields cleared, and
    away from distributor/agent needs ``level`` and ``first_order_minimum`` cleared (None)."""
    customer = _relock(customer)
    before = field_values(customer, _CUSTOMER_AUDIT)
    old_address = customer.address
    errors: list[FieldError] = []
    _assign(customer, changes, CUSTOMER_FIELDS, errors)
    _check_code(customer, errors)
    _clean(customer, errors, skip=ADDRESS_RESULT_FIELDS)
    _check_customer(customer, errors)
    _raise(errors)
    if customer.address != old_address:
        _apply_address(customer)
    changed = diff(before, field_values(customer, _CUSTOMER_AUDIT))
    if changed:
        _save(customer)
        _audit(customer, "update", actor, {"changes": changed})
    return customer


@transaction.atomic
def customer_address_confirm(*, customer: Customer, actor, province: str, city: str, district: str) -> Customer:
    """Someone checked the address: set its province / city / district and clear the problems."""
    customer = _relock(customer)
    before = field_values(customer, _CUSTOMER_AUDIT)
    _confirm_address(customer, province=province, city=city, district=district)
    customer.save()
    _audit(customer, "confirm_address", actor, {"changes": diff(before, field_values(customer, _CUSTOMER_AUDIT))})
    return customer


@transaction.atomic
def customer_deactivate(*, customer: Customer, actor, reason: str = "") -> Customer:
    """Stop selling to a customer (never deleted; its documents keep it). Already inactive: no-op."""
    return _set_active(customer, False, actor, reason)


@transaction.atomic
def customer_reactivate(*, customer: Customer, actor) -> Customer:
    return _set_active(customer, True, actor)


# ---------------------------------------------------------------- processing categories

@transaction.atomic
def processing_category_create(*, actor, code: str, name: str, sort_order: int | str = 0) -> ProcessingCategory:
    category = ProcessingCategory()
    errors: list[FieldError] = []
    _assign(category, {"code": code, "name": name, "sort_order": sort_order}, PROCESSING_CATEGORY_FIELDS, errors)
    _check_code(category, errors)
    _clean(category, errors)
    _raise(errors)
    _save(category)
    _audit(category, "create", actor, {"values": field_values(category, _CATEGORY_AUDIT)})
    return category


@transaction.atomic
def processing_category_update(*, category: ProcessingCategory, actor, **changes) -> ProcessingCategory:
    category = _relock(category)
    before = field_values(category, _CATEGORY_AUDIT)
    errors: list[FieldError] = []
    _assign(category, changes, PROCESSING_CATEGORY_FIELDS, errors)
    _check_code(category, errors)
    _clean(category, errors)
    _raise(errors)
    changed = diff(before, field_values(category, _CATEGORY_AUDIT))
    if changed:
        _save(category)
        _audit(category, "update", actor, {"changes": changed})
    return category


@transaction.atomic
def processing_category_deactivate(*, category: ProcessingCategory, actor) -> ProcessingCategory:
    """Offer a category no more for new assignments; subcontractors that have it keep it."""
    return _set_active(category, False, actor)


@transaction.atomic
def processing_category_reactivate(*, category: ProcessingCategory, actor) -> ProcessingCategory:
    return _set_active(category, True, actor)


# ---------------------------------------------------------------- subcontractors

def _categories(values, current: set[int], errors: list[FieldError]) -> list[ProcessingCategory]:
    """Resolve categories given as instances, codes or ids. Inactive ones may be kept but not added."""
    if values is None or values == "":
        return []
    if isinstance(values, str):
        values = [v for v in (part.strip() for part in values.replace("；", ";").split(";")) if v]
    values = list(values)
    codes = {v.strip() for v in values if isinstance(v, str)}
    ids = {v for v in values if isinstance(v, int)} | {v.pk for v in values if isinstance(v, ProcessingCategory)}
    found = ProcessingCategory.objects.filter(models.Q(code__in=codes) | models.Q(pk__in=ids))
    by_code = {c.code: c for c in found}
    by_id = {c.pk: c for c in found}
    out: dict[int, ProcessingCategory] = {}
    for i, value in enumerate(values):
        path = f"processing_categories[{i}]"
        if isinstance(value, ProcessingCategory):
            category = by_id.get(value.pk)
        elif isinstance(value, int):
            category = by_id.get(value)
        elif isinstance(value, str):
            category = by_code.get(value.strip())
        else:
            category = None
        if category is None:
            errors.append(FieldError(path, _("Unknown processing category “%(value)s”.") % {"value": value},
                                     PartnersError.INVALID_CHOICE))
        elif not category.active and category.pk not in current:
            errors.append(FieldError(path, _("The processing category %(name)s is no longer in use.")
                                     % {"name": category.name}, PartnersError.CATEGORY_INACTIVE))
        else:
            out[category.pk] = category
    return list(out.values())


def _category_codes(subcontractor: Subcontractor) -> list[str]:
    return sorted(subcontractor.processing_categories.values_list("code", flat=True))


@transaction.atomic
def subcontractor_create(
    *, actor, code: str, name: str, contact: str = "", phone: str = "", address: str = "",
    processing_categories: Iterable[ProcessingCategory | str | int] | str = (), remarks: str = "",
) -> Subcontractor:
    """A new subcontractor 外协厂. ``processing_categories`` takes instances, codes, ids or a
    "CUT;SEW" string. Its warehouse is inventory's to create (see the module docstring)."""
    subcontractor = Subcontractor()
    errors: list[FieldError] = []
    _assign(subcontractor, {"code": code, "name": name, "contact": contact, "phone": phone, "address": address,
                            "remarks": remarks}, SUBCONTRACTOR_FIELDS, errors)
    _check_code(subcontractor, errors)
    _clean(subcontractor, errors, skip=ADDRESS_RESULT_FIELDS)
    if not _failed(errors, "phone"):
        subcontractor.phone = _phone(subcontractor.phone, masked_ok=False, path="phone", errors=errors)
    categories = _categories(processing_categories, set(), errors)
    _raise(errors)
    _apply_address(subcontractor)
    _save(subcontractor)
    subcontractor.processing_categories.set(categories)
    _audit(subcontractor, "create", actor, {"values": {**field_values(subcontractor, _SUBCONTRACTOR_AUDIT),
                                                       "processing_categories": _category_codes(subcontractor)}})
    return subcontractor


@transaction.atomic
def subcontractor_update(*, subcontractor: Subcontractor, actor, **changes) -> Subcontractor:
    """Change any of SUBCONTRACTOR_FIELDS; ``processing_categories`` replaces the whole set."""
    subcontractor = _relock(subcontractor)
    before = {**field_values(subcontractor, _SUBCONTRACTOR_AUDIT),
              "processing_categories": _category_codes(subcontractor)}
    old_address = subcontractor.address
    errors: list[FieldError] = []
    _assign(subcontractor, changes, SUBCONTRACTOR_FIELDS, errors)
    _check_code(subcontractor, errors)
    _clean(subcontractor, errors, skip=ADDRESS_RESULT_FIELDS)
    if "phone" in changes and not _failed(errors, "phone"):
        subcontractor.phone = _phone(subcontractor.phone, masked_ok=False, path="phone", errors=errors)
    categories = None
    if "processing_categories" in changes:
        current = set(subcontractor.processing_categories.values_list("pk", flat=True))
        categories = _categories(changes["processing_categories"], current, errors)
    _raise(errors)
    if subcontractor.address != old_address:
        _apply_address(subcontractor)
    _save(subcontractor)
    if categories is not None:
        subcontractor.processing_categories.set(categories)
    changed = diff(before, {**field_values(subcontractor, _SUBCONTRACTOR_AUDIT),
                            "processing_categories": _category_codes(subcontractor)})
    if changed:
        _audit(subcontractor, "update", actor, {"changes": changed})
    return subcontractor


@transaction.atomic
def subcontractor_address_confirm(*, subcontractor: Subcontractor, actor, province: str, city: str,
                                  district: str) -> Subcontractor:
    subcontractor = _relock(subcontractor)
    before = field_values(subcontractor, _SUBCONTRACTOR_AUDIT)
    _confirm_address(subcontractor, province=province, city=city, district=district)
    subcontractor.save()
    _audit(subcontractor, "confirm_address", actor,
           {"changes": diff(before, field_values(subcontractor, _SUBCONTRACTOR_AUDIT))})
    return subcontractor


@transaction.atomic
def subcontractor_deactivate(*, subcontractor: Subcontractor, actor, reason: str = "") -> Subcontractor:
    """Stop giving work to a subcontractor. Partners cannot see stock: whether material is still
    at its warehouse is for inventory / subcontracting to check before calling this."""
    return _set_active(subcontractor, False, actor, reason)


@transaction.atomic
def subcontractor_reactivate(*, subcontractor: Subcontractor, actor) -> Subcontractor:
    return _set_active(subcontractor, True, actor)
