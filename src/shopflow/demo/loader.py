"""Load the demo company, idempotently.

Master data is matched by code and users by username, so re-running creates nothing new.
Documents are created only when no demo document exists yet (see data.MARK), all in one
transaction, and only through the document services — by the demo user of the role that
would do the work — so states, numbers, links, stock moves and the audit trail are exactly
what real use produces.

Models are looked up through the app registry rather than imported: demo data spans every
business area, and importing it from core (where the `demo` command lives) must not create
import paths from core into higher layers (see the import-linter contracts).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shopflow.core import services
from shopflow.core.roles import ROLES
from shopflow.demo import data

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


def _get_or_create(model, created_key: str, result: DemoResult, code: str, **defaults):
    obj, created = model.objects.get_or_create(code=code, defaults=defaults)
    result.created[created_key] = result.created.get(created_key, 0) + int(created)
    return obj


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def ensure_master_data(result: DemoResult) -> dict[str, dict]:
    Supplier = apps.get_model("partners", "Supplier")
    Warehouse = apps.get_model("inventory", "Warehouse")
    Sku = apps.get_model("catalog", "Sku")
    suppliers = {
        code: _get_or_create(Supplier, "suppliers", result, code, name=name, contact=contact, phone=phone,
                             address=address)
        for code, name, contact, phone, address in data.SUPPLIERS
    }
    warehouses = {
        code: _get_or_create(Warehouse, "warehouses", result, code, name=name, kind=kind)
        for code, name, kind in data.WAREHOUSES
    }
    skus = {}
    seq = 0
    for style, name, colours, sizes, cost, price in data.STYLES:
        for colour_code, colour in colours:
            for size in sizes:
                seq += 1
                code = f"{style}-{colour_code}-{size}"
                skus[code] = _get_or_create(
                    Sku, "skus", result, code, name=name, colour=colour, size=size, unit="件",
                    barcode=ean13(f"{data.BARCODE_PREFIX}{seq:05d}"), cost=cost, list_price=price,
                )
    for code, name, colour, unit, cost in data.MATERIALS:
        seq += 1
        skus[code] = _get_or_create(Sku, "skus", result, code, name=name, colour=colour, unit=unit,
                                    barcode=ean13(f"{data.BARCODE_PREFIX}{seq:05d}"), cost=cost)
    return {"suppliers": suppliers, "warehouses": warehouses, "skus": skus}


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


# ---------------------------------------------------------------- entry point

def load_demo() -> DemoResult:
    """Create whatever part of the demo is missing; return what was created. One transaction:
    a failure leaves the database as it was."""
    result = DemoResult()
    with translation.override("zh-hans"), transaction.atomic():
        users = ensure_users(result)
        masters = ensure_master_data(result)
        if not is_demo_database():
            counts = {key: apps.get_model(key).objects.count() for key in (PO, PR)}
            create_documents(users, masters)
            result.documents_created = True
            result.created["purchase orders"] = apps.get_model(PO).objects.count() - counts[PO]
            result.created["purchase receipts"] = apps.get_model(PR).objects.count() - counts[PR]
    return result
