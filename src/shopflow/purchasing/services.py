"""Rules, effects and push-down mappings of the purchasing documents (the framework does the
rest), and the writes of supplier payments."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.core.conf import setting
from shopflow.core.errors import Blocking, DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.selectors import upstream_refs
from shopflow.core.serialize import plain
from shopflow.core.services import audit_record, number_next
from shopflow.inventory.models import Warehouse
from shopflow.inventory.services import MoveSpec, stock_post, stock_reverse_origin
from shopflow.partners.models import Supplier
from shopflow.purchasing.error_codes import PurchasingError
from shopflow.purchasing.models import (
    BusinessType,
    PaymentMethod,
    PurchaseReceipt,
    ReceiptKind,
    ReturnKind,
    SupplierPayment,
)
from shopflow.purchasing.selectors import default_defective_warehouse, default_receiving_warehouse

RECEIPT = "purchasing.purchasereceipt"


def _inactive_warehouses(doc, fields: tuple[str, ...]) -> list[FieldError]:
    chosen = {name: getattr(doc, f"{name}_id") for name in fields if getattr(doc, f"{name}_id", None)}
    active = dict(Warehouse.objects.filter(pk__in=set(chosen.values())).values_list("pk", "active"))
    return [
        FieldError(f"header.{name}", _("This warehouse is no longer in use."), PurchasingError.INACTIVE_WAREHOUSE)
        for name, pk in chosen.items() if active.get(pk) is False
    ]


# ---------------------------------------------------------------- requisition 采购申请


def _required_date_errors(doc, lines) -> list[tuple[int, object]]:
    """(row, line) of every line whose required date is not after the requisition date."""
    return [(getattr(line, "input_index", index), line) for index, line in enumerate(lines)
            if line.required_date and doc.doc_date and line.required_date <= doc.doc_date]


def requisition_validate(doc, lines) -> list[FieldError]:
    """Seed 000: the arrival date 到货日期 must be after the requisition date."""
    return [
        FieldError(f"lines[{row}].required_date",
                   _("The required date must be after the requisition date (%(date)s).")
                   % {"date": doc.doc_date.isoformat()}, PurchasingError.REQUIRED_DATE_NOT_AFTER)
        for row, _line in _required_date_errors(doc, lines)
    ]


def requisition_dates_after(doc, actor):
    """Submit guard: the same rule, for a draft saved before the rule or with a changed date."""
    for _row, line in _required_date_errors(doc, list(doc.lines.all())):
        yield Blocking(PurchasingError.REQUIRED_DATE_NOT_AFTER,
                       _("Line %(line)s: the required date %(required)s is not after the requisition date %(date)s.")
                       % {"line": line.line_no, "required": line.required_date.isoformat(),
                          "date": doc.doc_date.isoformat()})


def requisition_to_order_check(requisition) -> str:
    if requisition.business_type != BusinessType.STANDARD:
        return _("Only standard requisitions become purchase orders; %(doc)s is of business type “%(type)s”.") % {
            "doc": requisition.display_number, "type": requisition.get_business_type_display()}
    return ""


def requisition_to_order_header(requisition) -> dict:
    """The supplier is chosen when pushing (PushRule.ask_header); the receiving warehouse
    defaults to the main one and the expected arrival to the earliest required date still ahead."""
    warehouse = default_receiving_warehouse()
    dates = [d for d in requisition.lines.values_list("required_date", flat=True) if d >= timezone.localdate()]
    return {"warehouse": warehouse.pk if warehouse else None, "expected_date": min(dates) if dates else None,
            "remarks": _("From purchase requisition %(number)s") % {"number": requisition.display_number}}


def requisition_to_order_line(line) -> dict:
    return {"sku": line.sku_id, "required_date": line.required_date, "unit_price": line.sku.cost}


# ---------------------------------------------------------------- purchase order 采购订单


def purchase_order_validate(doc, lines) -> list[FieldError]:
    errors = _inactive_warehouses(doc, ("warehouse",))
    if doc.expected_date and doc.doc_date and doc.expected_date < doc.doc_date:
        errors.append(FieldError("header.expected_date", _("The expected arrival cannot be before the order date.")))
    return errors


def over_receipt_allowance(order_line) -> Decimal:
    """How much more than ordered a purchase order line may be received in all
    (PURCHASE_OVER_RECEIPT_PERCENT of the ordered quantity)."""
    percent = Decimal(str(setting("PURCHASE_OVER_RECEIPT_PERCENT")))
    return order_line.quantity * percent / 100


def _receipt_defaults() -> dict:
    defective = default_defective_warehouse()
    return {"defective_warehouse": defective.pk if defective else None}


def purchase_order_to_receipt_header(order) -> dict:
    return {"supplier": order.supplier_id, "warehouse": order.warehouse_id, "kind": ReceiptKind.PURCHASE,
            **_receipt_defaults(),
            "remarks": _("From purchase order %(number)s") % {"number": order.display_number}}


def purchase_order_to_receipt_line(line) -> dict:
    return {"sku": line.sku_id, "unit_cost": line.unit_price}


# ---------------------------------------------------------------- receipt 采购入库 with QC 抽检


def purchase_receipt_validate(doc, lines) -> list[FieldError]:
    """Rejected ≤ received on every line; rejected goods need a defective warehouse other than
    the receiving one (empty: the first active returns/defective warehouse is filled in)."""
    if not doc.defective_warehouse_id:
        defective = default_defective_warehouse()
        doc.defective_warehouse_id = defective.pk if defective else None
    errors = _inactive_warehouses(doc, ("warehouse", "defective_warehouse"))
    rejecting = False
    for index, line in enumerate(lines):
        rejected = line.rejected_quantity or Decimal(0)
        rejecting = rejecting or rejected > 0
        if rejected > line.quantity:
            errors.append(FieldError(
                f"lines[{getattr(line, 'input_index', index)}].rejected_quantity",
                _("Rejected %(rejected)s is more than the %(received)s received.")
                % {"rejected": plain(rejected), "received": plain(line.quantity)},
                PurchasingError.REJECTED_EXCEEDS_RECEIVED))
    errors.extend(_receipt_kind_errors(doc))
    if rejecting and not doc.defective_warehouse_id:
        errors.append(FieldError("header.defective_warehouse",
                                 _("Rejected goods need a defective warehouse; set one up (kind Returns / defective) "
                                   "or choose one."), PurchasingError.NO_DEFECTIVE_WAREHOUSE))
    elif rejecting and doc.defective_warehouse_id == doc.warehouse_id:
        errors.append(FieldError("header.defective_warehouse",
                                 _("Rejected goods must go to another warehouse than the accepted ones."),
                                 PurchasingError.SAME_DEFECTIVE_WAREHOUSE))
    return errors


def _receipt_kind_errors(doc) -> list[FieldError]:
    """A receipt pushed from a purchase order is a purchase; one pushed from a return is the
    exchange for it (the kind decides what is owed, so it cannot be switched on a draft)."""
    if not doc.pk:
        return []
    sources = {key for key, _pk in upstream_refs(doc)}
    expected = (ReceiptKind.PURCHASE if "purchasing.purchaseorder" in sources
                else ReceiptKind.EXCHANGE if "purchasing.purchasereturn" in sources else None)
    if expected and doc.kind != expected:
        return [FieldError("header.kind", _("This receipt was pushed down from %(source)s, so it is a “%(kind)s”.")
                           % {"source": _("a purchase order") if expected == ReceiptKind.PURCHASE
                              else _("an exchange return"), "kind": ReceiptKind(expected).label},
                           PurchasingError.WRONG_RECEIPT_KIND)]
    return []


def purchase_receipt_post(doc, actor) -> None:
    """Approval puts the accepted goods into the receipt's warehouse and the rejected ones into
    its defective warehouse, both at the line's unit cost."""
    moves = []
    for line in doc.lines.all():
        for warehouse_id, qty in ((doc.warehouse_id, line.accepted_quantity),
                                  (doc.defective_warehouse_id, line.rejected_quantity)):
            if qty > 0:
                moves.append(MoveSpec(sku_id=line.sku_id, warehouse_id=warehouse_id, quantity=qty,
                                      unit_cost=line.unit_cost, origin_line_id=line.pk))
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def purchase_document_unpost(doc, actor) -> None:
    """Un-approval of a receipt or return: reversing moves (refused if the stock was used)."""
    stock_reverse_origin(origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def receipt_to_return_header(receipt) -> dict:
    """Rejected goods are usually what goes back: from the defective warehouse when the receipt
    rejected any (the person pushing may choose kind and warehouse)."""
    rejected = any(line.rejected_quantity > 0 for line in receipt.lines.all())
    warehouse = receipt.defective_warehouse_id if rejected and receipt.defective_warehouse_id else receipt.warehouse_id
    return {"supplier": receipt.supplier_id, "warehouse": warehouse, "kind": ReturnKind.RETURN,
            "remarks": _("From purchase receipt %(number)s") % {"number": receipt.display_number}}


def receipt_to_return_line(line) -> dict:
    return {"sku": line.sku_id, "unit_cost": line.unit_cost}


# ---------------------------------------------------------------- return 采购退货 / exchange 换货


def purchase_return_validate(doc, lines) -> list[FieldError]:
    return _inactive_warehouses(doc, ("warehouse",))


def purchase_return_post(doc, actor) -> None:
    """Approval takes the goods out of the warehouse (refused if not enough is free there)."""
    stock_post(
        moves=[MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=-line.quantity,
                        origin_line_id=line.pk) for line in doc.lines.all()],
        origin_type=doc.doc_type, origin_id=doc.pk, actor=actor,
    )


def return_to_exchange_check(purchase_return) -> str:
    if purchase_return.kind != ReturnKind.EXCHANGE:
        return _("%(doc)s is a return for credit; only exchange returns expect replacement goods.") % {
            "doc": purchase_return.display_number}
    return ""


def return_to_exchange_header(purchase_return) -> dict:
    """Replacements go where the returned goods first came in (the receipt the return was
    pushed from), else to the main warehouse."""
    receipt_ids = [pk for key, pk in upstream_refs(purchase_return) if key == RECEIPT]
    receipt = PurchaseReceipt.objects.filter(pk__in=receipt_ids).order_by("pk").first()
    warehouse = receipt.warehouse if receipt else default_receiving_warehouse()
    return {"supplier": purchase_return.supplier_id, "kind": ReceiptKind.EXCHANGE,
            "warehouse": warehouse.pk if warehouse else None, **_receipt_defaults(),
            "remarks": _("Exchange for purchase return %(number)s") % {"number": purchase_return.display_number}}


def return_to_exchange_line(line) -> dict:
    return {"sku": line.sku_id, "unit_cost": line.unit_cost}


# ---------------------------------------------------------------- supplier payments 付款


def _require(actor, codename: str, message: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(f"purchasing.{codename}")):
        raise PermissionDeniedError("permission_denied", message)


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() else None


def _payment_errors(supplier_id, amount, pay_date, method) -> list[FieldError]:
    errors = []
    if not Supplier.objects.filter(pk=supplier_id).exists():
        errors.append(FieldError("supplier", _("Choose a supplier."), PurchasingError.UNKNOWN_SUPPLIER))
    if amount is None or amount <= 0 or amount >= Decimal("1e16") or amount != amount.quantize(Decimal("0.01")):
        errors.append(FieldError("amount", _("Enter an amount greater than zero, in yuan and fen (e.g. 1200.50)."),
                                 "invalid"))
    if not isinstance(pay_date, datetime.date):
        errors.append(FieldError("pay_date", _("Enter the payment date."), "invalid"))
    if method not in PaymentMethod.values:
        errors.append(FieldError("method", _("Choose a payment method."), "invalid"))
    return errors


@transaction.atomic
def supplier_payment_create(*, supplier_id: int, amount, pay_date: datetime.date, actor,
                            method: str = PaymentMethod.BANK, reference: str = "",
                            remarks: str = "") -> SupplierPayment:
    """Record money paid to a supplier (numbered FK-YYYYMMDD-NNNN, audited); it lowers what is
    owed on the supplier file from `pay_date` on."""
    _require(actor, "add_supplierpayment", _("You may not record supplier payments."))
    value = _money(amount)
    errors = _payment_errors(supplier_id, value, pay_date, method)
    if len(reference) > 100:
        errors.append(FieldError("reference", _("At most 100 characters."), "invalid"))
    if len(remarks) > 500:
        errors.append(FieldError("remarks", _("At most 500 characters."), "invalid"))
    if errors:
        raise ValidationFailed(errors)
    payment = SupplierPayment.objects.create(
        number=number_next(doc_type="purchasing.supplierpayment", prefix="FK", day=timezone.localdate()),
        supplier_id=supplier_id, amount=value, pay_date=pay_date, method=method, reference=reference.strip(),
        remarks=remarks.strip(), created_by=actor,
    )
    audit_record(doc=payment, action="create", actor=actor, to_state="",
                 payload={"supplier": supplier_id, "amount": plain(value), "pay_date": pay_date.isoformat(),
                          "method": method, "reference": payment.reference})
    return payment


@transaction.atomic
def supplier_payment_void(*, payment: SupplierPayment, actor, reason: str) -> SupplierPayment:
    """Void a payment entered by mistake: it stays on record, no longer counts, with who, when
    and why."""
    _require(actor, "void_supplierpayment", _("You may not void supplier payments."))
    payment = SupplierPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.voided:
        raise DomainError(PurchasingError.PAYMENT_VOIDED, _("Payment %(number)s is already void.")
                          % {"number": payment.number})
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("A reason is required."), "reason_required")])
    payment.voided_at = timezone.now()
    payment.voided_by = actor
    payment.void_reason = reason.strip()[:500]
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit_record(doc=payment, action="void", actor=actor, to_state="", reason=payment.void_reason)
    return payment
