"""Demo documents of seed 000's subcontracting flow, made through the services like a planner,
the manager and the warehouse would: a requisition of type 订单委外 pushed down to a
subcontract order (jeans blanks at the Humen sewing workshop), its issue list approved, the
materials issued by a transfer, half the order received; a draft rework order; stencils on
loan to the embroidery workshop; an approved sales order. Each is found again by its remarks,
so running the demo twice creates nothing new. Like the loader, it reaches the apps through
apps/import_module (core's demo command may not import business apps directly)."""

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from shopflow.core import services
from shopflow.demo import data

PRODUCT = "NZ2401P-28"  # 高腰直筒牛仔裤坯, made by WX001 from denim and trims
TOOLING = ("GZ-GW-01", "印花钢网 40×50cm", "张")


def _done(model: str, remark: str) -> bool:
    app, name = model.split(".")
    return apps.get_model(app, name).objects.filter(remarks=data.MARK + remark).exists()


def _flow(doc, submitter, approver):
    doc = services.document_transition(doc, "submit", actor=submitter)
    return services.document_transition(doc, "approve", actor=approver)


def ensure_subcontracting(users, masters) -> None:
    skus, warehouses = masters["skus"], masters["warehouses"]
    planner, manager, keeper = users["planning"], users["manager"], users["warehouse"]
    Subcontractor = apps.get_model("partners", "Subcontractor")
    humen, embroidery = (Subcontractor.objects.get(code=code) for code in ("WX001", "WX002"))
    today = timezone.localdate()

    remark = "委外：牛仔裤坯 60 条（申请→委外订单→投料→调拨→部分入库）"
    if not _done("purchasing.PurchaseRequisition", remark):
        requisition = services.document_create(
            doc_type="purchasing.purchaserequisition", actor=planner,
            header={"business_type": "subcontract", "department": "planning", "plan_category": "mto",
                    "doc_date": today - timedelta(days=12), "remarks": data.MARK + remark},
            lines=[{"sku": skus[PRODUCT].pk, "quantity": "60", "required_date": today + timedelta(days=10)}])
        requisition = _flow(requisition, planner, manager)
        order = services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                            actor=planner, header={"subcontractor": humen.pk})
        line = order.lines.get()
        order = services.document_update_draft(doc=order, actor=planner, header={
            "subcontractor": humen.pk, "planner_number": "JH-DEMO-001", "material_warehouse": warehouses["RM01"].pk,
            "receipt_warehouse": warehouses["FG01"].pk, "due_date": today + timedelta(days=10),
            "remarks": data.MARK + remark}, lines=[{"id": line.pk, "sku": line.sku_id, "quantity": "60",
                                                    "unit_fee": "18.00"}])
        order = _flow(order, planner, manager)
        issue_list = order.issue_lists.get()
        issue_list = _flow(issue_list, planner, planner)  # made by the manager's approval; checked by planning
        transfer = services.document_push_down(source=issue_list, target_type="inventory.transferorder",
                                               actor=planner)
        _flow(transfer, planner, keeper)
        receipt = services.document_push_down(source=order, target_type="subcontracting.subcontractreceipt",
                                              actor=keeper, quantities={line.pk: Decimal(30)})
        _flow(receipt, keeper, manager)

    remark = "返修：库存牛仔裤坯 10 条重新锁边（A返A）"
    if not _done("subcontracting.SubcontractOrder", remark):
        services.document_create(doc_type="subcontracting.subcontractorder", actor=planner, header={
            "subcontractor": humen.pk, "order_type": "rework", "material_warehouse": warehouses["FG01"].pk,
            "receipt_warehouse": warehouses["FG01"].pk, "remarks": data.MARK + remark},
            lines=[{"sku": skus[PRODUCT].pk, "quantity": "10", "unit_fee": "3.00"}])

    remark = "钢网借给萧山印绣厂"
    if not _done("subcontracting.ToolingLoan", remark):
        stencil = apps.get_model("catalog", "Sku").objects.filter(code=TOOLING[0]).first()
        if stencil is None:
            sku_create = import_module("shopflow.catalog.services").sku_create
            stencil = sku_create(actor=manager, code=TOOLING[0], name=TOOLING[1], unit=TOOLING[2], kind="tooling",
                                 cost=Decimal("280"))
            _flow(services.document_create(doc_type="inventory.otherreceipt", actor=keeper, header={
                "warehouse": warehouses["RM01"].pk, "remarks": data.MARK + "工装期初"},
                lines=[{"sku": stencil.pk, "quantity": "3", "unit_cost": "280"}]), keeper, manager)
        loan = services.document_create(doc_type="subcontracting.toolingloan", actor=keeper, header={
            "subcontractor": embroidery.pk, "from_warehouse": warehouses["RM01"].pk,
            "due_back": today + timedelta(days=30), "remarks": data.MARK + remark},
            lines=[{"sku": stencil.pk, "quantity": "2"}])
        _flow(loan, keeper, manager)

    remark = "批发订单：上海悦衣贸易 牛仔裤坯 200 条（可下推委外订单）"
    if not _done("sales.SalesOrder", remark):
        customer = apps.get_model("partners", "Customer").objects.filter(kind="b2b").order_by("code").first()
        sales_order = services.document_create(doc_type="sales.salesorder", actor=users["sales"], header={
            "customer": customer.pk, "contract_number": "HT-DEMO-2611", "delivery_date": today + timedelta(days=25),
            "remarks": data.MARK + remark}, lines=[{"sku": skus[PRODUCT].pk, "quantity": "200",
                                                   "unit_price": "58.00"}])
        _flow(sales_order, users["sales"], manager)
