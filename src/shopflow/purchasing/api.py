"""Purchasing in the API beyond the documents themselves (those go through /documents): the
supplier file 供应商档案, a supplier's statement 对账单, supplier payments 付款 (record, void)
and the goods awaiting exchange 待换货. Same permissions and numbers as the pages."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shopflow.core.errors import PermissionDeniedError
from shopflow.core.schemas import ErrorOut, WriteIn
from shopflow.core.selectors import user_may
from shopflow.partners.models import Supplier
from shopflow.purchasing import selectors, services
from shopflow.purchasing.models import PaymentMethod, SupplierPayment

router = Router(tags=["purchasing"])

ERRORS = {status: ErrorOut for status in (400, 401, 403, 404)}
CENT = Decimal("0.01")
QTY_PLACES = Decimal("0.0001")
STATEMENT_PERM = "purchasing.view_supplierstatement"


def money(value: Decimal) -> Decimal:
    """Money on the wire at the cent ("12.50", "0.00"), like the document API's money fields."""
    return Decimal(value).quantize(CENT)


def qty(value: Decimal) -> Decimal:
    return Decimal(value).quantize(QTY_PLACES)


def _require_statements(user) -> None:
    if not (user and user.is_active and user.has_perm(STATEMENT_PERM)):
        raise PermissionDeniedError("permission_denied", _("You may not view supplier files and statements."))


def _require_exchanges(user) -> None:
    if not user_may(user, "purchasing.purchasereturn", "view"):
        raise PermissionDeniedError("permission_denied", _("You may not view purchase returns and exchanges."))


# ---------------------------------------------------------------- schemas


class SupplierRefOut(Schema):
    id: int
    code: str
    name: str


def supplier_ref(supplier: Supplier) -> SupplierRefOut:
    return SupplierRefOut(id=supplier.pk, code=supplier.code, name=supplier.name)


class SupplierFileQuery(Schema):
    search: str = Field("", description="Part of the supplier's code or name.")
    upto: datetime.date | None = Field(None, description="Count movements up to this day (default: all).")


class SupplierFileRowOut(Schema):
    supplier: SupplierRefOut
    active: bool
    purchases: Decimal = Field(description="Goods received on approved purchase receipts.")
    freight: Decimal
    returns: Decimal = Field(description="Credited for goods returned (positive).")
    paid: Decimal = Field(description="Payments not voided.")
    owed: Decimal = Field(description="purchases + freight − returns − paid.")
    last_date: datetime.date | None = Field(description="Day of the latest movement.")


class StatementQuery(Schema):
    date_from: datetime.date | None = Field(None, description="Default: the first of this month.")
    date_to: datetime.date | None = Field(None, description="Default: today. Reversed dates are swapped.")


class MovementOut(Schema):
    date: datetime.date
    kind: str = Field(description="receipt, exchange_in, return, exchange_out or payment.")
    label: str
    number: str = Field(description="The document's or the payment's number.")
    doc_type: str = Field(description="The document type key; empty for a payment.")
    doc_id: int | None
    goods: Decimal = Field(description="Goods bought (+) or credited for a return (−).")
    freight: Decimal
    paid: Decimal
    amount: Decimal = Field(description="Change of what is owed: goods + freight − paid.")
    balance: Decimal = Field(description="What is owed after this movement.")
    remarks: str


class StatementOut(Schema):
    supplier: SupplierRefOut
    date_from: datetime.date
    date_to: datetime.date
    opening: Decimal = Field(description="Owed at the start of date_from.")
    movements: list[MovementOut]
    goods: Decimal
    freight: Decimal
    paid: Decimal
    closing: Decimal = Field(description="Owed at the end of date_to.")


class PaymentCreateIn(WriteIn):
    amount: Decimal = Field(description='Yuan and fen, greater than zero, e.g. "1200.50".')
    pay_date: datetime.date | None = Field(None, description="Default: today.")
    method: str = Field(PaymentMethod.BANK.value, description="One of: " + ", ".join(PaymentMethod.values) + ".")
    reference: str = Field("", description="Bank or Alipay transaction number.")
    remarks: str = ""


class PaymentVoidIn(WriteIn):
    reason: str = Field("", description="Why the payment is voided (required).")


class PaymentOut(Schema):
    id: int
    number: str
    supplier: SupplierRefOut
    pay_date: datetime.date
    amount: Decimal
    method: str
    method_label: str
    reference: str
    remarks: str
    created_by: str
    created_at: datetime.datetime
    voided: bool
    voided_at: datetime.datetime | None
    voided_by: str | None
    void_reason: str

    @classmethod
    def build(cls, payment: SupplierPayment) -> "PaymentOut":
        payment = SupplierPayment.objects.select_related("supplier", "created_by", "voided_by").get(pk=payment.pk)
        return cls(
            id=payment.pk, number=payment.number, supplier=supplier_ref(payment.supplier), pay_date=payment.pay_date,
            amount=money(payment.amount), method=payment.method, method_label=str(payment.get_method_display()),
            reference=payment.reference, remarks=payment.remarks, created_by=payment.created_by.get_username(),
            created_at=payment.created_at, voided=payment.voided, voided_at=payment.voided_at,
            voided_by=payment.voided_by.get_username() if payment.voided_by else None,
            void_reason=payment.void_reason,
        )


class PaymentListQuery(Schema):
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class ExchangeRowOut(Schema):
    supplier: SupplierRefOut
    sku: int
    sku_code: str
    sku_name: str
    returned: Decimal = Field(description="Sent back on approved exchange returns.")
    exchanged_in: Decimal = Field(description="Received on approved exchange receipts.")
    outstanding: Decimal = Field(description="returned − exchanged_in; negative: more came back than went out.")


# ---------------------------------------------------------------- supplier file and statement


def statement_period(date_from: datetime.date | None, date_to: datetime.date | None):
    """As on the statement page: by default this month up to today; reversed dates swapped."""
    today = timezone.localdate()
    start, end = date_from or today.replace(day=1), date_to or today
    return (end, start) if start > end else (start, end)


@router.get("/suppliers", response={200: list[SupplierFileRowOut], **ERRORS})
def supplier_file(request, query: Query[SupplierFileQuery]):
    """The supplier file: per supplier, everything bought, freight, returned, paid and still owed."""
    _require_statements(request.auth)
    return [
        SupplierFileRowOut(supplier=supplier_ref(b.supplier), active=b.supplier.active, purchases=money(b.purchases),
                           freight=money(b.freight), returns=money(b.returns), paid=money(b.paid),
                           owed=money(b.owed), last_date=b.last_date)
        for b in selectors.supplier_balances(search=query.search, upto=query.upto)
    ]


@router.get("/suppliers/{int:id}/statement", response={200: StatementOut, **ERRORS})
def supplier_statement(request, id: int, query: Query[StatementQuery]):
    """对账单: owed at the start, every movement with the running balance, owed at the end.
    Only approved (or closed) receipts and returns count, and payments not voided."""
    _require_statements(request.auth)
    date_from, date_to = statement_period(query.date_from, query.date_to)
    st = selectors.supplier_statement(supplier_id=id, date_from=date_from, date_to=date_to)  # unknown id → 404
    return StatementOut(
        supplier=supplier_ref(st.supplier), date_from=st.date_from, date_to=st.date_to, opening=money(st.opening),
        movements=[MovementOut(date=r.date, kind=r.kind, label=str(r.label), number=r.number, doc_type=r.doc_type,
                               doc_id=r.doc_id, goods=money(r.goods), freight=money(r.freight), paid=money(r.paid),
                               amount=money(r.change), balance=money(r.balance), remarks=r.remarks)
                   for r in st.rows],
        goods=money(st.goods), freight=money(st.freight), paid=money(st.paid), closing=money(st.closing),
    )


# ---------------------------------------------------------------- payments


@router.get("/suppliers/{int:id}/payments", response={200: list[PaymentOut], **ERRORS})
def supplier_payments(request, id: int, query: Query[PaymentListQuery]):
    """A supplier's payments, voided ones too, newest first (every day unless dates are given)."""
    _require_statements(request.auth)
    supplier = Supplier.objects.get(pk=id)
    payments = selectors.payments_of(supplier_id=supplier.pk, date_from=query.date_from, date_to=query.date_to)
    return [PaymentOut.build(p) for p in payments]


@router.post("/suppliers/{int:id}/payments", response={201: PaymentOut, **ERRORS})
def record_payment(request, id: int, payload: PaymentCreateIn):
    """Record money paid to the supplier (finance and managers); it lowers what is owed from
    `pay_date` on."""
    _require_statements(request.auth)
    supplier = Supplier.objects.get(pk=id)
    payment = services.supplier_payment_create(
        supplier_id=supplier.pk, amount=payload.amount, pay_date=payload.pay_date or timezone.localdate(),
        method=payload.method, reference=payload.reference, remarks=payload.remarks, actor=request.auth)
    return Status(201, PaymentOut.build(payment))


@router.post("/payments/{int:id}/void", response={200: PaymentOut, **ERRORS})
def void_payment(request, id: int, payload: PaymentVoidIn | None = None):
    """Void a payment entered by mistake (finance and managers), with a reason: it stays on
    record and no longer counts."""
    _require_statements(request.auth)
    payment = SupplierPayment.objects.get(pk=id)
    payment = services.supplier_payment_void(payment=payment, actor=request.auth,
                                             reason=(payload or PaymentVoidIn()).reason)
    return PaymentOut.build(payment)


# ---------------------------------------------------------------- goods awaiting exchange 待换货


@router.get("/exchanges", response={200: list[ExchangeRowOut], **ERRORS})
def exchanges(request, supplier: int | None = Query(None, ge=1, le=2**63 - 1)):  # an id: a bigint
    """Goods sent back for exchange that the supplier has not replaced yet, per supplier and SKU."""
    _require_exchanges(request.auth)
    return [
        ExchangeRowOut(supplier=supplier_ref(r.supplier), sku=r.sku.pk, sku_code=r.sku.code, sku_name=r.sku.name,
                       returned=qty(r.returned), exchanged_in=qty(r.exchanged_in), outstanding=qty(r.outstanding))
        for r in selectors.exchange_outstanding(supplier_id=supplier)
    ]
