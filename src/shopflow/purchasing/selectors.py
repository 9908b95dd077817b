"""Reads of purchasing: default warehouses, the first-batch warning, the supplier file and
statement 供应商对账, and the open exchange account 未换货."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.core.conf import setting
from shopflow.core.serialize import plain
from shopflow.core.states import DocState
from shopflow.inventory.models import StockMove, Warehouse, WarehouseKind
from shopflow.partners.models import Supplier
from shopflow.purchasing.models import (
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    PurchaseReturnLine,
    ReceiptKind,
    ReturnKind,
    SupplierPayment,
    line_amount,
)

ZERO = Decimal(0)
# States in which a document's goods and money count.
POSTED = (DocState.APPROVED, DocState.CLOSED)


# ---------------------------------------------------------------- defaults


def default_defective_warehouse() -> Warehouse | None:
    """The first active returns/defective warehouse (by code): where rejected goods go unless
    a receipt names another."""
    return Warehouse.objects.filter(active=True, kind=WarehouseKind.DEFECTIVE).order_by("code").first()


def default_receiving_warehouse() -> Warehouse | None:
    """The first active finished-goods warehouse, else raw materials, else any active one that
    is neither defective nor a subcontractor's."""
    preference = Case(When(kind=WarehouseKind.FINISHED, then=Value(0)), When(kind=WarehouseKind.RAW, then=Value(1)),
                      default=Value(2), output_field=IntegerField())
    return (Warehouse.objects.filter(active=True)
            .exclude(kind__in=[WarehouseKind.DEFECTIVE, WarehouseKind.SUBCONTRACTOR])
            .order_by(preference, "code").first())


# ---------------------------------------------------------------- first batch 首单预警


def skus_received_before(sku_ids) -> set[int]:
    """The SKUs that ever came into stock (an inbound move that was not reversed)."""
    rows = StockMove.objects.filter(sku_id__in=list(sku_ids), quantity__gt=0, reverses__isnull=True,
                                    reversed_by__isnull=True)
    return set(rows.values_list("sku_id", flat=True).distinct())


def first_batch_warnings(order) -> list[str]:
    """Seed 001: the first batch of a new product is kept small (PURCHASE_FIRST_BATCH_MAX,
    default 3). One warning per SKU never received before that this order buys more of."""
    if order.state == DocState.CANCELLED:
        return []
    limit = Decimal(str(setting("PURCHASE_FIRST_BATCH_MAX")))
    totals: dict[int, Decimal] = defaultdict(Decimal)
    skus = {}
    for line in order.lines.select_related("sku"):
        totals[line.sku_id] += line.quantity
        skus[line.sku_id] = line.sku
    over = [sku_id for sku_id, qty in totals.items() if qty > limit]
    if not over:
        return []
    known = skus_received_before(over)
    return [
        _("First batch: %(sku)s has never been received; new products are usually bought %(max)s at most "
          "at first, this order has %(qty)s.") % {"sku": skus[s].code, "max": plain(limit), "qty": plain(totals[s])}
        for s in over if s not in known
    ]


# ---------------------------------------------------------------- supplier file and statement


@dataclass
class StatementRow:
    """One movement on a supplier's account: goods (+ bought, − returned for credit),
    freight, paid; `balance` is what is owed after it."""

    date: datetime.date
    kind: str  # "receipt", "exchange_in", "return", "exchange_out", "payment"
    label: str
    number: str
    doc_type: str = ""
    doc_id: int | None = None
    goods: Decimal = ZERO
    freight: Decimal = ZERO
    paid: Decimal = ZERO
    remarks: str = ""
    balance: Decimal = ZERO

    @property
    def change(self) -> Decimal:
        return self.goods + self.freight - self.paid

    @property
    def doc_slug(self) -> str:
        return self.doc_type.replace(".", "-")


@dataclass
class Statement:
    supplier: Supplier
    date_from: datetime.date
    date_to: datetime.date
    opening: Decimal
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def goods(self) -> Decimal:
        return sum((r.goods for r in self.rows), ZERO)

    @property
    def freight(self) -> Decimal:
        return sum((r.freight for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def goods_and_freight(self) -> Decimal:
        return self.goods + self.freight

    @property
    def closing(self) -> Decimal:
        return self.opening + self.goods + self.freight - self.paid


def _amounts(line_model, documents) -> dict[int, Decimal]:
    """Σ line amount (quantity × unit cost, each rounded to the cent) per document."""
    out: dict[int, Decimal] = defaultdict(Decimal)
    rows = line_model.objects.filter(document__in=documents).values_list("document_id", "quantity", "unit_cost")
    for doc_id, qty, price in rows:
        out[doc_id] += line_amount(qty, price)
    return out


_ORDER = {"receipt": 0, "exchange_in": 1, "return": 2, "exchange_out": 3, "payment": 4}


def _movements(supplier_ids, *, upto: datetime.date | None = None,
               since: datetime.date | None = None) -> list[tuple[int, StatementRow]]:
    """(supplier id, row) for every posted receipt and return and every payment not voided, of
    the suppliers given (None: of all)."""
    period = Q() if supplier_ids is None else Q(supplier_id__in=supplier_ids)
    if upto:
        period &= Q(doc_date__lte=upto)
    if since:
        period &= Q(doc_date__gte=since)
    receipts = PurchaseReceipt.objects.filter(period, state__in=POSTED)
    returns = PurchaseReturn.objects.filter(period, state__in=POSTED)
    out = []
    goods = _amounts(PurchaseReceiptLine, receipts)
    for r in receipts:
        purchase = r.kind == ReceiptKind.PURCHASE
        out.append((r.supplier_id, StatementRow(
            date=r.doc_date, kind="receipt" if purchase else "exchange_in", label=r.get_kind_display(),
            number=r.display_number, doc_type=r.doc_type, doc_id=r.pk, goods=goods[r.pk] if purchase else ZERO,
            freight=r.freight, remarks=r.remarks)))
    credit = _amounts(PurchaseReturnLine, returns)
    for r in returns:
        plain_return = r.kind == ReturnKind.RETURN
        out.append((r.supplier_id, StatementRow(
            date=r.doc_date, kind="return" if plain_return else "exchange_out", label=r.get_kind_display(),
            number=r.display_number, doc_type=r.doc_type, doc_id=r.pk,
            goods=-credit[r.pk] if plain_return else ZERO, remarks=r.remarks)))
    pay_period = Q() if supplier_ids is None else Q(supplier_id__in=supplier_ids)
    if upto:
        pay_period &= Q(pay_date__lte=upto)
    if since:
        pay_period &= Q(pay_date__gte=since)
    payments = SupplierPayment.objects.filter(pay_period, voided_at__isnull=True)
    for p in payments:
        out.append((p.supplier_id, StatementRow(
            date=p.pay_date, kind="payment", label=_("Payment (%(method)s)") % {"method": p.get_method_display()},
            number=p.number, paid=p.amount, remarks=" ".join(x for x in (p.reference, p.remarks) if x))))
    out.sort(key=lambda pair: (pair[1].date, _ORDER[pair[1].kind], pair[1].number))
    return out


def supplier_statement(*, supplier_id: int, date_from: datetime.date, date_to: datetime.date) -> Statement:
    """对账单: what was owed before `date_from`, every movement from `date_from` to `date_to`
    (inclusive) with the running balance, and what is owed at the end. Only approved (or
    closed) receipts and returns count, and payments that were not voided."""
    supplier = Supplier.objects.get(pk=supplier_id)
    # Nothing lies before the first day there is (0001-01-01, which a caller may well send).
    before = _movements([supplier_id], upto=date_from - datetime.timedelta(days=1)) \
        if date_from > datetime.date.min else []
    opening = sum((row.change for _s, row in before), ZERO)
    statement = Statement(supplier=supplier, date_from=date_from, date_to=date_to, opening=opening)
    balance = opening
    for _s, row in _movements([supplier_id], since=date_from, upto=date_to):
        balance += row.change
        row.balance = balance
        statement.rows.append(row)
    return statement


@dataclass
class SupplierBalance:
    supplier: Supplier
    purchases: Decimal = ZERO  # goods received (purchase receipts)
    freight: Decimal = ZERO
    returns: Decimal = ZERO  # credited for goods returned (positive)
    paid: Decimal = ZERO
    last_date: datetime.date | None = None

    @property
    def owed(self) -> Decimal:
        return self.purchases + self.freight - self.returns - self.paid


def supplier_balances(*, search: str = "", upto: datetime.date | None = None) -> list[SupplierBalance]:
    """供应商档案: per supplier, everything bought, freight, returned, paid and still owed (up
    to `upto`, default: all). Active suppliers, and inactive ones with movements."""
    suppliers = Supplier.objects.all()
    if search.strip():
        suppliers = suppliers.filter(Q(code__icontains=search.strip()) | Q(name__icontains=search.strip()))
    by_id = {s.pk: SupplierBalance(supplier=s) for s in suppliers}
    for supplier_id, row in _movements(list(by_id) if search.strip() else None, upto=upto):
        bal = by_id[supplier_id]
        if row.goods >= 0:
            bal.purchases += row.goods
        else:
            bal.returns -= row.goods
        bal.freight += row.freight
        bal.paid += row.paid
        bal.last_date = row.date
    return [b for b in by_id.values() if b.supplier.active or b.last_date is not None]


# ---------------------------------------------------------------- open exchange account 未换货


@dataclass
class ExchangeOutstandingRow:
    supplier: Supplier
    sku: Sku
    returned: Decimal
    exchanged_in: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.returned - self.exchanged_in


def exchange_outstanding(*, supplier_id: int | None = None) -> list[ExchangeOutstandingRow]:
    """Seed 001's separate account for goods not yet exchanged: per supplier and SKU, what went
    back on approved exchange returns minus what came in on approved exchange-in receipts.
    Only rows with something outstanding (or more received than returned)."""
    returns = PurchaseReturnLine.objects.filter(document__state__in=POSTED, document__kind=ReturnKind.EXCHANGE)
    receipts = PurchaseReceiptLine.objects.filter(document__state__in=POSTED, document__kind=ReceiptKind.EXCHANGE)
    if supplier_id is not None:
        returns = returns.filter(document__supplier_id=supplier_id)
        receipts = receipts.filter(document__supplier_id=supplier_id)
    totals: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for index, qs in enumerate((returns, receipts)):
        for row in qs.values("document__supplier_id", "sku_id").annotate(q=Sum("quantity")).order_by():
            totals[(row["document__supplier_id"], row["sku_id"])][index] += row["q"]
    open_keys = [key for key, (out, back) in totals.items() if out != back]
    suppliers = Supplier.objects.in_bulk({s for s, _k in open_keys})
    skus = Sku.objects.in_bulk({k for _s, k in open_keys})
    rows = [ExchangeOutstandingRow(supplier=suppliers[s], sku=skus[k], returned=totals[(s, k)][0],
                                   exchanged_in=totals[(s, k)][1]) for s, k in open_keys]
    return sorted(rows, key=lambda r: (r.supplier.code, r.sku.code))


def payments_of(*, supplier_id: int, date_from: datetime.date | None = None,
                date_to: datetime.date | None = None):
    """A supplier's payments (voided ones too, marked), newest first."""
    qs = SupplierPayment.objects.filter(supplier_id=supplier_id).select_related("created_by", "voided_by")
    if date_from:
        qs = qs.filter(pay_date__gte=date_from)
    if date_to:
        qs = qs.filter(pay_date__lte=date_to)
    return qs
