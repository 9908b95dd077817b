"""What customer service does with online orders 审单: approve, hold with a reason, release,
flag with a colour and a note, correct the address. One transaction each; every change is
audited; a stale version is refused (two people on one order)."""

from django.db import transaction
from django.utils.translation import gettext as _

from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.services import audit_record
from shopflow.partners.address import parse_address
from shopflow.sales.models import OnlineOrder, OrderFlag, OrderState

REVIEWABLE = (OrderState.TO_REVIEW, OrderState.HELD)


def _require_change(actor) -> None:
    if not (actor and actor.is_active and actor.has_perm("sales.change_onlineorder")):
        raise PermissionDeniedError("permission_denied", _("You may not work on online orders."))


def _locked(order: OnlineOrder, expected_version: int | None) -> OnlineOrder:
    order = OnlineOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if expected_version is not None and order.version != expected_version:
        raise DomainError("stale_version", _("Someone else changed order %(no)s meanwhile; reload it and try again.")
                          % {"no": order.platform_order_no})
    return order


def _save(order: OnlineOrder, actor, action: str, from_state: str, fields: list[str], **audit) -> OnlineOrder:
    order.version += 1
    order.save(update_fields=[*fields, "version", "updated_at"])
    audit_record(doc=order, action=action, actor=actor, from_state=from_state, **audit)
    return order


def approval_problems(order: OnlineOrder) -> list[str]:
    """Why the order cannot be approved now (empty: it can)."""
    problems = []
    if order.state not in REVIEWABLE:
        problems.append(_("Order %(no)s is %(state)s.") % {"no": order.platform_order_no,
                                                           "state": order.get_state_display()})
    unmatched = [line.sku_code or line.title for line in order.lines.all() if line.sku_id is None]
    if unmatched:
        problems.append(_("Items without a SKU: %(codes)s.") % {"codes": "、".join(unmatched)})
    if not order.province:
        problems.append(_("The address has no province; correct it first."))
    if order.platform_status == "refunding":
        problems.append(_("The buyer asked for a refund."))
    return problems


@transaction.atomic
def online_order_approve(*, order: OnlineOrder, actor, expected_version: int | None = None) -> OnlineOrder:
    _require_change(actor)
    order = _locked(order, expected_version)
    problems = approval_problems(order)
    if problems:
        raise DomainError("not_approvable", "；".join(problems), errors=[FieldError("", p) for p in problems])
    before = order.state
    order.state, order.holds = OrderState.APPROVED, []
    return _save(order, actor, "approve", before, ["state", "holds"])


@transaction.atomic
def online_order_hold(*, order: OnlineOrder, actor, reason: str, expected_version: int | None = None) -> OnlineOrder:
    _require_change(actor)
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("A reason is required."), "reason_required")])
    order = _locked(order, expected_version)
    if order.state not in (*REVIEWABLE, OrderState.APPROVED):
        raise DomainError("not_holdable", _("Order %(no)s is %(state)s.")
                          % {"no": order.platform_order_no, "state": order.get_state_display()})
    before = order.state
    order.state = OrderState.HELD
    order.holds = [*order.holds, {"code": "manual", "message": reason.strip()}]
    return _save(order, actor, "hold", before, ["state", "holds"], reason=reason.strip())


@transaction.atomic
def online_order_flag(*, order: OnlineOrder, actor, flag: str, note: str | None = None,
                      expected_version: int | None = None) -> OnlineOrder:
    _require_change(actor)
    if flag not in OrderFlag.values:
        raise ValidationFailed([FieldError("flag", _("Unknown flag."), "invalid_choice")])
    order = _locked(order, expected_version)
    changes = {"flag": [order.flag, flag]}
    order.flag = flag
    fields = ["flag"]
    if note is not None:
        changes["note"] = [order.note, note]
        order.note, fields = note, [*fields, "note"]
    return _save(order, actor, "flag", order.state, fields, payload=changes)


@transaction.atomic
def online_order_correct_address(*, order: OnlineOrder, actor, address: str,
                                 expected_version: int | None = None) -> OnlineOrder:
    """Our correction of the address (kept over what later imports say)."""
    _require_change(actor)
    parsed = parse_address(address)
    if not parsed.province or parsed.problems:
        message = "；".join(p.message for p in parsed.problems) or _("Could not read the address.")
        raise ValidationFailed([FieldError("address", message, "invalid_address")])
    order = _locked(order, expected_version)
    before = {"address": order.address}
    order.address, order.province, order.city, order.district, order.address_detail = (
        address.strip(), parsed.province, parsed.city, parsed.district, parsed.detail)
    order.address_edited = True
    order.holds = [h for h in order.holds if h.get("code") != "address"]
    fields = ["address", "province", "city", "district", "address_detail", "address_edited", "holds"]
    return _save(order, actor, "correct_address", order.state, fields, payload={"before": before,
                                                                                  "after": {"address": order.address}})
