"""Concurrent writers on PostgreSQL (a plain TestCase would hide a missing lock)."""


import pytest
from django.db import connection

from shopflow.catalog import barcodes, services
from shopflow.catalog.models import Sku
from tests.concurrency import run_all_succeed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_barcode_allocations_never_hand_out_a_number_twice():
    batches = run_all_succeed(12, lambda n: barcodes.ean13_allocate(count=5, prefix="6975321"))
    numbers = [code for batch in batches for code in batch]
    assert len(numbers) == 60 and len(set(numbers)) == 60
    assert all(barcodes.is_ean13(code) for code in numbers)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_grid_generation_makes_each_sku_once(role_user):
    actor = role_user("manager")
    style = services.style_create(code="TX2401", name="T恤", actor=actor)
    services.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M"], actor=actor)
    run_all_succeed(8, lambda n: services.style_generate_skus(style=style, sizes=["L", "XL"], actor=actor,
                                                           barcode="ean13"))
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["TX2401-BLK-L", "TX2401-BLK-M", "TX2401-BLK-XL"]
