"""Rules and effects of the subcontracting documents (the document framework does the rest).

The flow of seed 000: an approved subcontract order makes its material issue list 投料单 (from
the BOMs × quantity, with scrap); planners edit and approve the list; transfers 调拨单 pushed
down from it carry the materials into the subcontractor's warehouse (again for replenishment
补料; more than the list needs the over-issue permission and a reason); receipts bring the
products back, consume the materials there pro rata and book the processing fee; material
returns and scrap clear what is left; the order closes when nothing of it is left at the
subcontractor."""

from collections import defaultdict
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from shopflow.catalog.models import ProductKind
from shopflow.catalog.selectors import bom_default, bom_totals
from shopflow.core.db import DecimalSum
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import Blocking, DomainError, FieldError
from shopflow.core.models import DocumentLink
from shopflow.core.serialize import plain
from shopflow.core.services import document_create, document_transition
from shopflow.core.states import DocState
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.inventory.services import MoveSpec, stock_post, stock_reverse_origin
from shopflow.subcontracting.error_codes import SubcontractError
from shopflow.subcontracting.keys import ISSUE_LIST, LIVE, ORDER, TRANSFER
from shopflow.subcontracting.models import (
    Disposition,
    MaterialIssueList,
    MaterialIssueListLine,
    ProcessingFee,
    SubcontractOrder,
    SubcontractReceipt,
    SubcontractReceiptLine,
    SubcontractType,
)
from shopflow.subcontracting.selectors import order_reconciliation

QTY_STEP = Decimal("0.0001")
# The order whose approval is making its issue list right now (its state is set after the effect).
_approving: ContextVar[int | None] = ContextVar("approving_subcontract_order", default=None)


def subcontractor_warehouse(subcontractor) -> Warehouse:
    warehouse = Warehouse.objects.filter(subcontractor=subcontractor).first()
    if warehouse is None:
        raise DomainError(SubcontractError.SUBCONTRACTOR_WAREHOUSE,
                          _("Subcontractor %(name)s has no warehouse yet; save the subcontractor again to create it.")
                          % {"name": subcontractor})
    return warehouse


def default_warehouse(kind: str) -> int | None:
    return Warehouse.objects.filter(kind=kind, active=True).order_by("code").values_list("pk", flat=True).first()


def _own_warehouse_errors(doc, names: tuple[str, ...]) -> list[FieldError]:
    """Materials leave from, and products come back into, our own warehouses — not a subcontractor's."""
    errors = []
    for name in names:
        warehouse = getattr(doc, name, None) if getattr(doc, f"{name}_id", None) else None
        if warehouse is None:
            continue
        if warehouse.kind == WarehouseKind.SUBCONTRACTOR:
            errors.append(FieldError(f"header.{name}", _("Choose one of our own warehouses, not a subcontractor's."),
                                     SubcontractError.SUBCONTRACTOR_WAREHOUSE))
        elif not warehouse.active:
            errors.append(FieldError(f"header.{name}", _("This warehouse is no longer in use."), "inactive_warehouse"))
    return errors


# ---------------------------------------------------------------- subcontract order 委外订单


def subcontract_order_validate(doc: SubcontractOrder, lines) -> list[FieldError]:
    errors = _own_warehouse_errors(doc, ("material_warehouse", "receipt_warehouse"))
    if doc.original_order_id and doc.pk and doc.original_order_id == doc.pk:
        errors.append(FieldError("header.original_order", _("An order cannot rework itself.")))
    for line in lines:
        where = f"lines[{line.input_index}]"
        if line.bom_id and line.bom.product_id != line.sku_id:
            errors.append(FieldError(f"{where}.bom", _("BOM %(bom)s is not a BOM of %(sku)s.")
                                     % {"bom": line.bom, "sku": line.sku.code}, SubcontractError.WRONG_BOM))
    return errors


def needs_subcontractor(doc, actor):
    if not doc.subcontractor_id:
        yield Blocking(SubcontractError.NO_SUBCONTRACTOR, _("Choose the subcontractor first."))


def needs_boms(doc, actor):
    """A normal order's products need a BOM to make the issue list from; a rework does not."""
    if doc.order_type == SubcontractType.REWORK:
        return
    for line in doc.lines.select_related("sku", "bom"):
        if line.bom_id is None and bom_default(line.sku) is None:
            yield Blocking(SubcontractError.NO_BOM,
                           _("Line %(line)s: %(sku)s has no BOM; add one or make this a rework order.")
                           % {"line": line.line_no, "sku": line.sku.code})


def _materials(order: SubcontractOrder) -> list[dict]:
    """The issue list's lines: per order line, its BOM's direct components × quantity with scrap
    (rework: the product itself)."""
    out = []
    for line in order.lines.select_related("sku", "bom").order_by("line_no"):
        if order.order_type == SubcontractType.REWORK:
            out.append({"sku": line.sku_id, "order_line": line.pk, "quantity": line.quantity})
            continue
        bom = line.bom or bom_default(line.sku)
        for sku, quantity in bom_totals(sku=line.sku, quantity=line.quantity, version=bom.version, levels=1):
            out.append({"sku": sku.pk, "order_line": line.pk, "quantity": quantity})
    return out


def subcontract_order_approve(doc: SubcontractOrder, actor) -> None:
    """Approval makes the draft material issue list; zero-quantity links tie each material to
    its product line, so trace shows the list and the order cannot be un-approved while the
    list is live."""
    lines = _materials(doc)
    token = _approving.set(doc.pk)
    try:
        issue_list = document_create(doc_type=ISSUE_LIST, actor=actor, header={"order": doc.pk},
                                     lines=[dict(line, remarks="") for line in lines])
    finally:
        _approving.reset(token)
    DocumentLink.objects.bulk_create([
        DocumentLink(source_type=ORDER, source_id=doc.pk, source_line_id=spec["order_line"],
                     target_type=ISSUE_LIST, target_id=issue_list.pk, target_line_id=line.pk, quantity=0)
        for spec, line in zip(lines, issue_list.lines.order_by("line_no"), strict=True)
    ])


def issue_list_not_approved(doc, actor):
    """Un-approve: an approved issue list (materials may be on their way) must be un-approved first."""
    approved = doc.issue_lists.filter(state__in=(DocState.APPROVED, DocState.CLOSED)).first()
    if approved:
        yield Blocking(CoreError.HAS_DOWNSTREAM, _("Material issue list %(list)s is approved; un-approve it first.")
                       % {"list": approved.display_number})


def subcontract_order_unapprove(doc: SubcontractOrder, actor) -> None:
    """Undo approval: cancel the issue list it made, while that is still a draft or submitted."""
    for issue_list in doc.issue_lists.filter(state__in=(DocState.DRAFT, DocState.SUBMITTED)):
        document_transition(issue_list, "cancel", actor=actor,
                            reason=_("Order %(order)s un-approved") % {"order": doc.display_number})


def is_reconciled(doc, actor):
    left = [row for row in order_reconciliation(doc).materials if row.at_subcontractor != 0]
    if left:
        yield Blocking(SubcontractError.NOT_RECONCILED,
                       _("Still at the subcontractor: %(items)s. Receive, return or scrap them first.")
                       % {"items": "、".join(f"{r.sku.code} {plain(r.at_subcontractor)}" for r in left[:8])})


# ---------------------------------------------------------------- material issue list 投料单


def issue_list_validate(doc: MaterialIssueList, lines) -> list[FieldError]:
    errors = []
    if not doc.order_id:
        return errors
    if doc.pk:
        stored = MaterialIssueList.objects.filter(pk=doc.pk).values_list("order_id", flat=True).first()
        if stored != doc.order_id:
            errors.append(FieldError("header.order", _("An issue list stays with the order it was made for."),
                                     SubcontractError.ORDER_CHANGED))
            return errors
    order = doc.order
    if order.state != DocState.APPROVED and order.pk != _approving.get():
        errors.append(FieldError("header.order", _("Order %(order)s is not approved.")
                                 % {"order": order.display_number}, SubcontractError.ORDER_NOT_APPROVED))
    other = (MaterialIssueList.objects.filter(order=order, state__in=LIVE).exclude(pk=doc.pk)
             .values_list("number", "pk").first())
    if other:
        errors.append(FieldError("header.order", _("Order %(order)s already has issue list %(list)s.")
                                 % {"order": order.display_number, "list": other[0] or f"#{other[1]}"},
                                 SubcontractError.LIST_EXISTS))
    order_lines = {line.pk: line for line in order.lines.all()}
    only = next(iter(order_lines.values())) if len(order_lines) == 1 else None
    for line in lines:
        where = f"lines[{line.input_index}].order_line"
        if line.order_line_id is None:
            if only is None:
                errors.append(FieldError(where, _("Choose the order line this material is for."),
                                         SubcontractError.WRONG_ORDER_LINE))
            else:
                line.order_line = only
        elif line.order_line_id not in order_lines:
            errors.append(FieldError(where, _("This line is not on order %(order)s.")
                                     % {"order": order.display_number}, SubcontractError.WRONG_ORDER_LINE))
    return errors


def issue_list_to_transfer_header(issue_list: MaterialIssueList) -> dict:
    order = issue_list.order
    return {"from_warehouse": order.material_warehouse_id,
            "to_warehouse": subcontractor_warehouse(order.subcontractor).pk,
            "remarks": _("Materials for subcontract order %(order)s (issue list %(list)s)")
            % {"order": order.display_number, "list": issue_list.display_number}}


def issue_list_to_transfer_line(line) -> dict:
    return {"sku": line.sku_id}


def _issue_list_of_transfer(doc) -> MaterialIssueList | None:
    if not doc.pk:
        return None
    link = DocumentLink.objects.filter(target_type=TRANSFER, target_id=doc.pk, source_type=ISSUE_LIST).first()
    return MaterialIssueList.objects.select_related("order__subcontractor").get(pk=link.source_id) if link else None


def issue_transfer_validate(doc, lines) -> list[FieldError]:
    """A transfer pushed down from an issue list goes into that subcontractor's warehouse from one
    of ours, and carries only the list's materials (add more by pushing down again)."""
    issue_list = _issue_list_of_transfer(doc)
    if issue_list is None:
        return []
    errors = []
    target = Warehouse.objects.filter(subcontractor=issue_list.order.subcontractor).first()
    if target is None or doc.to_warehouse_id != target.pk:
        errors.append(FieldError("header.to_warehouse", _("Materials of issue list %(list)s go to %(warehouse)s.")
                                 % {"list": issue_list.display_number, "warehouse": target},
                                 SubcontractError.ISSUE_TARGET))
    if doc.from_warehouse_id and doc.from_warehouse.kind == WarehouseKind.SUBCONTRACTOR:
        errors.append(FieldError("header.from_warehouse", _("Materials leave from one of our own warehouses."),
                                 SubcontractError.ISSUE_TARGET))
    for line in lines:
        if line.pk is None:
            errors.append(FieldError(f"lines[{line.input_index}].sku",
                                     _("Only the issue list's materials can be on this transfer; push down again "
                                       "from issue list %(list)s for more.") % {"list": issue_list.display_number},
                                     SubcontractError.NOT_ON_LIST))
    return errors


# ---------------------------------------------------------------- subcontract receipt 委外入库


def order_to_receipt_header(order: SubcontractOrder) -> dict:
    return {"order": order.pk, "warehouse": order.receipt_warehouse_id,
            "remarks": _("From subcontract order %(order)s") % {"order": order.display_number}}


def order_to_receipt_line(line) -> dict:
    return {"sku": line.sku_id, "order_line": line.pk, "unit_fee": line.unit_fee}


def receipt_validate(doc: SubcontractReceipt, lines) -> list[FieldError]:
    errors = _own_warehouse_errors(doc, ("warehouse",))
    if not doc.order_id:
        return errors
    for line in lines:
        where = f"lines[{line.input_index}]"
        if line.order_line_id and line.order_line.document_id != doc.order_id:
            errors.append(FieldError(f"{where}.order_line", _("This line is not on order %(order)s.")
                                     % {"order": doc.order.display_number}, SubcontractError.WRONG_ORDER_LINE))
        elif line.order_line_id and line.sku_id != line.order_line.sku_id:
            errors.append(FieldError(f"{where}.sku", _("Order line %(line)s is for %(sku)s.")
                                     % {"line": line.order_line.line_no, "sku": line.order_line.sku.code},
                                     SubcontractError.WRONG_ORDER_LINE))
    return errors


def _approved_issue_list(order: SubcontractOrder) -> MaterialIssueList:
    issue_list = order.issue_lists.filter(state__in=(DocState.APPROVED, DocState.CLOSED)).first()
    if issue_list is None:
        raise DomainError(SubcontractError.LIST_NOT_APPROVED,
                          _("The material issue list of order %(order)s is not approved yet.")
                          % {"order": order.display_number})
    return issue_list


def _locked_order(order_id: int) -> SubcontractOrder:
    # Only the order's row: PostgreSQL cannot lock the nullable side of the subcontractor join.
    return SubcontractOrder.objects.select_for_update(of=("self",)).select_related("subcontractor").get(pk=order_id)


def _received_before(order_line_ids, exclude_receipt_id: int) -> dict[int, Decimal]:
    rows = (SubcontractReceiptLine.objects.filter(order_line_id__in=order_line_ids, document__state__in=(
        DocState.APPROVED, DocState.CLOSED)).exclude(document_id=exclude_receipt_id)
            .values("order_line_id").annotate(total=DecimalSum("quantity")))
    return {r["order_line_id"]: r["total"] for r in rows}


def _share(list_quantity: Decimal, received: Decimal, ordered: Decimal) -> Decimal:
    return (list_quantity * received / ordered).quantize(QTY_STEP, ROUND_HALF_UP)


def receipt_post(doc: SubcontractReceipt, actor) -> None:
    """Consume the materials at the subcontractor for what came back — per the issue list's
    ratio, cumulatively, so partial receipts add up to exactly the list — then receive the
    products at material value + processing fee, and book the fee payable."""
    order = _locked_order(doc.order_id)
    if order.state != DocState.APPROVED:
        raise DomainError(SubcontractError.ORDER_NOT_APPROVED, _("Order %(order)s is %(state)s.")
                          % {"order": order.display_number, "state": order.get_state_display()})
    issue_list = _approved_issue_list(order)
    at_sub = subcontractor_warehouse(order.subcontractor)
    lines = list(doc.lines.select_related("order_line"))
    before = _received_before({line.order_line_id for line in lines}, doc.pk)
    materials = defaultdict(list)
    for item in issue_list.lines.all():
        materials[item.order_line_id].append(item)
    received_now = defaultdict(Decimal)
    consumption, owner = [], []
    for line in lines:
        ordered = line.order_line.quantity
        done = before.get(line.order_line_id, Decimal(0)) + received_now[line.order_line_id]
        received_now[line.order_line_id] += line.quantity
        for item in materials[line.order_line_id]:
            qty = _share(item.quantity, done + line.quantity, ordered) - _share(item.quantity, done, ordered)
            if qty:
                consumption.append(MoveSpec(sku_id=item.sku_id, warehouse_id=at_sub.pk, quantity=-qty,
                                            origin_line_id=line.pk))
                owner.append(line.pk)
    try:
        used = stock_post(moves=consumption, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)
    except DomainError as exc:
        raise DomainError(exc.code, _("The subcontractor does not hold the materials this receipt uses "
                                      "(issue more first): %(detail)s") % {"detail": exc.message}) from exc
    material_value = defaultdict(Decimal)
    for line_id, move in zip(owner, used, strict=True):
        material_value[line_id] -= move.value
    stock_post(moves=[MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=line.quantity,
                               unit_cost=(material_value[line.pk] + line.quantity * line.unit_fee) / line.quantity,
                               origin_line_id=line.pk) for line in lines],
               origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)
    fee = sum((line.amount for line in lines), Decimal(0))
    if fee:
        ProcessingFee.objects.create(subcontractor=order.subcontractor, receipt=doc, amount=fee, created_by=actor)


def receipt_unpost(doc: SubcontractReceipt, actor) -> None:
    """Un-approval: products out, materials back to the subcontractor, the fee negated."""
    stock_reverse_origin(origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)
    booked = ProcessingFee.objects.filter(receipt=doc).aggregate(total=DecimalSum("amount"))["total"] or Decimal(0)
    if booked:
        ProcessingFee.objects.create(subcontractor=doc.order.subcontractor, receipt=doc, amount=-booked,
                                     created_by=actor)


# ---------------------------------------------------------------- material return / scrap 委外退料


def material_return_validate(doc, lines) -> list[FieldError]:
    errors = _own_warehouse_errors(doc, ("warehouse",))
    if not doc.order_id:
        return errors
    listed = listed_skus(doc.order_id)
    for line in lines:
        if line.sku_id not in listed:
            errors.append(FieldError(f"lines[{line.input_index}].sku",
                                     _("%(sku)s is not on the issue list of order %(order)s.")
                                     % {"sku": line.sku.code, "order": doc.order.display_number},
                                     SubcontractError.NOT_ON_LIST))
    return errors


def listed_skus(order_id: int) -> set[int]:
    """The materials on the order's live issue list."""
    return set(MaterialIssueListLine.objects.filter(document__order_id=order_id, document__state__in=LIVE)
               .values_list("sku_id", flat=True))


def material_return_post(doc, actor) -> None:
    """Returned materials go back into our warehouse; scrapped ones leave the books. Never more
    than the order still has at the subcontractor."""
    order = _locked_order(doc.order_id)
    at_sub = subcontractor_warehouse(order.subcontractor)
    left = {row.sku.pk: row.at_subcontractor for row in order_reconciliation(order).materials}
    wanted = defaultdict(Decimal)
    lines = list(doc.lines.select_related("sku"))
    for line in lines:
        wanted[line.sku_id] += line.quantity
    errors = [FieldError(f"lines[{i}].quantity", _("Order %(order)s has only %(left)s of %(sku)s at the "
                                                  "subcontractor; %(asked)s asked.")
                         % {"order": order.display_number, "left": plain(left.get(line.sku_id, 0)),
                            "sku": line.sku.code, "asked": plain(wanted[line.sku_id])},
                         SubcontractError.MORE_THAN_AT_SUBCONTRACTOR)
              for i, line in enumerate(lines) if wanted[line.sku_id] > left.get(line.sku_id, Decimal(0))]
    if errors:
        raise DomainError(SubcontractError.MORE_THAN_AT_SUBCONTRACTOR, errors[0].message, field=errors[0].field,
                          errors=errors)
    moves = []
    for line in lines:
        moves.append(MoveSpec(sku_id=line.sku_id, warehouse_id=at_sub.pk, quantity=-line.quantity,
                              origin_line_id=line.pk))
        if line.disposition == Disposition.RETURNED:
            moves.append(MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=line.quantity,
                                  origin_line_id=line.pk))
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


# ---------------------------------------------------------------- tooling 工装


def tooling_loan_validate(doc, lines) -> list[FieldError]:
    errors = _own_warehouse_errors(doc, ("from_warehouse",))
    if doc.due_back and doc.doc_date and doc.due_back < doc.doc_date:
        errors.append(FieldError("header.due_back", _("The due-back date cannot be before the loan date."),
                                 SubcontractError.DUE_BACK))
    errors.extend(_tooling_only(lines))
    return errors


def _tooling_only(lines) -> list[FieldError]:
    return [FieldError(f"lines[{line.input_index}].sku",
                       _("%(sku)s is not tooling (product kind: tooling).") % {"sku": line.sku.code},
                       SubcontractError.NOT_TOOLING)
            for line in lines if line.sku_id and line.sku.kind != ProductKind.TOOLING]


def tooling_return_validate(doc, lines) -> list[FieldError]:
    return _own_warehouse_errors(doc, ("warehouse",)) + _tooling_only(lines)


def tooling_loan_post(doc, actor) -> None:
    at_sub = subcontractor_warehouse(doc.subcontractor)
    moves = []
    for line in doc.lines.all():
        moves += [MoveSpec(sku_id=line.sku_id, warehouse_id=doc.from_warehouse_id, quantity=-line.quantity,
                           origin_line_id=line.pk),
                  MoveSpec(sku_id=line.sku_id, warehouse_id=at_sub.pk, quantity=line.quantity, origin_line_id=line.pk)]
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def tooling_return_post(doc, actor) -> None:
    at_sub = subcontractor_warehouse(doc.subcontractor)
    moves = []
    for line in doc.lines.all():
        moves += [MoveSpec(sku_id=line.sku_id, warehouse_id=at_sub.pk, quantity=-line.quantity,
                           origin_line_id=line.pk),
                  MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=line.quantity,
                           origin_line_id=line.pk)]
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def loan_to_return_header(loan) -> dict:
    return {"subcontractor": loan.subcontractor_id, "warehouse": loan.from_warehouse_id,
            "remarks": _("Return of tooling loan %(loan)s") % {"loan": loan.display_number}}


def loan_to_return_line(line) -> dict:
    return {"sku": line.sku_id}


def unpost(doc, actor) -> None:
    stock_reverse_origin(origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


# ---------------------------------------------------------------- orders from requisitions and sales orders


def _order_header(remarks: str) -> dict:
    return {"material_warehouse": default_warehouse(WarehouseKind.RAW),
            "receipt_warehouse": default_warehouse(WarehouseKind.FINISHED), "remarks": remarks}


def requisition_to_order_header(requisition) -> dict:
    header = _order_header(_("From purchase requisition %(number)s") % {"number": requisition.display_number})
    dates = [d for d in requisition.lines.values_list("required_date", flat=True) if d]
    if dates:
        header["due_date"] = min(dates)
    return header


def requisition_is_subcontract(requisition) -> str:
    if requisition.business_type != "subcontract":
        return _("Only requisitions of business type “subcontract” (订单委外) become subcontract orders.")
    return ""


def sales_order_to_order_header(order) -> dict:
    header = _order_header(_("From sales order %(number)s") % {"number": order.display_number})
    if order.delivery_date:
        header["due_date"] = order.delivery_date
    return header


def to_order_line(line) -> dict:
    return {"sku": line.sku_id}
