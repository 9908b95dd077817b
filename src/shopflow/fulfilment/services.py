"""Every write of fulfilment after allocation: waves 波次, the tracking-number pool 面单号 and its
assignment, packing verification 验货, shipping 发货 (the stock leaves through the ledger) and
handover lists 交接单. One transaction each; batch paths (a wave's waybills, packing many,
shipping many) work set-wise.

Waves and parcels are not documents of the framework (see docs/decisions/0014-fulfilment.md):
their states are written here, and every change is audited."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.core.conf import setting
from shopflow.core.db import adapter, id_list, insert_rows, save_fields, update_ids, update_rows
from shopflow.core.errors import DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.gcpause import gc_paused
from shopflow.core.models import AuditEvent
from shopflow.core.prepared import Prepared
from shopflow.core.serialize import plain
from shopflow.core.services import audit_record, number_next
from shopflow.fulfilment.error_codes import FulfilmentError
from shopflow.fulfilment.models import Handover, Parcel, ParcelState, TrackingNumber, Wave, WaveState
from shopflow.fulfilment.selectors import (  # noqa: F401  (packing_check and parcel_find are part of this API)
    OPEN,
    PackingCheck,
    check_scans,
    packing_check,
    parcel_find,
    scan_skus,
    sku_refs,
)
from shopflow.inventory.services import MoveSpec, ReservationKey, stock_post
from shopflow.partners.couriers import normalise_tracking_number, tracking_number_problem
from shopflow.partners.models import Courier
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderState, hold_message

ORDER_TYPE = "sales.onlineorder"
PARCEL_TYPE = "fulfilment.parcel"
WAVE_TYPE = "fulfilment.wave"
HANDOVER_TYPE = "fulfilment.handover"
# The heaviest parcel a packer can plausibly weigh in (kg); more is a typo (grams keyed as kg).
MAX_PARCEL_WEIGHT = Decimal("100")
MAX_WAVES_AT_ONCE = 1000  # waves one call may make (200,000 orders at the default size)
POST_MOVES = 400  # moves per ledger posting when shipping (see _ship_rows)
AUDIT_FIELDS = ["doc_type", "doc_id", "action", "from_state", "to_state", "actor_id", "at", "reason", "payload"]


def _require(actor, perm: str, message: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(perm)):
        raise PermissionDeniedError("permission_denied", message)


def _audit_many(doc_type: str, events: list[tuple[int, str, str, str, dict]], actor, at=None) -> None:
    """Audit events straight through the cursor: (doc id, action, from state, to state, payload)."""
    _audit_rows([(doc_type, *e) for e in events], actor, at)


def _audit_rows(events: list[tuple[str, int, str, str, str, dict]], actor, at=None) -> None:
    """Audit events of any types in one insert: (doc type, doc id, action, from, to, payload)."""
    if not events:
        return
    at = adapter(AuditEvent, "at")(at or timezone.now())
    to_json = adapter(AuditEvent, "payload")
    actor_id = getattr(actor, "pk", None)
    insert_rows(AuditEvent, AUDIT_FIELDS, [
        (doc_type, doc_id, action, from_state, to_state, actor_id, at, "", to_json(payload))
        for doc_type, doc_id, action, from_state, to_state, payload in events
    ])


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ship_from_q(warehouse_id: int) -> Q:
    """Orders that ship from this warehouse: their own, or their shop's when they have none."""
    return Q(warehouse_id=warehouse_id) | Q(warehouse__isnull=True, shop__warehouse_id=warehouse_id)


_LIVE = OPEN + (ParcelState.SHIPPED,)  # parcel states that keep an order out of new waves


# ---------------------------------------------------------------- waves 波次


def wave_create(*, warehouse, actor, courier=None, provinces=None, shop=None, limit: int | None = None,
                order_ids=None, note: str = "") -> Wave:
    """A wave of the approved, allocated orders shipping from `warehouse` that are in no live
    parcel, highest priority and earliest paid first, at most `limit` (default and most:
    WAVE_MAX_ORDERS); optionally only one courier, some provinces, one shop or given orders.
    One parcel per order, with the order's courier (orders without a courier are left out).
    Nothing eligible is refused, saying which filters were applied."""
    return waves_create(warehouse=warehouse, actor=actor, courier=courier, provinces=provinces, shop=shop,
                        limit=limit, order_ids=order_ids, note=note, waves=1)[0]


@gc_paused()
@transaction.atomic
def waves_create(*, warehouse, actor, courier=None, provinces=None, shop=None, limit: int | None = None,
                 order_ids=None, note: str = "", waves: int | None = None) -> list[Wave]:
    """Waves of `limit` orders each (see wave_create; the last one may hold fewer) over the
    eligible orders in ranking order: `waves` of them at most, or as many as it takes (None).
    The eligible orders are read once, however many waves are made."""
    _require(actor, "fulfilment.add_wave", _("You may not make waves."))
    most = int(setting("WAVE_MAX_ORDERS"))
    if limit is None:
        limit = most
    if not isinstance(limit, int) or not 1 <= limit <= most:
        raise ValidationFailed([FieldError("limit", _("A wave holds 1 to %(most)s orders.") % {"most": most},
                                           FulfilmentError.WAVE_LIMIT)])
    if waves is not None and (not isinstance(waves, int) or not 1 <= waves <= MAX_WAVES_AT_ONCE):
        raise ValidationFailed([FieldError("waves", _("Make 1 to %(most)s waves at once.")
                                           % {"most": MAX_WAVES_AT_ONCE}, FulfilmentError.WAVE_LIMIT)])
    orders = (OnlineOrder.objects.filter(_ship_from_q(warehouse.pk), state=OrderState.APPROVED,
                                         allocation=Allocation.ALLOCATED, courier__isnull=False)
              .exclude(parcels__state__in=_LIVE))
    filters = [_("warehouse %(wh)s") % {"wh": warehouse.name}]
    if courier is not None:
        orders = orders.filter(courier_id=courier.pk)
        filters.append(_("courier %(courier)s") % {"courier": courier.name})
    names = [p.strip() for p in (provinces or []) if p and p.strip()]
    if names:
        orders = orders.filter(reduce(or_, (Q(province__startswith=p) for p in names)))
        filters.append(_("provinces %(names)s") % {"names": "、".join(names)})
    if shop is not None:
        orders = orders.filter(shop_id=shop.pk)
        filters.append(_("shop %(shop)s") % {"shop": shop.name})
    if order_ids is not None:
        order_ids = list(order_ids)
        orders = orders.filter(pk__any=id_list(order_ids))
        filters.append(_("%(n)s chosen orders") % {"n": len(order_ids)})
    chosen = _lock_eligible(orders, limit * waves if waves is not None else None)
    if not chosen:
        raise DomainError(FulfilmentError.NOTHING_TO_WAVE, _(
            "No order can go into a wave (%(filters)s): a wave takes approved orders with stock allocated and a "
            "courier, that are in no other wave.") % {"filters": "；".join(filters)})
    day = timezone.localdate()
    at = adapter(Parcel, "created_at")(timezone.now())
    made, sizes, parcels = [], [], []
    for part in _chunks(chosen, limit):
        couriers = {c for _pk, c in part}
        wave = Wave.objects.create(
            number=number_next(doc_type=WAVE_TYPE, prefix="BC", day=day), warehouse=warehouse,
            courier_id=courier.pk if courier is not None else (next(iter(couriers)) if len(couriers) == 1 else None),
            note=note[:200], created_by=actor)
        made.append(wave)
        sizes.append(len(part))
        parcels += [(pk, wave.pk, warehouse.pk, courier_id, "", ParcelState.WAVED, at, 1) for pk, courier_id in part]
    try:
        with transaction.atomic():
            insert_rows(Parcel, ["order_id", "wave_id", "warehouse_id", "courier_id", "tracking_no", "state",
                                 "created_at", "version"], parcels)
    except IntegrityError as exc:
        raise DomainError(FulfilmentError.WAVE_BUSY, _(
            "Some of these orders were put in another wave meanwhile; make the wave again.")) from exc
    _audit_many(WAVE_TYPE, [(wave.pk, "create", "", wave.state, {"orders": n, "filters": filters})
                            for wave, n in zip(made, sizes, strict=True)], actor)
    return made


def _lock_eligible(orders, most: int | None) -> list[tuple[int, int]]:
    """Lock the first `most` (None: all) of these orders in ranking order: (id, courier id).

    skip_locked: two people making waves at once get different orders. On PostgreSQL a statement
    reads what was committed when it began, and a lock on an order that another wave released
    meanwhile is taken without reading that wave's parcels: the order looks free. So the orders
    locked are checked again by a later statement, which sees every wave committed before its
    locks, and those taken are replaced by the next ones. SQLite's IMMEDIATE transactions write
    one at a time from BEGIN, so what they read is current. The constraint of one live parcel
    per order backs both."""
    ranked = orders.select_for_update(of=("self",), skip_locked=True).order_by(
        F("priority").desc(), F("paid_at").asc(nulls_last=True), "id").values_list("pk", "courier_id")
    chosen: list[tuple[int, int]] = []
    fresh = list(ranked[:most] if most is not None else ranked)
    while fresh:
        taken = set() if connection.vendor == "sqlite" else set(
            Parcel.objects.filter(order_id__any=id_list(pk for pk, _c in fresh), state__in=_LIVE)
            .values_list("order_id", flat=True))
        chosen += [row for row in fresh if row[0] not in taken]
        if not taken or (most is not None and len(chosen) >= most):
            break
        rest = ranked.exclude(pk__any=id_list([pk for pk, _c in chosen] + list(taken)))
        fresh = list(rest[:most - len(chosen)] if most is not None else rest)
    return chosen


def _locked_wave(wave: Wave) -> Wave:
    return Wave.objects.select_for_update().get(pk=wave.pk)


@transaction.atomic
def wave_mark_printed(*, wave: Wave, actor) -> Wave:
    """Record that the wave's pick list (and waybills) were printed."""
    _require(actor, "fulfilment.change_wave", _("You may not work on waves."))
    wave = _locked_wave(wave)
    wave.printed_at = timezone.now()
    wave.save(update_fields=["printed_at"])
    audit_record(doc=wave, action="print", actor=actor)
    return wave


# The state is tested here, not in SQL: with it there, SQLite (no statistics) reads every open
# parcel of every wave through the state index — 11 ms a wave with 60,000 parcels waiting.
_PARCEL_STATES_OF_WAVES = Prepared(lambda ids: Parcel.objects.filter(wave_id__any=ids).order_by()
                                   .values_list("wave_id", "state"), keys=("ids",))


def _close_finished_waves(wave_ids, actor) -> list[int]:
    """Waves among these with no parcel left to pack or ship become done."""
    wave_ids = sorted(set(wave_ids))
    if not wave_ids:
        return []
    still_open = {wave_id for wave_id, state in _PARCEL_STATES_OF_WAVES.all(wave_ids) if state in OPEN}
    finished = [pk for pk in wave_ids if pk not in still_open]
    if finished:
        finished = list(Wave.objects.filter(pk__in=finished, state=WaveState.OPEN).values_list("pk", flat=True))
    if finished:
        Wave.objects.filter(pk__in=finished).update(state=WaveState.DONE)
        _audit_many(WAVE_TYPE, [(pk, "done", WaveState.OPEN, WaveState.DONE, {}) for pk in finished], actor)
    return finished


# ---------------------------------------------------------------- tracking numbers 面单号


@dataclass
class TrackingAddResult:
    added: int
    skipped_blank: int = 0


@transaction.atomic
def tracking_numbers_add(*, courier, numbers: list[str], actor) -> TrackingAddResult:
    """Add e-waybill numbers bought from `courier` to its pool (in this order). Every row is
    checked — the courier's number pattern, a repeat within the list, a number already in the
    pool or on a parcel — and any problem refuses the whole list, each reported with its row
    (1 = first line); blank lines are skipped."""
    _require(actor, "fulfilment.add_trackingnumber", _("You may not add tracking numbers."))
    errors: list[FieldError] = []
    wanted: list[str] = []
    first_row: dict[str, int] = {}
    rows: dict[str, int] = {}
    blank = 0
    for index, raw in enumerate(numbers or []):
        row = index + 1
        text = str(raw or "").strip()
        if not text:
            blank += 1
            continue
        number = normalise_tracking_number(text)
        problem = tracking_number_problem(courier, text)
        if problem:
            errors.append(FieldError(f"numbers[{index}]", _("Row %(row)s: %(problem)s") % {"row": row,
                                                                                        "problem": problem},
                                     FulfilmentError.TRACKING_INVALID))
            continue
        if number in first_row:
            errors.append(FieldError(f"numbers[{index}]", _("Row %(row)s: %(number)s is already in row %(first)s.")
                                     % {"row": row, "number": number, "first": first_row[number]},
                                     FulfilmentError.TRACKING_DUPLICATE))
            continue
        first_row[number] = row
        rows[number] = index
        wanted.append(number)
    for part in _chunks(wanted, 5000):
        for number in TrackingNumber.objects.filter(courier_id=courier.pk, number__any=part).values_list("number",
                                                                                                       flat=True):
            errors.append(FieldError(f"numbers[{rows[number]}]", _("Row %(row)s: %(number)s is already in the pool.")
                                     % {"row": rows[number] + 1, "number": number}, FulfilmentError.TRACKING_DUPLICATE))
        for number, order_no in (Parcel.objects.filter(courier_id=courier.pk, tracking_no__any=part)
                                 .exclude(state=ParcelState.CANCELLED)
                                 .values_list("tracking_no", "order__platform_order_no")):
            errors.append(FieldError(f"numbers[{rows[number]}]", _(
                "Row %(row)s: %(number)s is already on the parcel of order %(order)s.")
                % {"row": rows[number] + 1, "number": number, "order": order_no}, FulfilmentError.TRACKING_IN_USE))
    if errors:
        errors.sort(key=lambda e: int(e.field[8:-1]))
        raise ValidationFailed(errors)
    if not wanted:
        raise ValidationFailed([FieldError("numbers", _("Enter at least one tracking number."), "required")])
    now = adapter(TrackingNumber, "added_at")(timezone.now())
    actor_id = getattr(actor, "pk", None)
    try:
        with transaction.atomic():
            insert_rows(TrackingNumber, ["courier_id", "number", "added_at", "added_by_id"],
                        [(courier.pk, n, now, actor_id) for n in wanted])
    except IntegrityError as exc:
        raise DomainError(FulfilmentError.TRACKING_DUPLICATE, _(
            "Some of these numbers were added by someone else meanwhile; add the list again.")) from exc
    audit_record(doc=courier, action="tracking_add", actor=actor,
                 payload={"count": len(wanted), "first": wanted[0], "last": wanted[-1]})
    return TrackingAddResult(added=len(wanted), skipped_blank=blank)


def tracking_pool_free(courier) -> int:
    """Numbers of the courier's pool not given to a parcel yet."""
    return TrackingNumber.objects.filter(courier_id=getattr(courier, "pk", courier), parcel__isnull=True).count()


def _free_numbers(courier_id: int, wanted: int) -> list[tuple[int, str]]:
    """(id, number) of up to `wanted` free numbers of the courier, locked, in the order they were
    added. Read from after the last number given out (found at the end of its own index): from the
    start of the pool, PostgreSQL walked past every number ever given out whenever its statistics
    were older than the assignments — it then takes the primary key for `ORDER BY id` and the
    given-out rows are live (313 ms a wave at 1M orders). Numbers before that one are free only
    when a later one was typed in by hand or an assignment was undone; they are taken once the
    numbers after it run short."""
    last = (TrackingNumber.objects.filter(courier_id=courier_id, parcel__isnull=False).order_by("-id")
            .values_list("pk", flat=True).first())
    # skip_locked: a wave assigned at the same time takes the numbers after these (PostgreSQL).
    pool = (TrackingNumber.objects.select_for_update(skip_locked=True)
            .filter(courier_id=courier_id, parcel__isnull=True).order_by("id").values_list("pk", "number"))
    free = list(pool.filter(pk__gt=last)[:wanted]) if last is not None else []
    if len(free) < wanted:
        free = list(pool[:wanted])
    return free


@transaction.atomic
def wave_assign_tracking(*, wave: Wave, actor) -> int:
    """Give every open parcel of the wave without a tracking number the next free numbers of its
    courier's pool (in the order they were added; see _free_numbers). All or nothing: if a
    courier's pool is too small, nothing is assigned and the message says how many are missing.
    Returns how many parcels got a number."""
    _require(actor, "fulfilment.change_parcel", _("You may not work on parcels."))
    wave = _locked_wave(wave)
    if wave.state != WaveState.OPEN:
        raise DomainError(FulfilmentError.WAVE_CLOSED, _("Wave %(no)s is done.") % {"no": wave.number})
    parcels = list(Parcel.objects.select_for_update().filter(wave=wave, state__in=OPEN, tracking_no="")
                   .order_by("id").values_list("pk", "courier_id", "version"))
    by_courier: dict[int, list[int]] = defaultdict(list)
    versions = {}
    for pk, courier_id, version in parcels:
        by_courier[courier_id].append(pk)
        versions[pk] = version
    assigned: dict[int, list[tuple[int, str]]] = {}
    short = []
    for courier_id, parcel_ids in sorted(by_courier.items()):
        free = _free_numbers(courier_id, len(parcel_ids))
        if len(free) < len(parcel_ids):
            name = Courier.objects.filter(pk=courier_id).values_list("name", flat=True).first()
            short.append(_("%(courier)s: %(need)s parcels need a number, %(have)s left in the pool (%(missing)s "
                           "missing).") % {"courier": name, "need": len(parcel_ids),
                                           "have": len(free), "missing": len(parcel_ids) - len(free)})
        assigned[courier_id] = free
    if short:
        raise DomainError(FulfilmentError.POOL_TOO_SMALL, _("Not enough tracking numbers; nothing was assigned. ")
                          + " ".join(short), errors=[FieldError("", s, FulfilmentError.POOL_TOO_SMALL) for s in short])
    parcel_rows, pool_rows = [], []
    for courier_id, parcel_ids in by_courier.items():
        for parcel_id, (number_id, number) in zip(parcel_ids, assigned[courier_id], strict=False):
            parcel_rows.append((parcel_id, number, versions[parcel_id] + 1))
            pool_rows.append((number_id, parcel_id))
    if not parcel_rows:
        return 0
    update_rows(Parcel, "id", ["tracking_no", "version"], parcel_rows)
    update_rows(TrackingNumber, "id", ["parcel"], pool_rows)
    # One event for the wave: which parcel got which number stays on the parcels and the pool.
    audit_record(doc=wave, action="tracking", actor=actor,
                 payload={"parcels": len(parcel_rows), "couriers": {str(c): len(ps) for c, ps in by_courier.items()}})
    return len(parcel_rows)


@transaction.atomic
def parcel_set_tracking(*, parcel: Parcel, tracking_no: str, actor, expected_version: int | None = None) -> Parcel:
    """Set a parcel's tracking number by hand (a waybill printed elsewhere, a replacement).
    Checked against the courier's pattern and every other live parcel of the courier; a number
    of the pool is taken from it, and a pool number the parcel had before is dropped from the
    pool (it may be on a printed label: it is never given to another parcel)."""
    _require(actor, "fulfilment.change_parcel", _("You may not work on parcels."))
    parcel = _locked_parcel(parcel, expected_version)
    if parcel.state not in OPEN:
        raise DomainError(FulfilmentError.PARCEL_STATE, _("The parcel of order %(order)s is %(state)s.")
                          % {"order": parcel.order.platform_order_no, "state": parcel.get_state_display()})
    problem = tracking_number_problem(parcel.courier, tracking_no)
    if problem:
        raise ValidationFailed([FieldError("tracking_no", problem, FulfilmentError.TRACKING_INVALID)])
    number = normalise_tracking_number(tracking_no)
    other = (Parcel.objects.filter(courier_id=parcel.courier_id, tracking_no=number)
             .exclude(state=ParcelState.CANCELLED).exclude(pk=parcel.pk).select_related("order").first())
    if other is not None:
        raise ValidationFailed([FieldError("tracking_no", _("%(number)s is already on the parcel of order %(order)s.")
                                           % {"number": number, "order": other.order.platform_order_no},
                                           FulfilmentError.TRACKING_IN_USE)])
    pooled = TrackingNumber.objects.select_for_update().filter(courier_id=parcel.courier_id, number=number).first()
    if pooled is not None and pooled.parcel_id not in (None, parcel.pk):
        raise ValidationFailed([FieldError("tracking_no", _("%(number)s was given to another parcel.")
                                           % {"number": number}, FulfilmentError.TRACKING_IN_USE)])
    before = parcel.tracking_no
    if before != number:
        TrackingNumber.objects.filter(parcel=parcel).exclude(number=number).delete()
        if pooled is not None and pooled.parcel_id is None:
            pooled.parcel = parcel
            pooled.save(update_fields=["parcel"])
    parcel.tracking_no = number
    parcel.version += 1
    parcel.save(update_fields=["tracking_no", "version"])
    audit_record(doc=parcel, action="tracking", actor=actor, payload={"before": before, "after": number})
    return parcel


# ---------------------------------------------------------------- packing 验货


@dataclass(slots=True)
class _OrderRow:
    """What packing and shipping check of a parcel's order, read without building the model."""

    pk: int
    state: str
    platform_status: str
    allocation: str
    platform_order_no: str

    def get_state_display(self) -> str:
        return str(OrderState(self.state).label)

    @property
    def hold_messages(self) -> list[str]:
        holds = OnlineOrder.objects.filter(pk=self.pk).values_list("holds", flat=True).first() or []
        return [hold_message(h) for h in holds]


@dataclass(slots=True)
class _ParcelRow:
    pk: int
    state: str
    tracking_no: str
    courier_id: int
    order_id: int
    wave_id: int
    warehouse_id: int
    version: int
    order: _OrderRow
    shipped_at: datetime.datetime | None = None

    def get_state_display(self) -> str:
        return str(ParcelState(self.state).label)


_LOCKED_PARCELS = Prepared(
    lambda ids: Parcel.objects.select_for_update(of=("self",)).filter(pk__any=ids).order_by("id")
    .values_list("pk", "state", "tracking_no", "courier_id", "order_id", "wave_id", "warehouse_id", "version",
                 "order__state", "order__platform_status", "order__allocation", "order__platform_order_no"),
    keys=("ids",))


def _locked_parcels(ids: list[int]) -> list[_ParcelRow]:
    """These parcels, locked in id order, with the order fields packing and shipping check."""
    return [_ParcelRow(pk, state, tracking_no, courier_id, order_id, wave_id, warehouse_id, version,
                       _OrderRow(order_id, o_state, o_status, o_allocation, o_no))
            for (pk, state, tracking_no, courier_id, order_id, wave_id, warehouse_id, version, o_state, o_status,
                 o_allocation, o_no) in _LOCKED_PARCELS.all(ids)]


_LOCKED_PARCEL = Prepared(lambda pk: Parcel.objects.select_for_update(of=("self", "order"))
                          .select_related("order", "courier", "wave").filter(pk=pk))


def _locked_parcel(parcel: Parcel, expected_version: int | None = None) -> Parcel:
    """The parcel and its order, both locked (the order: a concurrent import may hold it)."""
    parcel = _LOCKED_PARCEL.get(parcel.pk)
    if expected_version is not None and parcel.version != expected_version:
        raise DomainError("stale_version", _("Someone else changed the parcel of order %(order)s meanwhile; reload "
                                             "it and try again.") % {"order": parcel.order.platform_order_no})
    return parcel


def _weight(value) -> Decimal:
    if value is None or str(value).strip() == "":
        raise ValidationFailed([FieldError("weight", _("Weigh the parcel: enter its weight in kg."),
                                           FulfilmentError.WEIGHT_REQUIRED)])
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        weight = None
    if weight is None or not weight.is_finite() or weight <= 0 or weight > MAX_PARCEL_WEIGHT:
        raise ValidationFailed([FieldError("weight", _(
            "“%(value)s” is not a parcel weight: enter kilograms, more than 0 and at most %(max)s.")
            % {"value": value, "max": plain(MAX_PARCEL_WEIGHT)}, FulfilmentError.WEIGHT_INVALID)])
    return weight.quantize(Decimal("0.001"))


def _order_problem(order: OnlineOrder) -> str | None:
    """Why an order's parcel must not be packed or shipped now (None: it may)."""
    if order.state != OrderState.APPROVED:
        reasons = "；".join(order.hold_messages) if order.state == OrderState.HELD else ""
        return _("Order %(no)s is %(state)s%(reasons)s: do not pack or ship it; take it out of the wave.") % {
            "no": order.platform_order_no, "state": order.get_state_display(),
            "reasons": f" ({reasons})" if reasons else ""}
    if order.platform_status == "refunding":
        return _("The buyer of order %(no)s asked for a refund: do not ship it; take it out of the wave.") % {
            "no": order.platform_order_no}
    if order.allocation != Allocation.ALLOCATED:
        return _("Order %(no)s has no stock allocated: take it out of the wave and allocate it again.") % {
            "no": order.platform_order_no}
    return None


def _state_problem(parcel: Parcel, wanted: tuple[str, ...]) -> str | None:
    if parcel.state in wanted:
        return None
    if parcel.state == ParcelState.CANCELLED:
        return _("The parcel of order %(order)s was taken out of its wave.") % {"order": parcel.order.platform_order_no}
    return _("The parcel of order %(order)s is already %(state)s.") % {
        "order": parcel.order.platform_order_no, "state": parcel.get_state_display()}


def _tracking_problem(parcel: Parcel, courier) -> str | None:
    if not parcel.tracking_no:
        return _("The parcel of order %(order)s has no tracking number: assign the wave's waybills or enter one.") % {
            "order": parcel.order.platform_order_no}
    problem = tracking_number_problem(courier, parcel.tracking_no)
    if problem:
        return _("Order %(order)s: %(problem)s") % {"order": parcel.order.platform_order_no, "problem": problem}
    return None


def _refuse_packing(parcel: Parcel, check: PackingCheck, prefix: str = "scans") -> DomainError:
    errors = check.errors(finishing=True, prefix=prefix)
    return DomainError(FulfilmentError.PACKING_REFUSED, _("Parcel of order %(order)s refused: %(problems)s") % {
        "order": parcel.order.platform_order_no, "problems": " ".join(e.message for e in errors)}, field=prefix,
        errors=errors)


@transaction.atomic
def parcel_pack(*, parcel: Parcel, scans: list[str], weight, actor, ship: bool = True,
                expected_version: int | None = None) -> Parcel:
    """Close a parcel at the packing bench: every piece scanned (SKU barcode or item code) must be
    in the order, no more than ordered, and nothing missing — otherwise it is refused, saying which
    SKU (code and name) and how many. The weight is required. The order must still be approved
    (a held or refunding order is refused). With `ship`, the parcel ships at once (it needs a
    valid tracking number, checked before anything is written)."""
    _require(actor, "fulfilment.change_parcel", _("You may not pack parcels."))
    kg = _weight(weight)
    parcel = _locked_parcel(parcel, expected_version)
    problem = _state_problem(parcel, (ParcelState.WAVED,))
    if problem:
        raise DomainError(FulfilmentError.PARCEL_STATE, problem)
    problem = _order_problem(parcel.order)
    if problem:
        raise DomainError(FulfilmentError.ORDER_NOT_SHIPPABLE, problem)
    if ship:
        problem = _tracking_problem(parcel, parcel.courier)
        if problem:
            raise DomainError(FulfilmentError.NO_TRACKING, problem, field="tracking_no")
    check = packing_check(parcel, scans)
    if not check.complete:
        raise _refuse_packing(parcel, check)
    before, now = parcel.state, timezone.now()
    parcel.weight, parcel.packed_at, parcel.packed_by = kg, now, actor
    parcel.version += 1
    fields = ["state", "weight", "packed_at", "packed_by", "version"]
    pack_event = (PARCEL_TYPE, parcel.pk, "pack", before, ParcelState.PACKED, {"weight": plain(kg)})
    if not ship:
        parcel.state = ParcelState.PACKED
        save_fields(parcel, fields)
        _audit_rows([pack_event], actor, now)
        return parcel
    # Packed and shipped in one write of the parcel; the ship events go with the pack event.
    parcel.state, parcel.shipped_at, parcel.shipped_by = ParcelState.SHIPPED, now, actor
    save_fields(parcel, [*fields, "shipped_at", "shipped_by"])
    order = parcel.order
    row = _ParcelRow(parcel.pk, ParcelState.PACKED, parcel.tracking_no, parcel.courier_id, parcel.order_id,
                     parcel.wave_id, parcel.warehouse_id, parcel.version,
                     _OrderRow(order.pk, order.state, order.platform_status, order.allocation, order.platform_order_no))
    _ship_rows([row], actor, now=now, events=[pack_event], parcels_written=True)
    return parcel


@dataclass(frozen=True)
class PackSpec:
    """One parcel of a batch: its scans (one per piece) and weight."""

    parcel_id: int
    scans: list[str]
    weight: Decimal | str


@gc_paused()
@transaction.atomic
def parcels_pack_many(*, packs: list[PackSpec], actor, ship: bool = False) -> list[int]:
    """Pack many parcels in one go (a scanner batch, the benchmark): the same checks as
    parcel_pack, set-wise. All or nothing: any refused parcel refuses the batch, with every
    problem reported as packs[i]. Returns the parcel ids packed (and shipped, with `ship`)."""
    _require(actor, "fulfilment.change_parcel", _("You may not pack parcels."))
    errors: list[FieldError] = []
    weights: dict[int, Decimal] = {}
    for i, p in enumerate(packs):
        try:
            weights[p.parcel_id] = _weight(p.weight)
        except ValidationFailed as exc:
            errors.extend(FieldError(f"packs[{i}].weight", e.message, e.code) for e in exc.errors)
    ids = [p.parcel_id for p in packs]
    if len(set(ids)) != len(ids):
        raise ValidationFailed([FieldError("packs", _("A parcel is listed more than once."), "duplicate")])
    parcels = {p.pk: p for p in _locked_parcels(ids)}
    couriers = {c.pk: c for c in Courier.objects.filter(pk__in={p.courier_id for p in parcels.values()})}
    missing = [pk for pk in ids if pk not in parcels]
    if missing:
        raise DomainError(FulfilmentError.PARCEL_NOT_FOUND, _("No parcel %(ids)s.") % {
            "ids": ", ".join(map(str, missing))})
    order_ids = [p.order_id for p in parcels.values()]
    expected: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for _line, order_id, sku_id, qty in _SHIPPABLE_LINES_OF.all(order_ids):
        expected[order_id][sku_id] += qty
    skus = scan_skus([s for p in packs for s in p.scans])
    names = {ref.pk: ref for ref in skus.values() if ref is not None}
    names.update(sku_refs({k for e in expected.values() for k in e} - set(names)))
    for i, p in enumerate(packs):
        parcel = parcels[p.parcel_id]
        problem = _state_problem(parcel, (ParcelState.WAVED,)) or _order_problem(parcel.order)
        if ship and not problem:
            problem = _tracking_problem(parcel, couriers[parcel.courier_id])
        if problem:
            errors.append(FieldError(f"packs[{i}]", problem, FulfilmentError.PACKING_REFUSED))
            continue
        check = check_scans(expected.get(parcel.order_id, {}), p.scans, skus, names)
        if not check.complete:
            errors.extend(FieldError(f"packs[{i}]", _("Order %(order)s: %(problem)s") % {
                "order": parcel.order.platform_order_no, "problem": e.message}, e.code)
                for e in check.errors(finishing=True))
    if errors:
        raise DomainError(FulfilmentError.PACKING_REFUSED, _("%(n)s problem(s); nothing was packed: %(first)s") % {
            "n": len(errors), "first": errors[0].message}, errors=errors)
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    # One write per parcel: its own weight, and the version read under the lock, plus one.
    update_rows(Parcel, "id", ["state", "weight", "packed_at", "packed_by_id", "version"],
                [(pk, ParcelState.PACKED, weights[pk], now, actor_id, parcels[pk].version + 1) for pk in ids])
    _audit_many(PARCEL_TYPE, [(pk, "pack", ParcelState.WAVED, ParcelState.PACKED, {"weight": plain(weights[pk])})
                              for pk in ids], actor, now)
    if ship:
        _ship(ids, actor)
    return ids


# ---------------------------------------------------------------- shipping 发货


@dataclass
class ShipResult:
    parcels: int = 0
    orders: int = 0  # orders shipped, merged ones included
    merged: int = 0
    waves_done: list[int] = field(default_factory=list)


_SHIPPABLE_LINES_OF = Prepared(lambda ids: OnlineOrderLine.objects.filter(order_id__any=ids, sku__isnull=False)
                               .order_by("order_id", "line_no").values_list("pk", "order_id", "sku_id", "quantity"),
                               keys=("ids",))


def _issue_moves(parcels: list[Parcel]) -> dict[int, list[MoveSpec]]:
    """The moves out for these parcels, per wave (wave id → moves): every line of each parcel's
    order, from the parcel's warehouse, using up the reservation allocation made for the line."""
    by_order = {p.order_id: p for p in parcels}
    moves: dict[int, list[MoveSpec]] = defaultdict(list)
    for line_id, order_id, sku_id, qty in _SHIPPABLE_LINES_OF.all(by_order):
        p = by_order[order_id]
        moves[p.wave_id].append(MoveSpec(sku_id=sku_id, warehouse_id=p.warehouse_id, quantity=-qty,
                                         origin_line_id=line_id,
                                         reservation=ReservationKey(ORDER_TYPE, order_id, line_id)))
    return moves


def _ship(parcel_ids: list[int], actor) -> ShipResult:
    """Ship packed parcels (inside the caller's transaction): lock and check them all — state
    packed, order approved and allocated, a tracking number valid for the courier — then ship
    them (see _ship_rows); any problem refuses all, each listed."""
    parcels = _locked_parcels(parcel_ids)
    found = {p.pk for p in parcels}
    missing = [pk for pk in parcel_ids if pk not in found]
    if missing:
        raise DomainError(FulfilmentError.PARCEL_NOT_FOUND, _("No parcel %(ids)s.") % {
            "ids": ", ".join(map(str, missing))})
    couriers = {c.pk: c for c in Courier.objects.filter(pk__in={p.courier_id for p in parcels})}
    errors = []
    for p in parcels:
        problem = (_state_problem(p, (ParcelState.PACKED,)) or _order_problem(p.order)
                   or _tracking_problem(p, couriers[p.courier_id]))
        if problem:
            errors.append(FieldError(f"parcels[{p.pk}]", problem, FulfilmentError.SHIP_REFUSED))
    if errors:
        raise DomainError(FulfilmentError.SHIP_REFUSED, _("%(n)s parcel(s) cannot ship; nothing was shipped: "
                                                          "%(first)s") % {"n": len(errors), "first": errors[0].message},
                          errors=errors)
    return _ship_rows(parcels, actor)


_MERGED_INTO = Prepared(lambda ids: OnlineOrder.objects.filter(merged_into_id__any=ids, state=OrderState.MERGED)
                        .order_by().values_list("pk", "merged_into_id"), keys=("ids",))


def _ship_rows(parcels: list[_ParcelRow], actor, *, now=None, events=(), parcels_written: bool = False) -> ShipResult:
    """Ship parcels already locked and checked: issue the stock, mark parcels and orders (and the
    orders merged into them) shipped, close finished waves.

    The stock leaves in one posting per wave (origin "fulfilment.wave", the wave; each move's
    origin line is the order line it ships, and uses up that line's reservation): a parcel is
    its wave's shipment of one order, so (wave, order line) finds it — one posting for a whole
    wave instead of one per parcel (see docs/decisions/0014-fulfilment.md). `events`: audit
    events to write with the shipping ones; `parcels_written`: the caller has already saved the
    parcels as shipped (at `now`)."""
    for wave_id, moves in sorted(_issue_moves(parcels).items()):
        # At most POST_MOVES moves per posting: the ledger matches each issue to its reservation
        # with one condition per move, which SQLite caps (expression depth 1000).
        for part in _chunks(moves, POST_MOVES):
            stock_post(moves=part, origin_type=WAVE_TYPE, origin_id=wave_id, actor=actor)
    now = now or timezone.now()
    actor_id = getattr(actor, "pk", None)
    ids = [p.pk for p in parcels]
    order_ids = [p.order_id for p in parcels]
    if not parcels_written:
        update_ids(Parcel, ids, {"state": ParcelState.SHIPPED, "shipped_at": now, "shipped_by": actor_id},
                   bump="version")
    merged = _MERGED_INTO.all(order_ids)
    update_ids(OnlineOrder, order_ids + [pk for pk, _into in merged], {"state": OrderState.SHIPPED, "updated_at": now},
               bump="version")
    tracking = {p.order_id: p.tracking_no for p in parcels}
    _audit_rows([*events]
                + [(PARCEL_TYPE, p.pk, "ship", ParcelState.PACKED, ParcelState.SHIPPED, {"tracking_no": p.tracking_no})
                   for p in parcels]
                + [(ORDER_TYPE, p.order_id, "ship", OrderState.APPROVED, OrderState.SHIPPED,
                    {"parcel": p.pk, "tracking_no": p.tracking_no}) for p in parcels]
                + [(ORDER_TYPE, pk, "ship", OrderState.MERGED, OrderState.SHIPPED,
                    {"with": into, "tracking_no": tracking[into]}) for pk, into in merged], actor, now)
    for p in parcels:
        p.state, p.shipped_at = ParcelState.SHIPPED, now
    done = _close_finished_waves({p.wave_id for p in parcels}, actor)
    return ShipResult(parcels=len(parcels), orders=len(parcels) + len(merged), merged=len(merged), waves_done=done)


@gc_paused()
@transaction.atomic
def parcels_ship(*, parcels, actor) -> ShipResult:
    """Ship packed parcels set-wise: each needs a tracking number valid for its courier and an
    order still approved with its stock allocated — otherwise nothing ships and every problem is
    listed. The stock leaves through the ledger (using up the allocation's reservations); parcels
    and orders, and the orders merged into them, become shipped with the time and who shipped
    them; a wave with no parcel left open is done."""
    _require(actor, "fulfilment.change_parcel", _("You may not ship parcels."))
    ids = sorted({getattr(p, "pk", p) for p in parcels})
    if not ids:
        raise DomainError(FulfilmentError.SHIP_REFUSED, _("Choose the parcels to ship."))
    return _ship(ids, actor)


@gc_paused()
@transaction.atomic
def wave_ship(*, wave: Wave, actor) -> ShipResult:
    """Ship every packed parcel of the wave (those still to pack stay in it)."""
    _require(actor, "fulfilment.change_parcel", _("You may not ship parcels."))
    wave = _locked_wave(wave)
    ids = list(Parcel.objects.filter(wave=wave, state=ParcelState.PACKED).values_list("pk", flat=True))
    if not ids:
        raise DomainError(FulfilmentError.SHIP_REFUSED, _("Nothing in wave %(no)s is packed and ready to ship.")
                          % {"no": wave.number})
    return _ship(ids, actor)


@transaction.atomic
def parcel_cancel(*, parcel: Parcel, reason: str, actor, expected_version: int | None = None) -> Parcel:
    """Take a parcel out of its wave (the order is held, refunded, re-routed ...). Its order keeps
    its allocation and can go into another wave; a tracking number it had is not reused."""
    _require(actor, "fulfilment.change_parcel", _("You may not work on parcels."))
    if not (reason or "").strip():
        raise ValidationFailed([FieldError("reason", _("A reason is required."), "reason_required")])
    parcel = _locked_parcel(parcel, expected_version)
    problem = _state_problem(parcel, OPEN)
    if problem:
        raise DomainError(FulfilmentError.PARCEL_STATE, problem)
    before = parcel.state
    parcel.state = ParcelState.CANCELLED
    parcel.version += 1
    parcel.save(update_fields=["state", "version"])
    audit_record(doc=parcel, action="cancel", actor=actor, from_state=before, reason=reason.strip())
    _close_finished_waves([parcel.wave_id], actor)
    return parcel


# ---------------------------------------------------------------- handover 交接单


@transaction.atomic
def handover_create(*, courier, warehouse, actor) -> Handover:
    """The handover list of everything `courier` takes from `warehouse`: the shipped parcels of
    that courier not on a handover list yet, counted and weighed."""
    _require(actor, "fulfilment.add_handover", _("You may not make handover lists."))
    ids = list(Parcel.objects.select_for_update().filter(
        courier_id=courier.pk, warehouse_id=warehouse.pk, state=ParcelState.SHIPPED, handover__isnull=True,
    ).order_by("id").values_list("pk", flat=True))
    if not ids:
        raise DomainError(FulfilmentError.NOTHING_TO_HAND_OVER, _(
            "No shipped parcel of %(courier)s from %(wh)s is waiting to be handed over.")
            % {"courier": courier.name, "wh": warehouse.name})
    total = sum((w for w in Parcel.objects.filter(pk__any=id_list(ids)).values_list("weight", flat=True) if w),
                Decimal(0))
    handover = Handover.objects.create(
        number=number_next(doc_type=HANDOVER_TYPE, prefix="JJ", day=timezone.localdate()), courier=courier,
        warehouse=warehouse, parcel_count=len(ids), total_weight=Decimal(total).quantize(Decimal("0.001")),
        created_by=actor)
    Parcel.objects.filter(pk__any=id_list(ids)).update(handover=handover)
    audit_record(doc=handover, action="create", actor=actor,
                 payload={"parcels": len(ids), "weight": plain(handover.total_weight)})
    return handover
