"""Reads of online orders for the workbench and the API: filtered, searched, counted by state;
merge candidates; live parcels; and the review rules as plain data (which courier a rule picks).

Sales sits below fulfilment, so parcels are reached through the reverse relation `parcels`
that fulfilment declares on the order (never by importing fulfilment)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shopflow.core.prepared import Prepared
from shopflow.sales.models import CourierRule, CourierRuleKind, GiftRule, OnlineOrder, OrderState

# Orders that may still be merged, split, held or given a courier (not shipped, cancelled or merged).
OPEN_STATES = (OrderState.TO_REVIEW, OrderState.HELD, OrderState.APPROVED)
MERGEABLE_STATES = OPEN_STATES
ORDER_TYPE = "sales.onlineorder"
# Ids per IN (...): well under SQLite's 32 766 bound parameters (PostgreSQL allows 65 535).
CHUNK = 5000


def chunks(ids: list, size: int = CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def may_view_orders(user) -> bool:
    return bool(user and user.is_active and user.has_perm("sales.view_onlineorder"))


def may_work_orders(user) -> bool:
    return bool(user and user.is_active and user.has_perm("sales.change_onlineorder"))


# ---------------------------------------------------------------- lists


def online_orders(*, user, search: str = "", state: str = "", flag: str = "", shop_id: int | None = None,
                  hold: str = "", courier_id: int | None = None, mergeable: bool = False,
                  allocation: str | None = None) -> QuerySet:
    """The orders `user` may see, filtered; `courier_id` 0 means "no courier yet"; `mergeable`
    keeps open orders that share shop, buyer and receiver (name, mobile, address) with another."""
    if not may_view_orders(user):
        return OnlineOrder.objects.none()
    qs = OnlineOrder.objects.select_related("shop", "courier")
    if state:
        qs = qs.filter(state=state)
    if flag:
        qs = qs.filter(flag=flag)
    if shop_id:
        qs = qs.filter(shop_id=shop_id)
    if courier_id is not None:
        qs = qs.filter(courier__isnull=True) if courier_id == 0 else qs.filter(courier_id=courier_id)
    if allocation is not None:
        qs = qs.filter(allocation=allocation)
    if hold:
        if _json_contains():
            qs = qs.filter(holds__contains=[{"code": hold}])
        else:  # SQLite keeps the JSON as text: look for the quoted code, as json.dumps writes it (or compact)
            qs = qs.filter(Q(holds__icontains=f'"code": "{hold}"') | Q(holds__icontains=f'"code":"{hold}"'))
    if mergeable:
        qs = qs.filter(pk__in=mergeable_ids(shop_id=shop_id))
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


# ---------------------------------------------------------------- merging


RECEIVER_FIELDS = ("shop_id", "buyer_nick", "receiver_name", "receiver_mobile", "address")


def receiver_key(order: OnlineOrder) -> tuple:
    """What two orders must share to be merged: shop, buyer, receiver name, mobile and address
    (compared as stored, after trimming spaces at the ends)."""
    return (order.shop_id, order.buyer_nick.strip(), order.receiver_name.strip(), order.receiver_mobile.strip(),
            order.address.strip())


def mergeable_ids(*, shop_id: int | None = None) -> list[int]:
    """Ids of open orders that have at least one merge partner: one grouped read, no per-row
    subquery (the receiver fields have no index, and a correlated EXISTS would be quadratic)."""
    qs = OnlineOrder.objects.filter(state__in=MERGEABLE_STATES)
    if shop_id:
        qs = qs.filter(shop_id=shop_id)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, *key in qs.values_list("pk", *RECEIVER_FIELDS).iterator(chunk_size=5000):
        groups[(key[0], *(str(v).strip() for v in key[1:]))].append(pk)
    return [pk for ids in groups.values() if len(ids) > 1 for pk in ids]


def merge_candidates(order: OnlineOrder) -> list[OnlineOrder]:
    """Other open orders of the same shop, buyer and receiver that are in no live parcel (the
    orders online_order_merge would accept together with this one), oldest payment first."""
    if order.state not in MERGEABLE_STATES:
        return []
    shop_id, buyer, name, mobile, address = receiver_key(order)
    qs = (OnlineOrder.objects.filter(shop_id=shop_id, state__in=MERGEABLE_STATES, buyer_nick__iexact=buyer,
                                     receiver_name__contains=name, receiver_mobile__contains=mobile)
          .exclude(pk=order.pk).select_related("courier").order_by("paid_at", "id"))
    found = [o for o in qs if receiver_key(o) == receiver_key(order)]
    busy = live_parcels([o.pk for o in found])
    return [o for o in found if o.pk not in busy]


# ---------------------------------------------------------------- parcels (fulfilment's, read by relation)


def _parcel_model():
    try:
        return OnlineOrder._meta.get_field("parcels").related_model
    except FieldDoesNotExist:  # fulfilment not installed: no parcels anywhere
        return None


def live_parcels(order_ids) -> dict[int, str]:
    """{order id: wave number} of the orders that are in a parcel not cancelled."""
    model = _parcel_model()
    ids = list(order_ids)
    if model is None or not ids:
        return {}
    out: dict[int, str] = {}
    for chunk in chunks(ids):
        out.update(model.objects.filter(order_id__in=chunk).exclude(state="cancelled")
                   .values_list("order_id", "wave__number"))
    return out


# ---------------------------------------------------------------- review rules as data


@dataclass(frozen=True)
class CourierRuleRow:
    kind: str
    values: tuple[str, ...]  # provinces or keywords, case-folded
    courier_id: int
    shop_id: int | None


_ACTIVE_COURIER_RULES = Prepared(lambda: CourierRule.objects.filter(active=True, courier__active=True)
                                 .order_by("sort_order", "id"), keys=())


def courier_rules() -> list[CourierRuleRow]:
    """Active rules with an active courier, in the order they are tried (sort order, then id)."""
    return [CourierRuleRow(r.kind, tuple(v.casefold() for v in r.value_list), r.courier_id, r.shop_id)
            for r in _ACTIVE_COURIER_RULES.all()]


def pick_courier(rules: list[CourierRuleRow], *, shop_id: int, province: str, text: str,
                 default: int | None) -> int | None:
    """The courier of the first rule (by sort order) that matches, else the shop's default.

    A province rule matches when one of its values is part of the receiver's province ("新疆"
    matches "新疆维吾尔自治区"); a remark rule when one of its keywords appears in the buyer's
    message or the seller's remark (case ignored). Rules of another shop are skipped."""
    province = province.casefold()
    text = text.casefold()
    for rule in rules:
        if rule.shop_id is not None and rule.shop_id != shop_id:
            continue
        if rule.kind == CourierRuleKind.PROVINCE:
            if province and any(v in province for v in rule.values):
                return rule.courier_id
        elif text and any(v in text for v in rule.values):
            return rule.courier_id
    return default


@dataclass(frozen=True)
class GiftRuleRow:
    id: int
    name: str
    shop_id: int | None
    min_paid_amount: Decimal
    sku_id: int
    sku_code: str
    sku_name: str
    quantity: Decimal
    starts_on: datetime.date | None
    ends_on: datetime.date | None

    def applies(self, *, shop_id: int, paid_amount: Decimal, day: datetime.date) -> bool:
        """Whether an order of `shop_id` that paid `paid_amount` on `day` (local date) gets the gift."""
        if self.shop_id is not None and self.shop_id != shop_id:
            return False
        if paid_amount < self.min_paid_amount:
            return False
        if self.starts_on and day < self.starts_on:
            return False
        return not (self.ends_on and day > self.ends_on)


def local_day(moment: datetime.datetime | None, tz=None) -> datetime.date:
    """The local date of a moment (now if None), in `tz` (default: the current time zone)."""
    tz = tz or timezone.get_current_timezone()
    return (moment or timezone.now()).astimezone(tz).date()


def gift_rules() -> list[GiftRuleRow]:
    """Active gift rules whose SKU is active, by name."""
    rows = GiftRule.objects.filter(active=True, sku__active=True).select_related("sku").order_by("name", "id")
    return [GiftRuleRow(r.pk, r.name, r.shop_id, r.min_paid_amount, r.sku_id, r.sku.code, r.sku.name, r.quantity,
                        r.starts_on, r.ends_on) for r in rows]


# ---------------------------------------------------------------- an order's page


def order_lines(order: OnlineOrder):
    return order.lines.select_related("sku", "source_order").order_by("line_no")


def split_family(order: OnlineOrder) -> list[OnlineOrder]:
    """The other parts of the same platform order (the original and what was split off it)."""
    root = order.split_from_id or order.pk
    return list(OnlineOrder.objects.filter(Q(pk=root) | Q(split_from_id=root)).exclude(pk=order.pk)
                .order_by("id"))
