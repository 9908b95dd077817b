"""The concurrency soak (shopflow.bench.soak) as a benchmark scenario: opt-in, since it runs for
a fixed time rather than a fixed amount of work — `shopflow bench --only soak` (with the other
scenarios it needs to be named too). SHOPFLOW_SOAK_SECONDS (default 60) and
SHOPFLOW_SOAK_CLIENTS (default 32) set its length and its clients.

It works in a warehouse of its own (SOAK) on 8 hot SKUs, with 80 approved online orders of a
shop of its own over them, so it neither sees nor disturbs the other scenarios' stock. Meant
for PostgreSQL; on SQLite the clients queue for the one writer
and the figure is the serialised throughput."""

from shopflow.bench.scenarios import Check, Context, Result, scenario
from shopflow.bench.soak import MAX_ATTEMPTS, SoakConfig, clients_from_env, run_soak, seconds_from_env
from shopflow.inventory.models import Warehouse

HOT_SKUS = 8
OTHER_SKUS = 200
ORDERS = 80  # approved online orders over the hot SKUs, re-allocated by the clients


@scenario("soak", "Concurrency soak (opt-in)", order=85, opt_in=True)
def run(ctx: Context) -> list[Result]:
    ds = ctx.data
    warehouse = Warehouse.objects.create(code="SOAK", name="压测仓")
    skus = ds.sku_ids[-(HOT_SKUS + OTHER_SKUS):]
    cfg = SoakConfig(warehouse_id=warehouse.pk, hot_sku_ids=skus[:HOT_SKUS], other_sku_ids=skus[HOT_SKUS:],
                     clerk=ds.clerk, manager=ds.manager, clients=clients_from_env(), seconds=seconds_from_env(),
                     seed=ds.seed, orders=ORDERS, actor_orders=ds.service, initial_stock=60)
    ctx.progress(f"soak: {cfg.clients} clients for {cfg.seconds:g} s on {HOT_SKUS} hot SKUs")
    report = run_soak(cfg, progress=ctx.progress)
    per_kind = {kind: {"ok": report.ok[kind], "refused": report.refused[kind],
                       "p50_ms": report.percentile_ms(50, kind), "p99_ms": report.percentile_ms(99, kind)}
                for kind in sorted(report.latencies)}
    extra = {
        "clients": report.clients, "target_seconds": cfg.seconds,
        "p50_ms": report.percentile_ms(50), "p99_ms": report.percentile_ms(99),
        "ok": sum(report.ok.values()), "refused": sum(report.refused.values()),
        "retries": dict(report.retries), "retries_total": sum(report.retries.values()),
        "max_attempts": MAX_ATTEMPTS, "errors": len(report.errors), "error_samples": report.errors[:5],
        "per_kind": per_kind, **report.facts, "serialised": ctx.vendor == "sqlite",
    }
    return [Result(key="soak", title=f"soak: {report.clients} clients, mixed stock work", unit="op",
                   count=report.ops, seconds=report.seconds, extra=extra,
                   checks=[Check(name, ok, detail) for name, ok, detail in report.checks])]
