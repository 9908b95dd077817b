"""Prepared look-ups give what the ORM gives for the same queryset, and refuse shapes they cannot run."""

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.signals import post_init
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

import shopflow
from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent
from shopflow.core.prepared import Prepared, instances
from shopflow.core.services import audit_record
from shopflow.inventory.models import StockBalance
from tests.factories import SkuFactory, WarehouseFactory

BALANCE = Prepared(lambda pk: StockBalance.objects.select_related("sku", "warehouse").filter(pk=pk))
LOCKED_BALANCE = Prepared(lambda pk: StockBalance.objects.select_for_update(of=("self",)).filter(pk=pk))
EVENTS = Prepared(lambda doc_id: AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=doc_id).order_by("id"))
BY_CODE = Prepared(lambda code: Sku.objects.filter(code=code).values_list("pk", "cost", "list_price"), keys=("text",))
ACTIVE_IDS = Prepared(lambda: Sku.objects.filter(active=True).order_by("pk").values_list("pk", flat=True), keys=())


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state" and not k.startswith("_")}


@pytest.fixture
def balance(db):
    sku = SkuFactory(cost=Decimal("35.10"), list_price=Decimal("89.00"))
    return StockBalance.objects.create(warehouse=WarehouseFactory(), sku=sku, on_hand=Decimal("12.5"),
                                       reserved=Decimal("2.25"))


def test_instances_with_their_related_rows_equal_the_orms(balance):
    orm = StockBalance.objects.select_related("sku", "warehouse").get(pk=balance.pk)
    got = BALANCE.first(balance.pk)
    assert type(got) is StockBalance and got._state.adding is False and got._state.db == "default"
    assert _fields(got) == _fields(orm)
    assert _fields(got.sku) == _fields(orm.sku) and _fields(got.warehouse) == _fields(orm.warehouse)
    assert got.on_hand == Decimal("12.5") and isinstance(got.on_hand, Decimal)
    assert got.sku.cost == Decimal("35.10")


def test_converters_run_json_and_datetimes_come_back_as_python_values(balance):
    audit_record(doc=balance.sku, action="edit", actor=None, payload={"名称": "纯棉T恤", "n": [1, 2]})
    audit_record(doc=balance.sku, action="edit", actor=None, payload={"second": True})
    orm = list(AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=balance.sku.pk).order_by("id"))
    got = EVENTS.all(balance.sku.pk)
    assert [_fields(e) for e in got] == [_fields(e) for e in orm]
    assert got[0].payload == {"名称": "纯棉T恤", "n": [1, 2]} and got[0].at.tzinfo is not None


PRICES = Prepared(lambda ids: Sku.objects.filter(pk__any=ids).order_by("pk").values_list("cost", "list_price"),
                  keys=("ids",))
PAYLOADS = Prepared(lambda doc_id: AuditEvent.objects.filter(doc_id=doc_id).order_by("id").values_list("payload",
                                                                                                       flat=True))


def test_repeated_decimals_are_converted_once_and_keep_their_places(db):
    # Converted once per distinct value and shared (a Decimal cannot change); values that differ
    # only past the column's places are not mixed up with their neighbours.
    prices = ["35.10", "35.10", "35.1", "0.01", "35.10", "7"]
    skus = [SkuFactory(cost=Decimal(p), list_price=Decimal("89.00")) for p in prices]
    got = PRICES.all([s.pk for s in skus])
    orm = list(Sku.objects.filter(pk__in=[s.pk for s in skus]).order_by("pk").values_list("cost", "list_price"))
    assert got == orm and [str(c) for c, _p in got] == [str(c) for c, _p in orm]
    assert [c for c, _p in got] == [Decimal(p) for p in prices]


def test_mutable_values_are_not_shared_between_rows(balance):
    for _ in range(2):
        audit_record(doc=balance.sku, action="edit", actor=None, payload={"n": [1]})
    first, second = PAYLOADS.all(balance.sku.pk)
    first["n"].append(2)
    assert second == {"n": [1]}


def test_values_rows_text_keys_and_lookups_without_a_key(balance):
    sku = balance.sku
    other = SkuFactory(active=False)
    assert BY_CODE.all(sku.code) == [(sku.pk, Decimal("35.10"), Decimal("89.00"))]
    assert BY_CODE.all("no such code") == [] and BY_CODE.first("no such code") is None
    # SQL-looking text is only a parameter.
    assert BY_CODE.all(f"{sku.code}' OR '1'='1") == []
    assert ACTIVE_IDS.all() == [sku.pk] and other.pk not in ACTIVE_IDS.all()


def test_lists_of_ids_and_several_keys(balance):
    skus = [balance.sku, *SkuFactory.create_batch(3)]
    other = WarehouseFactory()
    StockBalance.objects.create(warehouse=other, sku=skus[1])
    in_warehouse = Prepared(lambda wh, ids: StockBalance.objects.filter(warehouse_id=wh, sku_id__any=ids)
                            .order_by("sku_id").values_list("sku_id", flat=True), keys=("int", "ids"))
    ids = [s.pk for s in skus]
    assert in_warehouse.all(balance.warehouse_id, ids) == [skus[0].pk]
    assert in_warehouse.all(other.pk, ids) == [skus[1].pk]
    assert in_warehouse.all(other.pk, {skus[0].pk: "a dict gives its keys"}) == []
    assert in_warehouse.all(other.pk, {s.pk for s in skus}) == [skus[1].pk] and in_warehouse.all(other.pk, []) == []
    with pytest.raises(TypeError, match="takes 2 key"):
        in_warehouse.all(other.pk)


def test_the_same_lookup_runs_again_with_other_keys(db):
    skus = SkuFactory.create_batch(3)
    by_pk = Prepared(lambda pk: Sku.objects.filter(pk=pk))
    assert [by_pk.first(s.pk).code for s in skus] == [s.code for s in skus]
    assert by_pk.first(10**9) is None
    assert by_pk.get(skus[1].pk) == skus[1]
    with pytest.raises(Sku.DoesNotExist):
        by_pk.get(10**9)


def test_fixed_values_are_literals_on_sqlite_and_give_the_orms_rows(db):
    # SQLite compiles a statement again on every run when a bound value is compared the way a
    # partial index's condition compares a constant (Sku's barcode index: NOT (barcode = '')).
    tricky = "50% off · 'quoted' %s"
    match = SkuFactory(name=f"x {tricky} y", barcode="6901234567892")
    SkuFactory(name=f"x {tricky} y", barcode="", active=True)  # excluded by barcode=""
    SkuFactory(name="50 off", barcode="6901234567908")  # excluded by the name
    SkuFactory(name=f"x {tricky} y", barcode="6901234567915", active=False)  # excluded by active

    def query(code):
        return (Sku.objects.filter(name__contains=tricky, active=True).exclude(barcode="").exclude(code=code)
                .order_by("pk").values_list("pk", flat=True))

    lookup = Prepared(query, keys=("text",))
    assert lookup.all("none") == list(query("none")) == [match.pk]
    assert lookup.all(match.code) == list(query(match.code)) == []
    compiled = lookup.compiled()
    if connection.vendor == "sqlite":  # only the key is bound
        assert len(compiled.params) == 1 and """NOT ("catalog_sku"."barcode" = '')""" in compiled.sql
    else:  # PostgreSQL plans are not remade per value: everything stays bound
        assert "" in compiled.params and len(compiled.params) == 3


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_as_django_refuses_it():
    balance = StockBalance.objects.create(warehouse=WarehouseFactory(), sku=SkuFactory())
    if connection.features.has_select_for_update:  # SQLite locks the whole database instead
        with pytest.raises(TransactionManagementError):
            LOCKED_BALANCE.first(balance.pk)
    with transaction.atomic():
        assert LOCKED_BALANCE.first(balance.pk).pk == balance.pk


def test_deferred_fields_are_left_out_and_loaded_when_read(balance):
    sku = balance.sku
    lookup = Prepared(lambda pk: Sku.objects.filter(pk=pk).defer("name", "cost"))
    got, orm = lookup.first(sku.pk), Sku.objects.defer("name", "cost").get(pk=sku.pk)
    assert got.get_deferred_fields() == orm.get_deferred_fields() == {"name", "cost"}
    assert _fields(got) == _fields(orm)
    with CaptureQueriesContext(connection) as loaded:
        assert got.cost == Decimal("35.10") and got.name == sku.name
    assert len(loaded) == 2  # each deferred field on its first read, as the ORM does


def test_a_model_with_init_signals_is_made_through_its_init(balance):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    lookup = Prepared(lambda pk: StockBalance.objects.filter(pk=pk))
    lookup.first(balance.pk)  # compiled while the model has no receivers
    post_init.connect(receiver, sender=StockBalance)
    try:
        got = lookup.first(balance.pk)
        fresh = Prepared(lambda pk: StockBalance.objects.filter(pk=pk)).first(balance.pk)
    finally:
        post_init.disconnect(receiver, sender=StockBalance)
    assert seen == [balance.pk, balance.pk] and got.on_hand == fresh.on_hand == Decimal("12.5")
    lookup.first(balance.pk)
    assert len(seen) == 2


def test_instances_of_rows_written_equal_from_db_and_respect_init_signals(balance):
    names = [f.attname for f in StockBalance._meta.concrete_fields]
    row = tuple(getattr(balance, name) for name in names)
    made, orm = instances(StockBalance, "default", names, [row])[0], StockBalance.from_db("default", names, row)
    assert _fields(made) == _fields(orm) and made._state.adding is False and made._state.db == "default"
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=StockBalance)
    try:
        instances(StockBalance, "default", names, [row, row])
    finally:
        post_init.disconnect(receiver, sender=StockBalance)
    assert seen == [balance.pk, balance.pk]


@pytest.mark.parametrize("build, keys, message", [
    (lambda pk: Sku.objects.filter(pk=pk).annotate(n=Count("pk")), ("int",), "plain fields"),
    (lambda pk: Sku.objects.filter(pk=pk).select_related("category").only("code"), ("int",), "plain fields"),
    (lambda pk: Sku.objects.filter(pk=pk).values("code"), ("int",), "plain fields"),
    (lambda pk: Sku.objects.filter(pk=pk).prefetch_related("category"), ("int",), "plain fields"),
    (lambda pk: Sku.objects.filter(pk=pk, category_id=pk), ("int",), "found 2 times"),
    (lambda pk: Sku.objects.filter(code="x"), ("int",), "found 0 times"),
    (lambda ids: Sku.objects.filter(pk__in=ids), ("ids",), "found 0 times"),  # IN (...) binds each id
])
def test_shapes_it_cannot_run_are_refused_when_first_compiled(db, build, keys, message):
    with pytest.raises(ValueError, match=message):
        Prepared(build, keys=keys).all(*[1] * len(keys))


def test_every_prepared_lookup_of_the_project_compiles(db):
    # A shape the class cannot run would otherwise be found at its first use, on a user's request.
    for module in pkgutil.walk_packages(shopflow.__path__, "shopflow."):
        if module.name.rsplit(".", 1)[-1] in ("services", "selectors", "allocation", "online"):
            importlib.import_module(module.name)
    project = [p for p in Prepared.every if p.build.__module__.startswith("shopflow.")]
    assert len(project) >= 15
    for lookup in project:
        lookup.compiled()
