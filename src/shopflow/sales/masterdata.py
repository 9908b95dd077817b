"""Review rules as master data (core.masterdata): gift rules 赠品规则 and courier rules 快递规则 get
list pages, import/export of .xlsx/CSV and the API (/api/v1/masterdata/gift-rules, …) from the
list registry. Registered from SalesConfig.ready().

Customer service, operations and managers edit them; every other role may look. A shop is
written as its shop code, a SKU as its item code 商家编码 (or barcode), a courier as its code."""

import datetime
import re

from django.utils.translation import gettext as _

from shopflow.core.masterdata import (
    CellError,
    Column,
    MasterList,
    Reference,
    choice_parser,
    normalize_header,
    register,
    text_parser,
)
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory.masterdata import SKU
from shopflow.partners.models import Courier
from shopflow.sales.models import CourierRule, CourierRuleKind, GiftRule

RULE_EDITORS = ("manager", "customer_service", "operations")
RULE_ACCESS = {**{role: ("view",) for role in ROLE_CODES},
               **{role: ("view", "add", "change") for role in RULE_EDITORS}}

# Province-level divisions as the address parser names them; a rule's value must be part of one.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
)


# ---------------------------------------------------------------- references


def _shop_model():
    # Shops belong to channels, above sales: reached through the rule's foreign key, never imported.
    return GiftRule._meta.get_field("shop").related_model


def resolve_shops(texts: set[str]) -> dict[str, int]:
    return dict(_shop_model().objects.filter(code__in=texts).values_list("code", "pk"))


def describe_shops(ids: set[int]) -> dict[int, str]:
    return dict(_shop_model().objects.filter(pk__in=ids).values_list("pk", "code"))


def resolve_couriers(texts: set[str]) -> dict[str, int]:
    """A courier by its code (SF), else by its name (顺丰速运)."""
    found: dict[str, int] = {}
    for pk, code in Courier.objects.filter(code__in=texts).values_list("pk", "code"):
        found[code] = pk
    for pk, name in Courier.objects.filter(name__in=texts - set(found)).values_list("pk", "name"):
        found.setdefault(name, pk)
    return found


def describe_couriers(ids: set[int]) -> dict[int, str]:
    return dict(Courier.objects.filter(pk__in=ids).values_list("pk", "code"))


SHOP = Reference(resolve_shops, describe_shops, hint="TB01")
COURIER = Reference(resolve_couriers, describe_couriers, hint="SF")


# ---------------------------------------------------------------- parsers

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date(text: str) -> datetime.date:
    """2026-11-11, 2026/11/11, 2026.11.11, 2026年11月11日 or 20261111."""
    match = _DATE.match(text) or _COMPACT.match(text)
    try:
        if match:
            return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        pass
    raise CellError(_("“%(value)s” is not a date; write it as 2026-11-11.") % {"value": text.strip()}, "not_a_date")


_name_parser = text_parser(GiftRule._meta.get_field("name"))  # names may have spaces (not a code)
_kind_choice = choice_parser(CourierRule._meta.get_field("kind"))
# Short words people write for a rule's condition, besides the value and the labels.
_KIND_WORDS = {
    **{w: CourierRuleKind.PROVINCE for w in ("省份", "省", "收货省份", "地区", "偏远地区", "province")},
    **{w: CourierRuleKind.REMARK for w in ("留言", "备注", "关键词", "留言或备注", "买家留言", "remark")},
}


def parse_kind(text: str) -> str:
    """province / remark by value, label (either language) or a short word such as 省份 or 留言."""
    return _KIND_WORDS.get(normalize_header(text)) or _kind_choice(text)


# ---------------------------------------------------------------- checks over rows


def check_gift_rules(plans) -> list[tuple]:
    problems = []
    for plan in plans:
        rule = plan.obj
        if rule.starts_on and rule.ends_on and rule.ends_on < rule.starts_on:
            problems.append((plan, "ends_on", _("The end date is before the start date."), "dates_reversed"))
    return problems


def split_values(text: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，、;；\n]", text or "") if v.strip()]


def check_courier_rules(plans) -> list[tuple]:
    problems = []
    for plan in plans:
        rule = plan.obj
        values = split_values(rule.values)
        if not values:
            problems.append((plan, "values", _("Write at least one province or keyword."), "required"))
        elif rule.kind == CourierRuleKind.PROVINCE:
            unknown = [v for v in values if not any(v in name for name in PROVINCES)]
            if unknown:
                problems.append((plan, "values", _("Not a province: %(values)s.") % {"values": "、".join(unknown)},
                                 "unknown_province"))
    return problems


GIFT_RULES = register(MasterList(
    key="gift-rules",
    model=GiftRule,
    area="sales",
    columns=(
        Column("name", "规则名称", "Rule name", required=True, aliases=("名称", "name"), parse=_name_parser,
               hint="满199送袜子"),
        Column("shop", "店铺", "Shop", ref=SHOP, aliases=("店铺编码", "shop")),
        Column("min_paid_amount", "实付满", "Paid at least", aliases=("实付金额满", "满额"), hint="199"),
        Column("sku", "赠品商家编码", "Gift item code", required=True, ref=SKU, aliases=("赠品", "商家编码")),
        Column("quantity", "赠送数量", "Quantity", aliases=("数量",), hint="1"),
        Column("starts_on", "开始日期", "From", parse=parse_date, aliases=("开始",), hint="2026-11-01"),
        Column("ends_on", "结束日期", "Until", parse=parse_date, aliases=("结束",), hint="2026-11-12"),
        Column("active", "启用", "Active"),
    ),
    key_fields=("name",),
    search_fields=("name", "sku__code"),
    filter_fields=("shop", "active"),
    access=RULE_ACCESS,
    check_rows=check_gift_rules,
))

COURIER_RULES = register(MasterList(
    key="courier-rules",
    model=CourierRule,
    area="sales",
    columns=(
        Column("name", "规则名称", "Rule name", required=True, aliases=("名称", "name"), parse=_name_parser,
               hint="偏远地区发EMS"),
        Column("sort_order", "顺序", "Sort order", aliases=("排序", "优先级"), hint="10"),
        Column("kind", "条件", "Condition", required=True, aliases=("类型", "kind"), parse=parse_kind,
               hint="省份 / 留言"),
        Column("values", "省份或关键词", "Provinces or keywords", required=True, aliases=("值", "values"),
               hint="新疆、西藏、青海"),
        Column("courier", "快递", "Courier", required=True, ref=COURIER, aliases=("快递公司", "快递编码")),
        Column("shop", "店铺", "Shop", ref=SHOP, aliases=("店铺编码", "shop")),
        Column("active", "启用", "Active"),
    ),
    key_fields=("name",),
    search_fields=("name", "values"),
    filter_fields=("kind", "courier", "shop", "active"),
    access=RULE_ACCESS,
    check_rows=check_courier_rules,
))
