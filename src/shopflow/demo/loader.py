"""Load the demo company, idempotently.

Master data is matched by code and users by username, so re-running creates nothing new.
Everything is written through the services, by the demo user of the role that would do the
work: partners through their master-data lists (so a customer's address is parsed and each
subcontractor 外协厂 gets its warehouse), the catalogue through catalog.services (styles with
their colour × size grid and EAN-13 barcodes, BOMs, bundles), stock through approved documents.
The purchase scenario is created only when no demo purchase order exists yet (see data.MARK);
each stock document is matched by its remarks. All in one transaction — so states, numbers,
links, stock moves and the audit trail are exactly what real use produces.

Models are looked up through the app registry and services by module name at call time
rather than imported: demo data spans every business area, and importing it from core (where
the `demo` command lives) must not create import paths from core into higher layers (see the
import-linter contracts).

Not in the demo: slow-moving stock 呆滞. The report looks for stock without a move out for 90
days, and stock moves take the time they are posted (StockMove.created_at is set by the
database, never back-dated) — a fresh demo has no old moves, and faking timestamps would put
rows in the ledger no document wrote.
"""

import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shopflow.core import services
from shopflow.core.masterdata import get_list, record_create
from shopflow.core.roles import ROLES
from shopflow.demo import data
from shopflow.demo.orders import ensure_online_orders
from shopflow.demo.subcontracting import ensure_subcontracting

PO = "purchasing.purchaseorder"
PR = "purchasing.purchasereceipt"


class DemoConflict(Exception):
    """The database holds something the demo must not overwrite."""


@dataclass
class DemoUser:
    username: str
    role: str  # role code, "" for the superuser
    label_zh: str
    label_en: str


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)
    documents_created: bool = False
    users: list[DemoUser] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return self.documents_created or any(self.created.values())


def demo_email(username: str) -> str:
    return f"{username}@{data.DEMO_EMAIL_DOMAIN}"


def demo_users() -> list[DemoUser]:
    out = [DemoUser(data.ADMIN_USERNAME, "", "超级管理员", "Superuser")]
    for role in ROLES:
        with translation.override("en"):
            label_en = str(role.label)
        out.append(DemoUser(role.code, role.code, data.ROLE_NAMES_ZH.get(role.code, label_en), label_en))
    return out


def is_demo_database() -> bool:
    return apps.get_model("purchasing", "PurchaseOrder").objects.filter(remarks__startswith=data.MARK).exists()


# ---------------------------------------------------------------- users and master data

def ensure_users(result: DemoResult) -> dict[str, object]:
    """One user per role plus `admin`, all with the demo password. Users with these names
    that the demo did not create are refused, never changed."""
    User = get_user_model()
    wanted = demo_users()
    existing = {u.username: u for u in User.objects.filter(username__in=[w.username for w in wanted])}
    foreign = sorted(name for name, u in existing.items() if u.email != demo_email(name))
    if foreign:
        raise DemoConflict(
            _("These users exist and were not created by the demo: %(names)s. Run the demo on an "
              "empty database, e.g. with SHOPFLOW_HOME set to a new folder.") % {"names": ", ".join(foreign)}
        )
    # One hash for all demo users, reused across runs: re-running neither costs seconds of
    # hashing nor logs out browsers that are signed in as demo users.
    hashes = {u.password for u in existing.values()}
    password_hash = next((h for h in sorted(hashes) if check_password(data.DEMO_PASSWORD, h)), None)
    password_hash = password_hash or make_password(data.DEMO_PASSWORD)
    groups = {g.name: g for g in Group.objects.filter(name__in=[w.role for w in wanted if w.role])}
    users = {}
    created = 0
    for w in wanted:
        user = existing.get(w.username)
        if user is None:
            user = User(username=w.username, email=demo_email(w.username))
            created += 1
        superuser = w.username == data.ADMIN_USERNAME
        changed = (user.pk is None or user.password != password_hash or not user.is_active
                   or user.is_superuser != superuser or user.is_staff != superuser)
        if changed:
            user.password = password_hash
            user.is_active = True
            user.is_superuser = user.is_staff = superuser
            user.save()
        if w.role and not user.groups.filter(pk=groups[w.role].pk).exists():
            user.groups.add(groups[w.role])
        users[w.username] = user
    result.created["users"] = created
    result.users = wanted
    return users


def _service(app: str, name: str):
    """A write service of a business app, looked up at call time (see the module docstring)."""
    return getattr(import_module(f"shopflow.{app}.services"), name)


def _model(app: str, name: str):
    return apps.get_model(app, name)


def _by_code(model, codes) -> dict:
    return {o.code: o for o in model.objects.filter(code__in=list(codes))}


def _create_records(list_key: str, rows: list[dict], actor) -> dict:
    """Records of a master-data list, created through the list (its services and hooks: a
    customer's address is parsed, a subcontractor gets its warehouse) unless the code exists."""
    ml = get_list(list_key)
    found = _by_code(ml.model, [r["code"] for r in rows])
    for row in rows:
        if row["code"] not in found:
            found[row["code"]] = record_create(ml, actor=actor, values=row)
    return found


def ensure_partners(users) -> dict[str, dict]:
    suppliers = _create_records("suppliers", [
        {"code": code, "name": name, "contact": contact, "phone": phone, "address": address}
        for code, name, contact, phone, address in data.SUPPLIERS
    ], users["purchasing"])
    warehouses = _create_records("warehouses", [
        {"code": code, "name": name, "kind": kind} for code, name, kind in data.WAREHOUSES
    ], users["warehouse"])
    customers = []
    for (code, name, kind, contact, mobile, phone, address, region, level, credit, terms, deposit, minimum,
         remarks) in data.CUSTOMERS:
        row = {"code": code, "name": name, "kind": kind, "contact": contact, "mobile": mobile, "phone": phone,
               "address": address, "region": region, "remarks": remarks}
        if kind != "retail":
            row.update(credit_limit=Decimal(credit), payment_terms_days=terms, deposit_percent=Decimal(deposit))
        if level is not None:
            row.update(level=level, first_order_minimum=minimum)
        customers.append(row)
    customers = _create_records("customers", customers, users["sales"])
    subcontractors = _create_records("subcontractors", [
        {"code": code, "name": name, "contact": contact, "phone": phone, "address": address,
         "processing_categories": categories}
        for code, name, contact, phone, address, categories in data.SUBCONTRACTORS
    ], users["planning"])
    Warehouse = _model("inventory", "Warehouse")
    for warehouse in Warehouse.objects.filter(subcontractor__code__in=list(subcontractors)).select_related(
            "subcontractor"):
        warehouses[warehouse.subcontractor.code] = warehouse  # a 外协厂's own warehouse, by its code
    return {"suppliers": suppliers, "warehouses": warehouses, "customers": customers,
            "subcontractors": subcontractors}


UNIT_BY_CATEGORY = {"FZ0201": "条", "FZ0202": "条", "PS01": "顶", "PS02": "双", "PS03": "个", "PS04": "条"}


def ensure_catalogue(users) -> dict[str, dict]:
    """Categories, styles with their colour × size SKUs (EAN-13 barcodes), raw materials, the
    semi-finished jeans blank, BOMs and bundles — whatever is missing."""
    Category, Style, Sku, Bom = (_model("catalog", n) for n in ("Category", "Style", "Sku", "Bom"))
    operations, purchasing, planning = users["operations"], users["purchasing"], users["planning"]

    categories = _by_code(Category, [c for c, _n, _p in data.CATEGORIES])
    for code, name, parent in data.CATEGORIES:
        if code not in categories:
            categories[code] = _service("catalog", "category_create")(
                code=code, name=name, parent=categories[parent] if parent else None, actor=operations)

    styles = _by_code(Style, [s[0] for s in data.STYLES])
    cells = dict(Sku.objects.filter(style__code__in=[s[0] for s in data.STYLES]).values_list("style__code")
                 .annotate(n=Count("pk")))
    for code, name, category, kind, colours, sizes, cost, price, weight in data.STYLES:
        style = styles.get(code)
        if style is None:
            style = styles[code] = _service("catalog", "style_create")(
                code=code, name=name, category=categories[category], kind=kind,
                unit=UNIT_BY_CATEGORY.get(category, "件"), weight=Decimal(weight), cost=Decimal(cost),
                list_price=Decimal(price), actor=operations)
        if cells.get(code, 0) < len(colours) * len(sizes):
            _service("catalog", "style_generate_skus")(
                style=style, colours=[(c, data.COLOURS[c]) for c in colours], sizes=list(sizes), barcode="ean13",
                actor=operations)

    materials = [(code, f"{name} {colour}", colour, "米", cost, "YF01") for code, name, colour, cost in data.FABRICS]
    materials += [(code, name, "", unit, cost, category) for code, name, unit, cost, category in data.TRIMS]
    existing = _by_code(Sku, [m[0] for m in materials])
    for code, name, colour, unit, cost, category in materials:
        if code not in existing:
            _service("catalog", "sku_create")(code=code, name=name, kind="bought", category=categories[category],
                                              colour=colour, unit=unit, cost=Decimal(cost), actor=purchasing)

    semi = data.SEMI_FINISHED
    sizes = next(s[5] for s in data.STYLES if s[0] == semi["style"])
    existing = _by_code(Sku, [f"{semi['code']}-{size}" for size in sizes])
    for size in sizes:
        code = f"{semi['code']}-{size}"
        if code not in existing:
            _service("catalog", "sku_create")(code=code, name=semi["name"], kind="outsourced", size=size, unit="条",
                                              category=categories["YF04"], cost=Decimal("42.00"), actor=planning)

    skus = {s.code: s for s in Sku.objects.all()}
    with_bom = set(Bom.objects.values_list("product__code", flat=True))
    for product, lines in bom_specs(skus):
        if product.code not in with_bom:
            _service("catalog", "bom_create")(product=product, version="V1", lines=lines, actor=planning,
                                              remarks=data.MARK + "首版BOM，面料按尺码用量，含裁剪损耗")

    for code, name, price, components in data.BUNDLES:
        if code not in skus:
            skus[code] = _service("catalog", "bundle_create")(
                code=code, name=name, list_price=Decimal(price), category=categories["TC"], actor=operations,
                components=[(skus[c], qty) for c, qty in components])
    return {"categories": categories, "styles": styles, "skus": skus}


def _metres(table: tuple[str, ...], index: int) -> Decimal:
    return Decimal(table[min(index, len(table) - 1)])


def bom_specs(skus: dict) -> list[tuple]:
    """(product SKU, [BomLineSpec]) for every SKU of the made and outsourced styles, and for the
    semi-finished jeans blanks."""
    spec = _service("catalog", "BomLineSpec")
    out = []

    def line(code, qty, scrap="0"):
        return spec(component=skus[code], quantity=Decimal(qty), scrap_percent=Decimal(scrap))

    labels = [line(*entry) for entry in data.LABELS]
    for code, _name, _cat, _kind, colours, sizes, *_rest in data.STYLES:
        if code == data.SEMI_FINISHED["style"]:
            semi = data.SEMI_FINISHED
            for index, size in enumerate(sizes):
                blank = f"{semi['code']}-{size}"
                out.append((skus[blank], [line(semi["fabric"], _metres(semi["metres"], index), semi["scrap"]),
                                          *(line(*entry) for entry in semi["lines"])]))
                for colour in colours:
                    out.append((skus[f"{code}-{colour}-{size}"],
                                [line(blank, "1", semi["wash_scrap"]), *labels[2:]]))
            continue
        if code not in data.BOMS:
            continue
        fabric, metres, scrap, extra = data.BOMS[code]
        for index, size in enumerate(sizes):
            for colour in colours:
                fabric_code = fabric[colour] if isinstance(fabric, dict) else f"{fabric}-{colour}"
                out.append((skus[f"{code}-{colour}-{size}"],
                            [line(fabric_code, _metres(metres, index), scrap), *(line(*e) for e in extra), *labels]))
    return out


def ensure_master_data(users) -> dict[str, dict]:
    return {**ensure_partners(users), **ensure_catalogue(users)}


# ---------------------------------------------------------------- documents

class _Builder:
    """Small helpers so the scenarios below read like what staff did."""

    def __init__(self, users, masters):
        self.u = users
        self.m = masters
        self.today = timezone.localdate()

    def order(self, *, supplier, warehouse, lines, days_ago, lead_days, remark):
        day = self.today - timedelta(days=days_ago)
        return services.document_create(
            doc_type=PO,
            actor=self.u["purchasing"],
            header={"supplier": self.m["suppliers"][supplier].pk, "warehouse": self.m["warehouses"][warehouse].pk,
                    "doc_date": day, "expected_date": day + timedelta(days=lead_days),
                    "remarks": data.MARK + remark},
            lines=[{"sku": self.m["skus"][code].pk, "quantity": str(qty), "unit_price": str(price)}
                   for code, qty, price in lines],
        )

    def step(self, doc, action, who, reason=""):
        return services.document_transition(doc, action, actor=self.u[who], reason=reason)

    def approved_order(self, **kwargs):
        po = self.order(**kwargs)
        self.step(po, "submit", "purchasing")
        return self.step(po, "approve", "manager")

    def receive(self, po, quantities: dict[str, int] | None = None):
        """A receipt pushed down from `po` by the warehouse: {sku code: qty}, or all that remains."""
        picked = None
        if quantities is not None:
            by_code = {line.sku.code: line.pk for line in po.lines.select_related("sku")}
            picked = {by_code[code]: Decimal(qty) for code, qty in quantities.items()}
        return services.document_push_down(source=po, target_type=PR, actor=self.u["warehouse"], quantities=picked)

    def posted_receipt(self, po, quantities=None):
        receipt = self.receive(po, quantities)
        self.step(receipt, "submit", "warehouse")
        # The warehouse clerk pushed it down; segregation of duties: the manager approves.
        return self.step(receipt, "approve", "manager")


def _tshirts(colour: str, qty: tuple[int, ...], price="28.50"):
    return [(f"TX2401-{colour}-{size}", q, price) for size, q in zip(data.SIZES, qty, strict=True)]


def _hoodies(colour: str, qty: tuple[int, ...], price="62.00"):
    return [(f"WY2402-{colour}-{size}", q, price) for size, q in zip(("M", "L", "XL"), qty, strict=True)]


def create_documents(users, masters) -> list:
    """Purchase orders and receipts in every state, each with a believable history."""
    b = _Builder(users, masters)
    docs = []

    # Closed: hoodies made by the Guangzhou subcontractor, received in full, order closed.
    po = b.approved_order(supplier="GZ001", warehouse="FG01", days_ago=25, lead_days=15,
                          lines=_hoodies("BLK", (40, 60, 40)) + _hoodies("OAT", (30, 50, 30)),
                          remark="秋冬加绒卫衣外协成衣首批，按大货样验收")
    docs.append(b.posted_receipt(po))
    docs.append(b.step(po, "close", "manager"))

    # Approved with partial receipts: one posted, one still a draft, one cancelled.
    po = b.approved_order(supplier="HZ001", warehouse="FG01", days_ago=12, lead_days=10,
                          lines=_tshirts("BLK", (100, 200, 200, 100)) + _tshirts("WHT", (80, 160, 160, 80)),
                          remark="春季主推纯棉T恤黑白两色大货，分批到货")
    docs.append(po)
    docs.append(b.posted_receipt(po, {"TX2401-BLK-S": 100, "TX2401-BLK-M": 200, "TX2401-BLK-L": 200,
                                      "TX2401-BLK-XL": 100, "TX2401-WHT-M": 100}))
    docs.append(b.receive(po, {"TX2401-WHT-S": 40, "TX2401-WHT-L": 80}))
    wrong = b.receive(po, {"TX2401-WHT-XL": 80})
    docs.append(b.step(wrong, "cancel", "warehouse", reason="送货单数量与实收不符，作废重开"))

    # Cancelled before approval.
    po = b.order(supplier="GZ002", warehouse="RM01", days_ago=8, lead_days=5,
                 lines=[("ML-WQ320-BLK", 300, "33.50")], remark="卫衣布补货")
    b.step(po, "submit", "purchasing")
    docs.append(b.step(po, "cancel", "purchasing", reason="供应商报价上调，改向苏州恒达采购"))

    # Approved, then a change record 异动单 for a later delivery; its receipt awaits approval.
    po = b.approved_order(supplier="HZ002", warehouse="FG01", days_ago=6, lead_days=7,
                          lines=[("TX2401-BLU-M", 50, "29.00"), ("TX2401-BLU-L", 50, "29.00")],
                          remark="雾霾蓝试销小单")
    services.document_change(doc=po, actor=users["purchasing"], reason="供应商通知面料延期，交期顺延5天",
                             header={"expected_date": po.expected_date + timedelta(days=5)})
    docs.append(po)
    receipt = b.receive(po)
    docs.append(b.step(receipt, "submit", "warehouse"))

    # Approved by mistake, un-approved with a reason, corrected as a draft again.
    po = b.approved_order(supplier="HZ001", warehouse="FG01", days_ago=4, lead_days=12,
                          lines=[("TX2401-WHT-M", 300, "28.50")], remark="白色M码追单")
    po = b.step(po, "unapprove", "manager", reason="数量录错（应为150件），退回修改")
    line = po.lines.get()
    docs.append(services.document_update_draft(
        doc=po, actor=users["purchasing"], header={},
        lines=[{"id": line.pk, "sku": line.sku_id, "quantity": "150", "unit_price": str(line.unit_price)}],
    ))

    # Submitted, waiting for the manager.
    po = b.order(supplier="SZ001", warehouse="RM01", days_ago=3, lead_days=14,
                 lines=[("ML-JB180-WHT", 800, "18.00"), ("ML-WQ320-BLK", 600, "32.00")],
                 remark="外协卫衣面料备料，等待店长审核")
    docs.append(b.step(po, "submit", "purchasing"))

    # A fresh draft.
    docs.append(b.order(supplier="HZ001", warehouse="FG01", days_ago=1, lead_days=15,
                        lines=_tshirts("BLU", (60, 120, 120, 60)), remark="雾霾蓝新色首单，尺码配比待确认"))
    return docs


# ---------------------------------------------------------------- stock

OTHER_RECEIPT = "inventory.otherreceipt"
TRANSFER = "inventory.transferorder"


def _vary(code: str, spread: int) -> int:
    """A stable pseudo-random number in [0, spread) per SKU code (the same on every run)."""
    return zlib.crc32(code.encode()) % spread


def opening_lines() -> dict[str, list[tuple[str, int, str]]]:
    """Opening stock 期初 per document: {remark: [(SKU code, quantity, unit cost)]}. Finished goods
    by top-level category in 成品仓, raw materials in 原料仓, samples, and returned faulty goods."""
    groups = {"FZ01": "上装", "FZ02": "下装", "FZ03": "连衣裙", "PS": "配饰"}
    finished: dict[str, list] = {name: [] for name in groups.values()}
    for code, _name, category, _kind, colours, sizes, cost, *_rest in data.STYLES:
        if code in data.OPENING_EXCLUDED_STYLES:
            continue
        group = groups[next(prefix for prefix in groups if category.startswith(prefix))]
        for colour in colours:
            for size in sizes:
                sku = f"{code}-{colour}-{size}"
                if _vary(sku + "/sold-out", 13) == 0:
                    continue  # sold out before the system went live
                qty = int(data.OPENING_BASE[category] * Decimal(data.SIZE_WEIGHT[size])) + _vary(sku, 7) - 3
                if qty > 0:
                    finished[group].append((sku, qty, cost))
    out = {f"成品期初库存（{name}）": lines for name, lines in finished.items()}
    materials = [(code, data.FABRIC_OPENING_LOW.get(code, data.FABRIC_OPENING + 50 * _vary(code, 9)), cost)
                 for code, _name, _colour, cost in data.FABRICS]
    materials += [(code, data.TRIM_OPENING[unit], cost) for code, _name, unit, cost, _cat in data.TRIMS]
    out["原辅料期初库存（面料按米）"] = materials
    costs = {s[0]: s[6] for s in data.STYLES}
    sizes = {s[0]: s[5] for s in data.STYLES}
    colours = {s[0]: s[4] for s in data.STYLES}
    out["样品期初（拍照、直播用）"] = [
        (f"{style}-{colours[style][0]}-{'M' if 'M' in sizes[style] else sizes[style][len(sizes[style]) // 2]}", 1,
         costs[style])
        for style in data.SAMPLE_STYLES]
    out["次品期初（客户退回待退供应商）"] = [(sku, qty, costs[sku.split("-")[0]]) for sku, qty in data.DEFECTIVE]
    return out


OPENING_WAREHOUSE = {"成品": "FG01", "原辅料": "RM01", "样品": "SP01", "次品": "DF01"}


def _approved(doc, users):
    """Submitted by the warehouse clerk who made it, approved by the manager."""
    doc = services.document_transition(doc, "submit", actor=users["warehouse"])
    return services.document_transition(doc, "approve", actor=users["manager"])


def ensure_stock(users, masters) -> None:
    """Opening stock through approved other receipts 其他入库单 (so it is in the ledger with its
    cost), material sent to the jeans workshop by a transfer 调拨单, and safety stock 警戒库存."""
    OtherReceipt, TransferOrder = _model("inventory", "OtherReceipt"), _model("inventory", "TransferOrder")
    skus, warehouses = masters["skus"], masters["warehouses"]
    today = timezone.localdate()
    done = set(OtherReceipt.objects.filter(remarks__startswith=data.MARK).values_list("remarks", flat=True))
    for remark, lines in opening_lines().items():
        if data.MARK + remark in done:
            continue
        warehouse = warehouses[next(w for prefix, w in OPENING_WAREHOUSE.items() if remark.startswith(prefix))]
        doc = services.document_create(
            doc_type=OTHER_RECEIPT, actor=users["warehouse"],
            header={"warehouse": warehouse.pk, "doc_date": today - timedelta(days=45), "remarks": data.MARK + remark},
            lines=[{"sku": skus[code].pk, "quantity": str(qty), "unit_cost": str(cost)} for code, qty, cost in lines])
        _approved(doc, users)

    issue = data.SUBCONTRACT_ISSUE
    remark = data.MARK + "牛仔裤坯委外发料：面料辅料调拨至外协仓"
    if not TransferOrder.objects.filter(remarks=remark).exists():
        doc = services.document_create(
            doc_type=TRANSFER, actor=users["warehouse"],
            header={"from_warehouse": warehouses["RM01"].pk, "to_warehouse": warehouses[issue["to"]].pk,
                    "doc_date": today - timedelta(days=20), "remarks": remark},
            lines=[{"sku": skus[code].pk, "quantity": str(qty)} for code, qty in issue["lines"]])
        _approved(doc, users)

    SafetyStock = _model("inventory", "SafetyStock")
    present = set(SafetyStock.objects.values_list("warehouse__code", "sku__code"))
    for warehouse, code, minimum in data.SAFETY_STOCK:
        if (warehouse, code) not in present:
            _service("inventory", "safety_stock_set")(sku_id=skus[code].pk, warehouse_id=warehouses[warehouse].pk,
                                                      minimum=Decimal(minimum), actor=users["warehouse"])


# ---------------------------------------------------------------- entry point

# What load_demo counts, and how the command names it.
COUNTED = {
    "suppliers": ("partners", "Supplier", gettext_lazy("suppliers")),
    "customers": ("partners", "Customer", gettext_lazy("customers")),
    "subcontractors": ("partners", "Subcontractor", gettext_lazy("subcontractors")),
    "warehouses": ("inventory", "Warehouse", gettext_lazy("warehouses")),
    "categories": ("catalog", "Category", gettext_lazy("categories")),
    "styles": ("catalog", "Style", gettext_lazy("styles")),
    "skus": ("catalog", "Sku", gettext_lazy("SKUs")),
    "boms": ("catalog", "Bom", gettext_lazy("BOMs")),
    "purchase orders": ("purchasing", "PurchaseOrder", gettext_lazy("purchase orders")),
    "purchase receipts": ("purchasing", "PurchaseReceipt", gettext_lazy("purchase receipts")),
    "other receipts": ("inventory", "OtherReceipt", gettext_lazy("other receipts")),
    "transfer orders": ("inventory", "TransferOrder", gettext_lazy("transfer orders")),
    "safety stock": ("inventory", "SafetyStock", gettext_lazy("safety stock levels")),
    "subcontract orders": ("subcontracting", "SubcontractOrder", gettext_lazy("subcontract orders")),
    "online orders": ("sales", "OnlineOrder", gettext_lazy("online orders")),
}


def created_labels() -> dict[str, str]:
    """Names of what DemoResult.created counts, in the active language."""
    return {"users": str(gettext_lazy("users")), **{key: str(label) for key, (_a, _m, label) in COUNTED.items()}}


def _counts() -> dict[str, int]:
    return {key: _model(app, name).objects.count() for key, (app, name, _label) in COUNTED.items()}


def load_demo() -> DemoResult:
    """Create whatever part of the demo is missing; return what was created. One transaction:
    a failure leaves the database as it was."""
    result = DemoResult()
    with translation.override("zh-hans"), transaction.atomic():
        before = _counts()
        users = ensure_users(result)
        masters = ensure_master_data(users)
        if not is_demo_database():
            create_documents(users, masters)
            result.documents_created = True
        ensure_stock(users, masters)
        ensure_subcontracting(users, masters)
        ensure_online_orders(users, masters)
        after = _counts()
        result.created.update({key: after[key] - before[key] for key in COUNTED})
    return result
