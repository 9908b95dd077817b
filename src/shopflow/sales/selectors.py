"""Reads of online orders for the workbench: filtered, searched, counted by state."""

from django.db import connection
from django.db.models import Count, Q, QuerySet

from shopflow.sales.models import OnlineOrder


def may_view_orders(user) -> bool:
    return bool(user and user.is_active and user.has_perm("sales.view_onlineorder"))


def may_work_orders(user) -> bool:
    return bool(user and user.is_active and user.has_perm("sales.change_onlineorder"))


def online_orders(*, user, search: str = "", state: str = "", flag: str = "", shop_id: int | None = None,
                  hold: str = "") -> QuerySet:
    if not may_view_orders(user):
        return OnlineOrder.objects.none()
    qs = OnlineOrder.objects.select_related("shop")
    if state:
        qs = qs.filter(state=state)
    if flag:
        qs = qs.filter(flag=flag)
    if shop_id:
        qs = qs.filter(shop_id=shop_id)
    if hold:
        qs = qs.filter(holds__contains=[{"code": hold}]) if _json_contains() else qs.filter(holds__icontains=hold)
    for word in search.split()[:5]:
        qs = qs.filter(Q(platform_order_no__icontains=word) | Q(buyer_nick__icontains=word)
                       | Q(receiver_name__icontains=word) | Q(receiver_mobile__icontains=word)
                       | Q(tracking_no__icontains=word))
    return qs.order_by("paid_at", "id")  # oldest payment first: the 24-hour clock runs from it


def _json_contains() -> bool:
    return connection.features.supports_json_field_contains


def state_counts(user) -> dict[str, int]:
    if not may_view_orders(user):
        return {}
    return dict(OnlineOrder.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
