"""factory_boy factories for the tests; documents are made through the services, never by hand."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from shopflow.catalog.models import Sku
from shopflow.core import services
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Supplier


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for code in extracted or ():
            self.groups.add(Group.objects.get(name=code))


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    code = factory.Sequence(lambda n: f"TS{n:04d}-BLK-M")
    name = factory.Sequence(lambda n: f"纯棉T恤 {n}")
    colour = "黑色"
    size = "M"
    cost = Decimal("35.00")
    list_price = Decimal("89.00")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"SUP{n:03d}")
    name = factory.Sequence(lambda n: f"杭州织造厂{n}")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n:02d}")
    name = factory.Sequence(lambda n: f"成品仓{n}")


def make_purchase_order(*, actor, supplier, warehouse, lines, **header):
    """A draft purchase order; `lines` is [(sku, qty, price), ...]."""
    return services.document_create(
        doc_type="purchasing.purchaseorder",
        actor=actor,
        header={"supplier": supplier.pk, "warehouse": warehouse.pk, **header},
        lines=[{"sku": s.pk, "quantity": str(q), "unit_price": str(p)} for s, q, p in lines],
    )
