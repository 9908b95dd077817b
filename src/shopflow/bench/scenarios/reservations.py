"""Concurrent reservations: N clients (threads, one database connection each) reserve and
release a few hot SKUs through inventory.services.stock_reserve / stock_release, asking for
more than is on hand, so the refusals (oversell) are part of the load.

Measured: throughput, p50/p99 latency per call, refusals, lock errors and deadlocks. Checked:
nothing was ever oversold. Each client logs a grant when its call has returned and a release
when its call started, so the sum of the logs is a lower bound of what was held at any
moment; if it ever exceeds what is on hand, stock was oversold. At the end the balances'
reserved quantities must equal what the clients still hold and the open reservations.

On SQLite one writer works at a time (IMMEDIATE transactions): the clients queue, and the
figure is the serialised throughput."""

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, OperationalError, connection
from django.db.models import Sum

from shopflow.bench.scenarios import Check, Context, Result, percentile, scenario
from shopflow.core.errors import DomainError
from shopflow.inventory.error_codes import InventoryError
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.inventory.services import MoveSpec, stock_post, stock_release, stock_reserve

ORIGIN = "bench.order"
MAX_HELD = 8  # reservations a client holds at most before it releases its oldest
RELEASE_SHARE = 0.3  # otherwise a client releases its oldest with this probability


@dataclass
class ClientLog:
    latencies: list[float] = field(default_factory=list)  # seconds per call
    reserve_latencies: list[float] = field(default_factory=list)
    granted: int = 0
    refused: int = 0
    released: int = 0
    deadlocks: int = 0
    lock_errors: int = 0
    errors: list[str] = field(default_factory=list)
    events: list[tuple[float, int, Decimal]] = field(default_factory=list)  # (when, sku, +granted / −released)
    held: deque = field(default_factory=deque)  # (origin id, sku, quantity) still held
    started: float = 0.0
    ended: float = 0.0


def _client(ctx: Context, number: int, hot: list[int], barrier: threading.Barrier, log: ClientLog) -> None:
    ds = ctx.data
    rng = ds.rng(f"client:{number}")
    try:
        barrier.wait()
        log.started = time.perf_counter()
        for op in range(ctx.size.ops):
            release = bool(log.held) and (len(log.held) >= MAX_HELD or rng.random() < RELEASE_SHARE)
            start = time.perf_counter()
            try:
                if release:
                    origin_id, sku, qty = log.held[0]
                    stock_release(sku_id=sku, warehouse_id=ds.hot, origin_type=ORIGIN, origin_id=origin_id,
                                  actor=ds.clerk)
                    log.held.popleft()
                    log.events.append((start, sku, -qty))
                    log.released += 1
                else:
                    sku, qty = rng.choice(hot), Decimal(rng.randint(1, 3))
                    origin_id = number * 1_000_000 + op + 1
                    stock_reserve(sku_id=sku, warehouse_id=ds.hot, quantity=qty, origin_type=ORIGIN,
                                  origin_id=origin_id, actor=ds.clerk)
                    log.events.append((time.perf_counter(), sku, qty))
                    log.held.append((origin_id, sku, qty))
                    log.granted += 1
            except DomainError as exc:
                if exc.code == InventoryError.OVERSELL:
                    log.refused += 1
                else:
                    log.errors.append(f"{exc.code}: {exc.message}")
            except OperationalError as exc:
                text = str(exc).lower()
                if "deadlock" in text:
                    log.deadlocks += 1
                elif "lock" in text:
                    log.lock_errors += 1
                else:
                    log.errors.append(f"{type(exc).__name__}: {exc}")
            except DatabaseError as exc:  # e.g. a CHECK constraint caught what the service let through
                log.errors.append(f"{type(exc).__name__}: {exc}")
            took = time.perf_counter() - start
            log.latencies.append(took)
            if not release:
                log.reserve_latencies.append(took)
        log.ended = time.perf_counter()
    finally:
        connection.close()


def peak_held(logs: list[ClientLog]) -> dict[int, Decimal]:
    """Per SKU, the most the clients held at once by their logs (a lower bound of the truth)."""
    events = sorted((e for log in logs for e in log.events), key=lambda e: e[0])
    running: dict[int, Decimal] = defaultdict(Decimal)
    peak: dict[int, Decimal] = defaultdict(Decimal)
    for _when, sku, delta in events:
        running[sku] += delta
        peak[sku] = max(peak[sku], running[sku])
    return dict(peak)


def oversold(peaks: dict[int, Decimal], on_hand: dict[int, Decimal]) -> dict[int, Decimal]:
    """SKUs whose peak holding exceeded what was on hand, and by how much."""
    return {sku: peak - on_hand.get(sku, Decimal(0)) for sku, peak in peaks.items()
            if peak > on_hand.get(sku, Decimal(0))}


@scenario("reservations", "Concurrent reservations on hot SKUs", order=30)
def run(ctx: Context) -> list[Result]:
    ds, size = ctx.data, ctx.size
    hot = ds.sku_ids[:size.hot_skus]
    stock_post(moves=[MoveSpec(sku_id=pk, warehouse_id=ds.hot, quantity=Decimal(size.hot_stock),
                               unit_cost=Decimal("50")) for pk in hot],
               origin_type="bench.hotstock", origin_id=1, actor=ds.clerk)
    connection.close()  # the main thread's connection is not used while the clients run
    logs = [ClientLog() for _ in range(size.clients)]
    barrier = threading.Barrier(size.clients)
    threads = [threading.Thread(target=_client, args=(ctx, i, hot, barrier, logs[i]), name=f"bench-client-{i}")
               for i in range(size.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = max(log.ended or time.perf_counter() for log in logs) - min(log.started for log in logs)

    balances = {b.sku_id: b for b in StockBalance.objects.filter(warehouse_id=ds.hot, sku_id__in=hot)}
    on_hand = {pk: balances[pk].on_hand for pk in hot}
    over = oversold(peak_held(logs), on_hand)
    final_over = [pk for pk in hot if balances[pk].reserved > balances[pk].on_hand]
    held_now: dict[int, Decimal] = defaultdict(Decimal)
    for log in logs:
        for _origin, sku, qty in log.held:
            held_now[sku] += qty
    open_rows = dict(StockReservation.objects.filter(warehouse_id=ds.hot, sku_id__in=hot, open=True)
                     .values("sku_id").annotate(q=Sum("quantity")).values_list("sku_id", "q"))
    mismatched = [pk for pk in hot if not (balances[pk].reserved == held_now[pk] == Decimal(open_rows.get(pk, 0)))]

    latencies = [x for log in logs for x in log.latencies]
    reserve = [x for log in logs for x in log.reserve_latencies]
    totals = {name: sum(getattr(log, name) for log in logs)
              for name in ("granted", "refused", "released", "deadlocks", "lock_errors")}
    errors = [e for log in logs for e in log.errors]
    oversell_count = len(set(over) | set(final_over))
    extra = {
        "clients": size.clients, "ops_per_client": size.ops, "hot_skus": len(hot), "stock_per_hot_sku": size.hot_stock,
        "p50_ms": round(percentile(latencies, 50) * 1000, 3), "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "reserve_p50_ms": round(percentile(reserve, 50) * 1000, 3),
        "reserve_p99_ms": round(percentile(reserve, 99) * 1000, 3),
        **totals, "other_errors": len(errors), "error_samples": errors[:5],
        "oversell_count": oversell_count, "oversold_units": str(sum(over.values(), Decimal(0))),
        "reserved_mismatches": len(mismatched),
        "serialised": ctx.vendor == "sqlite",
    }
    checks = [
        Check("no oversell", oversell_count == 0,
              f"{oversell_count} SKU(s) oversold" if oversell_count else "held ≤ on hand at every moment"),
        Check("reserved = held = open reservations", not mismatched, f"{len(mismatched)} SKU(s) differ"),
        Check("no deadlocks, lock errors or other errors",
              totals["deadlocks"] == 0 and totals["lock_errors"] == 0 and not errors,
              f"{totals['deadlocks']} deadlock(s), {totals['lock_errors']} lock error(s), {len(errors)} other"),
        Check("contention: some reservations refused", totals["refused"] > 0,
              f"{totals['refused']} of {totals['granted'] + totals['refused']} refused"),
    ]
    return [Result(key="reservations.hot", title=f"reserve/release, {size.clients} clients on {len(hot)} hot SKUs",
                   unit="op", count=len(latencies), seconds=seconds, extra=extra, checks=checks)]
