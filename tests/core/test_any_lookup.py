"""`field__any=`: one bound parameter for many integer ids (integer fields and foreign keys) or many texts (text
fields)."""

import pytest
from django.core.exceptions import FieldError

from shopflow.catalog.models import Sku
from shopflow.inventory.models import StockBalance
from tests.factories import SkuFactory, WarehouseFactory


@pytest.mark.django_db
def test_any_finds_the_rows_of_the_ids_on_primary_and_foreign_keys():
    skus = SkuFactory.create_batch(4)
    warehouse = WarehouseFactory()
    for s in skus[:3]:
        StockBalance.objects.create(warehouse=warehouse, sku=s)
    wanted = [skus[0].pk, skus[2].pk, skus[3].pk, 10**9]
    assert set(Sku.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == set(wanted[:3])
    assert set(StockBalance.objects.filter(sku_id__any=wanted).values_list("sku_id", flat=True)) == {
        skus[0].pk, skus[2].pk}
    assert set(StockBalance.objects.filter(sku__any=wanted).values_list("sku_id", flat=True)) == {
        skus[0].pk, skus[2].pk}


@pytest.mark.django_db
def test_any_of_no_ids_finds_nothing_and_ids_as_text_are_taken_as_integers():
    sku = SkuFactory()
    assert list(Sku.objects.filter(pk__any=[])) == []
    assert list(Sku.objects.filter(pk__any=[str(sku.pk)])) == [sku]


@pytest.mark.django_db
def test_any_on_a_text_field_compares_texts():
    a, b = SkuFactory(code="TX-001", barcode="6901234567892"), SkuFactory(code="tx-002")
    assert set(Sku.objects.filter(code__any=["TX-001", "tx-002", "TX-002", "", "x' OR 1=1 --"])) == {a, b}
    assert list(Sku.objects.filter(barcode__any=["6901234567892"])) == [a]
    # A number is looked for as its text, never as a number.
    assert list(Sku.objects.filter(barcode__any=[6901234567892])) == [a]
    assert list(Sku.objects.filter(code__any=[])) == []
    assert list(Sku.objects.filter(code__any=[None])) == []  # None matches nothing, as with __in


def test_one_text_instead_of_a_list_is_refused():
    with pytest.raises(TypeError, match="not one text"):
        Sku.objects.filter(code__any="TX-001")
    with pytest.raises(TypeError, match="not one text"):
        Sku.objects.filter(pk__any="123")


def test_any_is_refused_on_a_field_that_is_neither_ids_nor_text():
    # On a decimal it would compare amounts with ids; Django refuses the lookup before any SQL.
    with pytest.raises(FieldError, match="Unsupported lookup 'any' for DecimalField"):
        Sku.objects.filter(cost__any=[1])
