"""Waves 波次 (courier, provinces, limit; nothing eligible refused) and the tracking-number pool
面单号 (bad rows reported by row, duplicates, a pool too small refused with nothing written)."""

import datetime

import pytest
from django.test import override_settings

from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.fulfilment import services
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.fulfilment.models import Parcel, ParcelState, TrackingNumber, Wave
from shopflow.fulfilment.selectors import pick_list
from shopflow.inventory.models import Bin, SkuLocation
from shopflow.sales import online
from tests.fulfilment.conftest import PAID

BEIJING = "北京市朝阳区建国路88号SOHO现代城"


@pytest.fixture
def allocated(quiet, stocked, make_order, cs, sf):
    """Four allocated orders: two to 浙江 by ZTO (the shop's default), one to 北京 by ZTO, one by SF."""
    a = make_order("Z1", [("TEE-BLK-M", 1)], paid_at=PAID)
    b = make_order("Z2", [("TEE-WHT-L", 2)], paid_at=PAID - datetime.timedelta(minutes=5))
    c = make_order("Z3", [("SOCK-GRY-F", 1)], paid_at=PAID + datetime.timedelta(minutes=5), address=BEIJING)
    d = make_order("S1", [("TEE-BLK-M", 1)], paid_at=PAID)
    online.online_order_set_courier(order=d, courier=sf, actor=cs)
    orders_allocate(actor=cs)
    return {"a": a, "b": b, "c": c, "d": d}


def test_wave_takes_allocated_orders_by_payment_with_their_couriers(allocated, wh, packer, zto):
    wave = services.wave_create(warehouse=wh, actor=packer)
    assert wave.number.startswith("BC-") and wave.number.endswith("-0001")
    parcels = list(wave.parcels.order_by("id"))
    assert [p.order_id for p in parcels] == [allocated[k].pk for k in ("b", "a", "d", "c")]
    assert {p.courier.code for p in parcels} == {"ZTO", "SF"} and wave.courier is None  # mixed couriers
    assert all(p.state == ParcelState.WAVED and p.warehouse == wh for p in parcels)
    again = pytest.raises(DomainError, services.wave_create, warehouse=wh, actor=packer)
    assert again.value.code == "nothing_to_wave"  # every order is in a wave already


def test_wave_by_courier_province_and_limit(allocated, wh, packer, zto):
    by_zto = services.wave_create(warehouse=wh, actor=packer, courier=zto, provinces=["浙江"], limit=1)
    assert by_zto.courier == zto and [p.order_id for p in by_zto.parcels.all()] == [allocated["b"].pk]
    beijing = services.wave_create(warehouse=wh, actor=packer, provinces=["北京"])
    assert [p.order_id for p in beijing.parcels.all()] == [allocated["c"].pk]
    rest = services.wave_create(warehouse=wh, actor=packer)
    assert sorted(p.order_id for p in rest.parcels.all()) == sorted([allocated["a"].pk, allocated["d"].pk])


@override_settings(SHOPFLOW={"WAVE_MAX_ORDERS": 2})
def test_wave_size_is_capped_by_the_setting(allocated, wh, packer):
    with pytest.raises(ValidationFailed) as exc:
        services.wave_create(warehouse=wh, actor=packer, limit=3)
    assert exc.value.errors[0].field == "limit"
    assert services.wave_create(warehouse=wh, actor=packer).parcels.count() == 2


def test_many_waves_at_once_split_the_ranking_and_read_it_once(allocated, wh, packer, django_assert_max_num_queries):
    # Ranking: b (paid first), a, d, c — in waves of 2, 2 and none left for a third.
    with django_assert_max_num_queries(20):  # not one read of the eligible orders per wave
        made = services.waves_create(warehouse=wh, actor=packer, limit=2)
    assert [w.number[-4:] for w in made] == ["0001", "0002"]
    assert [[p.order_id for p in w.parcels.order_by("id")] for w in made] == [
        [allocated["b"].pk, allocated["a"].pk], [allocated["d"].pk, allocated["c"].pk]]
    assert all(w.created_by == packer for w in made)
    with pytest.raises(DomainError) as exc:
        services.waves_create(warehouse=wh, actor=packer)
    assert exc.value.code == "nothing_to_wave"


def test_many_waves_stop_at_the_number_asked_for(allocated, wh, packer):
    made = services.waves_create(warehouse=wh, actor=packer, limit=1, waves=3)
    assert len(made) == 3 and Parcel.objects.count() == 3
    for bad in (0, -1, services.MAX_WAVES_AT_ONCE + 1, "2"):
        with pytest.raises(ValidationFailed) as exc:
            services.waves_create(warehouse=wh, actor=packer, waves=bad)
        assert exc.value.errors[0].field == "waves"
    assert Parcel.objects.count() == 3  # the refused calls wrote nothing


def test_many_waves_need_the_right_to_make_waves(allocated, wh, cs):
    with pytest.raises(PermissionDeniedError):
        services.waves_create(warehouse=wh, actor=cs)
    assert Wave.objects.count() == 0


def test_nothing_eligible_is_refused_and_nothing_is_written(quiet, stocked, wh, make_order, packer, cs):
    make_order("N1", [("TEE-BLK-M", 1)])  # approved, not allocated yet
    make_order("N2", [("TEE-BLK-M", 1)], approve=False)  # not approved
    with pytest.raises(DomainError) as exc:
        services.wave_create(warehouse=wh, actor=packer)
    assert exc.value.code == "nothing_to_wave" and "成品仓" in exc.value.message
    assert Wave.objects.count() == 0 and Parcel.objects.count() == 0


def test_short_and_held_orders_stay_out_of_waves(quiet, skus, wh, make_order, cs, packer):
    short = make_order("SH1", [("SOCK-GRY-F", 1)])  # no stock at all
    orders_allocate(actor=cs)
    assert short.pk not in Parcel.objects.values_list("order_id", flat=True)
    with pytest.raises(DomainError):
        services.wave_create(warehouse=wh, actor=packer)


def test_a_parcel_taken_out_frees_its_order_for_another_wave(allocated, wh, packer):
    wave = services.wave_create(warehouse=wh, actor=packer, order_ids=[allocated["a"].pk])
    parcel = wave.parcels.get()
    with pytest.raises(ValidationFailed):
        services.parcel_cancel(parcel=parcel, reason=" ", actor=packer)
    services.parcel_cancel(parcel=parcel, reason="买家改地址", actor=packer)
    assert Wave.objects.get(pk=wave.pk).state == "done"  # nothing left open in it
    second = services.wave_create(warehouse=wh, actor=packer, order_ids=[allocated["a"].pk])
    assert second.parcels.get().order_id == allocated["a"].pk


def test_only_the_warehouse_makes_waves(allocated, wh, cs):
    with pytest.raises(PermissionDeniedError):
        services.wave_create(warehouse=wh, actor=cs)


def test_pick_list_walks_the_bins(allocated, wh, packer, stocked):
    back = Bin.objects.create(warehouse=wh, code="B-09", sort_order=20)
    front = Bin.objects.create(warehouse=wh, code="A-01", sort_order=10)
    SkuLocation.objects.create(sku=stocked["tee"], warehouse=wh, bin=back)
    SkuLocation.objects.create(sku=stocked["tee_w"], warehouse=wh, bin=front)
    wave = services.wave_create(warehouse=wh, actor=packer)
    rows = pick_list(wave)
    assert [(r.sku_code, r.bin_code, r.quantity, r.orders) for r in rows] == [
        ("TEE-WHT-L", "A-01", 2, 1), ("TEE-BLK-M", "B-09", 2, 2), ("SOCK-GRY-F", "", 1, 1)]


# ---------------------------------------------------------------- tracking pool


def test_pool_rows_are_checked_and_reported_by_row(zto, packer):
    numbers = ["751234567890123", "", "ABC", "751234567890123", "75 1234-5678 9012 4"]
    with pytest.raises(ValidationFailed) as exc:
        services.tracking_numbers_add(courier=zto, numbers=numbers, actor=packer)
    errors = {e.field: (e.code, e.message) for e in exc.value.errors}
    assert set(errors) == {"numbers[2]", "numbers[3]"}
    assert errors["numbers[2]"][0] == "tracking_invalid" and errors["numbers[2]"][1].startswith("Row 3:")
    assert errors["numbers[3]"][0] == "tracking_duplicate" and "row 1" in errors["numbers[3]"][1]
    assert TrackingNumber.objects.count() == 0  # nothing of a refused list is kept
    result = services.tracking_numbers_add(courier=zto, numbers=["751234567890123", "", "75 1234-5678 9012 4"],
                                           actor=packer)
    assert (result.added, result.skipped_blank) == (2, 1)
    assert list(TrackingNumber.objects.values_list("number", flat=True)) == ["751234567890123", "751234567890124"]
    with pytest.raises(ValidationFailed) as exc:
        services.tracking_numbers_add(courier=zto, numbers=["751234567890124"], actor=packer)
    assert exc.value.errors[0].message == "Row 1: 751234567890124 is already in the pool."


def test_pool_too_small_assigns_nothing(allocated, wh, packer, zto, sf):
    wave = services.wave_create(warehouse=wh, actor=packer)  # 3 × ZTO, 1 × SF
    services.tracking_numbers_add(courier=zto, numbers=["751234567890001", "751234567890002"], actor=packer)
    services.tracking_numbers_add(courier=sf, numbers=["SF1234567890001"], actor=packer)
    with pytest.raises(DomainError) as exc:
        services.wave_assign_tracking(wave=wave, actor=packer)
    assert exc.value.code == "pool_too_small" and "1 missing" in exc.value.message
    assert not wave.parcels.exclude(tracking_no="").exists()
    assert not TrackingNumber.objects.filter(parcel__isnull=False).exists()
    services.tracking_numbers_add(courier=zto, numbers=["751234567890003", "751234567890004"], actor=packer)
    assert services.wave_assign_tracking(wave=wave, actor=packer) == 4
    zto_numbers = list(wave.parcels.filter(courier=zto).order_by("id").values_list("tracking_no", flat=True))
    assert zto_numbers == ["751234567890001", "751234567890002", "751234567890003"]  # in the order added
    assert wave.parcels.get(courier=sf).tracking_no == "SF1234567890001"
    assert services.tracking_pool_free(zto) == 1
    assert services.wave_assign_tracking(wave=wave, actor=packer) == 0  # all have one already


def test_a_wave_takes_the_numbers_after_the_last_given_out_and_the_skipped_ones_last(allocated, wh, packer, zto,
                                                                                      make_order, cs):
    # Numbers before the last one given out are free only when one was typed in by hand (or an
    # assignment was undone); they wait until the numbers after it run out, and are not lost.
    services.tracking_numbers_add(courier=zto, numbers=[f"75123456789000{i}" for i in range(1, 6)], actor=packer)
    first = services.wave_create(warehouse=wh, actor=packer, courier=zto, limit=1)
    services.parcel_set_tracking(parcel=first.parcels.get(), tracking_no="751234567890003", actor=packer)
    second = services.wave_create(warehouse=wh, actor=packer, courier=zto, limit=1)
    assert services.wave_assign_tracking(wave=second, actor=packer) == 1
    assert second.parcels.get().tracking_no == "751234567890004"
    third = services.wave_create(warehouse=wh, actor=packer, courier=zto)
    assert services.wave_assign_tracking(wave=third, actor=packer) == 1
    assert third.parcels.get().tracking_no == "751234567890005"
    services.tracking_numbers_add(courier=zto, numbers=["751234567890006"], actor=packer)
    assert sorted(TrackingNumber.objects.filter(parcel__isnull=True).values_list("number", flat=True)) == [
        "751234567890001", "751234567890002", "751234567890006"]
    # Three more orders: the number after the last given out first, then the skipped ones in order.
    for no in ("Z4", "Z5", "Z6"):
        make_order(no, [("SOCK-GRY-F", 1)])
    orders_allocate(actor=cs)
    fourth = services.wave_create(warehouse=wh, actor=packer, courier=zto)
    assert services.wave_assign_tracking(wave=fourth, actor=packer) == 3
    assert sorted(fourth.parcels.values_list("tracking_no", flat=True)) == [
        "751234567890001", "751234567890002", "751234567890006"]
    assert services.tracking_pool_free(zto) == 0


def test_tracking_numbers_are_assigned_all_or_nothing_when_a_write_fails(allocated, wh, packer, zto, sf,
                                                                         monkeypatch):
    wave = services.wave_create(warehouse=wh, actor=packer)
    services.tracking_numbers_add(courier=zto, numbers=[f"75123456789000{i}" for i in range(1, 4)], actor=packer)
    services.tracking_numbers_add(courier=sf, numbers=["SF1234567890001"], actor=packer)
    write = services.update_rows

    def parcels_written_then_the_pool_fails(model, *args, **kwargs):
        if model is TrackingNumber:
            raise RuntimeError("disk full")
        return write(model, *args, **kwargs)

    monkeypatch.setattr(services, "update_rows", parcels_written_then_the_pool_fails)
    with pytest.raises(RuntimeError):
        services.wave_assign_tracking(wave=wave, actor=packer)
    assert not wave.parcels.exclude(tracking_no="").exists()  # the parcels' numbers went back with the failure
    monkeypatch.undo()
    assert services.wave_assign_tracking(wave=wave, actor=packer) == 4


def test_a_hand_typed_tracking_number_is_checked(allocated, wh, packer, zto):
    wave = services.wave_create(warehouse=wh, actor=packer, courier=zto)
    first, second = wave.parcels.order_by("id")[:2]
    with pytest.raises(ValidationFailed) as exc:
        services.parcel_set_tracking(parcel=first, tracking_no="SF123", actor=packer)
    assert exc.value.errors[0].code == "tracking_invalid" and "中通" in exc.value.errors[0].message
    services.parcel_set_tracking(parcel=first, tracking_no="7512 3456 7890 999", actor=packer)
    assert Parcel.objects.get(pk=first.pk).tracking_no == "751234567890999"
    with pytest.raises(ValidationFailed) as exc:
        services.parcel_set_tracking(parcel=second, tracking_no="751234567890999", actor=packer)
    assert exc.value.errors[0].code == "tracking_in_use"


def test_a_pool_number_replaced_by_hand_is_never_reused(allocated, wh, packer, zto):
    wave = services.wave_create(warehouse=wh, actor=packer, courier=zto, limit=1)
    services.tracking_numbers_add(courier=zto, numbers=["751234567890001", "751234567890002"], actor=packer)
    services.wave_assign_tracking(wave=wave, actor=packer)
    parcel = wave.parcels.get()
    services.parcel_set_tracking(parcel=parcel, tracking_no="751234567890002", actor=packer)
    assert list(TrackingNumber.objects.values_list("number", "parcel")) == [("751234567890002", parcel.pk)]
