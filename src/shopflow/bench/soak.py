"""The concurrency soak (issue 6): N clients (threads, one database connection each) hammer a
few hot SKUs in one warehouse for a while with a realistic mix of work, through the services
only, and afterwards the ledger must be exactly what the clients were told happened.

The mix, per operation (weights in MIX):
  reserve   stock_reserve 1–3 of a hot SKU for an order (refused when not enough is free)
  release   stock_release the client's oldest reservation (an order cancelled)
  ship      stock_post an issue that uses up the client's oldest reservation (an order shipped)
  receipt   stock_post a receipt of 1–2 hot SKUs (goods in, returns)
  issue     stock_post a free issue of a hot SKU (refused when it would touch reserved stock)
  document  an other receipt 其他入库单 (a hot SKU and two others) created and submitted by the
            clerk and approved by the manager through the document services
  allocate  (when the run has orders: cfg.orders approved online orders over the hot SKUs,
            imported from a generated Taobao export and approved in bulk in the setup — their
            approval allocates them) one order: order_deallocate if it is allocated (half the
            time), then orders_allocate for it — customer service re-running allocation while
            the warehouse works. Receipts also re-allocate short orders (the arrival listener).

Deadlocks (40P01) and serialization failures (40001) are retried, up to MAX_ATTEMPTS, as the
database asks; each retry is counted. Anything else that is not a business refusal — or a
deadlock still there after the last attempt — is an error that reached a user, and fails the
run.

Checked at the end:
  * no oversell: from the clients' own logs (a grant counts from when its call returned, a
    release or shipment from when its call started, stock coming in from when its call started,
    going out from when it returned) the least that was held never exceeded the most that was
    on hand, at any moment; and every balance has 0 ≤ reserved ≤ on hand;
  * no lost writes: the ledger holds exactly one move per move a client was told was posted
    (per kind), one reservation per granted reserve, and each hot SKU's on hand and reserved
    equal what the clients' successes (and the orders' allocations) add up to;
  * allocation all or nothing: an allocated order holds exactly its lines, any other nothing;
  * verify-stock finds no difference (balances, reservations, costs)."""

import os
import random
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, OperationalError, close_old_connections, connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from shopflow.bench.scenarios import percentile
from shopflow.catalog.models import Sku
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.channels.taobao import generate_taobao_pair, read_taobao_pair
from shopflow.core import services as documents
from shopflow.core.errors import DomainError
from shopflow.fulfilment.allocation import order_deallocate, orders_allocate
from shopflow.inventory.error_codes import InventoryError
from shopflow.inventory.models import OtherReceipt, StockBalance, StockMove, StockReservation
from shopflow.inventory.selectors import cost_differences, reservation_differences, stock_differences
from shopflow.inventory.services import MoveSpec, ReservationKey, stock_post, stock_release, stock_reserve
from shopflow.partners.couriers import courier_seed_defaults
from shopflow.partners.models import Courier
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderState
from shopflow.sales.review import orders_approve_many

ORDER = "soak.order"  # reservations
ONLINE_ORDER = "sales.onlineorder"  # the orders' allocation
SHIP = "soak.ship"
RECEIPT = "soak.receipt"
ISSUE = "soak.issue"
SETUP = "soak.setup"
OTHER_RECEIPT = "inventory.otherreceipt"
RETRY_CODES = {"40P01": "deadlock", "40001": "serialization failure"}
MAX_ATTEMPTS = 8
MAX_HELD = 6  # reservations a client holds at most before it releases or ships the oldest
MIX = {"reserve": 34, "release": 14, "ship": 18, "receipt": 12, "issue": 12, "document": 4, "allocate": 6}
DEFAULT_SECONDS = 60.0
DEFAULT_CLIENTS = 32


def seconds_from_env(default: float = DEFAULT_SECONDS) -> float:
    """SHOPFLOW_SOAK_SECONDS, else `default`."""
    value = os.environ.get("SHOPFLOW_SOAK_SECONDS", "").strip()
    return float(value) if value else default


def clients_from_env(default: int = DEFAULT_CLIENTS) -> int:
    value = os.environ.get("SHOPFLOW_SOAK_CLIENTS", "").strip()
    return int(value) if value else default


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (psycopg 3: .sqlstate, psycopg2: .pgcode); None on SQLite."""
    for err in (exc, exc.__cause__):
        code = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if code:
            return code
    return None


@dataclass
class SoakConfig:
    warehouse_id: int
    hot_sku_ids: list[int]  # what the clients fight over
    other_sku_ids: list[int]  # the other lines of the documents
    clerk: object  # warehouse role: posts, creates and submits documents
    manager: object  # approves documents
    clients: int = DEFAULT_CLIENTS
    seconds: float = DEFAULT_SECONDS
    initial_stock: int = 40  # per hot SKU
    seed: int = 1
    # Approved online orders over the hot SKUs, shipping from this warehouse, that the clients
    # re-allocate (0: none, and the "allocate" share of the mix goes to the other work).
    orders: int = 0
    actor_orders: object = None  # imports and approves them (customer service); default: the manager
    order_ids: list[int] = field(default_factory=list)  # filled by the setup


@dataclass
class ClientLog:
    ok: Counter = field(default_factory=Counter)  # operations that did what was asked, per kind
    refused: Counter = field(default_factory=Counter)  # business refusals (not enough stock), per kind
    latencies: dict = field(default_factory=lambda: defaultdict(list))  # kind → seconds per call (retries included)
    retries: Counter = field(default_factory=Counter)  # SQLSTATE → retries
    errors: list[str] = field(default_factory=list)  # what reached the user
    # (when, sku, Δ held by the clients (lower bound), Δ on hand (upper bound))
    events: list[tuple[float, int, Decimal, Decimal]] = field(default_factory=list)
    held: deque = field(default_factory=deque)  # (origin id, sku, qty) still reserved
    moves: Counter = field(default_factory=Counter)  # origin type → moves posted
    on_hand: dict = field(default_factory=lambda: defaultdict(Decimal))  # sku → net units in and out
    documents: list[int] = field(default_factory=list)  # approved other receipts
    reservations: int = 0  # reservation rows created (one per granted reserve)
    released: Decimal = Decimal(0)
    shipped: Decimal = Decimal(0)


class _Refused(Exception):
    """A business refusal the mix expects (no stock): counted, not an error."""


class _Client:
    def __init__(self, cfg: SoakConfig, number: int, log: ClientLog, deadline_box: list[float]):
        self.cfg, self.number, self.log, self.deadline_box = cfg, number, log, deadline_box
        self.rng = random.Random(f"{cfg.seed}:soak:{number}")
        self.seq = 0
        self.kinds = list(MIX)
        self.weights = [MIX[k] if (k != "allocate" or cfg.order_ids) else 0 for k in self.kinds]

    def origin(self) -> int:
        self.seq += 1
        return (self.number + 1) * 10_000_000 + self.seq

    def attempt(self, fn):
        """fn() with the retries the database asks for (deadlock, serialization failure)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return fn()
            except OperationalError as exc:
                code = sqlstate(exc)
                if code in RETRY_CODES and attempt < MAX_ATTEMPTS:
                    self.log.retries[code] += 1
                    time.sleep(self.rng.uniform(0, 0.002 * attempt))
                    continue
                raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ operations

    def reserve(self) -> None:
        sku, qty = self.rng.choice(self.cfg.hot_sku_ids), Decimal(self.rng.randint(1, 3))
        origin = self.origin()
        try:
            self.attempt(lambda: stock_reserve(sku_id=sku, warehouse_id=self.cfg.warehouse_id, quantity=qty,
                                               origin_type=ORDER, origin_id=origin, actor=self.cfg.clerk))
        except DomainError as exc:
            if exc.code == InventoryError.OVERSELL:
                raise _Refused from exc
            raise
        self.log.events.append((time.perf_counter(), sku, qty, Decimal(0)))
        self.log.held.append((origin, sku, qty))
        self.log.reservations += 1

    def release(self, start: float) -> None:
        origin, sku, qty = self.log.held[0]
        self.attempt(lambda: stock_release(sku_id=sku, warehouse_id=self.cfg.warehouse_id, origin_type=ORDER,
                                           origin_id=origin, actor=self.cfg.clerk))
        self.log.held.popleft()
        self.log.events.append((start, sku, -qty, Decimal(0)))
        self.log.released += qty

    def ship(self, start: float) -> None:
        origin, sku, qty = self.log.held[0]
        move = MoveSpec(sku_id=sku, warehouse_id=self.cfg.warehouse_id, quantity=-qty,
                        reservation=ReservationKey(ORDER, origin))
        self.attempt(lambda: stock_post(moves=[move], origin_type=SHIP, origin_id=origin, actor=self.cfg.clerk))
        self.log.held.popleft()
        self.log.events.append((start, sku, -qty, Decimal(0)))
        self.log.events.append((time.perf_counter(), sku, Decimal(0), -qty))
        self.log.moves[SHIP] += 1
        self.log.on_hand[sku] -= qty
        self.log.shipped += qty

    def receipt(self, start: float) -> None:
        skus = self.rng.sample(self.cfg.hot_sku_ids, min(self.rng.randint(1, 2), len(self.cfg.hot_sku_ids)))
        moves = [MoveSpec(sku_id=sku, warehouse_id=self.cfg.warehouse_id, quantity=Decimal(self.rng.randint(1, 4)),
                          unit_cost=Decimal(self.rng.randrange(2000, 6000)) / 100) for sku in skus]
        origin = self.origin()
        self.attempt(lambda: stock_post(moves=moves, origin_type=RECEIPT, origin_id=origin, actor=self.cfg.clerk))
        for m in moves:
            self.log.events.append((start, m.sku_id, Decimal(0), m.quantity))
            self.log.on_hand[m.sku_id] += m.quantity
        self.log.moves[RECEIPT] += len(moves)

    def issue(self) -> None:
        sku, qty = self.rng.choice(self.cfg.hot_sku_ids), Decimal(self.rng.randint(1, 3))
        origin = self.origin()
        try:
            self.attempt(lambda: stock_post(moves=[MoveSpec(sku_id=sku, warehouse_id=self.cfg.warehouse_id,
                                                            quantity=-qty)],
                                            origin_type=ISSUE, origin_id=origin, actor=self.cfg.clerk))
        except DomainError as exc:
            if exc.code == InventoryError.NEGATIVE_STOCK:
                raise _Refused from exc
            raise
        self.log.events.append((time.perf_counter(), sku, Decimal(0), -qty))
        self.log.moves[ISSUE] += 1
        self.log.on_hand[sku] -= qty

    def document(self) -> None:
        cfg = self.cfg
        hot, hot_qty = self.rng.choice(cfg.hot_sku_ids), self.rng.randint(1, 3)
        others = self.rng.sample(cfg.other_sku_ids, min(2, len(cfg.other_sku_ids)))
        lines = [{"sku": hot, "quantity": str(hot_qty), "unit_cost": "45.00"}] + [
            {"sku": pk, "quantity": str(self.rng.randint(1, 10)), "unit_cost": "30.00"} for pk in others]
        header = {"warehouse": cfg.warehouse_id, "doc_date": timezone.localdate(), "remarks": f"soak {self.number}"}
        doc = self.attempt(lambda: documents.document_create(doc_type=OTHER_RECEIPT, actor=cfg.clerk,
                                                             header=header, lines=lines))
        doc = self.attempt(lambda: documents.document_transition(doc, "submit", actor=cfg.clerk))
        start = time.perf_counter()
        self.attempt(lambda: documents.document_transition(doc, "approve", actor=cfg.manager))
        self.log.events.append((start, hot, Decimal(0), Decimal(hot_qty)))
        self.log.on_hand[hot] += hot_qty
        self.log.documents.append(doc.pk)
        self.log.moves[OTHER_RECEIPT] += len(lines)

    def allocate(self) -> None:
        order_id = self.rng.choice(self.cfg.order_ids)
        if self.rng.random() < 0.5:
            order = OnlineOrder.objects.get(pk=order_id)
            if order.allocation == Allocation.ALLOCATED:
                self.attempt(lambda: order_deallocate(order=order, actor=self.cfg.clerk))
        summary = self.attempt(lambda: orders_allocate(order_ids=[order_id], actor=self.cfg.clerk))
        if summary.short:
            raise _Refused

    # ------------------------------------------------------------ the loop

    def run(self, barrier: threading.Barrier) -> None:
        log = self.log
        try:
            barrier.wait()
            while time.perf_counter() < self.deadline_box[0]:
                kind = self.rng.choices(self.kinds, self.weights)[0]
                if kind in ("release", "ship") and not log.held:
                    kind = "reserve"
                elif kind == "reserve" and len(log.held) >= MAX_HELD:
                    kind = self.rng.choice(("release", "ship"))
                start = time.perf_counter()
                try:
                    if kind in ("release", "ship", "receipt"):
                        getattr(self, kind)(start)
                    else:
                        getattr(self, kind)()
                    log.ok[kind] += 1
                except _Refused:
                    log.refused[kind] += 1
                except DomainError as exc:
                    log.errors.append(f"{kind}: {exc.code}: {exc.message}")
                except OperationalError as exc:
                    code = sqlstate(exc)
                    label = RETRY_CODES.get(code, "database error")
                    log.errors.append(f"{kind}: {label} {code or ''} reached the user: {exc}")
                except DatabaseError as exc:  # e.g. a CHECK constraint caught what a service let through
                    log.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                log.latencies[kind].append(time.perf_counter() - start)
        finally:
            close_old_connections()
            connection.close()


@dataclass
class SoakReport:
    clients: int
    seconds: float  # wall time of the clients' work
    ops: int  # calls made (successful and refused)
    ok: Counter
    refused: Counter
    retries: Counter
    errors: list[str]
    latencies: dict  # kind → list of seconds
    checks: list[tuple[str, bool, str]]  # (name, ok, detail)
    facts: dict

    @property
    def passed(self) -> bool:
        return all(ok for _name, ok, _detail in self.checks)

    def percentile_ms(self, q: float, kind: str | None = None) -> float:
        values = self.latencies.get(kind, []) if kind else [x for v in self.latencies.values() for x in v]
        return round(percentile(values, q) * 1000, 3)


def lower_bound_oversell(events: list[tuple[float, int, Decimal, Decimal]],
                         initial: dict[int, Decimal]) -> dict[int, Decimal]:
    """SKUs where the least the clients can have held exceeded the most that can have been on
    hand at some moment, by how much at worst (see the module docstring for the timing rules)."""
    held: dict[int, Decimal] = defaultdict(Decimal)
    on_hand: dict[int, Decimal] = defaultdict(Decimal, initial)
    worst: dict[int, Decimal] = {}
    # At equal times, stock coming in and holdings going away first: the bounds stay bounds.
    for _when, sku, d_held, d_on_hand in sorted(events, key=lambda e: (e[0], e[2] > 0 or e[3] < 0)):
        held[sku] += d_held
        on_hand[sku] += d_on_hand
        if held[sku] > on_hand[sku]:
            worst[sku] = max(worst.get(sku, Decimal(0)), held[sku] - on_hand[sku])
    return worst


def _setup(cfg: SoakConfig) -> dict[int, Decimal]:
    stock_post(moves=[MoveSpec(sku_id=pk, warehouse_id=cfg.warehouse_id, quantity=Decimal(cfg.initial_stock),
                               unit_cost=Decimal("40")) for pk in cfg.hot_sku_ids],
               origin_type=SETUP, origin_id=cfg.seed, actor=cfg.clerk)
    if cfg.orders:
        _setup_orders(cfg)
    bal = {b.sku_id: b for b in StockBalance.objects.filter(warehouse_id=cfg.warehouse_id,
                                                           sku_id__in=cfg.hot_sku_ids)}
    return {pk: bal[pk].on_hand for pk in cfg.hot_sku_ids}


def _setup_orders(cfg: SoakConfig) -> None:
    """cfg.orders paid orders over the hot SKUs in a shop shipping from the soak's warehouse,
    imported from a generated export and approved in bulk (which allocates them)."""
    actor = cfg.actor_orders or cfg.manager
    courier_seed_defaults()  # a flushed test database has lost the couriers the migration seeded
    shop = Shop.objects.create(code=f"SOAK-{cfg.warehouse_id}", name="压测店铺", warehouse_id=cfg.warehouse_id,
                               default_courier=Courier.objects.get(code="ZTO"), auto_review=False)
    codes = list(Sku.objects.filter(pk__in=cfg.hot_sku_ids).values_list("code", flat=True))
    # No unpaid, refunded or messaged orders: every one of them can be approved.
    files = generate_taobao_pair(cfg.orders * 2, seed=cfg.seed, sku_codes=codes, unpaid_every=0, refund_every=0,
                                 remark_every=0)
    orders_import(shop=shop, result=read_taobao_pair(*files), actor=actor, source="soak")
    reviewable = list(OnlineOrder.objects.filter(shop=shop, state=OrderState.TO_REVIEW).order_by("id")
                      .values_list("pk", flat=True)[:cfg.orders])
    orders_approve_many(orders=reviewable, actor=actor)
    cfg.order_ids = list(OnlineOrder.objects.filter(pk__in=reviewable, state=OrderState.APPROVED)
                         .values_list("pk", flat=True))


def orders_reserved(order_ids: list[int]) -> dict[int, Decimal]:
    """Per SKU, what is reserved for these online orders now."""
    return {sku: qty for sku, qty in StockReservation.objects.filter(
        origin_type=ONLINE_ORDER, origin_id__in=order_ids, open=True).values("sku_id")
        .annotate(q=Sum("quantity")).values_list("sku_id", "q")}


def allocation_problems(order_ids: list[int]) -> list[str]:
    """Orders that hold other than all their lines (allocated) or nothing (any other)."""
    held: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, line_id, qty in StockReservation.objects.filter(
            origin_type=ONLINE_ORDER, origin_id__in=order_ids, open=True).values_list(
            "origin_id", "origin_line_id", "quantity"):
        held[order_id][line_id] += qty
    lines: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for order_id, line_id, qty in OnlineOrderLine.objects.filter(order_id__in=order_ids).values_list(
            "order_id", "pk", "quantity"):
        lines[order_id][line_id] = qty
    problems = []
    for pk, allocation in OnlineOrder.objects.filter(pk__in=order_ids).values_list("pk", "allocation"):
        has = {k: v for k, v in held[pk].items() if v}
        if allocation == Allocation.ALLOCATED and has != lines[pk]:
            problems.append(f"order {pk} allocated but holds {dict(has)} of {lines[pk]}")
        elif allocation != Allocation.ALLOCATED and has:
            problems.append(f"order {pk} is {allocation or 'not allocated'} but holds {dict(has)}")
    return problems


def run_soak(cfg: SoakConfig, *, progress: Callable[[str], None] | None = None) -> SoakReport:
    """Stock the hot SKUs, run the clients for cfg.seconds, check the ledger. The caller's
    connection must not be inside a transaction (the clients need to see committed rows)."""
    initial = _setup(cfg)
    # What is reserved besides the clients' own reservations and the orders' allocation.
    orders_before = orders_reserved(cfg.order_ids)
    reserved_before = {b.sku_id: b.reserved - orders_before.get(b.sku_id, Decimal(0)) for b in
                       StockBalance.objects.filter(warehouse_id=cfg.warehouse_id, sku_id__in=cfg.hot_sku_ids)}
    moves_before = dict(StockMove.objects.filter(warehouse_id=cfg.warehouse_id).values("origin_type")
                        .annotate(n=Count("id")).values_list("origin_type", "n"))
    connection.close()
    logs = [ClientLog() for _ in range(cfg.clients)]
    deadline = [float("inf")]
    barrier = threading.Barrier(cfg.clients + 1)
    clients = [_Client(cfg, i, logs[i], deadline) for i in range(cfg.clients)]
    threads = [threading.Thread(target=c.run, args=(barrier,), name=f"soak-{i}", daemon=True)
               for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + cfg.seconds
    start = time.perf_counter()
    barrier.wait()
    report_every = min(10.0, max(cfg.seconds / 6, 1.0))
    while (alive := [t for t in threads if t.is_alive()]) and time.perf_counter() < deadline[0] + 120:
        alive[0].join(timeout=report_every)
        if progress and alive[0].is_alive():
            done = sum(sum(log.ok.values()) + sum(log.refused.values()) for log in logs)
            progress(f"soak: {done:,} operations in {time.perf_counter() - start:,.0f} s")
    hung = [t.name for t in threads if t.is_alive()]
    seconds = time.perf_counter() - start
    return _report(cfg, logs, initial, reserved_before, moves_before, seconds, hung)


def _report(cfg, logs, initial, reserved_before, moves_before, seconds, hung) -> SoakReport:
    ok, refused, retries = Counter(), Counter(), Counter()
    latencies: dict = defaultdict(list)
    errors: list[str] = []
    for log in logs:
        ok.update(log.ok)
        refused.update(log.refused)
        retries.update(log.retries)
        errors.extend(log.errors)
        for kind, values in log.latencies.items():
            latencies[kind].extend(values)
    wh, hot = cfg.warehouse_id, cfg.hot_sku_ids
    checks: list[tuple[str, bool, str]] = []
    checks.append(("no client hung", not hung, f"still running: {', '.join(hung)}" if hung else "all finished"))
    checks.append(("no error reached a client", not errors,
                   f"{len(errors)} error(s), e.g. {errors[:3]}" if errors else
                   f"{sum(retries.values())} retried ({dict(retries) or 'none'})"))

    # No oversell.
    over = lower_bound_oversell([e for log in logs for e in log.events], initial)
    bad_rows = list(StockBalance.objects.filter(warehouse_id=wh).filter(Q(reserved__gt=F("on_hand")) | Q(on_hand__lt=0))
                    .values_list("sku_id", flat=True))
    checks.append(("no oversell", not over and not bad_rows,
                   f"oversold by the logs: {dict(over)}; balances with reserved > on hand: {bad_rows}"
                   if over or bad_rows else "held ≤ on hand at every moment; 0 ≤ reserved ≤ on hand"))

    # No lost writes: the ledger holds what the clients were told.
    posted = dict(StockMove.objects.filter(warehouse_id=wh).values("origin_type").annotate(n=Count("id"))
                  .values_list("origin_type", "n"))
    told = Counter()
    for log in logs:
        told.update(log.moves)
    missing = {kind: (posted.get(kind, 0) - moves_before.get(kind, 0), told[kind])
               for kind in (SHIP, RECEIPT, ISSUE) if posted.get(kind, 0) - moves_before.get(kind, 0) != told[kind]}
    doc_ids = [pk for log in logs for pk in log.documents]
    doc_moves = StockMove.objects.filter(origin_type=OTHER_RECEIPT, origin_id__in=doc_ids).count()
    approved_docs = OtherReceipt.objects.filter(pk__in=doc_ids, state="approved").count()
    if doc_moves != told[OTHER_RECEIPT] or approved_docs != len(doc_ids):
        missing[OTHER_RECEIPT] = (doc_moves, told[OTHER_RECEIPT])
    reservations = StockReservation.objects.filter(warehouse_id=wh, origin_type=ORDER).aggregate(
        n=Count("id"), released=Sum("released"), consumed=Sum("consumed"))
    granted = sum(log.reservations for log in logs)
    released = sum((log.released for log in logs), Decimal(0))
    shipped = sum((log.shipped for log in logs), Decimal(0))
    if (reservations["n"], Decimal(reservations["released"] or 0), Decimal(reservations["consumed"] or 0)) != (
            granted, released, shipped):
        missing["reservations"] = ((reservations["n"], str(reservations["released"]), str(reservations["consumed"])),
                                   (granted, str(released), str(shipped)))
    balances = {b.sku_id: b for b in StockBalance.objects.filter(warehouse_id=wh, sku_id__in=hot)}
    held_now: dict[int, Decimal] = defaultdict(Decimal)
    for log in logs:
        for _origin, sku, qty in log.held:
            held_now[sku] += qty
    orders_now = orders_reserved(cfg.order_ids)
    net: dict[int, Decimal] = defaultdict(Decimal)
    for log in logs:
        for sku, qty in log.on_hand.items():
            net[sku] += qty
    expected = {pk: (initial[pk] + net[pk],
                     reserved_before.get(pk, Decimal(0)) + held_now[pk] + orders_now.get(pk, Decimal(0)))
                for pk in hot}
    wrong_balances = {str(pk): {"on_hand (ledger, clients)": [str(balances[pk].on_hand), str(expected[pk][0])],
                                "reserved (ledger, clients)": [str(balances[pk].reserved), str(expected[pk][1])]}
                      for pk in hot if (balances[pk].on_hand, balances[pk].reserved) != expected[pk]}
    if wrong_balances:
        missing["balances"] = wrong_balances
    if cfg.order_ids:
        problems = allocation_problems(cfg.order_ids)
        checks.append(("allocation all or nothing", not problems,
                       f"{len(problems)} order(s), e.g. {problems[:3]}" if problems else
                       f"{len(cfg.order_ids)} orders: each holds all its lines or nothing"))
    checks.append(("no lost writes", not missing,
                   f"ledger vs clients: {missing}" if missing else
                   f"{sum(told.values()):,} moves, {granted:,} reservations, {len(doc_ids):,} documents all there"))

    # verify-stock.
    differences = {"balances": len(stock_differences()), "reservations": len(reservation_differences()),
                   "costs": len(cost_differences())}
    checks.append(("verify-stock clean", not any(differences.values()),
                   ", ".join(f"{k} {v}" for k, v in differences.items())))
    ops = sum(ok.values()) + sum(refused.values())
    facts = {"hot_skus": len(hot), "initial_stock_per_sku": cfg.initial_stock,
             "final_on_hand": {str(pk): str(balances[pk].on_hand) for pk in hot},
             "final_reserved": {str(pk): str(balances[pk].reserved) for pk in hot},
             "moves_posted": dict(told), "documents": len(doc_ids), "reservations": granted,
             "orders": len(cfg.order_ids), "orders_allocated_at_end": OnlineOrder.objects.filter(
                 pk__in=cfg.order_ids, allocation=Allocation.ALLOCATED).count(),
             "differences": differences}
    return SoakReport(clients=cfg.clients, seconds=seconds, ops=ops, ok=ok, refused=refused, retries=retries,
                      errors=errors, latencies=dict(latencies), checks=checks, facts=facts)
