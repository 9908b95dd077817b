"""Concurrent writers on PostgreSQL (a plain TestCase would hide a missing lock)."""

import threading

import pytest
from django.db import DatabaseError, close_old_connections, connection

from shopflow.catalog import barcodes, services
from shopflow.catalog.models import Sku
from shopflow.core.errors import DomainError


def run_together(count: int, work) -> list:
    results, errors, barrier = [], [], threading.Barrier(count)

    def worker(n):
        try:
            barrier.wait()
            results.append(work(n))
        except (DomainError, DatabaseError) as exc:  # reported by the assertion below, not swallowed
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == count
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_barcode_allocations_never_hand_out_a_number_twice():
    batches = run_together(12, lambda n: barcodes.ean13_allocate(count=5, prefix="6975321"))
    numbers = [code for batch in batches for code in batch]
    assert len(numbers) == 60 and len(set(numbers)) == 60
    assert all(barcodes.is_ean13(code) for code in numbers)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_grid_generation_makes_each_sku_once(role_user):
    actor = role_user("manager")
    style = services.style_create(code="TX2401", name="T恤", actor=actor)
    services.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M"], actor=actor)
    run_together(8, lambda n: services.style_generate_skus(style=style, sizes=["L", "XL"], actor=actor,
                                                           barcode="ean13"))
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["TX2401-BLK-L", "TX2401-BLK-M", "TX2401-BLK-XL"]
