"""Subcontractors 外协厂 and processing categories: services, validation, addresses, search.
(Each subcontractor's warehouse is inventory's; partners stores nothing about it.)"""

import pytest

from shopflow.core.errors import ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.partners import selectors, services
from shopflow.partners.error_codes import AddressProblemCode, PartnersError, PhoneProblemCode
from shopflow.partners.models import ProcessingCategory, Subcontractor

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(role_user):
    return role_user("manager")


@pytest.fixture
def make(actor):
    def _make(code: str = "WX001", *, name: str | None = None, **values):
        return services.subcontractor_create(code=code, name=name or f"外协厂 {code}", actor=actor, **values)

    return _make


def errors_of(exc_info) -> dict[str, str]:
    return {e.field: e.code for e in exc_info.value.errors}


def codes(subcontractor) -> list[str]:
    return sorted(subcontractor.processing_categories.values_list("code", flat=True))


def audit(obj) -> list[str]:
    return list(AuditEvent.objects.filter(doc_type=obj._meta.label_lower, doc_id=obj.pk)
                .values_list("action", flat=True))


def test_common_processing_categories_are_seeded():
    seeded = set(ProcessingCategory.objects.values_list("code", flat=True))
    assert {"CUT", "SEW", "PRINT", "EMBROIDER", "WASH", "SMT", "PROGRAM", "ASSEMBLE"} <= seeded
    assert ProcessingCategory.objects.get(code="SEW").name == "车缝"


def test_create_subcontractor(make, actor):
    sew = ProcessingCategory.objects.get(code="SEW")
    s = make("WX001", name="东莞虎门制衣厂", contact="李厂长", phone="0769-85123456",
             address="广东省东莞市虎门镇连升路18号", processing_categories=[sew, "PRINT", " CUT "])
    s.refresh_from_db()
    assert (s.code, s.name, s.contact, s.phone) == ("WX001", "东莞虎门制衣厂", "李厂长", "0769-85123456")
    assert s.active
    assert codes(s) == ["CUT", "PRINT", "SEW"]
    assert (s.province, s.city, s.district) == ("广东省", "东莞市", "东莞市")  # 东莞 has no districts
    assert not s.address_needs_confirmation
    event = AuditEvent.objects.get(doc_type="partners.subcontractor", doc_id=s.pk)
    assert event.action == "create" and event.actor == actor
    assert event.payload["values"]["processing_categories"] == ["CUT", "PRINT", "SEW"]


def test_phone_may_be_mobile_or_landline_never_masked(make):
    assert make("WX1", phone="138 0013 8000").phone == "13800138000"
    assert make("WX2", phone="+86 571 88888888").phone == "0571-88888888"
    assert make("WX3", phone="").phone == ""
    for phone, code in [("138****8000", PartnersError.MOBILE_MASKED), ("88888888", PhoneProblemCode.NO_AREA_CODE),
                        ("12345", PhoneProblemCode.INVALID)]:
        with pytest.raises(ValidationFailed) as exc:
            make("WX9", phone=phone)
        assert errors_of(exc) == {"phone": code}
    assert not Subcontractor.objects.filter(code="WX9").exists()


def test_processing_categories_by_code_string_and_unknown_ones(make):
    assert codes(make("WX1", processing_categories="CUT;SEW；WASH")) == ["CUT", "SEW", "WASH"]
    with pytest.raises(ValidationFailed) as exc:
        make("WX2", processing_categories=["SEW", "GLUE", 999999])
    assert errors_of(exc) == {"processing_categories[1]": PartnersError.INVALID_CHOICE,
                              "processing_categories[2]": PartnersError.INVALID_CHOICE}
    assert not Subcontractor.objects.filter(code="WX2").exists()


def test_inactive_category_is_kept_but_not_added(make, actor):
    wash = ProcessingCategory.objects.get(code="WASH")
    s = make(processing_categories=["WASH", "SEW"])
    services.processing_category_deactivate(category=wash, actor=actor)
    s = services.subcontractor_update(subcontractor=s, actor=actor, processing_categories=["WASH", "CUT"])
    assert codes(s) == ["CUT", "WASH"]
    with pytest.raises(ValidationFailed) as exc:
        make("WX2", processing_categories=["WASH"])
    assert errors_of(exc) == {"processing_categories[0]": PartnersError.CATEGORY_INACTIVE}


def test_validation_reports_every_field(make, actor):
    make("WX001")
    with pytest.raises(ValidationFailed) as exc:
        services.subcontractor_create(code="WX001", name="", phone="abc", actor=actor)
    assert errors_of(exc) == {"code": PartnersError.DUPLICATE_CODE, "name": PartnersError.REQUIRED,
                              "phone": PhoneProblemCode.INVALID}
    with pytest.raises(ValidationFailed) as exc:
        make("WX 2")
    assert errors_of(exc) == {"code": PartnersError.INVALID_CODE}
    assert Subcontractor.objects.count() == 1


def test_update_replaces_categories_and_records_changes(make, actor):
    s = make(processing_categories=["SEW"], phone="0769-85123456")
    s = services.subcontractor_update(subcontractor=s, actor=actor, name=" 新名 ", processing_categories=["CUT", "SEW"])
    assert (s.name, codes(s)) == ("新名", ["CUT", "SEW"])
    s = services.subcontractor_update(subcontractor=s, actor=actor, contact="张三")
    assert codes(s) == ["CUT", "SEW"]  # not given: kept
    s = services.subcontractor_update(subcontractor=s, actor=actor, processing_categories=[])
    assert codes(s) == []
    services.subcontractor_update(subcontractor=s, actor=actor, phone="0769-8512 3456")  # same number
    changes = [e.payload["changes"] for e in AuditEvent.objects.filter(doc_id=s.pk, doc_type="partners.subcontractor",
                                                                        action="update")]
    assert changes == [
        {"name": ["外协厂 WX001", "新名"], "processing_categories": [["SEW"], ["CUT", "SEW"]]},
        {"contact": ["", "张三"]},
        {"processing_categories": [["CUT", "SEW"], []]},
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.subcontractor_update(subcontractor=s, actor=actor, warehouse=1)
    assert errors_of(exc) == {"warehouse": PartnersError.UNKNOWN_FIELD}


def test_address_problems_and_confirmation(make, actor):
    s = make(address="西湖区转塘街道外协路1号")  # 西湖区: Hangzhou or Nanchang
    assert s.address_needs_confirmation
    assert [p["code"] for p in s.address_problems] == [AddressProblemCode.AMBIGUOUS]
    assert [p.code for p in selectors.address_problems(s)] == [AddressProblemCode.AMBIGUOUS]
    s = services.subcontractor_address_confirm(subcontractor=s, actor=actor, province="浙江省", city="杭州市",
                                               district="西湖区")
    assert (s.province, s.city, s.district, s.district_code) == ("浙江省", "杭州市", "西湖区", "330106")
    assert not s.address_needs_confirmation
    s = services.subcontractor_update(subcontractor=s, actor=actor, address="江西省南昌市西湖区桃花路2号")
    assert (s.province, s.city, s.district, s.address_needs_confirmation) == ("江西省", "南昌市", "西湖区", False)
    assert audit(s) == ["create", "confirm_address", "update"]


def test_deactivate_and_reactivate(make, actor):
    s = make()
    s = services.subcontractor_deactivate(subcontractor=s, actor=actor, reason="质量问题")
    assert not s.active
    assert list(selectors.subcontractor_list(active=True)) == []
    s = services.subcontractor_reactivate(subcontractor=s, actor=actor)
    assert s.active
    assert audit(s) == ["create", "deactivate", "reactivate"]


def test_list_and_search(make, actor):
    a = make("WX001", name="虎门制衣", contact="李厂长", phone="0769-85123456", processing_categories=["SEW"])
    b = make("WX002", name="柯桥印染", phone="13900139000", processing_categories=["PRINT", "DYE"])
    c = make("SMT01", name="深圳贴片厂", processing_categories=["SMT", "PROGRAM"])
    assert list(selectors.subcontractor_list(category="PRINT")) == [b]
    assert list(selectors.subcontractor_list(category=ProcessingCategory.objects.get(code="SMT"))) == [c]
    assert selectors.subcontractor_search("WX") == [a, b]
    assert selectors.subcontractor_search("印染") == [b]
    assert selectors.subcontractor_search("139 0013 9000") == [b]
    assert selectors.subcontractor_search("0769-85123456") == [a]
    assert selectors.subcontractor_search("85123456") == [a]
    assert selectors.subcontractor_search("李厂长") == [a]
    assert selectors.subcontractor_search("厂", category="SMT") == [c]
    services.subcontractor_deactivate(subcontractor=a, actor=actor)
    assert selectors.subcontractor_search("WX") == [b]
    assert selectors.subcontractor_search("WX", active_only=False) == [a, b]
    assert selectors.subcontractor_by_code("SMT01") == c


def test_processing_category_services(actor):
    glue = services.processing_category_create(code="GLUE", name="粘合", sort_order=200, actor=actor)
    assert glue in selectors.processing_category_list(active=True)
    with pytest.raises(ValidationFailed) as exc:
        services.processing_category_create(code="GLUE", name="again", actor=actor)
    assert errors_of(exc) == {"code": PartnersError.DUPLICATE_CODE}
    glue = services.processing_category_update(category=glue, actor=actor, name="胶合")
    assert glue.name == "胶合"
    services.processing_category_deactivate(category=glue, actor=actor)
    assert glue not in selectors.processing_category_list(active=True)
    services.processing_category_reactivate(category=glue, actor=actor)
    assert audit(glue) == ["create", "update", "deactivate", "reactivate"]
