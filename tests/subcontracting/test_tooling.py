"""Tooling 工装 (stencils, test rigs, programmers) lent to a subcontractor: out of our warehouse
into theirs, tracked with a due-back date until it comes back."""

import pytest

from shopflow.core import services
from shopflow.core.errors import ValidationFailed
from shopflow.subcontracting.selectors import tooling_on_loan
from tests.subcontracting.conftest import LOAN, TOOLING_RETURN, D, approve, qty


def _loan(setup, actor, quantity="2", due_back="2026-12-31", sku=None):
    return services.document_create(doc_type=LOAN, actor=actor, header={
        "subcontractor": setup.factory.pk, "from_warehouse": setup.raw.pk, "doc_date": "2026-11-22",
        "due_back": due_back}, lines=[{"sku": (sku or setup.stencil).pk, "quantity": quantity}])


def test_loan_and_return(setup, cast):
    loan = approve(_loan(setup, cast.keeper), cast.keeper, cast.keeper2)
    assert qty(setup.stencil, setup.raw) == D(8) and qty(setup.stencil, setup.at_factory) == D(2)
    rows = tooling_on_loan()
    assert [(r.sku.code, r.outstanding, str(r.due_back)) for r in rows] == [("GZ-GW-01", D(2), "2026-12-31")]
    back = services.document_push_down(source=loan, target_type=TOOLING_RETURN, actor=cast.keeper,
                                       quantities={loan.lines.get().pk: D(1)})
    assert tooling_on_loan()[0].outstanding == D(2)  # a draft return brings nothing back yet
    approve(back, cast.keeper, cast.keeper2)
    assert tooling_on_loan()[0].outstanding == D(1)
    assert qty(setup.stencil, setup.raw) == D(9) and qty(setup.stencil, setup.at_factory) == D(1)
    with pytest.raises(ValidationFailed):  # never more back than was lent
        services.document_push_down(source=loan, target_type=TOOLING_RETURN, actor=cast.keeper,
                                    quantities={loan.lines.get().pk: D(2)})


def test_only_tooling_and_a_due_date_after_the_loan(setup, cast):
    with pytest.raises(ValidationFailed) as refused:
        _loan(setup, cast.keeper, sku=setup.fabric, due_back="2026-11-01")
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("header.due_back", "due_back_before_date"), ("lines[0].sku", "not_tooling")}


def test_overdue_days(setup, cast):
    approve(_loan(setup, cast.keeper, due_back="2026-11-22"), cast.keeper, cast.keeper2)
    [row] = tooling_on_loan(subcontractor_id=setup.factory.pk)
    assert row.days_overdue >= 0
    assert tooling_on_loan(subcontractor_id=setup.factory.pk + 999) == []
