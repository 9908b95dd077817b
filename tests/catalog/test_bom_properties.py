"""Property: exploding any acyclic BOM structure gives, for every path, the product of the
quantities and scrap factors along it, and per component the sum over its paths."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopflow.catalog import selectors, services
from shopflow.catalog.services import BomLineSpec

STEP = Decimal("0.0001")

quantities = st.integers(1, 50_000).map(lambda n: Decimal(n).scaleb(-3))  # 0.001 … 50
scraps = st.integers(0, 9_999).map(lambda n: Decimal(n).scaleb(-2))  # 0 … 99.99 %


@st.composite
def structures(draw):
    """Nodes 0..n-1; edges only from a lower to a higher node, so there is no cycle, but a
    component may sit under several parents (the structure is a DAG, not just a tree)."""
    n = draw(st.integers(2, 7))
    edges = {}
    for parent in range(n - 1):
        children = draw(st.lists(st.integers(parent + 1, n - 1), unique=True, max_size=3))
        if parent == 0 and not children:
            children = [1]
        for child in children:
            edges.setdefault(parent, []).append((child, draw(quantities), draw(scraps)))
    return n, edges, draw(st.integers(1, 1_000))


def expected_paths(edges, node, qty, path, level, out):
    for child, per_unit, scrap in edges.get(node, []):
        need = qty * per_unit * (1 + scrap / 100)
        out.append((path + (f"N{child}",), level, need, child in edges))
        expected_paths(edges, child, need, path + (f"N{child}",), level + 1, out)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(structure=structures())
def test_explosion_equals_the_sum_over_paths(actor, structure):
    n, edges, quantity = structure
    with transaction.atomic():  # examples share the test's transaction: undo each one
        skus = [services.sku_create(code=f"N{i}", name=f"N{i}", actor=actor) for i in range(n)]
        for parent in sorted(edges, reverse=True):
            services.bom_create(product=skus[parent], version="V1", actor=actor,
                                lines=[BomLineSpec(skus[c], q, s) for c, q, s in edges[parent]])
        with localcontext() as ctx:
            ctx.prec = 100
            exact = expected_paths(edges, 0, Decimal(quantity), ("N0",), 1, [])
        got = selectors.bom_explode(sku=skus[0], quantity=quantity)
        assert [(r.path, r.level, r.quantity, r.has_bom) for r in got] == [
            (path, level, need.quantize(STEP, ROUND_HALF_UP), has_bom) for path, level, need, has_bom in exact]

        sums: dict[str, Decimal] = {}
        with localcontext() as ctx:
            ctx.prec = 100
            for path, _level, need, has_bom in exact:
                if not has_bom:
                    sums[path[-1]] = sums.get(path[-1], Decimal(0)) + need
        totals = {s.code: q for s, q in selectors.bom_totals(sku=skus[0], quantity=quantity)}
        assert totals == {code: q.quantize(STEP, ROUND_HALF_UP) for code, q in sums.items()}

        direct = selectors.bom_explode(sku=skus[0], quantity=quantity, levels=1)
        assert [r.path for r in direct] == [("N0", f"N{c}") for c, _q, _s in edges[0]]
        transaction.set_rollback(True)
