"""What a later import does to orders we already worked on: a refund or a close on an allocated
order lets its stock go; holds put on by staff or the review survive a re-import; a refund on
an order merged into another holds the one that ships."""

from decimal import Decimal

from shopflow.channels.formats import PlatformStatus, ReadResult
from shopflow.channels.services import orders_import
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.inventory.models import StockBalance
from shopflow.inventory.selectors import reservation_differences
from shopflow.sales import online
from shopflow.sales.models import Allocation, OnlineOrder, OrderState
from shopflow.sales.review import online_order_merge
from tests.fulfilment.conftest import platform_order, receive


def again(shop, *orders):
    return orders_import(shop=shop, result=ReadResult(orders=list(orders), problems=[]), actor=None, source="again")


def reserved(sku, wh) -> Decimal:
    return StockBalance.objects.get(sku=sku, warehouse=wh).reserved


def test_refund_on_an_allocated_order_holds_it_and_lets_the_stock_go(quiet, skus, wh, shop, make_order, cs):
    receive(wh, {skus["tee"]: 5})
    order = make_order("R1", [("TEE-BLK-M", 2)])
    orders_allocate(actor=cs)
    assert reserved(skus["tee"], wh) == 2
    again(shop, platform_order("R1", [("TEE-BLK-M", 2)], status=PlatformStatus.REFUNDING))
    order = OnlineOrder.objects.get(pk=order.pk)
    assert order.state == OrderState.HELD and order.allocation == Allocation.NONE
    assert any(h["code"] == "refund" for h in order.holds)
    assert reserved(skus["tee"], wh) == 0 and not reservation_differences()


def test_a_close_on_an_allocated_order_cancels_it_and_lets_the_stock_go(quiet, skus, wh, shop, make_order, cs):
    receive(wh, {skus["tee"]: 5})
    order = make_order("C1", [("TEE-BLK-M", 3)])
    orders_allocate(actor=cs)
    again(shop, platform_order("C1", [("TEE-BLK-M", 3)], status=PlatformStatus.CLOSED))
    assert OnlineOrder.objects.get(pk=order.pk).state == OrderState.CANCELLED
    assert reserved(skus["tee"], wh) == 0 and not reservation_differences()


def test_a_manual_hold_survives_a_reimport(quiet, skus, shop, make_order, cs):
    order = make_order("H1", [("TEE-BLK-M", 1)], approve=False)
    online.online_order_hold(order=order, actor=cs, reason="等买家确认颜色")
    again(shop, platform_order("H1", [("TEE-BLK-M", 1)], message="颜色要黑色"))  # the buyer wrote meanwhile
    order = OnlineOrder.objects.get(pk=order.pk)
    assert order.state == OrderState.HELD and [h["code"] for h in order.holds] == ["manual"]


def test_a_refund_on_a_merged_order_holds_the_order_it_ships_in(quiet, skus, wh, shop, make_order, cs):
    receive(wh, {skus["tee"]: 5, skus["sock"]: 5})
    first = make_order("M1", [("TEE-BLK-M", 1)])
    second = make_order("M2", [("SOCK-GRY-F", 1)])
    survivor = online_order_merge(orders=[first, second], actor=cs)
    merged = ({first.pk, second.pk} - {survivor.pk}).pop()
    merged_no = OnlineOrder.objects.get(pk=merged).platform_order_no
    orders_allocate(actor=cs)
    assert OnlineOrder.objects.get(pk=survivor.pk).allocation == Allocation.ALLOCATED
    items = [("TEE-BLK-M", 1)] if merged_no == "M1" else [("SOCK-GRY-F", 1)]
    again(shop, platform_order(merged_no, items, status=PlatformStatus.REFUNDING))
    survivor = OnlineOrder.objects.get(pk=survivor.pk)
    assert survivor.state == OrderState.HELD and survivor.allocation == Allocation.NONE
    assert {"code": "merged_refund", "orders": [merged_no]} in survivor.holds
    assert reserved(skus["tee"], wh) == 0 and reserved(skus["sock"], wh) == 0 and not reservation_differences()
    # The same file again holds nothing twice.
    again(shop, platform_order(merged_no, items, status=PlatformStatus.REFUNDING))
    assert OnlineOrder.objects.get(pk=survivor.pk).holds.count({"code": "merged_refund", "orders": [merged_no]}) == 1
