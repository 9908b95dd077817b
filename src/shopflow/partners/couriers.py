"""Couriers (快递公司): tracking-number shapes, and the built-in list of common Chinese couriers.

The built-in couriers are the 15 "常用" rows of KDNiao's domestic courier-code table
(``data/couriers_cn.csv``, see ``data/README.md``); codes are KDNiao's.

Tracking-number patterns — read this before relying on them:
they are the *common* formats seen on labels and in public validators, NOT official
specifications (no courier publishes one). They are kept permissive on purpose: refusing a real
number at the packing bench costs more than letting a typo through. A pattern is matched with
``re.fullmatch`` against the number after :func:`normalise_tracking_number` (spaces and dashes
removed, letters upper-cased). Couriers whose formats we are not confident of get no pattern
(any plausible number is accepted). Staff can change a courier's pattern in the admin.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class CourierLike(Protocol):
    code: str
    name: str
    tracking_pattern: str


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    pattern: str
    shape: Promise | str  # what people are told to expect, e.g. "SF followed by 12–13 digits"


# Common formats (see the module docstring): permissive, not official.
BUILTIN_TRACKING_FORMATS: dict[str, TrackingFormat] = {
    # 顺丰: "SF" + 13 digits today (12 seen too); older waybills were 12 digits only.
    "SF": TrackingFormat(r"SF\d{12,13}|\d{12}", gettext_lazy("SF followed by 12–13 digits, or 12 digits")),
    # 中通: 12–15 digits (mostly 14, starting 7; older ones start 2–6).
    "ZTO": TrackingFormat(r"\d{12,15}", gettext_lazy("12–15 digits")),
    # 圆通: "YT" + 13 digits; a little slack on the length.
    "YTO": TrackingFormat(r"YT\d{12,15}", gettext_lazy("YT followed by 13 digits")),
    # 申通: 12–17 digits (773…, 77…, 43…).
    "STO": TrackingFormat(r"\d{12,17}", gettext_lazy("12–17 digits")),
    # 韵达: 13 or 15 digits; 14 allowed.
    "YD": TrackingFormat(r"\d{13,15}", gettext_lazy("13–15 digits")),
    # EMS: 13 digits domestically, or the UPU S10 shape (2 letters, 9 digits, 2 letters: EA123456789CN).
    "EMS": TrackingFormat(r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}",
                          gettext_lazy("13 digits, or 2 letters + 9 digits + 2 letters (EA123456789CN)")),
    # 邮政快递包裹: same shapes as EMS (domestic parcels start with 9; S10 for international).
    "YZPY": TrackingFormat(r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}",
                           gettext_lazy("13 digits, or 2 letters + 9 digits + 2 letters (RR123456789CN)")),
    # 京东快递: "JD" + 13–15 characters; newer numbers carry letters after JD (JDVA…, JDX…).
    "JD": TrackingFormat(r"JD[0-9A-Z]{13,15}", gettext_lazy("JD followed by 13–15 letters or digits")),
    # 极兔: "JT" + 13 digits.
    "JTSD": TrackingFormat(r"JT\d{13}", gettext_lazy("JT followed by 13 digits")),
}

# Any courier: tracking numbers are letters and digits; this is the only check for couriers without a pattern.
_PLAUSIBLE = re.compile(r"[0-9A-Z]{6,40}")
_NOISE = re.compile(r"[\s\-]")


def normalise_tracking_number(number: str | None) -> str:
    """Upper-case, without spaces and dashes (as scanners and platforms disagree about those)."""
    return _NOISE.sub("", number or "").upper()


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def validate_tracking_pattern(value: str) -> None:
    """Django validator for ``Courier.tracking_pattern``: a regular expression Python can compile."""
    if not value:
        return
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(
            _("This is not a valid regular expression: %(error)s") % {"error": exc}, code="invalid_pattern"
        ) from exc


def expected_shape(courier: CourierLike) -> str:
    builtin = BUILTIN_TRACKING_FORMATS.get(courier.code)
    if builtin is not None and builtin.pattern == courier.tracking_pattern:
        return str(builtin.shape)
    if courier.tracking_pattern:
        return _("a number matching %(pattern)s") % {"pattern": courier.tracking_pattern}
    return _("6–40 letters or digits")


def tracking_number_problem(courier: CourierLike, number: str | None) -> str | None:
    """None if ``number`` looks like a tracking number of ``courier``; else a message saying what was expected."""
    normalised = normalise_tracking_number(number)
    if not normalised:
        return _("Enter the %(courier)s tracking number.") % {"courier": courier.name}
    ok = _PLAUSIBLE.fullmatch(normalised) is not None
    if ok and courier.tracking_pattern:
        try:
            ok = _compiled(courier.tracking_pattern).fullmatch(normalised) is not None
        except re.error:
            ok = True  # a broken pattern (admin validation bypassed) must not block shipping; the validator reports it
    if ok:
        return None
    return _("“%(number)s” does not look like a %(courier)s tracking number (expected %(shape)s).") % {
        "number": (number or "").strip(), "courier": courier.name, "shape": expected_shape(courier)}


@dataclass(frozen=True, slots=True)
class DefaultCourier:
    code: str
    name: str
    tracking_pattern: str
    sort_order: int


@cache
def default_couriers() -> tuple[DefaultCourier, ...]:
    """The built-in couriers: ``data/couriers_cn.csv`` in file order, with the patterns above."""
    text = resources.files("shopflow.partners").joinpath("data", "couriers_cn.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return tuple(
        DefaultCourier(
            code=row["kdniao_code"],
            name=row["courier_name"],
            tracking_pattern=BUILTIN_TRACKING_FORMATS[row["kdniao_code"]].pattern
            if row["kdniao_code"] in BUILTIN_TRACKING_FORMATS else "",
            sort_order=(i + 1) * 10,
        )
        for i, row in enumerate(rows)
    )


def courier_seed_defaults() -> list[str]:
    """Create the built-in couriers that are missing (by code) and return their codes; existing rows are
    left as staff edited them (also deactivated ones: a courier someone switched off stays off).

    Migration 0003 seeds the same rows on a new database; this is for databases emptied later
    (test flushes, a reset demo)."""
    from shopflow.partners.models import Courier

    with transaction.atomic():
        existing = set(Courier.objects.values_list("code", flat=True))
        missing = [Courier(code=c.code, name=c.name, tracking_pattern=c.tracking_pattern, sort_order=c.sort_order)
                   for c in default_couriers() if c.code not in existing]
        Courier.objects.bulk_create(missing, ignore_conflicts=True)
    return [c.code for c in missing]
