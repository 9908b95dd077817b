"""The scenario registry. A scenario is a function of the run's Context that returns Results;
it registers itself with @scenario and its module is listed in MODULES. Scenarios run in
`order`, each on what the earlier ones left in the database (the stock ledger posting fills
the warehouses the later ones read), so a new scenario — the order import, allocation and
shipping ones of the online-order work — picks an order number after the data it needs.

A Result is one measured figure: `count` units of work in `seconds`, optionally beside the
physical limit (`raw`: the same rows inserted raw) and the rate the product promises
(`target`, e.g. orders imported per second: shown beside the figure, met or not; a missed
target is reported, it does not fail the run), plus scenario-specific facts (`extra`) and
correctness checks that must hold (an oversell is a failed run, not a slow one).

An `opt_in` scenario (the minute-long concurrency soak) runs only when asked for by name
(`shopflow bench --only soak`)."""

import math
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module

from shopflow.bench.datagen import DataSet

# Modules whose scenarios run, in no particular order (each scenario has its own `order`).
MODULES = (
    "shopflow.bench.scenarios.ledger",
    "shopflow.bench.scenarios.documents",
    "shopflow.bench.scenarios.reservations",
    "shopflow.bench.scenarios.reports",
    "shopflow.bench.scenarios.verify",
    "shopflow.bench.scenarios.orders",
    "shopflow.bench.scenarios.fulfilment",
    "shopflow.bench.scenarios.soak",
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Target:
    """A rate the product promises: at least `rate_per_s` units per second (on `vendor` only, if
    given: the other database shows the comparison for information)."""

    rate_per_s: float
    vendor: str | None = None


@dataclass
class Result:
    key: str  # "ledger.receipts"
    title: str
    unit: str  # what `count` counts: "move", "document", "op", "query"
    count: int
    seconds: float
    # Per-unit cost on another basis than `unit` (the reports: µs per SKU of the data set).
    basis_unit: str | None = None
    basis_count: int | None = None
    raw: dict | None = None  # {"method": "COPY", "rows": n, "seconds": s}
    extra: dict = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    target: Target | None = None
    vendor: str | None = None  # the database measured (to say whether the target applies)

    def as_dict(self) -> dict:
        seconds = max(self.seconds, 1e-9)
        basis_unit = self.basis_unit or self.unit
        basis_count = self.basis_count if self.basis_count is not None else self.count
        out = {
            "key": self.key, "title": self.title, "unit": self.unit, "count": self.count,
            "seconds": round(self.seconds, 6), "rate_per_s": round(self.count / seconds, 3),
            "per_unit": {"unit": basis_unit, "us": round(self.seconds * 1e6 / max(basis_count, 1), 3)},
            "raw": None, "fraction_of_raw": None, "extra": self.extra,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }
        if self.raw:
            raw_rate = self.raw["rows"] / max(self.raw["seconds"], 1e-9)
            out["raw"] = {**self.raw, "seconds": round(self.raw["seconds"], 6), "rate_per_s": round(raw_rate, 3)}
            out["fraction_of_raw"] = round((self.count / seconds) / raw_rate, 5)
        if self.target:
            measured = self.count / seconds
            out["target"] = {
                "rate_per_s": self.target.rate_per_s, "applies": self.target.vendor in (None, self.vendor),
                "vendor": self.target.vendor, "met": measured >= self.target.rate_per_s,
                "fraction": round(measured / self.target.rate_per_s, 4),
            }
        return out


@dataclass
class Context:
    data: DataSet
    vendor: str  # "sqlite" or "postgresql"
    progress: Callable[[str], None] = print
    query_budget: float = 120.0  # seconds a report query may run before it is cancelled

    @property
    def size(self):
        return self.data.size


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    order: int
    run: Callable[[Context], list[Result]]
    opt_in: bool = False  # runs only when named with --only


SCENARIOS: dict[str, Scenario] = {}


def scenario(key: str, title: str, *, order: int, opt_in: bool = False):
    def register(fn):
        SCENARIOS[key] = Scenario(key=key, title=title, order=order, run=fn, opt_in=opt_in)
        return fn

    return register


def selected(only: list[str]) -> list[Scenario]:
    """The scenarios a run does: those named in `only`, else every one that is not opt-in."""
    return [sc for sc in load() if (sc.key in only if only else not sc.opt_in)]


def load() -> list[Scenario]:
    for name in MODULES:
        import_module(name)
    return sorted(SCENARIOS.values(), key=lambda s: s.order)


@contextmanager
def stopwatch():
    """with stopwatch() as t: ...  → t() is the seconds taken (so far, or in all once the block ended)."""
    start = time.perf_counter()
    end = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


def settle() -> None:
    """Between scenarios and between phases that grow a table from nothing: fresh planner
    statistics on PostgreSQL (what autovacuum does after bulk writes, made deterministic, so a
    plan chosen for an empty table does not linger for a random while). Not timed. SQLite keeps
    no statistics unless ANALYZE is run, and shopflow never runs it, so neither does the bench."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
