"""Partners as master data (core.masterdata): suppliers, couriers, customers, subcontractors 外协厂
and processing categories — their columns in import files, exports and the API, and which roles
may see and edit them. Registered from PartnersConfig.ready().

Customers, subcontractors and processing categories are written through partners.services on
every path (the form, an import row, the API): phone numbers are validated and normalised,
addresses parsed into province / city / district, and the audit trail is the services'. Their
lists therefore import row by row (`import_via_hooks`) rather than with the bulk insert.

A subcontractor's warehouse 外协仓 belongs to inventory, which partners may not import: inventory
registers `subcontractor_warehouse_ensure` with `on_subcontractor_saved`, and the list calls the
registered hooks in the same transaction after each create and update.
"""

from collections.abc import Callable

from django.db.models import Count

from shopflow.core.masterdata import Column, MasterList, Reference, register
from shopflow.core.roles import ROLE_CODES
from shopflow.partners import services
from shopflow.partners.models import Courier, Customer, ProcessingCategory, Subcontractor, Supplier

SUPPLIERS = register(MasterList(
    key="suppliers",
    model=Supplier,
    area="partners",
    columns=(
        Column("code", "供应商编码", "Supplier code", required=True, aliases=("编码", "代码", "code")),
        Column("name", "供应商名称", "Supplier name", required=True, aliases=("名称", "供应商", "name")),
        Column("contact", "联系人", "Contact"),
        Column("phone", "电话", "Phone", aliases=("联系电话", "手机", "手机号")),
        Column("address", "地址", "Address", aliases=("联系地址",)),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name", "contact", "phone"),
    filter_fields=("active",),
    access={
        "manager": ("view", "add", "change"),
        "purchasing": ("view", "add", "change"),
        **{role: ("view",) for role in ("operations", "warehouse", "planning", "finance")},
    },
))

COURIERS = register(MasterList(
    key="couriers",
    model=Courier,
    area="partners",
    columns=(
        Column("code", "快递编码", "Courier code", required=True, aliases=("编码", "代码", "code"), hint="SF"),
        Column("name", "快递公司", "Courier name", required=True, aliases=("名称", "name"), hint="顺丰速运"),
        Column("tracking_pattern", "单号规则", "Tracking-number pattern", aliases=("单号格式",), hint=r"SF\d{12}"),
        Column("sort_order", "排序", "Sort order"),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("active",),
    access={
        **{role: ("view",) for role in ROLE_CODES},
        **{role: ("view", "add", "change") for role in ("manager", "operations", "warehouse")},
    },
))


# ---------------------------------------------------------------- hooks for higher apps

# hook(subcontractor=, actor=), called in the transaction that created or changed a subcontractor
# through the list (form, import, API). See the module docstring.
_subcontractor_saved: list[Callable] = []


def on_subcontractor_saved(hook: Callable) -> None:
    """Register a hook (once; registering it again changes nothing)."""
    if hook not in _subcontractor_saved:
        _subcontractor_saved.append(hook)


def _subcontractor_saved_hooks(subcontractor: Subcontractor, actor) -> None:
    for hook in list(_subcontractor_saved):
        hook(subcontractor=subcontractor, actor=actor)


# ---------------------------------------------------------------- writing through the services


def _split_active(values: dict) -> tuple[dict, bool | None]:
    values = dict(values)
    return values, values.pop("active", None)


def _split_new(values: dict) -> tuple[dict, bool | None]:
    """_split_active for a new record: code and name always go to the service (blank when not
    given), so it reports them as required instead of failing on a missing argument."""
    values, active = _split_active(values)
    values["code"] = values.get("code") or ""
    values["name"] = values.get("name") or ""
    return values, active


def _set_active(obj, active: bool | None, *, deactivate, reactivate, actor, name: str):
    if active is None or active == obj.active:
        return obj
    return (reactivate if active else deactivate)(**{name: obj, "actor": actor})


def create_customer(*, actor, values: dict) -> Customer:
    values, active = _split_new(values)
    customer = services.customer_create(actor=actor, **values)
    return _set_active(customer, active, deactivate=services.customer_deactivate,
                       reactivate=services.customer_reactivate, actor=actor, name="customer")


def update_customer(*, obj: Customer, actor, changes: dict) -> Customer:
    changes, active = _split_active(changes)
    customer = services.customer_update(customer=obj, actor=actor, **changes) if changes else obj
    return _set_active(customer, active, deactivate=services.customer_deactivate,
                       reactivate=services.customer_reactivate, actor=actor, name="customer")


def create_subcontractor(*, actor, values: dict) -> Subcontractor:
    values, active = _split_new(values)
    subcontractor = services.subcontractor_create(actor=actor, **values)
    subcontractor = _set_active(subcontractor, active, deactivate=services.subcontractor_deactivate,
                                reactivate=services.subcontractor_reactivate, actor=actor, name="subcontractor")
    _subcontractor_saved_hooks(subcontractor, actor)
    return subcontractor


def update_subcontractor(*, obj: Subcontractor, actor, changes: dict) -> Subcontractor:
    changes, active = _split_active(changes)
    if "processing_categories" in changes:
        # The form gives a queryset, an import or the API a list of ids; the service takes either.
        changes["processing_categories"] = list(changes["processing_categories"] or ())
    subcontractor = services.subcontractor_update(subcontractor=obj, actor=actor, **changes) if changes else obj
    subcontractor = _set_active(subcontractor, active, deactivate=services.subcontractor_deactivate,
                                reactivate=services.subcontractor_reactivate, actor=actor, name="subcontractor")
    _subcontractor_saved_hooks(subcontractor, actor)
    return subcontractor


def create_processing_category(*, actor, values: dict) -> ProcessingCategory:
    values, active = _split_new(values)
    category = services.processing_category_create(actor=actor, **values)
    return _set_active(category, active, deactivate=services.processing_category_deactivate,
                       reactivate=services.processing_category_reactivate, actor=actor, name="category")


def update_processing_category(*, obj: ProcessingCategory, actor, changes: dict) -> ProcessingCategory:
    changes, active = _split_active(changes)
    category = services.processing_category_update(category=obj, actor=actor, **changes) if changes else obj
    return _set_active(category, active, deactivate=services.processing_category_deactivate,
                       reactivate=services.processing_category_reactivate, actor=actor, name="category")


# ---------------------------------------------------------------- references


def resolve_categories(texts: set[str]) -> dict[str, int]:
    """A processing category by its code (CUT), or by its name (裁剪) when one category has it."""
    texts = {t.strip() for t in texts}
    found = dict(ProcessingCategory.objects.filter(code__in=texts).values_list("code", "pk"))
    rest = texts - set(found)
    if rest:
        unique = (ProcessingCategory.objects.filter(name__in=rest).values("name")
                  .annotate(n=Count("pk")).filter(n=1).values_list("name", flat=True))
        found.update(ProcessingCategory.objects.filter(name__in=list(unique)).values_list("name", "pk"))
    return found


def describe_categories(ids: set[int]) -> dict[int, str]:
    return dict(ProcessingCategory.objects.filter(pk__in=ids).values_list("pk", "code"))


PROCESSING_CATEGORY = Reference(resolve_categories, describe_categories, hint="CUT、SEW")


# ---------------------------------------------------------------- the lists

# Filled from the address text by the services; shown and exported, never imported.
ADDRESS_RESULT_COLUMNS = (
    Column("province", "省份", "Province", importable=False),
    Column("city", "城市", "City", importable=False),
    Column("district", "区县", "District", importable=False),
    Column("address_needs_confirmation", "地址待确认", "Address needs confirmation", importable=False),
)

CUSTOMERS = register(MasterList(
    key="customers",
    model=Customer,
    area="partners",
    columns=(
        Column("code", "客户编码", "Customer code", required=True, aliases=("编码", "客户代码", "代码", "code"),
               hint="KH0001"),
        Column("name", "客户名称", "Customer name", required=True,
               aliases=("名称", "客户", "客户全称", "公司名称", "name"), hint="杭州某某服饰有限公司"),
        Column("kind", "客户类型", "Customer kind", aliases=("类型", "客户类别", "kind")),
        Column("contact", "联系人", "Contact", aliases=("收货人", "联系人姓名")),
        Column("mobile", "手机", "Mobile", aliases=("手机号", "手机号码", "联系手机", "mobile"), hint="13800138000"),
        Column("phone", "电话", "Phone", aliases=("联系电话", "座机", "固定电话", "phone"), hint="0571-88888888"),
        Column("address", "地址", "Address", aliases=("详细地址", "收货地址", "联系地址", "address"),
               hint="浙江省杭州市西湖区文三路90号"),
        *ADDRESS_RESULT_COLUMNS,
        Column("region", "销售区域", "Sales region", aliases=("区域", "大区", "region"), hint="华东"),
        Column("level", "等级", "Level", aliases=("级别", "代理等级", "分销等级", "level"), hint="1"),
        Column("credit_limit", "信用额度", "Credit limit", aliases=("授信额度", "额度"), hint="50000"),
        Column("payment_terms_days", "账期(天)", "Payment terms (days)", aliases=("账期", "账期天数"), hint="30"),
        Column("deposit_percent", "定金比例(%)", "Deposit (%)", aliases=("定金比例", "定金", "定金%"), hint="30"),
        Column("first_order_minimum", "首单最低金额", "First-order minimum", aliases=("首单金额", "首批进货额"),
               hint="4000"),
        Column("remarks", "备注", "Remarks", aliases=("说明", "remarks")),
        Column("active", "启用", "Active"),
    ),
    list_columns=("code", "name", "kind", "contact", "mobile", "province", "city", "district",
                  "address_needs_confirmation", "region", "level", "credit_limit", "payment_terms_days", "active"),
    search_fields=("code", "name", "contact", "mobile", "phone", "address", "region"),
    filter_fields=("kind", "address_needs_confirmation", "active"),
    access={
        **{role: ("view", "add", "change") for role in ("manager", "sales", "customer_service")},
        **{role: ("view",) for role in ("finance", "operations", "warehouse", "legal")},
    },
    create=create_customer,
    update=update_customer,
    import_via_hooks=True,
))

SUBCONTRACTORS = register(MasterList(
    key="subcontractors",
    model=Subcontractor,
    area="partners",
    columns=(
        Column("code", "外协厂编码", "Subcontractor code", required=True,
               aliases=("编码", "外协编码", "加工厂编码", "代码", "code"), hint="WX001"),
        Column("name", "外协厂名称", "Subcontractor name", required=True,
               aliases=("名称", "外协厂", "加工厂", "工厂名称", "name"), hint="东莞虎门制衣厂"),
        Column("contact", "联系人", "Contact"),
        Column("phone", "电话", "Phone", aliases=("联系电话", "手机", "手机号", "phone"), hint="0769-85123456"),
        Column("address", "地址", "Address", aliases=("工厂地址", "详细地址", "address"),
               hint="广东省东莞市虎门镇连升路18号"),
        *ADDRESS_RESULT_COLUMNS,
        Column("processing_categories", "加工类别", "Processing categories", ref=PROCESSING_CATEGORY,
               aliases=("加工类型", "加工工序", "工序")),
        Column("remarks", "备注", "Remarks", aliases=("说明",)),
        Column("active", "启用", "Active"),
    ),
    list_columns=("code", "name", "contact", "phone", "province", "city", "district", "processing_categories",
                  "active"),
    search_fields=("code", "name", "contact", "phone", "address"),
    filter_fields=("address_needs_confirmation", "active"),
    access={
        **{role: ("view", "add", "change") for role in ("manager", "purchasing", "planning")},
        **{role: ("view",) for role in ("warehouse", "finance")},
    },
    create=create_subcontractor,
    update=update_subcontractor,
    import_via_hooks=True,
))

PROCESSING_CATEGORIES = register(MasterList(
    key="processing-categories",
    model=ProcessingCategory,
    area="partners",
    columns=(
        Column("code", "类别编码", "Category code", required=True, aliases=("编码", "代码", "code"), hint="SEW"),
        Column("name", "加工类别", "Processing category", required=True,
               aliases=("类别名称", "名称", "工序", "name"), hint="车缝"),
        Column("sort_order", "排序", "Sort order"),
        Column("active", "启用", "Active"),
    ),
    search_fields=("code", "name"),
    filter_fields=("active",),
    access={
        **{role: ("view", "add", "change") for role in ("manager", "purchasing", "planning")},
        **{role: ("view",) for role in ("warehouse", "finance")},
    },
    create=create_processing_category,
    update=update_processing_category,
    import_via_hooks=True,
))
