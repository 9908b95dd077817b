"""Couriers: the seeded rows, tracking-number patterns and their messages."""

import csv
import importlib
from importlib import resources
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shopflow.partners.couriers import (
    BUILTIN_TRACKING_FORMATS,
    DefaultCourier,
    courier_seed_defaults,
    default_couriers,
    normalise_tracking_number,
    tracking_number_problem,
    validate_tracking_pattern,
)
from shopflow.partners.models import Courier

SHARED_CSV = Path(__file__).resolve().parents[3] / "shared/data/real/china_couriers/kdniao_courier_codes_cn.csv"
COMMON = ["ZTO", "STO", "YTO", "YD", "YZPY", "EMS", "SF", "JD", "JDKY", "UC", "DBL", "JTSD", "CNSD", "CNCY", "DNWL"]


@pytest.mark.django_db
def test_migration_seeds_the_common_couriers():
    couriers = list(Courier.objects.all())
    assert [c.code for c in couriers] == COMMON  # ordered by sort_order: the source's order
    assert all(c.active for c in couriers)
    sf = Courier.objects.get(code="SF")
    assert (sf.name, sf.tracking_pattern) == ("顺丰速运", BUILTIN_TRACKING_FORMATS["SF"].pattern)
    assert Courier.objects.get(code="UC").tracking_pattern == ""


def test_migration_rows_equal_the_defaults_in_code():
    migration = importlib.import_module("shopflow.partners.migrations.0003_seed_couriers")
    assert [DefaultCourier(*row) for row in migration.COURIERS] == list(default_couriers())


def test_shipped_csv_is_the_common_rows_of_the_source():
    shipped = resources.files("shopflow.partners").joinpath("data", "couriers_cn.csv").read_text("utf-8")
    rows = list(csv.DictReader(shipped.splitlines()))
    assert [r["kdniao_code"] for r in rows] == COMMON
    assert {r["index_group"] for r in rows} == {"常用"}
    if not SHARED_CSV.exists():
        pytest.skip("shared/ data not beside the repository")
    with SHARED_CSV.open(encoding="utf-8") as fh:
        source = [r for r in csv.DictReader(fh) if r["index_group"] == "常用"]
    assert rows == source


def test_every_builtin_pattern_compiles_and_belongs_to_a_seeded_courier():
    for code, fmt in BUILTIN_TRACKING_FORMATS.items():
        validate_tracking_pattern(fmt.pattern)
        assert code in COMMON
        assert str(fmt.shape)


GOOD = [
    ("SF", "SF1234567890123"),
    ("SF", "sf 1234 5678 9012 3"),  # scanners and people add spaces, lower case
    ("SF", "SF123456789012"),
    ("SF", "123456789012"),
    ("ZTO", "78123456789012"),
    ("ZTO", "731234567890"),
    ("ZTO", "543210987654321"),
    ("STO", "773123456789012"),
    ("STO", "4312345678901234"),
    ("YTO", "YT7512345678901"),
    ("YTO", "yt-7512-3456-78901"),
    ("YD", "4312345678901"),
    ("YD", "312345678901234"),
    ("EMS", "1123456789012"),
    ("EMS", "EA123456789CN"),
    ("EMS", "RB123456785GB"),  # UPU S10 test number (jkeen/tracking_number_data)
    ("YZPY", "9812345678901"),
    ("YZPY", "RR123456789CN"),
    ("JD", "JD0012345678901"),
    ("JD", "JDVA12345678901"),
    ("JDKY", "ABC123456"),  # no pattern: anything plausible
    ("DBL", "DPK360123456789"),
    ("JTSD", "JT5012345678901"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "number"), GOOD, ids=[f"{c}-{n}" for c, n in GOOD])
def test_accepts_common_numbers(code, number):
    assert tracking_number_problem(Courier.objects.get(code=code), number) is None


BAD = [
    ("SF", "SF12345", "SF followed by 12–13 digits"),
    ("SF", "JT5012345678901", "SF followed by 12–13 digits"),
    ("ZTO", "12345", "12–15 digits"),
    ("ZTO", "YT7512345678901", "12–15 digits"),
    ("YTO", "7512345678901", "YT followed by 13 digits"),
    ("EMS", "EA12345678CN", "2 letters + 9 digits + 2 letters"),
    ("JD", "1234567890123", "JD followed by 13–15"),
    ("JTSD", "JT123", "JT followed by 13 digits"),
    ("UC", "12", "6–40 letters or digits"),
    ("UC", "单号123456", "6–40 letters or digits"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "number", "shape"), BAD, ids=[f"{c}-{n}" for c, n, _ in BAD])
def test_refuses_with_courier_and_shape(code, number, shape):
    courier = Courier.objects.get(code=code)
    problem = tracking_number_problem(courier, number)
    assert problem is not None
    assert courier.name in problem and shape in problem and number in problem


def test_empty_number_names_the_courier():
    courier = Courier(code="SF", name="顺丰速运", tracking_pattern=BUILTIN_TRACKING_FORMATS["SF"].pattern)
    assert tracking_number_problem(courier, "  ") == "Enter the 顺丰速运 tracking number."
    assert tracking_number_problem(courier, None) == "Enter the 顺丰速运 tracking number."


def test_custom_pattern_is_shown_as_the_expected_shape():
    courier = Courier(code="SF", name="顺丰速运", tracking_pattern=r"SF\d{13}")
    assert "SF\\d{13}" in tracking_number_problem(courier, "SF123")
    assert tracking_number_problem(courier, "SF1234567890123") is None


@pytest.mark.django_db
def test_broken_pattern_does_not_block_and_is_refused_by_validation():
    courier = Courier(code="XX", name="Some courier", tracking_pattern="(")
    assert tracking_number_problem(courier, "ABC123456") is None
    with pytest.raises(ValidationError):
        validate_tracking_pattern("(")
    with pytest.raises(ValidationError) as exc:
        courier.full_clean()
    assert "tracking_pattern" in exc.value.message_dict


def test_normalise_tracking_number():
    assert normalise_tracking_number(" sf 1234-5678 ") == "SF12345678"
    assert normalise_tracking_number(None) == ""


@pytest.mark.django_db
def test_seed_defaults_restores_missing_and_keeps_edited_rows():
    Courier.objects.filter(code="ZTO").update(name="中通", active=False, tracking_pattern="")
    Courier.objects.filter(code__in=["SF", "JD"]).delete()
    assert sorted(courier_seed_defaults()) == ["JD", "SF"]
    assert Courier.objects.count() == 15
    zto = Courier.objects.get(code="ZTO")
    assert (zto.name, zto.active, zto.tracking_pattern) == ("中通", False, "")
    assert courier_seed_defaults() == []


@pytest.mark.django_db
def test_seed_defaults_on_an_empty_table():
    Courier.objects.all().delete()
    assert courier_seed_defaults() == COMMON
    assert list(Courier.objects.values_list("code", flat=True)) == COMMON


@pytest.mark.django_db
def test_code_is_unique_and_not_blank():
    with pytest.raises(IntegrityError), transaction.atomic():
        Courier.objects.create(code="SF", name="duplicate")
    with pytest.raises(IntegrityError), transaction.atomic():
        Courier.objects.create(code="", name="blank")
