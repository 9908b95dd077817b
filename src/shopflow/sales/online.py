"""What customer service does with one online order 审单: approve, hold with a reason, flag with a
colour and a note, correct and confirm the address, set the priority, the courier and the
ship-from warehouse. One transaction each; every change is audited; a stale version is refused
(two people on one order). Set-wise work (auto review, bulk actions, merge, split) is in
sales.review.

Approval listeners: fulfilment registers a function here (register_approval_listener) that
allocates stock; every approval — single, bulk, automatic — and every change that gives an
approved order back to allocation (merge, split, new warehouse) calls it after commit with the
ids of the orders.

Holding an approved order, or changing what it ships from, lets go of the stock reserved for
it (inventory's stock_release_origins) and clears its allocation. An order in a live parcel
(a parcel of a wave, not cancelled) cannot be held, merged, split or re-routed: take it out of
the wave first."""

import functools
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from shopflow.core.db import save_fields
from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.prepared import Prepared
from shopflow.core.services import audit_record
from shopflow.inventory.services import stock_release_origins
from shopflow.partners.address import parse_address
from shopflow.sales import selectors
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderFlag, OrderState

REVIEWABLE = (OrderState.TO_REVIEW, OrderState.HELD)
OPEN_STATES = selectors.OPEN_STATES
ORDER_TYPE = selectors.ORDER_TYPE
PRIORITY_RANGE = (-99, 99)

# ---------------------------------------------------------------- approval listeners

_approval_listeners: list[Callable[[list[int]], None]] = []


def register_approval_listener(fn: Callable[[list[int]], None]) -> None:
    """Call `fn(order_ids)` after commit whenever orders are approved (or, approved, need stock
    again after a merge, split or new warehouse). Registering the same function twice changes
    nothing."""
    if fn not in _approval_listeners:
        _approval_listeners.append(fn)


def unregister_approval_listener(fn: Callable[[list[int]], None]) -> None:
    if fn in _approval_listeners:
        _approval_listeners.remove(fn)


def notify_approved(order_ids: Iterable[int]) -> None:
    """Schedule the listeners for these orders on commit of the current transaction."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    for fn in list(_approval_listeners):
        transaction.on_commit(functools.partial(fn, list(ids)))


# ---------------------------------------------------------------- shared helpers


def require_change(actor) -> None:
    if not (actor and actor.is_active and actor.has_perm("sales.change_onlineorder")):
        raise PermissionDeniedError("permission_denied", _("You may not work on online orders."))


_LOCKED_ORDER = Prepared(lambda pk: OnlineOrder.objects.select_for_update(of=("self",)).select_related("shop")
                         .filter(pk=pk))


_LINES = Prepared(lambda order_id: OnlineOrderLine.objects.filter(order_id=order_id))


def lock_order(order: OnlineOrder, expected_version: int | None) -> OnlineOrder:
    order = _LOCKED_ORDER.get(order.pk)
    if expected_version is not None and order.version != expected_version:
        raise DomainError("stale_version", _("Someone else changed order %(no)s meanwhile; reload it and try again.")
                          % {"no": order.platform_order_no})
    return order


def _save(order: OnlineOrder, actor, action: str, from_state: str, fields: list[str], **audit) -> OnlineOrder:
    order.version += 1
    save_fields(order, [*fields, "version", "updated_at"])
    audit_record(doc=order, action=action, actor=actor, from_state=from_state, **audit)
    return order


def state_error(order: OnlineOrder, code: str = "wrong_state") -> DomainError:
    return DomainError(code, _("Order %(no)s is %(state)s.") % {"no": order.platform_order_no,
                                                                "state": order.get_state_display()})


def parcel_error(order: OnlineOrder, wave: str) -> DomainError:
    return DomainError("in_parcel", _("Order %(no)s is in a parcel of wave %(wave)s; take it out of the wave first.")
                       % {"no": order.platform_order_no, "wave": wave})


def require_no_parcel(order: OnlineOrder) -> None:
    wave = selectors.live_parcels([order.pk]).get(order.pk)
    if wave is not None:
        raise parcel_error(order, wave)


def release_stock(order_ids: list[int], actor) -> None:
    """Let go of what is reserved for these orders (their lines may move; allocation reserves
    again). The caller clears `allocation` and `shortages`."""
    if order_ids:
        stock_release_origins(origin_type=ORDER_TYPE, origin_ids=list(order_ids), actor=actor)


def clear_allocation(order: OnlineOrder) -> list[str]:
    """Forget the allocation in memory; returns the fields to save."""
    order.allocation, order.shortages = Allocation.NONE, []
    return ["allocation", "shortages"]


def ship_from_id(order: OnlineOrder) -> int | None:
    return order.warehouse_id or order.shop.warehouse_id


def approval_problems(order: OnlineOrder, courier_by_rule: int | None = None) -> list[str]:
    """Why the order cannot be approved now (empty: it can). A missing courier is a problem only
    when no courier rule and no shop default would give it one (`courier_by_rule`: that courier,
    when the caller has looked it up already)."""
    problems = []
    if order.state not in REVIEWABLE:
        problems.append(_("Order %(no)s is %(state)s.") % {"no": order.platform_order_no,
                                                           "state": order.get_state_display()})
    lines = _LINES.all(order.pk)
    if not lines:
        problems.append(_("The order has no items."))
    unmatched = [line.sku_code or line.title for line in lines if line.sku_id is None]
    if unmatched:
        problems.append(_("Items without a SKU: %(codes)s.") % {"codes": "、".join(unmatched)})
    if not order.province:
        problems.append(_("The address has no province; correct it first."))
    if order.platform_status == "refunding":
        problems.append(_("The buyer asked for a refund."))
    if ship_from_id(order) is None:
        problems.append(_("No ship-from warehouse: set one on the order or the shop."))
    if order.courier_id is None and (courier_by_rule or rule_courier(order)) is None:
        problems.append(_("No courier: choose one (no courier rule matches and the shop has no default)."))
    return problems


def rule_courier(order: OnlineOrder, rules=None) -> int | None:
    """The courier the rules give this order (see selectors.pick_courier)."""
    return selectors.pick_courier(rules if rules is not None else selectors.courier_rules(), shop_id=order.shop_id,
                                  province=order.province, text=f"{order.buyer_message}\n{order.seller_remark}",
                                  default=order.shop.default_courier_id)


# ---------------------------------------------------------------- one order


@transaction.atomic
def online_order_approve(*, order: OnlineOrder, actor, expected_version: int | None = None) -> OnlineOrder:
    """Approve a reviewed order; it gets the courier the rules give it if it has none, and goes
    to allocation (the approval listeners) after commit."""
    require_change(actor)
    order = lock_order(order, expected_version)
    by_rule = rule_courier(order) if order.courier_id is None else None
    problems = approval_problems(order, by_rule)
    if problems:
        raise DomainError("not_approvable", "；".join(problems), errors=[FieldError("", p) for p in problems])
    before = order.state
    fields = ["state", "holds"]
    if order.courier_id is None:
        order.courier_id = by_rule
        fields.append("courier")
    order.state, order.holds = OrderState.APPROVED, []
    _save(order, actor, "approve", before, fields)
    notify_approved([order.pk])
    return order


@transaction.atomic
def online_order_hold(*, order: OnlineOrder, actor, reason: str, expected_version: int | None = None) -> OnlineOrder:
    """Hold with a reason. An approved order lets go of its reserved stock."""
    require_change(actor)
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("A reason is required."), "reason_required")])
    if len(reason.strip()) > 500:
        raise ValidationFailed([FieldError("reason", _("At most %(n)s characters.") % {"n": 500}, "too_long")])
    order = lock_order(order, expected_version)
    if order.state not in OPEN_STATES:
        raise state_error(order, "not_holdable")
    require_no_parcel(order)
    before = order.state
    fields = ["state", "holds"]
    if before == OrderState.APPROVED:
        release_stock([order.pk], actor)
        fields += clear_allocation(order)
    order.state = OrderState.HELD
    order.holds = [*order.holds, {"code": "manual", "message": reason.strip()}]
    return _save(order, actor, "hold", before, fields, reason=reason.strip())


@transaction.atomic
def online_order_flag(*, order: OnlineOrder, actor, flag: str, note: str | None = None,
                      expected_version: int | None = None) -> OnlineOrder:
    require_change(actor)
    if flag not in OrderFlag.values:
        raise ValidationFailed([FieldError("flag", _("Unknown flag."), "invalid_choice")])
    order = lock_order(order, expected_version)
    changes = {"flag": [order.flag, flag]}
    order.flag = flag
    fields = ["flag"]
    if note is not None:
        changes["note"] = [order.note, note]
        order.note, fields = note, [*fields, "note"]
    return _save(order, actor, "flag", order.state, fields, payload=changes)


@transaction.atomic
def online_order_correct_address(*, order: OnlineOrder, actor, address: str, confirmed: bool = False,
                                 expected_version: int | None = None) -> OnlineOrder:
    """Our correction of the address (kept over what later imports say). `confirmed`: the buyer
    confirmed the new address; otherwise an earlier confirmation no longer holds."""
    require_change(actor)
    parsed = parse_address(address)
    if not parsed.province or parsed.problems:
        message = "；".join(p.message for p in parsed.problems) or _("Could not read the address.")
        raise ValidationFailed([FieldError("address", message, "invalid_address")])
    order = lock_order(order, expected_version)
    if order.state not in (*OPEN_STATES, OrderState.AWAITING_PAYMENT):
        raise state_error(order)
    before = {"address": order.address}
    order.address, order.province, order.city, order.district, order.address_detail = (
        address.strip(), parsed.province, parsed.city, parsed.district, parsed.detail)
    order.address_edited = True
    order.address_confirmed = bool(confirmed)
    order.holds = [h for h in order.holds if h.get("code") != "address"]
    fields = ["address", "province", "city", "district", "address_detail", "address_edited", "address_confirmed",
              "holds"]
    return _save(order, actor, "correct_address", order.state, fields, payload={"before": before,
                                                                                  "after": {"address": order.address}})


@transaction.atomic
def online_order_confirm_address(*, order: OnlineOrder, actor, confirmed: bool = True,
                                 expected_version: int | None = None) -> OnlineOrder:
    """The buyer confirmed the receiver's name, phone and address (seed 001: 复制买家收货信息，再次
    发送给客户确认), or the confirmation is taken back."""
    require_change(actor)
    order = lock_order(order, expected_version)
    if not order.province and confirmed:
        raise ValidationFailed([FieldError("address", _("The address has no province; correct it first."),
                                           "invalid_address")])
    changes = {"address_confirmed": [order.address_confirmed, bool(confirmed)]}
    order.address_confirmed = bool(confirmed)
    return _save(order, actor, "confirm_address", order.state, ["address_confirmed"], payload=changes)


@transaction.atomic
def online_order_set_priority(*, order: OnlineOrder, actor, priority: int,
                              expected_version: int | None = None) -> OnlineOrder:
    """Higher first: allocation reserves stock for higher priorities before older payments."""
    require_change(actor)
    low, high = PRIORITY_RANGE
    if isinstance(priority, bool) or not isinstance(priority, int) or not low <= priority <= high:
        raise ValidationFailed([FieldError("priority", _("A whole number from %(low)s to %(high)s.")
                                           % {"low": low, "high": high}, "out_of_range")])
    order = lock_order(order, expected_version)
    if order.state not in (*OPEN_STATES, OrderState.AWAITING_PAYMENT):
        raise state_error(order)
    changes = {"priority": [order.priority, priority]}
    order.priority = priority
    return _save(order, actor, "set_priority", order.state, ["priority"], payload=changes)


@transaction.atomic
def online_order_set_courier(*, order: OnlineOrder, courier, actor,
                             expected_version: int | None = None) -> OnlineOrder:
    """Choose the courier (None: none yet). Not for an order in a live parcel (the parcel has its
    courier and maybe a tracking number)."""
    require_change(actor)
    if courier is not None and not courier.active:
        raise ValidationFailed([FieldError("courier", _("Courier %(c)s is not active.") % {"c": courier.name},
                                           "inactive_courier")])
    order = lock_order(order, expected_version)
    if order.state not in (*OPEN_STATES, OrderState.AWAITING_PAYMENT):
        raise state_error(order)
    require_no_parcel(order)
    new_id = getattr(courier, "pk", None)
    changes = {"courier": [order.courier_id, new_id]}
    order.courier_id = new_id
    order.holds = [h for h in order.holds if h.get("code") != "no_courier"] if new_id else order.holds
    return _save(order, actor, "set_courier", order.state, ["courier", "holds"], payload=changes)


@transaction.atomic
def online_order_set_warehouse(*, order: OnlineOrder, warehouse, actor,
                               expected_version: int | None = None) -> OnlineOrder:
    """Ship from another warehouse (None: the shop's). An approved order lets go of what was
    reserved in the old one and goes back to allocation."""
    require_change(actor)
    if warehouse is not None and not warehouse.active:
        raise ValidationFailed([FieldError("warehouse", _("Warehouse %(w)s is not active.") % {"w": warehouse.name},
                                           "inactive_warehouse")])
    order = lock_order(order, expected_version)
    if order.state not in (*OPEN_STATES, OrderState.AWAITING_PAYMENT):
        raise state_error(order)
    require_no_parcel(order)
    new_id = getattr(warehouse, "pk", None)
    changes = {"warehouse": [order.warehouse_id, new_id]}
    fields = ["warehouse", "holds"]
    order.warehouse_id = new_id
    order.holds = [h for h in order.holds if h.get("code") not in ("no_warehouse", "no_stock")] \
        if ship_from_id(order) else order.holds
    if order.state == OrderState.APPROVED:
        release_stock([order.pk], actor)
        fields += clear_allocation(order)
        notify_approved([order.pk])
    return _save(order, actor, "set_warehouse", order.state, fields, payload=changes)
