"""Packing 验货 (wrong, extra and missing items refused with SKU and count; held orders refused;
weight required), shipping 发货 through the ledger (on hand down, reservations used up, merged
orders shipped too) and handover lists 交接单."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from shopflow.channels.formats import PlatformStatus, ReadResult
from shopflow.channels.services import orders_import
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.fulfilment import selectors, services
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.fulfilment.models import Parcel, ParcelState, Wave
from shopflow.fulfilment.selectors import delivery_note, packing_check, parcel_find, tracking_export
from shopflow.inventory.models import StockBalance, StockMove, StockReservation
from shopflow.inventory.selectors import cost_differences, reservation_differences, stock_differences
from shopflow.sales import online
from shopflow.sales.models import OnlineOrder, OrderState
from shopflow.sales.review import online_order_merge
from tests.fulfilment.conftest import platform_order

TEE, TEE_W, SOCK = "6970000000011", "6970000000028", "6970000000035"  # barcodes


@pytest.fixture
def parcel(quiet, stocked, wh, make_order, cs, packer, zto):
    """The waved parcel of an order of 2 black tees and 1 pair of socks, with a ZTO number."""
    make_order("P100", [("TEE-BLK-M", 2), ("SOCK-GRY-F", 1)])
    orders_allocate(actor=cs)
    wave = services.wave_create(warehouse=wh, actor=packer)
    services.tracking_numbers_add(courier=zto, numbers=["751234567890001"], actor=packer)
    services.wave_assign_tracking(wave=wave, actor=packer)
    return wave.parcels.get()


def balance(sku, wh) -> StockBalance:
    return StockBalance.objects.get(sku=sku, warehouse=wh)


def refused(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        services.parcel_pack(**kwargs)
    return exc.value


def assert_nothing_happened(parcel, stocked, wh):
    p = Parcel.objects.get(pk=parcel.pk)
    assert p.state == ParcelState.WAVED and p.weight is None and p.packed_at is None
    assert balance(stocked["tee"], wh).on_hand == 10 and balance(stocked["tee"], wh).reserved == 2
    assert not StockMove.objects.filter(origin_type="fulfilment.wave").exists()


def test_wrong_item_is_refused_naming_the_sku(parcel, packer, stocked, wh):
    err = refused(parcel=parcel, scans=[TEE, TEE, SOCK, TEE_W], weight="0.5", actor=packer)
    assert err.code == "packing_refused"
    assert [e.code for e in err.errors] == ["wrong_item"]
    assert "TEE-WHT-L" in err.errors[0].message and "纯棉T恤 白色 L" in err.errors[0].message
    assert "not in this order" in err.errors[0].message
    assert_nothing_happened(parcel, stocked, wh)


def test_unknown_code_is_a_wrong_item(parcel, packer, stocked, wh):
    err = refused(parcel=parcel, scans=[TEE, TEE, SOCK, "0000000"], weight="0.5", actor=packer)
    assert [e.code for e in err.errors] == ["wrong_item"] and "“0000000”" in err.errors[0].message
    assert_nothing_happened(parcel, stocked, wh)


def test_extra_item_is_refused_with_how_many(parcel, packer, stocked, wh):
    err = refused(parcel=parcel, scans=[TEE, TEE, TEE, SOCK], weight="0.5", actor=packer)
    assert [e.code for e in err.errors] == ["extra_item"]
    message = err.errors[0].message
    assert "TEE-BLK-M" in message and "1 more than ordered (ordered 2, scanned 3)" in message
    assert_nothing_happened(parcel, stocked, wh)


def test_missing_item_is_refused_when_finishing(parcel, packer, stocked, wh):
    partial = packing_check(parcel, [TEE])
    assert partial.ok and not partial.complete  # still scanning: no refusal yet
    assert [(m.code, m.quantity) for m in partial.missing] == [("SOCK-GRY-F", 1), ("TEE-BLK-M", 1)]
    err = refused(parcel=parcel, scans=[TEE, SOCK], weight="0.5", actor=packer)
    assert [e.code for e in err.errors] == ["missing_item"]
    assert "TEE-BLK-M 纯棉T恤 黑色 M, 1 not scanned yet (ordered 2, scanned 1)" in err.errors[0].message
    assert_nothing_happened(parcel, stocked, wh)


def test_weight_is_required_and_sane(parcel, packer, stocked, wh):
    for weight, code in ((None, "weight_required"), ("", "weight_required"), ("0", "weight_invalid"),
                         ("-1", "weight_invalid"), ("abc", "weight_invalid"), ("450", "weight_invalid"),
                         ("NaN", "weight_invalid")):
        with pytest.raises(ValidationFailed) as exc:
            services.parcel_pack(parcel=parcel, scans=[TEE, TEE, SOCK], weight=weight, actor=packer)
        assert exc.value.errors[0].field == "weight" and exc.value.errors[0].code == code
    assert_nothing_happened(parcel, stocked, wh)


def test_a_held_order_is_refused_at_the_bench(parcel, packer, shop, stocked, wh):
    # The buyer asks for a refund on the platform: the next import holds the approved order.
    orders_import(shop=shop, result=ReadResult(orders=[platform_order(
        "P100", [("TEE-BLK-M", 2), ("SOCK-GRY-F", 1)], status=PlatformStatus.REFUNDING)], problems=[]), actor=None)
    assert OnlineOrder.objects.get(pk=parcel.order_id).state == OrderState.HELD
    err = refused(parcel=parcel, scans=[TEE, TEE, SOCK], weight="0.5", actor=packer)
    assert err.code == "order_not_shippable" and "take it out of the wave" in err.message
    assert "refund" in err.message
    p = Parcel.objects.get(pk=parcel.pk)
    assert p.state == ParcelState.WAVED and p.packed_at is None
    # Holding it let its reserved stock go; nothing left the warehouse.
    assert balance(stocked["tee"], wh).on_hand == 10 and balance(stocked["tee"], wh).reserved == 0
    assert not StockMove.objects.filter(origin_type="fulfilment.wave").exists()


def test_correct_scans_ship_through_the_ledger(parcel, packer, stocked, wh):
    scans = ["TEE-BLK-M", TEE, " 6970000000035 "]  # an item code, a barcode, a barcode with spaces
    shipped = services.parcel_pack(parcel=parcel, scans=scans, weight="0.45", actor=packer)
    assert shipped.state == ParcelState.SHIPPED and shipped.weight == Decimal("0.450")
    assert shipped.packed_by == packer and shipped.shipped_by == packer and shipped.shipped_at is not None
    order = OnlineOrder.objects.get(pk=parcel.order_id)
    assert order.state == OrderState.SHIPPED
    tee, sock = balance(stocked["tee"], wh), balance(stocked["sock"], wh)
    assert (tee.on_hand, tee.reserved, sock.on_hand, sock.reserved) == (8, 0, 9, 0)
    # One posting per wave; each move's origin line is the order line it ships.
    moves = StockMove.objects.filter(origin_type="fulfilment.wave", origin_id=parcel.wave_id)
    assert sorted((m.sku.code, m.quantity) for m in moves) == [("SOCK-GRY-F", -1), ("TEE-BLK-M", -2)]
    assert {m.origin_line_id for m in moves} == set(order.lines.values_list("pk", flat=True))
    assert not StockReservation.objects.filter(origin_type="sales.onlineorder", origin_id=order.pk, open=True).exists()
    assert sum(r.consumed for r in StockReservation.objects.filter(origin_id=order.pk,
                                                                   origin_type="sales.onlineorder")) == 3
    assert stock_differences() == [] and reservation_differences() == [] and cost_differences() == []
    out = io.StringIO()
    call_command("verify_stock", stdout=out)  # `shopflow verify-stock` agrees
    assert out.getvalue().startswith("OK")
    assert Wave.objects.get(pk=parcel.wave_id).state == "done"
    assert AuditEvent.objects.filter(doc_type="fulfilment.parcel", doc_id=parcel.pk, action="ship").exists()
    with pytest.raises(DomainError) as exc:  # once is enough
        services.parcels_ship(parcels=[parcel.pk], actor=packer)
    assert "already Shipped" in exc.value.message


def test_ship_needs_a_valid_tracking_number_before_anything_is_written(quiet, stocked, wh, make_order, cs, packer):
    make_order("NT1", [("TEE-BLK-M", 1)])
    orders_allocate(actor=cs)
    parcel = services.wave_create(warehouse=wh, actor=packer).parcels.get()
    err = refused(parcel=parcel, scans=[TEE], weight="0.2", actor=packer)
    assert err.code == "no_tracking"
    assert Parcel.objects.get(pk=parcel.pk).state == ParcelState.WAVED
    packed = services.parcel_pack(parcel=parcel, scans=[TEE], weight="0.2", actor=packer, ship=False)
    assert packed.state == ParcelState.PACKED
    with pytest.raises(DomainError) as exc:
        services.parcels_ship(parcels=[parcel], actor=packer)
    assert exc.value.code == "ship_refused" and "no tracking number" in exc.value.message


def test_only_the_warehouse_packs(parcel, cs):
    with pytest.raises(PermissionDeniedError):
        services.parcel_pack(parcel=parcel, scans=[TEE, TEE, SOCK], weight="0.5", actor=cs)


def test_find_by_waybill_or_order_number(parcel):
    assert parcel_find("7512-3456-7890-01") is None
    assert parcel_find("751234567890001").pk == parcel.pk
    assert parcel_find("P100").pk == parcel.pk
    assert parcel_find("  ") is None
    note = delivery_note(parcel)
    assert note.platform_order_nos == ["P100"] and note.total_quantity == 3
    assert note.items_text == "TEE-BLK-M/黑色/M×2;SOCK-GRY-F/黑色/M"


def test_batch_pack_and_wave_ship(quiet, stocked, wh, make_order, cs, packer, zto, monkeypatch):
    monkeypatch.setattr(services, "POST_MOVES", 3)  # 10 moves: the wave posts in four parts
    for n in range(5):
        make_order(f"B{n}", [("TEE-BLK-M", 1), ("TEE-WHT-L", 1)])
    orders_allocate(actor=cs)
    wave = services.wave_create(warehouse=wh, actor=packer)
    services.tracking_numbers_add(courier=zto, numbers=[f"7512345678900{n:02d}" for n in range(5)], actor=packer)
    services.wave_assign_tracking(wave=wave, actor=packer)
    parcels = list(wave.parcels.order_by("id"))
    bad = [services.PackSpec(p.pk, [TEE, TEE_W], "0.4") for p in parcels[:4]] + [
        services.PackSpec(parcels[4].pk, [TEE], "0.4")]
    with pytest.raises(DomainError) as exc:
        services.parcels_pack_many(packs=bad, actor=packer)
    assert [e.field for e in exc.value.errors] == ["packs[4]"] and exc.value.errors[0].code == "missing_item"
    assert not Parcel.objects.filter(state=ParcelState.PACKED).exists()
    good = [services.PackSpec(p.pk, [TEE, TEE_W], f"0.4{n}") for n, p in enumerate(parcels)]
    assert services.parcels_pack_many(packs=good, actor=packer) == [p.pk for p in parcels]
    packed = list(Parcel.objects.filter(pk__in=[p.pk for p in parcels]).order_by("id"))
    assert [(p.state, p.weight, p.packed_by_id, p.version) for p in packed] == [
        (ParcelState.PACKED, Decimal(f"0.4{n}"), packer.pk, before.version + 1) for n, before in enumerate(parcels)]
    assert len({p.packed_at for p in packed}) == 1 and packed[0].packed_at is not None
    result = services.wave_ship(wave=wave, actor=packer)
    assert (result.parcels, result.orders, result.waves_done) == (5, 5, [wave.pk])
    assert OnlineOrder.objects.filter(state=OrderState.SHIPPED).count() == 5
    assert balance(stocked["tee"], wh).on_hand == 5 and balance(stocked["tee_w"], wh).reserved == 0
    assert StockMove.objects.filter(origin_type="fulfilment.wave", origin_id=wave.pk).count() == 10
    assert stock_differences() == [] and reservation_differences() == []


def test_merged_orders_ship_with_the_survivor(quiet, stocked, wh, make_order, cs, packer, zto, shop):
    first = make_order("M1", [("TEE-BLK-M", 1)], approve=False)
    second = make_order("M2", [("SOCK-GRY-F", 2)], approve=False)
    survivor = online_order_merge(orders=[first, second], actor=cs)
    online.online_order_approve(order=survivor, actor=cs)
    orders_allocate(actor=cs)
    parcel = services.wave_create(warehouse=wh, actor=packer).parcels.get()
    services.parcel_set_tracking(parcel=parcel, tracking_no="751234567890777", actor=packer)
    services.parcel_pack(parcel=parcel, scans=[TEE, SOCK, SOCK], weight="0.3", actor=packer)
    states = dict(OnlineOrder.objects.filter(pk__in=[first.pk, second.pk]).values_list("platform_order_no", "state"))
    assert states == {"M1": OrderState.SHIPPED, "M2": OrderState.SHIPPED}
    assert AuditEvent.objects.filter(doc_type="sales.onlineorder", doc_id=second.pk, action="ship").exists()
    rows = tracking_export(shop=shop, since=parcel.created_at)
    assert [(r.platform_order_no, r.courier_name, r.tracking_no) for r in rows] == [
        ("M1", zto.name, "751234567890777"), ("M2", zto.name, "751234567890777")]


# ---------------------------------------------------------------- handover


def test_handover_counts_and_weighs_what_the_courier_takes(quiet, stocked, wh, make_order, cs, packer, zto, sf):
    for n in range(3):
        make_order(f"H{n}", [("TEE-BLK-M", 1)])
    orders_allocate(actor=cs)
    wave = services.wave_create(warehouse=wh, actor=packer)
    with pytest.raises(DomainError) as exc:
        services.handover_create(courier=zto, warehouse=wh, actor=packer)
    assert exc.value.code == "nothing_to_hand_over"  # nothing shipped yet
    services.tracking_numbers_add(courier=zto, numbers=[f"75123456789{n:04d}" for n in range(3)], actor=packer)
    services.wave_assign_tracking(wave=wave, actor=packer)
    parcels = list(wave.parcels.order_by("id"))
    for p, kg in zip(parcels[:2], ("0.25", "1.5"), strict=True):
        services.parcel_pack(parcel=p, scans=[TEE], weight=kg, actor=packer)
    handover = services.handover_create(courier=zto, warehouse=wh, actor=packer)
    assert handover.number.startswith("JJ-") and handover.parcel_count == 2
    assert handover.total_weight == Decimal("1.750")
    assert set(handover.parcels.values_list("pk", flat=True)) == {parcels[0].pk, parcels[1].pk}
    with pytest.raises(DomainError):  # both are handed over; the third is not shipped
        services.handover_create(courier=zto, warehouse=wh, actor=packer)
    with pytest.raises(DomainError):
        services.handover_create(courier=sf, warehouse=wh, actor=packer)
    services.parcel_pack(parcel=parcels[2], scans=[TEE], weight="0.3", actor=packer)
    assert services.handover_create(courier=zto, warehouse=wh, actor=packer).parcel_count == 1


def test_scans_are_read_the_same_for_one_parcel_and_for_a_wave_batch(skus):
    # A few distinct texts go one compiled look-up each, many go as two set-wise queries.
    few = ["6970000000011", "sock-gry-f", "TEE-WHT-L", "NO-SUCH-ITEM"]
    many = few + [f"UNKNOWN-{i}" for i in range(selectors._FEW_TEXTS)]
    for scans in (few, many):
        found = selectors.scan_skus(scans + few)  # repeats are read once
        assert found["6970000000011"].code == "TEE-BLK-M"  # barcode
        assert found["sock-gry-f"].code == "SOCK-GRY-F"  # item code, case ignored
        assert found["TEE-WHT-L"].barcode == "6970000000028"  # item code
        assert found["NO-SUCH-ITEM"] is None and len(found) == len(set(scans))
