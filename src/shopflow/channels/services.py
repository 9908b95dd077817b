"""Order intake: platform orders (from a file reader or the API) into online orders.

Idempotent per (shop, platform order number): a new number creates the order; a known one
updates only what the platform owns — its status, payment, amounts, refunds, tracking, and the
address unless our staff corrected it — and never what our staff did (review, flags, notes).
Nothing is dropped: an order whose item code matches no SKU, or whose address cannot be
read, is created and held with the reason. Work goes in batches, one transaction each, so a
crash leaves whole batches and running the same files again completes exactly once."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.channels.error_codes import HoldCode
from shopflow.channels.formats import FileProblem, PlatformOrder, PlatformStatus, ReadResult
from shopflow.core.db import adapter, insert_rows
from shopflow.core.errors import PermissionDeniedError
from shopflow.core.models import AuditEvent
from shopflow.partners.address import parse_address
from shopflow.sales.models import OnlineOrder, OnlineOrderLine, OrderState

BATCH = 2000
ORDER_TYPE = "sales.onlineorder"
# What an update from the platform may change on an order we already have.
PLATFORM_FIELDS = ("platform_status", "goods_amount", "postage", "total_amount", "paid_amount", "paid_at",
                   "buyer_message", "seller_remark", "tracking_no", "courier_name")
ADDRESS_FIELDS = ("receiver_name", "receiver_mobile", "receiver_phone", "address", "province", "city", "district",
                  "address_detail")
# Local states the platform may still move (after these, the order is ours: shipped or cancelled).
OPEN_STATES = (OrderState.AWAITING_PAYMENT, OrderState.TO_REVIEW, OrderState.HELD, OrderState.APPROVED)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0  # orders held after this import (new or updated)
    failed: int = 0  # orders the file could not give us (see problems)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def require_import(actor) -> None:
    """People need permission to add online orders; actor None is the command line (trusted)."""
    if actor is not None and not actor.has_perm("sales.add_onlineorder"):
        raise PermissionDeniedError("permission_denied", _("You may not import online orders."))


@lru_cache(maxsize=65536)
def _address(text: str) -> tuple[str, str, str, str, str]:
    """(province, city, district, detail, problem) of an address; cached, since repeat buyers and
    re-imports send the same text again."""
    parsed = parse_address(text)
    problem = "；".join(p.message for p in parsed.problems)
    return parsed.province, parsed.city, parsed.district, parsed.detail, problem


def _sku_ids(orders: Iterable[PlatformOrder]) -> dict[str, int]:
    codes = {c for o in orders for line in o.lines for c in (line.sku_code, line.outer_code) if c}
    return dict(Sku.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


def _line_sku(line, skus: dict[str, int]) -> int | None:
    return skus.get(line.sku_code) or skus.get(line.outer_code)


def _holds(order: PlatformOrder, skus: dict[str, int], address_problem: str) -> list[dict]:
    """Why the order cannot go on as it is: codes and values (sales.models.hold_message words them
    in the reader's language)."""
    holds = []
    unknown = sorted({line.sku_code or line.outer_code or line.title for line in order.lines
                      if _line_sku(line, skus) is None})
    if unknown:
        holds.append({"code": HoldCode.UNKNOWN_SKU, "codes": unknown})
    if not order.lines:
        holds.append({"code": HoldCode.NO_LINES})
    if address_problem:
        holds.append({"code": HoldCode.ADDRESS, "problem": address_problem})
    if order.status == PlatformStatus.REFUNDING:
        holds.append({"code": HoldCode.REFUND})
    return holds


def _state(status: PlatformStatus, holds: list[dict]) -> str:
    if status == PlatformStatus.UNPAID:
        return OrderState.AWAITING_PAYMENT
    if status == PlatformStatus.CLOSED:
        return OrderState.CANCELLED
    if status in (PlatformStatus.SHIPPED, PlatformStatus.COMPLETED):
        return OrderState.SHIPPED  # shipped outside shopflow (e.g. before it was in use)
    return OrderState.HELD if holds else OrderState.TO_REVIEW


def _platform_values(o: PlatformOrder) -> dict:
    return {"platform_status": o.status.value, "goods_amount": o.goods_amount, "postage": o.postage,
            "total_amount": o.total_amount, "paid_amount": o.paid_amount, "paid_at": o.paid_at,
            "buyer_message": o.buyer_message, "seller_remark": o.seller_remark, "tracking_no": o.tracking_no,
            "courier_name": o.courier_name}


def _address_values(o: PlatformOrder) -> tuple[dict, str]:
    province, city, district, detail, problem = _address(o.receiver_address)
    return {"receiver_name": o.receiver_name, "receiver_mobile": o.receiver_mobile,
            "receiver_phone": o.receiver_phone, "address": o.receiver_address, "province": province, "city": city,
            "district": district, "address_detail": detail}, problem


def _new_order(shop, o: PlatformOrder, skus) -> tuple[OnlineOrder, list[OnlineOrderLine]]:
    address, problem = _address_values(o)
    holds = _holds(o, skus, problem)
    state = _state(o.status, holds)
    order = OnlineOrder(shop=shop, platform_order_no=o.order_no, state=state,
                        holds=holds if state == OrderState.HELD else [], buyer_nick=o.buyer_nick,
                        ordered_at=o.created_at, **_platform_values(o), **address)
    lines = [OnlineOrderLine(line_no=i, sku_id=_line_sku(line, skus), sku_code=line.sku_code or line.outer_code,
                             title=line.title[:300], properties=line.properties[:300], quantity=line.quantity,
                             price=line.price, refund_status=line.refund_status)
             for i, line in enumerate(o.lines, 1)]
    return order, lines


def _update(order: OnlineOrder, o: PlatformOrder, skus) -> list[str]:
    """Apply the platform's news to an order we have; returns the changed fields."""
    changed = []
    for name, value in _platform_values(o).items():
        if getattr(order, name) != value:
            setattr(order, name, value)
            changed.append(name)
    problem = ""
    if not order.address_edited:
        address, problem = _address_values(o)
        for name, value in address.items():
            if getattr(order, name) != value:
                setattr(order, name, value)
                changed.append(name)
    elif order.province == "":
        problem = _("the corrected address has no province")
    new_state = ""
    if order.state in OPEN_STATES:
        if o.status == PlatformStatus.CLOSED:
            new_state = OrderState.CANCELLED
        elif o.status in (PlatformStatus.PAID, PlatformStatus.REFUNDING) and order.state in (
                OrderState.AWAITING_PAYMENT, OrderState.TO_REVIEW, OrderState.HELD):
            holds = _holds(o, skus, problem)
            new_state = OrderState.HELD if holds else OrderState.TO_REVIEW
            if holds != order.holds:
                order.holds = holds if new_state == OrderState.HELD else []
                changed.append("holds")
        elif o.status == PlatformStatus.REFUNDING and order.state == OrderState.APPROVED:
            new_state = OrderState.HELD  # stop it before it ships
            order.holds = _holds(o, skus, problem)
            changed.append("holds")
    if new_state and new_state != order.state:
        order.state = new_state
        changed.append("state")
    return changed


def _audit(orders: list[OnlineOrder], action: str, actor, payloads: list[dict]) -> None:
    now = timezone.now()
    AuditEvent.objects.bulk_create([
        AuditEvent(doc_type=ORDER_TYPE, doc_id=order.pk, action=action, to_state=order.state, actor=actor, at=now,
                   payload=payload) for order, payload in zip(orders, payloads, strict=True)
    ])


ORDER_FIELDS = ("shop_id", "platform_order_no", "platform_status", "state", "holds", "flag", "note", "buyer_nick",
                "buyer_message", "seller_remark", "receiver_name", "receiver_mobile", "receiver_phone", "address",
                "province", "city", "district", "address_detail", "address_edited", "goods_amount", "postage",
                "total_amount", "paid_amount", "ordered_at", "paid_at", "tracking_no", "courier_name", "imported_at",
                "updated_at", "version")
LINE_FIELDS = ("order_id", "line_no", "sku_id", "sku_code", "title", "properties", "quantity", "price",
               "refund_status")
AUDIT_FIELDS = ("doc_type", "doc_id", "action", "from_state", "to_state", "actor_id", "at", "reason", "payload")


def _rows(model, fields, objects) -> list[tuple]:
    """Values of `fields` of each object, adapted for the database (see core.db.insert_rows)."""
    adapters = [adapter(model, name) for name in fields]
    return [tuple(a(getattr(obj, name)) if a else getattr(obj, name) for name, a in zip(fields, adapters, strict=True))
            for obj in objects]


def _insert_new(shop, orders: list[OnlineOrder], lines: list[list[OnlineOrderLine]], actor, source: str) -> None:
    """New orders, their lines and their audit events, inserted straight through the cursor:
    bulk_create would spend most of the import compiling SQL value by value."""
    now = timezone.now()
    for order in orders:
        order.imported_at = order.updated_at = now
    insert_rows(OnlineOrder, ORDER_FIELDS, _rows(OnlineOrder, ORDER_FIELDS, orders))
    ids = dict(OnlineOrder.objects.filter(shop=shop, platform_order_no__in=[o.platform_order_no for o in orders])
               .values_list("platform_order_no", "pk"))
    for order, order_lines in zip(orders, lines, strict=True):
        order.pk = ids[order.platform_order_no]
        for line in order_lines:
            line.order_id = order.pk
    insert_rows(OnlineOrderLine, LINE_FIELDS, _rows(OnlineOrderLine, LINE_FIELDS, [x for ls in lines for x in ls]))
    events = [AuditEvent(doc_type=ORDER_TYPE, doc_id=order.pk, action="import", to_state=order.state,
                         actor_id=getattr(actor, "pk", None), at=now, payload={"source": source}) for order in orders]
    insert_rows(AuditEvent, AUDIT_FIELDS, _rows(AuditEvent, AUDIT_FIELDS, events))


def _import_batch(shop, batch: list[PlatformOrder], actor, source: str, summary: ImportSummary) -> None:
    by_no = {o.order_no: o for o in batch}  # the same order twice in a file: the later row wins
    skus = _sku_ids(by_no.values())
    existing = {order.platform_order_no: order for order in
                OnlineOrder.objects.select_for_update().filter(shop=shop, platform_order_no__in=list(by_no))}
    new_orders, new_lines, updated, changes = [], [], [], []
    for no, o in by_no.items():
        order = existing.get(no)
        if order is None:
            order, lines = _new_order(shop, o, skus)
            new_orders.append(order)
            new_lines.append(lines)
            continue
        changed = _update(order, o, skus)
        if changed:
            order.version += 1
            updated.append(order)
            changes.append({"source": source, "changed": sorted(set(changed))})
        else:
            summary.unchanged += 1
    if new_orders:
        _insert_new(shop, new_orders, new_lines, actor, source)
    if updated:
        fields = sorted({name for change in changes for name in change["changed"]} | {"version", "updated_at"})
        for order in updated:
            order.updated_at = timezone.now()
        OnlineOrder.objects.bulk_update(updated, fields, batch_size=500)
        _audit(updated, "platform_update", actor, changes)
    summary.created += len(new_orders)
    summary.updated += len(updated)
    summary.held += sum(1 for order in new_orders + updated if order.state == OrderState.HELD)


def orders_import(*, shop, result: ReadResult, actor, source: str = "",
                  on_progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Import what a reader made of a platform's files (or an API push) into `shop`."""
    require_import(actor)
    # Orders the reader had to leave out: one per (file, row) with a problem.
    summary = ImportSummary(failed=len({(p.file, p.row) for p in result.problems if p.row > 1}),
                            problems=list(result.problems))
    total = len(result.orders)
    for start in range(0, total, BATCH):
        with transaction.atomic():
            _import_batch(shop, result.orders[start:start + BATCH], actor, source, summary)
        if on_progress:
            on_progress(min(start + BATCH, total), total)
    return summary
