"""Online-order intake: a generated Taobao seller-centre export pair (订单报表 + 宝贝报表, GBK,
with the real files' quirks) of the size's order count, over the data set's SKU codes, read by
channels.taobao.read_taobao_pair and imported by channels.services.orders_import into the
bench shop — what a seller does on the morning after 双十一. Timed: reading plus importing
(generating the files is not). Beside it, the physical limit: the same order and order-line
rows inserted raw.

Also the helpers the later order scenarios share: the imported orders (imported here, or
untimed by whichever order scenario runs first when the run was asked for with --only), and
stock put into the shop's warehouse through the ledger for what the orders need."""

from collections import Counter, defaultdict
from decimal import Decimal

from shopflow.bench.raw import raw_insert, table_rows
from shopflow.bench.scenarios import Context, Result, Target, scenario, stopwatch
from shopflow.catalog.models import Sku
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.channels.taobao import generate_taobao_pair, read_taobao_pair
from shopflow.core.db import id_list
from shopflow.inventory.models import StockBalance
from shopflow.inventory.services import MoveSpec, stock_post
from shopflow.sales.models import OnlineOrder, OnlineOrderLine

IMPORT_TARGET = Target(10_000, "sqlite")  # orders/s, issue 5
STOCK_ORIGIN = "bench.orderstock"
STOCK_BATCH = 500  # moves per stock_post call when stocking the shop's warehouse
SHORT_EVERY = 25  # every n-th SKU the orders ask for gets one unit less than asked: some orders are short


def sku_codes() -> list[str]:
    return list(Sku.objects.order_by("id").values_list("code", flat=True))


def export_pair(ctx: Context, n_orders: int, *, salt: str) -> tuple[bytes, bytes]:
    """The same bytes for the same size, seed and salt."""
    seed = ctx.data.rng(f"taobao:{salt}").randrange(1, 2**31)
    return generate_taobao_pair(n_orders, seed=seed, sku_codes=sku_codes())


def import_pair(ctx: Context, shop: Shop, orders: bytes, items: bytes) -> dict:
    """Read and import one pair; the seconds of each part and the import summary."""
    with stopwatch() as read_took:
        result = read_taobao_pair(orders, items, orders_name="ExportOrderList.csv",
                                  items_name="ExportOrderDetailList.csv")
    ctx.progress(f"orders.import: read {len(result.orders):,} orders in {read_took():.2f} s")
    total = len(result.orders)
    every = max(total // 10, 1)

    def progress(done: int, _total: int) -> None:
        if done % every < 2_000 or done == total:
            ctx.progress(f"orders.import: {done:,} of {total:,} written")

    with stopwatch() as import_took:
        summary = orders_import(shop=shop, result=result, actor=ctx.data.service,
                                source="ExportOrderList.csv + ExportOrderDetailList.csv", on_progress=progress)
    return {"read_s": read_took(), "import_s": import_took(), "orders_in_file": total,
            "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
            "held": summary.held, "failed": summary.failed, "problems": len(summary.problems)}


def ensure_imported(ctx: Context) -> None:
    """The bench shop's orders, imported untimed if the import scenario did not run."""
    shop = Shop.objects.get(pk=ctx.data.shop)
    if not OnlineOrder.objects.filter(shop=shop).exists():
        ctx.progress(f"importing {ctx.size.orders:,} orders first (not timed)")
        import_pair(ctx, shop, *export_pair(ctx, ctx.size.orders, salt="main"))


def states(shop_id: int) -> dict[str, int]:
    return dict(Counter(OnlineOrder.objects.filter(shop_id=shop_id).values_list("state", flat=True)))


def demand(order_ids: list[int]) -> dict[int, Decimal]:
    """Units per SKU the lines of these orders ask for."""
    need: dict[int, Decimal] = defaultdict(Decimal)
    for chunk in range(0, len(order_ids), 20_000):
        for sku_id, qty in (OnlineOrderLine.objects.filter(order_id__in=order_ids[chunk:chunk + 20_000],
                                                           sku__isnull=False)
                            .values_list("sku_id", "quantity")):
            need[sku_id] += qty
    return dict(need)


def stock_for(ctx: Context, order_ids: list[int], *, origin_id: int, short_every: int = SHORT_EVERY) -> dict:
    """Receive into the shop's warehouse, through stock_post, what these orders need beyond what
    is free there already — one unit less of every `short_every`-th SKU, so some orders are
    short (the allocation's other path). Not timed. Returns what was received."""
    ds = ctx.data
    need = demand(order_ids)
    free = {sku: bal.on_hand - bal.reserved for sku, bal in
            ((b.sku_id, b) for b in StockBalance.objects.filter(warehouse_id=ds.ecommerce, sku_id__any=id_list(need)))}
    moves, short_skus = [], 0
    for n, sku in enumerate(sorted(need), 1):
        qty = need[sku] - free.get(sku, Decimal(0))
        if short_every and n % short_every == 0:
            qty -= 1
            short_skus += 1
        if qty > 0:
            moves.append(MoveSpec(sku_id=sku, warehouse_id=ds.ecommerce, quantity=qty, unit_cost=Decimal("40")))
    with stopwatch() as took:
        for start in range(0, len(moves), STOCK_BATCH):
            stock_post(moves=moves[start:start + STOCK_BATCH], origin_type=STOCK_ORIGIN,
                       origin_id=origin_id * 1_000_000 + start // STOCK_BATCH + 1, actor=ds.clerk)
    ctx.progress(f"stocked {len(moves):,} SKUs ({sum(m.quantity for m in moves):,} units) in {took():.1f} s")
    return {"skus_received": len(moves), "units_received": str(sum((m.quantity for m in moves), Decimal(0))),
            "skus_left_short": short_skus, "stock_s": round(took(), 3)}


def _raw_orders(shop_id: int, n_orders: int) -> dict:
    """The shop's orders and their lines inserted raw into copies of their tables: the limit
    for an import of this many orders (audit events not included)."""
    orders_table, lines_table = OnlineOrder._meta.db_table, OnlineOrderLine._meta.db_table
    parts = []
    for model, where, params in (
            (OnlineOrder, '"shop_id" = %s', [shop_id]),
            (OnlineOrderLine, f'"order_id" IN (SELECT "id" FROM "{orders_table}" WHERE "shop_id" = %s)', [shop_id])):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = [f.column for f in fields]
        json_columns = tuple(f.column for f in fields if f.get_internal_type() == "JSONField")
        rows = table_rows(model._meta.db_table, columns, where, params, text=json_columns)
        parts.append(raw_insert(model._meta.db_table, columns, rows))
    return {"method": parts[0]["method"], "rows": n_orders, "seconds": sum(p["seconds"] for p in parts),
            "tables": {orders_table: parts[0]["rows"], lines_table: parts[1]["rows"]}}


@scenario("orders.import", "Online orders: Taobao export import", order=50)
def run_import(ctx: Context) -> list[Result]:
    ds = ctx.data
    shop = Shop.objects.get(pk=ds.shop)
    with stopwatch() as gen_took:
        orders, items = export_pair(ctx, ctx.size.orders, salt="main")
    ctx.progress(f"orders.import: generated {ctx.size.orders:,} orders ({(len(orders) + len(items)) / 1e6:.1f} MB) "
                 f"in {gen_took():.1f} s")
    facts = import_pair(ctx, shop, orders, items)
    seconds = facts["read_s"] + facts["import_s"]
    count = facts["orders_in_file"]
    lines = OnlineOrderLine.objects.filter(order__shop=shop).count()
    raw = _raw_orders(shop.pk, count)
    extra = {
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in facts.items()},
        "generate_s": round(gen_took(), 3), "lines": lines, "file_bytes": {"orders": len(orders), "items": len(items)},
        "encoding": "gbk", "states": states(shop.pk),
        "read_per_s": round(count / max(facts["read_s"], 1e-9), 1),
        "import_per_s": round(count / max(facts["import_s"], 1e-9), 1),
    }
    return [Result(key="orders.import", title="Taobao export pair read + orders_import", unit="order", count=count,
                   seconds=seconds, raw=raw, extra=extra, target=IMPORT_TARGET, vendor=ctx.vendor)]
