"""Barcodes: EAN-13 check digits on real numbers, generated sequences, uniqueness, drawings."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st
from reportlab.graphics.shapes import Drawing

from shopflow.catalog import barcodes, services
from shopflow.catalog.checks import check_barcode_prefix
from shopflow.catalog.models import BarcodeSequence, Sku
from shopflow.core.errors import DomainError, ValidationFailed

REAL_EAN13 = [
    "6901234567892",  # the GS1 China sample number
    "4006381333931",  # Stabilo pen, the usual textbook example
    "5901234123457",  # GS1 Poland's sample
    "9780306406157",  # an ISBN-13 (Bookland EAN)
    "0012345678905",  # a UPC-A written as an EAN-13
]


@pytest.mark.parametrize("code", REAL_EAN13)
def test_real_ean13_numbers_are_valid(code):
    assert barcodes.ean13_check_digit(code[:12]) == code[12]
    assert barcodes.is_ean13(code) is True
    barcodes.validate_barcode(code)


@pytest.mark.parametrize("code", ["6901234567891", "4006381333932", "400638133393", "40063813339311", "400638133393X",
                                  "４００６３８１３３３９３１"])
def test_wrong_check_digits_and_lengths_are_not_ean13(code):
    assert barcodes.is_ean13(code) is False


def test_a_13_digit_barcode_with_a_wrong_check_digit_is_refused_with_the_right_digit():
    with pytest.raises(ValidationError) as exc:
        barcodes.validate_barcode("6901234567891")
    assert exc.value.messages == ["6901234567891 is not a valid EAN-13: the check digit should be 2."]


@pytest.mark.parametrize("value", ["TX2401-BLK-M", "ABC123", "12345678", ""])
def test_other_printable_values_are_code128_barcodes(value):
    barcodes.validate_barcode(value)


@pytest.mark.parametrize("value", ["TX 2401", "黑色T恤", "a\tb"])
def test_spaces_and_chinese_cannot_be_barcodes(value):
    with pytest.raises(ValidationError):
        barcodes.validate_barcode(value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_any_single_digit_error_is_caught(body, delta):
    code = body + barcodes.ean13_check_digit(body)
    assert barcodes.is_ean13(code)
    for position in range(13):
        wrong = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
        assert barcodes.is_ean13(wrong) is False


def test_generated_numbers_follow_the_sequence_and_skip_taken_ones(db, make_sku, settings):
    settings.SHOPFLOW = {"BARCODE_PREFIX": "6975321"}
    make_sku("IMPORTED", barcode="6975321000029")  # the 2nd number, already on an imported SKU
    first, second = barcodes.ean13_allocate(count=2)
    assert (first, second) == ("6975321000012", "6975321000036")
    assert barcodes.ean13_next() == "6975321000043"
    assert BarcodeSequence.objects.get(prefix="6975321").last == 4
    assert barcodes.ean13_next(prefix="200") == "2000000000015"


def test_exhausted_prefix_is_refused(db):
    BarcodeSequence.objects.create(prefix="69753210123", last=9)
    with pytest.raises(DomainError) as exc:
        barcodes.ean13_next(prefix="69753210123")
    assert exc.value.code == "barcode_exhausted"


@pytest.mark.parametrize("prefix", ["", "6", "69A", "697532101234"])
def test_bad_prefixes_are_refused_and_reported_by_the_system_check(db, settings, prefix):
    with pytest.raises(DomainError) as exc:
        barcodes.ean13_next(prefix=prefix)
    assert exc.value.code == "barcode_prefix"
    settings.SHOPFLOW = {"BARCODE_PREFIX": prefix}
    assert [m.id for m in check_barcode_prefix(None)] == ["catalog.E001"]


def test_default_prefix_passes_the_check():
    assert check_barcode_prefix(None) == []


def test_sku_barcode_must_be_valid_and_unique(make_sku, actor):
    make_sku("A", barcode="6901234567892")
    with pytest.raises(ValidationFailed) as exc:
        make_sku("B", barcode="6901234567892")
    assert [(e.field, e.code) for e in exc.value.errors] == [("barcode", "duplicate_barcode")]
    with pytest.raises(ValidationFailed) as exc:
        make_sku("C", barcode="6901234567893")
    assert [(e.field, e.code) for e in exc.value.errors] == [("barcode", "invalid_barcode")]
    make_sku("D")
    make_sku("E")  # blank barcodes do not clash
    assert Sku.objects.filter(barcode="").count() == 2


def test_database_refuses_duplicate_non_blank_barcodes(make_sku):
    make_sku("A", barcode="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.create(code="B", name="b", barcode="X1")


def test_assign_barcode_ean13_then_keep_it(make_sku, actor, settings):
    settings.SHOPFLOW = {"BARCODE_PREFIX": "6975321"}
    sku = make_sku("ML-001")
    services.sku_assign_barcode(sku=sku, actor=actor)
    sku.refresh_from_db()
    assert sku.barcode == "6975321000012"
    with pytest.raises(DomainError) as exc:
        services.sku_assign_barcode(sku=sku, actor=actor, scheme="code128")
    assert exc.value.code == "barcode_exists"
    services.sku_assign_barcode(sku=sku, actor=actor, scheme="code128", replace=True)
    sku.refresh_from_db()
    assert sku.barcode == "ML-001"


def test_code128_needs_an_ascii_item_code(make_sku, actor):
    sku = make_sku("面料-01")
    with pytest.raises(DomainError) as exc:
        services.sku_assign_barcode(sku=sku, actor=actor, scheme="code128")
    assert exc.value.code == "not_code128"


@pytest.mark.parametrize(("value", "symbology"), [("6901234567892", "EAN13"), ("TX2401-BLK-M", "Code128")])
def test_drawings_for_labels(value, symbology):
    assert barcodes.barcode_symbology(value) == symbology
    drawing = barcodes.barcode_drawing(value)
    assert isinstance(drawing, Drawing) and drawing.width > 50 and drawing.height > 40
    assert barcodes.barcode_pdf(value).startswith(b"%PDF")
    svg = barcodes.barcode_svg(value)
    assert svg.rstrip().endswith("</svg>") and value[-6:] in svg  # the human-readable digits


def test_unprintable_value_has_no_drawing():
    with pytest.raises(DomainError) as exc:
        barcodes.barcode_drawing("黑色")
    assert exc.value.code == "invalid_barcode"
