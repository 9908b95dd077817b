"""Every subcontracting document (and the sales order) passes the framework's conformance suite:
declared states, permissions, illegal transitions change nothing, approval's effect on stock,
fees and issue lists is undone by un-approval, every transition is audited."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.db import DecimalSum
from shopflow.core.states import DocState
from shopflow.core.testing import DocumentConformance
from shopflow.inventory.models import StockBalance, StockMove
from shopflow.partners.services import customer_create
from shopflow.subcontracting.models import MaterialIssueList, ProcessingFee
from tests.subcontracting.conftest import (
    ISSUE_LIST,
    LOAN,
    ORDER,
    RECEIPT,
    RETURN,
    TOOLING_RETURN,
    TRANSFER,
    D,
    approve,
    make_order,
)


class LedgerSnapshot:
    def effect_snapshot(self, doc):
        moves = (StockMove.objects.filter(origin_type=self.doc_type, origin_id=doc.pk)
                 .aggregate(s=DecimalSum("quantity")))
        balances = sorted(StockBalance.objects.exclude(on_hand=0).values_list("sku_id", "warehouse_id", "on_hand"))
        fees = ProcessingFee.objects.aggregate(s=DecimalSum("amount"))["s"] or 0
        return moves["s"] or 0, balances, Decimal(fees)


def _issued_order(setup, cast):
    """An approved order (made by the planner, approved by the manager), its issue list
    approved and all materials at the subcontractor."""
    order = approve(make_order(setup, cast.planner, 10), cast.planner, cast.manager)
    issue_list = approve(MaterialIssueList.objects.get(order=order), cast.planner, cast.planner)
    approve(services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner),
            cast.planner, cast.keeper)
    return order


class TestSubcontractOrderConformance(DocumentConformance):
    doc_type = ORDER

    def effect_snapshot(self, doc):
        return MaterialIssueList.objects.filter(order=doc).exclude(state=DocState.CANCELLED).count()

    @pytest.fixture
    def make_draft(self, setup):
        return lambda actor: make_order(setup, actor, 10)


class TestMaterialIssueListConformance(DocumentConformance):
    doc_type = ISSUE_LIST

    @pytest.fixture
    def make_draft(self, setup, cast):
        def make(actor):
            order = make_order(setup, cast.planner, 10)
            services.document_transition(order, "submit", actor=cast.planner)
            services.document_transition(order, "approve", actor=actor)  # the list is made by the approver
            return MaterialIssueList.objects.get(order=order)

        return make


class TestSubcontractReceiptConformance(LedgerSnapshot, DocumentConformance):
    doc_type = RECEIPT

    @pytest.fixture
    def make_draft(self, setup, cast):
        order = _issued_order(setup, cast)
        return lambda actor: services.document_push_down(source=order, target_type=RECEIPT, actor=actor,
                                                         quantities={order.lines.get().pk: D(1)})


class TestMaterialReturnConformance(LedgerSnapshot, DocumentConformance):
    doc_type = RETURN

    @pytest.fixture
    def make_draft(self, setup, cast):
        order = _issued_order(setup, cast)
        return lambda actor: services.document_create(doc_type=RETURN, actor=actor, header={
            "order": order.pk, "warehouse": setup.raw.pk}, lines=[
            {"sku": setup.fabric.pk, "quantity": "0.5", "disposition": "returned"},
            {"sku": setup.label.pk, "quantity": "1", "disposition": "scrapped"}])


class TestToolingLoanConformance(LedgerSnapshot, DocumentConformance):
    doc_type = LOAN

    @pytest.fixture
    def make_draft(self, setup):
        return lambda actor: services.document_create(doc_type=LOAN, actor=actor, header={
            "subcontractor": setup.factory.pk, "from_warehouse": setup.raw.pk, "due_back": "2027-01-31"},
            lines=[{"sku": setup.stencil.pk, "quantity": "1"}])


class TestToolingReturnConformance(LedgerSnapshot, DocumentConformance):
    doc_type = TOOLING_RETURN

    @pytest.fixture
    def make_draft(self, setup, cast):
        loan = approve(services.document_create(doc_type=LOAN, actor=cast.keeper, header={
            "subcontractor": setup.factory.pk, "from_warehouse": setup.raw.pk, "due_back": "2027-01-31"},
            lines=[{"sku": setup.stencil.pk, "quantity": "8"}]), cast.keeper, cast.keeper2)
        return lambda actor: services.document_push_down(source=loan, target_type=TOOLING_RETURN, actor=actor,
                                                         quantities={loan.lines.get().pk: D(1)})


class TestSalesOrderConformance(DocumentConformance):
    doc_type = "sales.salesorder"

    @pytest.fixture
    def make_draft(self, setup, cast):
        customer = customer_create(actor=cast.manager, code="KH900", name="杭州衣橱服饰")
        return lambda actor: services.document_create(doc_type=self.doc_type, actor=actor, header={
            "customer": customer.pk}, lines=[{"sku": setup.tee.pk, "quantity": "5", "unit_price": "39.00"}])
