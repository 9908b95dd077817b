"""`shopflow verify-stock` over the whole ledger: balances re-derived from the moves, reserved
quantities from the open reservations, SKU costs from the move values. It runs last, so it
also proves that every scenario before it left the ledger consistent."""

from shopflow.bench.scenarios import Check, Context, Result, scenario, stopwatch
from shopflow.inventory.models import StockMove
from shopflow.inventory.selectors import cost_differences, reservation_differences, stock_differences


@scenario("verify", "verify-stock", order=90)
def run(ctx: Context) -> list[Result]:
    parts, found = {}, {}
    with stopwatch() as total:
        for name, check in (("balances", stock_differences), ("reservations", reservation_differences),
                            ("costs", cost_differences)):
            with stopwatch() as took:
                found[name] = len(check())
            parts[name] = took()
    moves = StockMove.objects.count()
    ctx.progress(f"verify-stock: {total() * 1000:,.0f} ms over {moves:,} moves")
    differences = sum(found.values())
    return [Result(
        key="verify.stock", title="verify-stock (balances, reservations, costs)", unit="move", count=moves,
        seconds=total(),
        extra={**{f"{name}_ms": round(s * 1000, 3) for name, s in parts.items()},
               **{f"{name}_differences": n for name, n in found.items()}},
        checks=[Check("ledger consistent", differences == 0,
                      f"{differences} difference(s): " + ", ".join(f"{k} {v}" for k, v in found.items()))],
    )]
