"""Mainland phone numbers: mobile, landline, service and platform-masked numbers."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from shopflow.partners.phone import (
    PhoneKind,
    PhoneProblemCode,
    normalise_mobile,
    parse_phone,
    validate_mobile,
    validate_phone,
)

RECOGNISED = [
    # (text, kind, normalised number, extension)
    ("13800138000", PhoneKind.MOBILE, "13800138000", ""),
    (" 13800138000 ", PhoneKind.MOBILE, "13800138000", ""),
    ("138 0013 8000", PhoneKind.MOBILE, "13800138000", ""),
    ("138-0013-8000", PhoneKind.MOBILE, "13800138000", ""),
    ("+86 138 0013 8000", PhoneKind.MOBILE, "13800138000", ""),
    ("+86-13800138000", PhoneKind.MOBILE, "13800138000", ""),
    ("+8613800138000", PhoneKind.MOBILE, "13800138000", ""),
    ("0086 13800138000", PhoneKind.MOBILE, "13800138000", ""),
    ("8613800138000", PhoneKind.MOBILE, "13800138000", ""),
    ("(+86)13800138000", PhoneKind.MOBILE, "13800138000", ""),
    ("１３８００１３８０００", PhoneKind.MOBILE, "13800138000", ""),  # full-width digits
    ("19912345678", PhoneKind.MOBILE, "19912345678", ""),
    ("16612345678", PhoneKind.MOBILE, "16612345678", ""),
    ("17012345678-1234", PhoneKind.MOBILE, "17012345678", "1234"),  # platform virtual number + extension
    ("17012345678转1234", PhoneKind.MOBILE, "17012345678", "1234"),
    ("0571-88888888", PhoneKind.LANDLINE, "0571-88888888", ""),
    ("057188888888", PhoneKind.LANDLINE, "0571-88888888", ""),
    ("(0571)88888888", PhoneKind.LANDLINE, "0571-88888888", ""),
    ("0571 8888 8888", PhoneKind.LANDLINE, "0571-88888888", ""),
    ("010-62345678", PhoneKind.LANDLINE, "010-62345678", ""),
    ("01062345678", PhoneKind.LANDLINE, "010-62345678", ""),
    ("021-68888888-8001", PhoneKind.LANDLINE, "021-68888888", "8001"),
    ("021 6888 8888 转 8001", PhoneKind.LANDLINE, "021-68888888", "8001"),
    ("+86 571 88888888", PhoneKind.LANDLINE, "0571-88888888", ""),
    ("0086 (0)21 6888 8888", PhoneKind.LANDLINE, "021-68888888", ""),
    ("0898-6234567", PhoneKind.LANDLINE, "0898-6234567", ""),  # 7-digit local number
    ("400-820-8820", PhoneKind.SERVICE, "400-820-8820", ""),
    ("8008208820", PhoneKind.SERVICE, "800-820-8820", ""),
    ("138****1234", PhoneKind.MASKED, "138****1234", ""),
    ("138＊＊＊＊1234", PhoneKind.MASKED, "138****1234", ""),
    ("+86 138****1234", PhoneKind.MASKED, "138****1234", ""),
    ("1*********4", PhoneKind.MASKED, "1*********4", ""),
]


@pytest.mark.parametrize(("text", "kind", "number", "extension"), RECOGNISED, ids=[r[0] for r in RECOGNISED])
def test_recognised(text, kind, number, extension):
    phone = parse_phone(text)
    assert (phone.kind, phone.number, phone.extension) == (kind, number, extension), phone.problem
    assert phone.ok and phone.problem == "" and phone.problem_code is None
    validate_phone(text)


REFUSED = [
    ("", PhoneProblemCode.EMPTY),
    ("   ", PhoneProblemCode.EMPTY),
    (None, PhoneProblemCode.EMPTY),
    ("12345678901", PhoneProblemCode.INVALID),  # 11 digits but 12…
    ("10086123456", PhoneProblemCode.INVALID),
    ("1380013800", PhoneProblemCode.INVALID),  # 10 digits
    ("138001380001", PhoneProblemCode.INVALID),  # 12 digits
    ("88888888", PhoneProblemCode.NO_AREA_CODE),
    ("6234567", PhoneProblemCode.NO_AREA_CODE),
    ("0571-8888", PhoneProblemCode.INVALID),
    ("abc", PhoneProblemCode.INVALID),
    ("1380013800a", PhoneProblemCode.INVALID),
    ("+852 9123 4567", PhoneProblemCode.INVALID),  # Hong Kong: not a mainland number
    ("138***1234", PhoneProblemCode.INVALID),  # a mask must still have 11 places
]


@pytest.mark.parametrize(("text", "code"), REFUSED, ids=[repr(r[0]) for r in REFUSED])
def test_refused_with_a_clear_message(text, code):
    phone = parse_phone(text)
    assert not phone.ok and phone.kind is None
    assert phone.problem_code == code
    assert phone.problem
    if text and text.strip():
        assert text.strip() in phone.problem  # the message quotes what was entered
    with pytest.raises(ValidationError):
        validate_phone(text)


def test_normalise_mobile():
    assert normalise_mobile("+86 138-0013-8000") == "13800138000"
    validate_mobile("13800138000")
    for text, fragment in [("0571-88888888", "not a mobile number"), ("138****1234", "masked"),
                           ("17012345678-1234", "not a mobile number"), ("123", "neither")]:
        with pytest.raises(ValidationError, match=fragment):
            normalise_mobile(text)


def test_full_number_keeps_the_extension():
    assert parse_phone("010-62345678-123").full == "010-62345678-123"
    assert parse_phone("13800138000").full == "13800138000"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "0086", "+86 "]),
       st.sampled_from(["", " ", "-"]))
def test_any_mobile_in_any_dress(number, prefix, sep):
    dressed = prefix + sep.join([number[:3], number[3:7], number[7:]])
    assert parse_phone(dressed).number == number
    assert normalise_mobile(dressed) == number


@given(st.text(max_size=30))
def test_any_text(text):
    phone = parse_phone(text)
    assert phone.ok != bool(phone.problem)
