"""Stock-ledger posting: moves through inventory.services.stock_post, `batch` moves per call
(one transaction, as one document of that many lines would post), beside the same StockMove
rows inserted raw.

Receipts put every SKU into the main warehouse (new balance and cost rows, moving average);
issues then take stock out of every second SKU (locked balances checked against what is on
hand and reserved). The SKUs are posted in a shuffled order, as real documents hit them."""

from decimal import Decimal

from shopflow.bench.raw import raw_insert, table_rows
from shopflow.bench.scenarios import Context, Result, scenario, settle, stopwatch
from shopflow.inventory.models import StockMove
from shopflow.inventory.services import MoveSpec, stock_post

RECEIPT = "bench.receipt"
ISSUE = "bench.issue"
RAW_COLUMNS = ["sku_id", "warehouse_id", "quantity", "unit_cost", "value", "origin_type", "origin_id",
               "origin_line_id", "reverses_id", "created_at", "created_by_id"]


def _batches(moves: list[MoveSpec], size: int) -> list[list[MoveSpec]]:
    return [moves[i:i + size] for i in range(0, len(moves), size)]


def _post(ctx: Context, batches: list[list[MoveSpec]], origin_type: str, label: str) -> float:
    report_every = max(len(batches) // 10, 1)
    with stopwatch() as took:
        for number, batch in enumerate(batches, 1):
            stock_post(moves=batch, origin_type=origin_type, origin_id=number, actor=ctx.data.clerk)
            if number % report_every == 0:
                done = sum(len(b) for b in batches[:number])
                ctx.progress(f"{label}: {done:,} moves, {done / took():,.0f}/s")
    return took()


def _result(ctx: Context, key: str, title: str, batches, origin_type: str, seconds: float) -> Result:
    count = sum(len(b) for b in batches)
    rows = table_rows(StockMove._meta.db_table, RAW_COLUMNS, '"origin_type" = %s', [origin_type])
    raw = raw_insert(StockMove._meta.db_table, RAW_COLUMNS, rows)
    return Result(key=key, title=title, unit="move", count=count, seconds=seconds, raw=raw,
                  extra={"posts": len(batches), "moves_per_post": ctx.size.batch,
                         "ms_per_post": round(seconds * 1000 / max(len(batches), 1), 3)})


def receipts(ctx: Context) -> Result:
    ds = ctx.data
    rng = ds.rng("receipts")
    order = list(ds.sku_ids[:ctx.size.receipts])
    rng.shuffle(order)
    moves = [MoveSpec(sku_id=pk, warehouse_id=ds.main, quantity=Decimal(rng.randrange(20, 200)),
                      unit_cost=Decimal(rng.randrange(1500, 30000)) / 100) for pk in order]
    batches = _batches(moves, ctx.size.batch)
    seconds = _post(ctx, batches, RECEIPT, "receipts")
    return _result(ctx, "ledger.receipts", f"stock_post receipts ({ctx.size.batch} moves/call)", batches, RECEIPT,
                   seconds)


def issues(ctx: Context) -> Result:
    ds = ctx.data
    rng = ds.rng("issues")
    order = list(ds.sku_ids[::2][:ctx.size.issues])
    rng.shuffle(order)
    # Less than the smallest receipt (20), so every issue is allowed and all of them are measured.
    moves = [MoveSpec(sku_id=pk, warehouse_id=ds.main, quantity=-Decimal(rng.randrange(1, 15))) for pk in order]
    batches = _batches(moves, ctx.size.batch)
    seconds = _post(ctx, batches, ISSUE, "issues")
    return _result(ctx, "ledger.issues", f"stock_post issues ({ctx.size.batch} moves/call)", batches, ISSUE, seconds)


@scenario("ledger", "Stock-ledger posting", order=10)
def run(ctx: Context) -> list[Result]:
    first = receipts(ctx)
    settle()  # the balance and cost tables went from empty to one row per SKU
    return [first, issues(ctx)]
