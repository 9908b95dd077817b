"""Report and dashboard queries over the whole data set, as the pages call them (the manager's
view: every value visible): stock valuation, low stock, slow-moving stock, the stock inquiry's
first page with its count, a search, the dashboard's counts. Each runs `report_repeats`
times (the first only, if it took more than REPEAT_LIMIT seconds); the median counts. The
per-unit cost is per SKU of the data set, so a query that grows with the catalogue shows a
flat figure and one that grows faster shows a rising one.

A query's SQL is cancelled after the run's query budget (Context.query_budget, `shopflow
bench --query-budget`), so a plan that goes quadratic on a large data set is reported as
"timed out after N s" instead of stalling the suite for an hour."""

import threading
from contextlib import contextmanager

from django.db import OperationalError, connection

from shopflow.bench.scenarios import Context, Result, median, scenario, stopwatch
from shopflow.inventory.selectors import (
    low_stock,
    slow_moving,
    stock_inquiry,
    stock_inquiry_count,
    stock_inquiry_rows,
    stock_valuation,
)
from shopflow.web.selectors import created_per_day, state_counts, waiting_for

PAGE = 50
REPEAT_LIMIT = 10.0


@contextmanager
def sql_budget(seconds: float):
    """Cancel the SQL running after `seconds` (OperationalError in the query then)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('statement_timeout', %s, false)", [str(max(1, int(seconds * 1000)))])
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('statement_timeout', '0', false)")
        return
    connection.ensure_connection()
    timer = threading.Timer(seconds, connection.connection.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _page(user, **filters) -> int:
    """What the stock inquiry page runs: the count for the pager, then one page of rows. Returns the count."""
    total = stock_inquiry_count(user=user, **filters)
    stock_inquiry_rows(stock_inquiry(user=user, **filters)[:PAGE], show_value=True)
    return total


def queries(ctx: Context) -> list[tuple[str, str, object]]:
    ds = ctx.data
    user = ds.manager
    # A style number in the middle of the catalogue: matches its 10 SKUs by code prefix.
    probe = f"S{max(ctx.size.skus // 20, 1):07d}"
    return [
        ("report.valuation", "stock valuation (all warehouses)", lambda: len(stock_valuation(user=user).rows)),
        ("report.low_stock", "low stock (safety stock)", lambda: len(low_stock(user=user))),
        ("report.slow_moving", "slow-moving stock (days=0: every row)", lambda: len(slow_moving(days=0, user=user))),
        ("report.inquiry_page", "stock inquiry: count + first page", lambda: _page(user)),
        ("report.inquiry_search", "stock inquiry: search by style, first page",
         lambda: _page(user, search=probe)),
        ("report.inquiry_category", "stock inquiry: one category, first page",
         lambda: _page(user, category_id=ds.category_ids[0])),
        ("report.dashboard", "dashboard: state counts, to-do, 14-day chart",
         lambda: len(state_counts(user)) + len(waiting_for(user)) + len(created_per_day(user))),
    ]


@scenario("reports", "Report and dashboard queries", order=40)
def run(ctx: Context) -> list[Result]:
    results = []
    budget = ctx.query_budget
    for key, title, query in queries(ctx):
        times, rows, timed_out = [], 0, False
        for _ in range(ctx.size.report_repeats):
            try:
                with sql_budget(budget), stopwatch() as took:
                    rows = query()
            except OperationalError as exc:
                ctx.progress(f"{key}: cancelled after {took():,.1f} s ({exc})")
                timed_out = True
                break
            times.append(took())
            if took() > REPEAT_LIMIT:
                break
        seconds = budget if timed_out else median(times)
        ctx.progress(f"{key}: {'timed out, ≥ ' if timed_out else ''}{seconds * 1000:,.1f} ms, {rows:,} rows")
        results.append(Result(key=key, title=title, unit="query", count=1, seconds=seconds,
                              basis_unit="SKU", basis_count=ctx.size.skus,
                              extra={"rows": None if timed_out else rows, "timed_out": timed_out,
                                     "budget_s": budget, "runs_ms": [round(t * 1000, 3) for t in times]}))
    return results
