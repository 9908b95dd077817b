"""Order intake: platform orders (from a file reader or the API) into online orders.

Idempotent per (shop, platform order number): a new number creates the order; a known one
updates only what the platform owns — its status, payment, amounts, refunds, tracking, and the
address unless our staff corrected it — and never what our staff did (review, flags, notes).
Nothing is dropped: an order whose item code matches no SKU, or whose address cannot be
read, is created and held with the reason. Work goes in batches, one transaction each, so a
crash leaves whole batches and running the same files again completes exactly once.

Speed (volume days bring 100,000 orders in a file): new orders, their lines and their audit
events are built as rows of database values and inserted straight through the cursor — no
model instances, no per-value adapters (values are adapted once per kind, per import); the
administrative part of Taobao's "省 市 区 detail" addresses is parsed once per district.

`orders_intake` is what the import page's job, the command and the push API run: the import,
then — when the shop reviews automatically (Shop.auto_review) — the automatic review of the
orders it created or updated, in a transaction of its own after the import's batches are
committed, so a review that fails never takes imported orders with it."""

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.channels.error_codes import HoldCode
from shopflow.channels.formats import FileProblem, PlatformOrder, PlatformStatus, ReadResult
from shopflow.core.db import insert_rows
from shopflow.core.errors import DomainError, PermissionDeniedError
from shopflow.core.gcpause import gc_paused
from shopflow.core.models import AuditEvent
from shopflow.core.services import audit_record
from shopflow.partners.address import _TRAILING_POSTCODE, _detail, parse_address
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderState
from shopflow.sales.online import release_stock
from shopflow.sales.review import orders_auto_review

logger = logging.getLogger(__name__)
BATCH = 2000
ORDER_TYPE = "sales.onlineorder"
# What an update from the platform may change on an order we already have.
PLATFORM_FIELDS = ("platform_status", "goods_amount", "postage", "total_amount", "paid_amount", "paid_at",
                   "buyer_message", "seller_remark", "tracking_no", "courier_name")
ADDRESS_FIELDS = ("receiver_name", "receiver_mobile", "receiver_phone", "address", "province", "city", "district",
                  "address_detail")
# Holds the intake itself puts on (worked out again on every update).
INTAKE_HOLDS = frozenset({HoldCode.UNKNOWN_SKU, HoldCode.NO_LINES, HoldCode.ADDRESS, HoldCode.REFUND})
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
    order_ids: list[int] = field(default_factory=list, repr=False)  # created or updated, in file order
    # The shop's automatic review over those orders (orders_intake): whether it ran, how many it
    # approved and held (again), and why it could not run ("" when it did or was not due).
    auto_reviewed: bool = False
    auto_approved: int = 0
    auto_held: int = 0
    review_problem: str = ""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def require_import(actor) -> None:
    """People need permission to add online orders; actor None is the command line (trusted)."""
    if actor is not None and not actor.has_perm("sales.add_onlineorder"):
        raise PermissionDeniedError("permission_denied", _("You may not import online orders."))


# ---------------------------------------------------------------- addresses

# Taobao writes the address as "省 市 区 street…(postcode)": three names of CJK characters, one space
# apart. Those three decide province, city and district alone (a division name never holds a space,
# so the parser's readings cannot reach past them); the rest is only the detail. So the names are
# parsed once per district and the detail is cut from the rest the way parse_address cuts it.
# tests/channels/test_intake_speed.py checks this against parse_address on whole addresses.
_CJK = "[\u3400-\u4dbf\u4e00-\u9fff]+"
_REGION = re.compile(f"{_CJK} {_CJK} {_CJK}(?= |$)")


@lru_cache(maxsize=8192)
def _region(names: str) -> tuple[str, str, str] | None:
    """(province, city, district) when "省 市 区" is read completely and without doubt, else None."""
    parsed = parse_address(names)
    if parsed.problems or parsed.detail or not parsed.district:
        return None
    return parsed.province, parsed.city, parsed.district


@lru_cache(maxsize=65536)
def _parsed(text: str) -> tuple[str, str, str, str, str]:
    parsed = parse_address(text)
    problem = "；".join(p.message for p in parsed.problems)
    return parsed.province, parsed.city, parsed.district, parsed.detail, problem


def _address(text: str) -> tuple[str, str, str, str, str]:
    """(province, city, district, detail, problem) of an address, as parse_address reads it."""
    m = _REGION.match(text)
    if m is not None:
        region = _region(m.group())
        if region is not None:
            rest = unicodedata.normalize("NFKC", text[m.end():]).rstrip()
            postcode = _TRAILING_POSTCODE.search(rest)
            if postcode is not None:
                rest = rest[:postcode.start()]
            return (*region, _detail(rest, 0), "")
    return _parsed(text)


# ---------------------------------------------------------------- matching and state


def _sku_ids(orders: Iterable[PlatformOrder]) -> dict[str, int]:
    codes = {c for o in orders for line in o.lines for c in (line.sku_code, line.outer_code) if c}
    return dict(Sku.objects.filter(code__any=list(codes)).values_list("code", "pk")) if codes else {}


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


def _update(order, o: PlatformOrder, skus) -> list[str]:
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
        # Holds our staff or the review put on (manual, buyer message, no stock, …) stay; the ones
        # the intake puts on are worked out again from what the platform says now.
        kept = [h for h in order.holds if h.get("code") not in INTAKE_HOLDS]
        if o.status == PlatformStatus.CLOSED:
            new_state = OrderState.CANCELLED
        elif o.status in (PlatformStatus.PAID, PlatformStatus.REFUNDING) and order.state in (
                OrderState.AWAITING_PAYMENT, OrderState.TO_REVIEW, OrderState.HELD):
            holds = _holds(o, skus, problem) + kept
            new_state = OrderState.HELD if holds else OrderState.TO_REVIEW
            if holds != order.holds:
                order.holds = holds if new_state == OrderState.HELD else []
                changed.append("holds")
        elif o.status == PlatformStatus.REFUNDING and order.state == OrderState.APPROVED:
            new_state = OrderState.HELD  # stop it before it ships
            order.holds = _holds(o, skus, problem) + kept
            changed.append("holds")
    if new_state and new_state != order.state:
        if order.state == OrderState.APPROVED and order.allocation:
            # Its reserved stock goes back (released by the caller in the same transaction).
            order.allocation, order.shortages = Allocation.NONE, []
            changed.extend(["allocation", "shortages"])
        order.state = new_state
        changed.append("state")
    return changed


# ---------------------------------------------------------------- rows for new orders

# The columns an import fills, in the order _Writer.orders writes them. Every other column of the
# table (flag, note, version, and whatever review and fulfilment add: courier, warehouse,
# priority, allocation, shortages, …) gets its field's default, or its database default when it
# has only that — so a new field with a default needs no change here.
ORDER_FIELDS = ("shop_id", "platform_order_no", "platform_status", "state", "holds", "buyer_nick", "buyer_message",
                "seller_remark", "receiver_name", "receiver_mobile", "receiver_phone", "address", "province", "city",
                "district", "address_detail", "goods_amount", "postage", "total_amount", "paid_amount", "ordered_at",
                "paid_at", "tracking_no", "courier_name", "imported_at", "updated_at")
LINE_FIELDS = ("order_id", "line_no", "sku_id", "sku_code", "title", "properties", "quantity", "price",
               "refund_status")
AUDIT_FIELDS = ("doc_type", "doc_id", "action", "to_state", "actor_id", "at", "payload")


def _defaults(model, fields: tuple[str, ...], connection) -> tuple[tuple[str, ...], tuple]:
    """The model's other columns (not the primary key, not those the database fills itself) and
    their defaults as database values."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in fields or (f.has_db_default() and not f.has_default()):
            continue
        names.append(f.attname)
        values.append(f.get_db_prep_save(f.get_default(), connection))
    return tuple(names), tuple(values)


# A new order: what the platform sent, its state, its hold reasons and its parsed address.
_New = tuple[PlatformOrder, str, list, tuple[str, str, str, str, str]]


def _datetime_adapter(connection) -> Callable:
    """The backend's datetime adaptation; on SQLite the same without its checks per value (aware
    datetimes become naive in the connection's time zone, written as text)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return adapt
    tz = connection.timezone

    def to_db(value):
        return str(value.astimezone(tz).replace(tzinfo=None)) if value.tzinfo is not None else adapt(value)

    return to_db


class _Writer:
    """Turns new platform orders into database rows for one import: values adapted the way the
    database backend adapts them, the constant ones once."""

    def __init__(self, shop, actor, source: str):
        connection = connections[router.db_for_write(OnlineOrder)]
        ops = connection.ops
        self.shop_id = shop.pk
        self.actor_id = getattr(actor, "pk", None)
        self.datetime = _datetime_adapter(connection)
        base_decimal = BaseDatabaseOperations.adapt_decimalfield_value
        # Decimals go to the driver as they are unless the backend says otherwise.
        self.decimal = None if type(ops).adapt_decimalfield_value is base_decimal else ops.adapt_decimalfield_value
        holds = OnlineOrder._meta.get_field("holds")
        self.json = lambda value: ops.adapt_json_value(value, holds.encoder)
        self.no_holds = self.json([])
        payload = AuditEvent._meta.get_field("payload")
        self.payload = ops.adapt_json_value({"source": source}, payload.encoder)
        self.order_extra, self.order_defaults = _defaults(OnlineOrder, ORDER_FIELDS, connection)
        self.line_extra, self.line_defaults = _defaults(OnlineOrderLine, LINE_FIELDS, connection)
        self.audit_extra, self.audit_defaults = _defaults(AuditEvent, AUDIT_FIELDS, connection)

    def orders(self, new: list[_New], now) -> list[tuple]:
        dt, dec, defaults = self.datetime, self.decimal, self.order_defaults
        stamp = dt(now)
        rows = []
        for o, state, holds, (province, city, district, detail, _problem) in new:
            amounts = (o.goods_amount, o.postage, o.total_amount, o.paid_amount)
            if dec is not None:
                amounts = tuple(dec(a) for a in amounts)
            rows.append((
                self.shop_id, o.order_no, o.status.value, state,
                self.json(holds) if holds and state == OrderState.HELD else self.no_holds,
                o.buyer_nick, o.buyer_message, o.seller_remark, o.receiver_name, o.receiver_mobile,
                o.receiver_phone, o.receiver_address, province, city, district, detail, *amounts,
                None if o.created_at is None else dt(o.created_at), None if o.paid_at is None else dt(o.paid_at),
                o.tracking_no, o.courier_name, stamp, stamp, *defaults))
        return rows

    def lines(self, new: list[_New], ids: dict[str, int], skus) -> list[tuple]:
        dec, defaults, get = self.decimal, self.line_defaults, skus.get
        rows = []
        for o, *_rest in new:
            order_id = ids[o.order_no]
            for i, line in enumerate(o.lines, 1):
                quantity, price = (line.quantity, line.price) if dec is None else (dec(line.quantity), dec(line.price))
                rows.append((order_id, i, get(line.sku_code) or get(line.outer_code),
                             line.sku_code or line.outer_code, line.title[:300], line.properties[:300], quantity,
                             price, line.refund_status, *defaults))
        return rows

    def events(self, new: list[_New], ids: dict[str, int], now) -> list[tuple]:
        stamp, defaults = self.datetime(now), self.audit_defaults
        return [(ORDER_TYPE, ids[o.order_no], "import", state, self.actor_id, stamp, self.payload, *defaults)
                for o, state, *_rest in new]


def _order_ids(shop_id: int, numbers: list[str]) -> dict[str, int]:
    """Platform number → id of the shop's orders with these numbers (the originals: a split-off part
    keeps the number, and imports only ever update the original). Written out so the database uses
    the partial unique index on (shop, number), and without the ORM's per-value work."""
    if not numbers:
        return {}
    connection = connections[router.db_for_write(OnlineOrder)]
    quote, meta = connection.ops.quote_name, OnlineOrder._meta
    sql = (f"SELECT {quote(meta.get_field('platform_order_no').column)}, {quote(meta.pk.column)} "
           f"FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('shop').column)} = %s "
           f"AND {quote(meta.get_field('split_from').column)} IS NULL "
           f"AND {quote(meta.get_field('platform_order_no').column)} IN ({', '.join(['%s'] * len(numbers))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop_id, *numbers])
        return dict(cursor.fetchall())


def _insert(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """core.db.insert_rows; on PostgreSQL (psycopg 3) COPY … FROM STDIN instead, which the server
    takes several times faster than an INSERT per row (the same constraints and triggers apply)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not rows:
        insert_rows(model, fields, rows)
        return
    with connection.cursor() as cursor:
        if not hasattr(cursor.cursor, "copy"):  # psycopg2
            insert_rows(model, fields, rows)
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _insert_new(writer: _Writer, new: list[_New], skus) -> dict[str, int]:
    """New orders, their lines and their audit events, inserted straight through the cursor:
    bulk_create would spend most of the import compiling SQL value by value. Returns the new
    orders' ids by platform number."""
    now = timezone.now()
    _insert(OnlineOrder, ORDER_FIELDS + writer.order_extra, writer.orders(new, now))
    ids = _order_ids(writer.shop_id, [entry[0].order_no for entry in new])
    _insert(OnlineOrderLine, LINE_FIELDS + writer.line_extra, writer.lines(new, ids, skus))
    _insert(AuditEvent, AUDIT_FIELDS + writer.audit_extra, writer.events(new, ids, now))
    return ids


# What _update reads and may change of an order we already have.
_KNOWN_FIELDS = ("id", "platform_order_no", "version", "state", "holds", "address_edited", "merged_into_id",
                 "allocation", "shortages", *PLATFORM_FIELDS, *ADDRESS_FIELDS)


class _Known:
    """An order we already have, with only what _update looks at (a model instance per order would
    cost more than the rest of a re-import together)."""

    def __init__(self, values: tuple):
        self.__dict__.update(zip(_KNOWN_FIELDS, values, strict=True))


def _known(ids: list[int]) -> dict[str, _Known]:
    """The orders with these ids, locked for this transaction, by platform number."""
    rows = OnlineOrder.objects.select_for_update().filter(pk__any=ids).values_list(*_KNOWN_FIELDS)
    return {order.platform_order_no: order for order in map(_Known, rows)}


def _save_updates(updated: list[_Known], changes: list[dict], actor) -> None:
    """Write what changed (one bulk UPDATE for the batch) and one audit event per order."""
    fields = sorted({name for change in changes for name in change["changed"]} | {"version", "updated_at"})
    now = timezone.now()
    orders = [OnlineOrder(id=known.id, updated_at=now, **{name: getattr(known, name) for name in fields
                                                         if name != "updated_at"}) for known in updated]
    OnlineOrder.objects.bulk_update(orders, fields, batch_size=500)
    AuditEvent.objects.bulk_create([
        AuditEvent(doc_type=ORDER_TYPE, doc_id=known.id, action="platform_update", to_state=known.state, actor=actor,
                   at=now, payload=payload) for known, payload in zip(updated, changes, strict=True)])


def _hold_survivors(stopped: dict[int, list[str]], actor) -> int:
    """A merged order the buyer wants refunded, or the platform closed, ships inside another order:
    hold that one (letting its stock go) so someone checks what still ships. Returns how many."""
    survivors = OnlineOrder.objects.select_for_update().filter(
        pk__in=list(stopped), state__in=(OrderState.TO_REVIEW, OrderState.HELD, OrderState.APPROVED))
    count = 0
    for survivor in survivors:
        hold = {"code": HoldCode.MERGED_REFUND, "orders": sorted(stopped[survivor.pk])}
        if hold in survivor.holds:
            continue
        before = survivor.state
        if before == OrderState.APPROVED and survivor.allocation:
            release_stock([survivor.pk], actor)
        survivor.state, survivor.holds = OrderState.HELD, [*survivor.holds, hold]
        survivor.allocation, survivor.shortages = Allocation.NONE, []
        survivor.version += 1
        survivor.save(update_fields=["state", "holds", "allocation", "shortages", "version", "updated_at"])
        audit_record(doc=survivor, action="hold", actor=actor, from_state=before, payload={"hold": hold})
        count += 1
    return count


def _import_batch(shop, batch: list[PlatformOrder], actor, source: str, summary: ImportSummary,
                  writer: _Writer) -> None:
    by_no = {o.order_no: o for o in batch}  # the same order twice in a file: the later row wins
    skus = _sku_ids(by_no.values())
    ids = _order_ids(shop.pk, list(by_no))
    existing = _known(list(ids.values())) if ids else {}
    new, updated, changes = [], [], []
    released: list[int] = []  # approved orders the platform stopped: their reservations go back
    merged_stopped: dict[int, list[str]] = {}  # surviving order → its merged orders refunded or closed
    held = 0
    for no, o in by_no.items():
        order = existing.get(no)
        if order is None:
            address = _address(o.receiver_address)
            holds = _holds(o, skus, address[4])
            state = _state(o.status, holds)
            new.append((o, state, holds, address))
            held += state == OrderState.HELD
            continue
        was_allocated = order.state == OrderState.APPROVED and bool(order.allocation)
        if order.state == OrderState.MERGED and o.status in (PlatformStatus.REFUNDING, PlatformStatus.CLOSED):
            merged_stopped.setdefault(order.merged_into_id, []).append(no)
        changed = _update(order, o, skus)
        if was_allocated and "allocation" in changed:
            released.append(order.id)
        if changed:
            order.version += 1
            updated.append(order)
            changes.append({"source": source, "changed": sorted(set(changed))})
            held += order.state == OrderState.HELD
        else:
            summary.unchanged += 1
    if new:
        created = _insert_new(writer, new, skus)
        summary.order_ids.extend(created[o.order_no] for o, *_rest in new)
    summary.order_ids.extend(order.id for order in updated)
    if updated:
        _save_updates(updated, changes, actor)
    if released:
        release_stock(released, actor)
    if merged_stopped:
        held += _hold_survivors(merged_stopped, actor)
    summary.created += len(new)
    summary.updated += len(updated)
    summary.held += held


@gc_paused()
def orders_import(*, shop, result: ReadResult, actor, source: str = "",
                  on_progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Import what a reader made of a platform's files (or an API push) into `shop`.
    `on_progress(done, total)` is called after each batch has been committed."""
    require_import(actor)
    # Orders the reader had to leave out: one per (file, row) with a problem.
    summary = ImportSummary(failed=len({(p.file, p.row) for p in result.problems if p.row > 1}),
                            problems=list(result.problems))
    writer = _Writer(shop, actor, source)
    total = len(result.orders)
    for start in range(0, total, BATCH):
        with transaction.atomic():
            _import_batch(shop, result.orders[start:start + BATCH], actor, source, summary, writer)
        if on_progress:
            on_progress(min(start + BATCH, total), total)
    return summary


def orders_intake_review(*, shop, summary: ImportSummary) -> ImportSummary:
    """The shop's automatic review (sales.review.orders_auto_review, by the system: the shop's
    setting decides, not the importer's role) over the orders the import created or updated; run
    after the import has committed, in its own transaction. Counts go into `summary`. A review
    that a business rule or the database refuses is logged and said in `review_problem`; the
    imported orders stay, waiting for review (the workbench's button runs it again)."""
    if not (shop.auto_review and shop.active and summary.order_ids):
        return summary
    try:
        review = orders_auto_review(actor=None, order_ids=summary.order_ids, shop=shop)
    except DomainError as exc:
        logger.warning("automatic review after the import into %s refused: %s", shop, exc.message)
        summary.review_problem = _("The automatic review did not run (%(reason)s); the orders are imported and "
                                   "wait for review.") % {"reason": exc.message}
        return summary
    except DatabaseError:
        logger.exception("automatic review after the import into %s failed", shop)
        summary.review_problem = _("The automatic review did not run (a database error, logged for the "
                                   "administrator); the orders are imported and wait for review — run the "
                                   "automatic review from the order workbench.")
        return summary
    summary.auto_reviewed = True
    summary.auto_approved = review.approved
    summary.auto_held = review.held + review.unchanged  # unchanged: held again for the same reasons
    return summary


def orders_intake(*, shop, result: ReadResult, actor, source: str = "",
                  on_progress: Callable[[int, int], None] | None = None,
                  on_review: Callable[[], None] | None = None) -> ImportSummary:
    """orders_import, then orders_intake_review: what the import page's job, the import-orders
    command and the push API run. `on_review()` is called before the review starts."""
    summary = orders_import(shop=shop, result=result, actor=actor, source=source, on_progress=on_progress)
    if on_review and shop.auto_review and summary.order_ids:
        on_review()
    return orders_intake_review(shop=shop, summary=summary)
