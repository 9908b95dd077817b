"""Customers: validation with field paths and stable codes, addresses parsed on save with their
problems kept, distributors/agents, search, the credit check, and the read-only admin."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from shopflow.core.errors import ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.partners import selectors, services
from shopflow.partners.error_codes import AddressProblemCode, PartnersError, PhoneProblemCode
from shopflow.partners.models import DEFAULT_FIRST_ORDER_MINIMUM, Customer, CustomerKind
from shopflow.partners.selectors import CreditState, customer_credit_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(role_user):
    return role_user("manager")


@pytest.fixture
def make(actor):
    """make("C001", kind="retail", ...) → a customer made by customer_create."""

    def _make(code: str = "C001", *, name: str | None = None, **values):
        return services.customer_create(code=code, name=name or f"客户 {code}", actor=actor, **values)

    return _make


def errors_of(exc_info) -> dict[str, str]:
    """{field: code} of a ValidationFailed."""
    return {e.field: e.code for e in exc_info.value.errors}


def audit(customer) -> list[str]:
    return list(AuditEvent.objects.filter(doc_type="partners.customer", doc_id=customer.pk)
                .values_list("action", flat=True))


# ---------------------------------------------------------------- create and validate

def test_create_b2b_customer_normalises_numbers_and_is_audited(make, actor):
    c = make("B2B-001", name="杭州衣尚服饰有限公司", kind=CustomerKind.B2B, contact=" 王经理 ",
             mobile="+86 138-0013-8000", phone="0571 8888 8888", credit_limit="50000", payment_terms_days=30,
             deposit_percent="30", region="华东")
    c.refresh_from_db()
    assert (c.code, c.contact, c.mobile, c.phone) == ("B2B-001", "王经理", "13800138000", "0571-88888888")
    assert (c.credit_limit, c.payment_terms_days, c.deposit_percent) == (Decimal("50000"), 30, Decimal("30"))
    assert c.level is None and c.first_order_minimum is None and c.active
    event = AuditEvent.objects.get(doc_type="partners.customer", doc_id=c.pk)
    assert event.action == "create" and event.actor == actor
    assert event.payload["values"]["mobile"] == "13800138000"
    assert event.payload["values"]["credit_limit"] == "50000"


@pytest.mark.parametrize(("mobile", "code"), [
    ("1380013800", PhoneProblemCode.INVALID),  # 10 digits
    ("12800138000", PhoneProblemCode.INVALID),  # no mobile starts with 12
    ("手机号", PhoneProblemCode.INVALID),
    ("0571-88888888", PhoneProblemCode.NOT_MOBILE),  # a landline belongs in `phone`
    ("138****8000", PartnersError.MOBILE_MASKED),  # masked numbers only for retail buyers
])
def test_bad_mobile_is_refused_with_its_field_and_code(make, mobile, code):
    with pytest.raises(ValidationFailed) as exc:
        make(mobile=mobile)
    assert errors_of(exc) == {"mobile": code}
    assert exc.value.code == "validation_failed"
    assert Customer.objects.count() == 0 and AuditEvent.objects.count() == 0


@pytest.mark.parametrize(("mobile", "stored"), [
    ("138****8000", "138****8000"),  # platform privacy mask
    ("17012345678-1234", "17012345678-1234"),  # virtual number with extension
    ("13800138000", "13800138000"),
])
def test_retail_buyer_may_have_a_masked_or_virtual_mobile(make, mobile, stored):
    c = make(kind=CustomerKind.RETAIL, mobile=mobile)
    assert c.mobile == stored


def test_bad_phone_is_refused(make):
    with pytest.raises(ValidationFailed) as exc:
        make(phone="88888888")
    assert errors_of(exc) == {"phone": PhoneProblemCode.NO_AREA_CODE}


@pytest.mark.parametrize(("values", "field", "code"), [
    ({"credit_limit": "-0.01"}, "credit_limit", PartnersError.NEGATIVE),
    ({"credit_limit": Decimal("-5000")}, "credit_limit", PartnersError.NEGATIVE),
    ({"credit_limit": "lots"}, "credit_limit", PartnersError.INVALID),
    ({"credit_limit": "1.234"}, "credit_limit", PartnersError.INVALID),
    ({"payment_terms_days": -1}, "payment_terms_days", PartnersError.OUT_OF_RANGE),
    ({"payment_terms_days": 400}, "payment_terms_days", PartnersError.OUT_OF_RANGE),
    ({"deposit_percent": "120"}, "deposit_percent", PartnersError.OUT_OF_RANGE),
    ({"deposit_percent": "-10"}, "deposit_percent", PartnersError.NEGATIVE),
    ({"kind": "wholesale"}, "kind", PartnersError.INVALID_CHOICE),
    ({"first_order_minimum": "-1", "kind": CustomerKind.AGENT}, "first_order_minimum", PartnersError.NEGATIVE),
    ({"level": 0, "kind": CustomerKind.DISTRIBUTOR}, "level", PartnersError.OUT_OF_RANGE),
])
def test_numbers_and_choices_are_validated(make, values, field, code):
    with pytest.raises(ValidationFailed) as exc:
        make(**values)
    assert errors_of(exc) == {field: code}
    assert Customer.objects.count() == 0


def test_duplicate_code_is_refused_and_nothing_changes(make):
    first = make("C001")
    with pytest.raises(ValidationFailed) as exc:
        make("C001", name="another")
    assert errors_of(exc) == {"code": PartnersError.DUPLICATE_CODE}
    assert "C001" in exc.value.errors[0].message
    assert list(Customer.objects.values_list("pk", flat=True)) == [first.pk]


def test_code_taken_by_a_concurrent_writer_is_a_field_error(make, monkeypatch):
    """The unique index catches what the pre-check could not see (another transaction won)."""
    make("C001")
    monkeypatch.setattr(services, "_clean", lambda instance, errors, **kw: None)  # the pre-check "misses" it
    with pytest.raises(ValidationFailed) as exc:
        make("C001")
    assert errors_of(exc) == {"code": PartnersError.DUPLICATE_CODE}
    assert Customer.objects.count() == 1


def test_code_rules_and_required_fields_all_reported_at_once(make, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.customer_create(code="C 001", name="  ", mobile="123", credit_limit=-1, actor=actor)
    assert errors_of(exc) == {
        "code": PartnersError.INVALID_CODE,
        "name": PartnersError.REQUIRED,
        "mobile": PhoneProblemCode.INVALID,
        "credit_limit": PartnersError.NEGATIVE,
    }
    with pytest.raises(ValidationFailed) as exc:
        services.customer_create(code="", name="x", actor=actor)
    assert errors_of(exc) == {"code": PartnersError.REQUIRED}


def test_messages_are_translatable(make):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        make(credit_limit=-1)
    assert exc.value.errors[0].code == PartnersError.NEGATIVE  # the code never changes with the language


def test_retail_buyers_get_no_credit(make):
    with pytest.raises(ValidationFailed) as exc:
        make(kind=CustomerKind.RETAIL, credit_limit=1000, payment_terms_days=30, deposit_percent=30)
    assert errors_of(exc) == {f: PartnersError.CREDIT_NOT_APPLICABLE
                              for f in ("credit_limit", "payment_terms_days", "deposit_percent")}
    c = make(kind=CustomerKind.RETAIL, credit_limit="", payment_terms_days="", deposit_percent=None)
    assert (c.credit_limit, c.payment_terms_days, c.deposit_percent) == (0, 0, 0)


# ---------------------------------------------------------------- distributors and agents

def test_distributors_and_agents_get_level_and_first_order_minimum(make):
    d = make("D001", kind=CustomerKind.DISTRIBUTOR, region="华南")
    assert (d.level, d.first_order_minimum, d.is_reseller) == (1, DEFAULT_FIRST_ORDER_MINIMUM, True)
    assert DEFAULT_FIRST_ORDER_MINIMUM == Decimal("4000")  # seed 004: 首次货款不能少于 4000 元
    a = make("A001", kind=CustomerKind.AGENT, level=2, first_order_minimum="6000", credit_limit=20000)
    a.refresh_from_db()
    assert (a.level, a.first_order_minimum, a.credit_limit) == (2, Decimal("6000"), Decimal("20000"))
    assert a.is_reseller and a.kind == "agent"
    assert not make("B001", kind="b2b").is_reseller


def test_reseller_fields_are_refused_on_other_kinds(make):
    with pytest.raises(ValidationFailed) as exc:
        make(kind=CustomerKind.B2B, level=1, first_order_minimum=4000)
    assert errors_of(exc) == {"level": PartnersError.RESELLER_ONLY, "first_order_minimum": PartnersError.RESELLER_ONLY}


def test_changing_kind_fills_or_needs_clearing_the_reseller_fields(make, actor):
    c = make(kind=CustomerKind.B2B, credit_limit=1000)
    c = services.customer_update(customer=c, actor=actor, kind=CustomerKind.DISTRIBUTOR)
    assert (c.level, c.first_order_minimum) == (1, DEFAULT_FIRST_ORDER_MINIMUM)
    with pytest.raises(ValidationFailed) as exc:
        services.customer_update(customer=c, actor=actor, kind=CustomerKind.B2B)
    assert errors_of(exc) == {"level": PartnersError.RESELLER_ONLY, "first_order_minimum": PartnersError.RESELLER_ONLY}
    c.refresh_from_db()
    assert c.kind == CustomerKind.DISTRIBUTOR  # nothing changed
    c = services.customer_update(customer=c, actor=actor, kind=CustomerKind.B2B, level="", first_order_minimum="")
    assert (c.kind, c.level, c.first_order_minimum) == (CustomerKind.B2B, None, None)
    with pytest.raises(ValidationFailed) as exc:
        services.customer_update(customer=c, actor=actor, kind=CustomerKind.RETAIL)
    assert errors_of(exc) == {"credit_limit": PartnersError.CREDIT_NOT_APPLICABLE}


def test_database_constraints_back_the_rules(make):
    c = make(kind=CustomerKind.B2B)
    bad_updates = [
        {"credit_limit": Decimal("-1")},
        {"deposit_percent": Decimal("101")},
        {"kind": CustomerKind.RETAIL, "credit_limit": Decimal("10")},
        {"kind": CustomerKind.DISTRIBUTOR},  # without level / first-order minimum
        {"level": 1},  # a B2B customer with a level
        {"code": ""},
        {"kind": "wholesale"},
    ]
    for values in bad_updates:
        with pytest.raises(IntegrityError), transaction.atomic():
            Customer.objects.filter(pk=c.pk).update(**values)


# ---------------------------------------------------------------- addresses

def test_address_is_parsed_on_save(make):
    c = make(address="浙江省杭州市西湖区文三路90号东部软件园3号楼")
    c.refresh_from_db()
    assert (c.province, c.city, c.district) == ("浙江省", "杭州市", "西湖区")
    assert (c.province_code, c.city_code, c.district_code) == ("33", "3301", "330106")
    assert c.address_detail == "文三路90号东部软件园3号楼"
    assert c.address_region == "浙江省 杭州市 西湖区"
    assert c.address_problems == [] and not c.address_needs_confirmation


def test_municipality_without_separators(make):
    c = make(address="北京朝阳区建国路88号SOHO现代城")
    assert (c.province, c.city, c.district, c.district_code) == ("北京市", "北京市", "朝阳区", "110105")
    assert not c.address_needs_confirmation


@pytest.mark.parametrize(("address", "code", "province"), [
    ("朝阳区建国路88号", AddressProblemCode.AMBIGUOUS, ""),  # 北京 and 长春 and ... all have a 朝阳区
    ("浙江杭州文三路90号", AddressProblemCode.DISTRICT_UNKNOWN, "浙江省"),
    ("火星基地1号", AddressProblemCode.PROVINCE_UNKNOWN, ""),
])
def test_address_problems_are_recorded_for_confirmation(make, address, code, province):
    c = make(address=address)
    c.refresh_from_db()
    assert c.address_needs_confirmation
    assert [p["code"] for p in c.address_problems] == [code]
    assert c.address_problems[0]["message"]
    assert c.province == province
    assert [p.code for p in selectors.address_problems(c)] == [code]
    assert list(selectors.customer_list(needs_address_confirmation=True)) == [c]


def test_address_problem_messages_follow_the_current_language(make):
    c = make(address="浙江杭州文三路90号")
    english = selectors.address_problems(c)[0].message
    with translation.override("zh-hans"):
        chinese = selectors.address_problems(c)[0].message
    assert english.startswith("Could not find the district")
    assert chinese != english and "杭州市" in chinese
    assert c.address_problems[0]["message"] == english  # stored as it was when saved


def test_address_confirmed_by_hand(make, actor):
    c = make(address="朝阳区建国路88号")
    with pytest.raises(ValidationFailed) as exc:
        services.customer_address_confirm(customer=c, actor=actor, province="浙江省", city="杭州市", district="朝阳区")
    assert errors_of(exc) == {"district": PartnersError.ADDRESS_LEVELS_UNKNOWN}
    with pytest.raises(ValidationFailed) as exc:
        services.customer_address_confirm(customer=c, actor=actor, province="北京市", city="", district="朝阳区")
    assert errors_of(exc) == {"city": PartnersError.REQUIRED}
    c.refresh_from_db()
    assert c.address_needs_confirmation

    c = services.customer_address_confirm(customer=c, actor=actor, province="北京市", city="北京市", district="朝阳区")
    c.refresh_from_db()
    assert (c.province, c.city, c.district, c.district_code) == ("北京市", "北京市", "朝阳区", "110105")
    assert not c.address_needs_confirmation and c.address_problems == []
    assert selectors.address_problems(c) == ()
    assert c.address_detail == "建国路88号"
    assert audit(c) == ["create", "confirm_address"]
    event = AuditEvent.objects.filter(doc_id=c.pk, action="confirm_address").get()
    assert event.payload["changes"]["address_needs_confirmation"] == [True, False]


def test_changing_the_address_parses_it_again(make, actor):
    c = make(address="浙江省杭州市西湖区文三路90号")
    c = services.customer_update(customer=c, actor=actor, address="上海徐汇区漕溪北路88号")
    assert (c.province, c.city, c.district) == ("上海市", "上海市", "徐汇区")
    c = services.customer_update(customer=c, actor=actor, address="徐汇区漕溪北路88号")  # 上海 is implied
    assert (c.province, c.district, c.address_needs_confirmation) == ("上海市", "徐汇区", False)
    c = services.customer_update(customer=c, actor=actor, address="")
    assert (c.province, c.city, c.district, c.address_problems, c.address_needs_confirmation) == ("", "", "", [],
                                                                                                  False)


def test_other_changes_keep_a_confirmed_address(make, actor):
    c = make(address="朝阳区建国路88号")
    c = services.customer_address_confirm(customer=c, actor=actor, province="北京市", city="北京市", district="朝阳区")
    c = services.customer_update(customer=c, actor=actor, name="新名字", address="朝阳区建国路88号")
    c.refresh_from_db()
    assert (c.name, c.province, c.address_needs_confirmation) == ("新名字", "北京市", False)


# ---------------------------------------------------------------- update, deactivate

def test_update_records_only_the_changes(make, actor):
    c = make(credit_limit=1000)
    services.customer_update(customer=c, actor=actor, credit_limit="1000.00")  # no change
    c = services.customer_update(customer=c, actor=actor, credit_limit="2000", mobile="13900139000")
    assert audit(c) == ["create", "update"]
    changes = AuditEvent.objects.filter(doc_id=c.pk, action="update").get().payload["changes"]
    assert changes == {"credit_limit": ["1000", "2000"], "mobile": ["", "13900139000"]}


def test_update_refuses_unknown_and_read_only_fields(make, actor):
    c = make()
    with pytest.raises(ValidationFailed) as exc:
        services.customer_update(customer=c, actor=actor, active=False, province="浙江省", colour="red")
    assert errors_of(exc) == {f: PartnersError.UNKNOWN_FIELD for f in ("active", "province", "colour")}


def test_update_to_a_taken_code(make, actor):
    make("C001")
    c2 = make("C002")
    with pytest.raises(ValidationFailed) as exc:
        services.customer_update(customer=c2, actor=actor, code="C001")
    assert errors_of(exc) == {"code": PartnersError.DUPLICATE_CODE}


def test_deactivate_and_reactivate(make, actor):
    c = make()
    c = services.customer_deactivate(customer=c, actor=actor, reason="closed down")
    assert not c.active
    services.customer_deactivate(customer=c, actor=actor)  # already inactive: nothing happens
    c = services.customer_reactivate(customer=c, actor=actor)
    assert c.active
    assert audit(c) == ["create", "deactivate", "reactivate"]
    assert AuditEvent.objects.get(doc_id=c.pk, action="deactivate").payload == {"reason": "closed down"}


# ---------------------------------------------------------------- search

def test_search_by_code_name_and_mobile(make, actor):
    a = make("C100", name="杭州衣尚服饰", mobile="13800138000", contact="王芳")
    b = make("C200", name="衣尚旗舰店买家", kind=CustomerKind.RETAIL, mobile="139****1234")
    c = make("XC100", name="宁波贸易", phone="0574-87654321")
    assert selectors.customer_search("C100") == [a, c]  # the exact code first
    assert selectors.customer_search("衣尚") == [a, b]
    assert selectors.customer_search("+86 138 0013 8000") == [a]
    assert selectors.customer_search("138-0013-8000") == [a]
    assert selectors.customer_search("8000") == [a]  # the last digits of a number
    assert selectors.customer_search("1234") == [b]  # masked numbers keep their last four digits
    assert selectors.customer_search("0574-87654321") == [c]
    assert selectors.customer_search("王芳") == [a]
    assert selectors.customer_search("衣尚 1234") == [b]  # every word must match
    assert selectors.customer_search("衣尚", kinds=[CustomerKind.RETAIL]) == [b]
    assert selectors.customer_search("  ") == []
    services.customer_deactivate(customer=a, actor=actor)
    assert selectors.customer_search("C100") == [c]
    assert selectors.customer_search("C100", active_only=False) == [a, c]
    assert list(selectors.customer_list(search="衣尚", active=True)) == [b]
    assert list(selectors.customer_list(kind=CustomerKind.B2B)) == [a, c]
    assert selectors.customer_by_code(" C200 ") == b
    assert selectors.customer_by_code("nope") is None


# ---------------------------------------------------------------- credit

@pytest.fixture
def b2b(make):
    return make("B2B-9", kind=CustomerKind.B2B, credit_limit="10000", payment_terms_days=30)


def test_credit_ok_within_and_at_the_limit(b2b):
    status = customer_credit_status(b2b, open_amount=Decimal("9999.99"))
    assert (status.state, status.ok, status.available, status.reasons) == (CreditState.OK, True, Decimal("0.01"), ())
    assert customer_credit_status(b2b, open_amount="10000").ok
    assert customer_credit_status(b2b, open_amount=-500).ok  # the customer has paid in advance


def test_credit_over_limit(b2b):
    status = customer_credit_status(b2b, open_amount="12500.50", overdue=0)
    assert (status.state, status.ok, status.over_limit, status.overdue) == (CreditState.OVER_LIMIT, False, True, False)
    assert status.available == Decimal("-2500.50")
    assert [r.code for r in status.reasons] == [PartnersError.CREDIT_OVER_LIMIT]
    assert "2500.5" in status.reasons[0].message and status.reasons[0].extra["over_by"] == "2500.5"
    assert status.overdue_known


def test_credit_overdue_from_a_number_or_a_callable(b2b):
    status = customer_credit_status(b2b, open_amount=3000, overdue=Decimal("800"))
    assert (status.state, status.overdue_amount) == (CreditState.OVERDUE, Decimal("800"))
    assert [r.code for r in status.reasons] == [PartnersError.CREDIT_OVERDUE]
    seen = []

    def overdue_of(customer):
        seen.append(customer)
        return "150.00"

    status = customer_credit_status(b2b, open_amount=3000, overdue=overdue_of)
    assert (status.state, status.overdue_amount, seen) == (CreditState.OVERDUE, Decimal("150"), [b2b])
    assert customer_credit_status(b2b, open_amount=3000, overdue=lambda c: 0).ok


def test_credit_overdue_and_over_limit_reports_both(b2b):
    status = customer_credit_status(b2b, open_amount=20000, overdue=500)
    assert status.state == CreditState.OVERDUE  # the more serious one
    assert [r.code for r in status.reasons] == [PartnersError.CREDIT_OVERDUE, PartnersError.CREDIT_OVER_LIMIT]
    assert status.over_limit and status.overdue


def test_no_overdue_figure_means_unknown_not_checked(b2b):
    status = customer_credit_status(b2b, open_amount=100)
    assert status.ok and not status.overdue_known and status.overdue_amount == 0


def test_zero_limit_means_no_credit(make):
    cash = make("CASH", kind=CustomerKind.B2B)
    assert customer_credit_status(cash, open_amount=0).ok
    assert customer_credit_status(cash, open_amount="0.01").state == CreditState.OVER_LIMIT
    retail = make("R1", kind=CustomerKind.RETAIL)
    assert customer_credit_status(retail, open_amount=99).state == CreditState.OVER_LIMIT


def test_credit_amounts_must_be_exact(b2b):
    with pytest.raises(TypeError):
        customer_credit_status(b2b, open_amount=0.1)
    with pytest.raises(ValueError):
        customer_credit_status(b2b, open_amount="NaN")


# ---------------------------------------------------------------- admin

def test_admin_is_read_only_with_service_actions(admin_client, make):
    c = make("C001")
    page = admin_client.get("/admin/partners/customer/")
    assert page.status_code == 200 and "C001" in page.content.decode()
    assert admin_client.get("/admin/partners/customer/add/").status_code == 403
    response = admin_client.post("/admin/partners/customer/",
                                 {"action": "deactivate", "_selected_action": [c.pk]})
    assert response.status_code == 302
    c.refresh_from_db()
    assert not c.active
    assert audit(c) == ["create", "deactivate"]
