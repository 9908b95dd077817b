"""Mainland-China phone numbers: mobile, landline, 400/800 service numbers and platform-masked numbers.

``parse_phone(" +86 138-0013-8000 ")`` → ``Phone(kind=MOBILE, number="13800138000")``.

* mobile: 11 digits starting 13–19; "+86", "0086", "86" in front and spaces/dashes/dots/brackets
  in between are tolerated and dropped. Platforms' virtual numbers with an extension
  ("17012345678-1234", "17012345678转1234") keep the extension separately.
* landline: area code (010, 02x, or 0 + 3 digits) + 7–8 digit local number, optional extension;
  normalised to "0571-88888888" / "010-12345678-123".
* service: 400/800 numbers, normalised to "400-820-8820".
* masked: platform privacy masks such as "138****1234" are recognised as masked (not invalid):
  the number is real but not known to us.

The checks are on shape only (number ranges are assigned and re-assigned by the regulator).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopflow.partners.error_codes import PhoneProblemCode


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"
    MASKED = "masked"


@dataclass(frozen=True, slots=True)
class Phone:
    text: str
    kind: PhoneKind | None = None
    number: str = ""  # normalised, without extension
    extension: str = ""
    problem_code: PhoneProblemCode | None = None
    problem: str = ""  # translated message, "" when ok

    @property
    def ok(self) -> bool:
        return self.kind is not None

    @property
    def full(self) -> str:
        """The number as one string, extension included ("0571-88888888-123", "17012345678-1234")."""
        return f"{self.number}-{self.extension}" if self.extension else self.number


_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_MASKED = re.compile(r"1[\d*]{10}", re.ASCII)
_SERVICE = re.compile(r"[48]00\d{7}", re.ASCII)
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})", re.ASCII)
_ALLOWED = re.compile(r"[\d*\s\-().+/]+", re.ASCII)
_DIGITS = re.compile(r"[0-9]+")
_NOISE = re.compile(r"[\s\-().]", re.ASCII)
_COUNTRY = re.compile(r"^(?:\+|00)\s*86[\s\-]*|^\(\s*(?:\+|00)?86\s*\)[\s\-]*", re.ASCII)
_EXTENSION = re.compile(r"^(?P<head>.*?\d)\s*(?:转|分机|ext\.?|x|#|,)\s*(?P<ext>\d{1,6})$", re.IGNORECASE | re.ASCII)
_DASH_EXTENSION = re.compile(r"^(?P<head>.*\d)\s*-\s*(?P<ext>\d{1,6})$", re.ASCII)


def _invalid(text: str, code: PhoneProblemCode, message: str) -> Phone:
    return Phone(text, problem_code=code, problem=message)


def _classify(s: str, *, had_country_code: bool) -> tuple[PhoneKind, str] | None:
    """(kind, normalised number) for a number without extension; None if it is no known shape."""
    digits = _NOISE.sub("", s)
    if had_country_code and _DIGITS.fullmatch(digits) and not digits.startswith("0") and not _MOBILE.fullmatch(digits):
        digits = "0" + digits  # +86 571 88888888 → 0571 88888888
    elif not had_country_code and len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]  # 8613800138000
    if _MOBILE.fullmatch(digits):
        return PhoneKind.MOBILE, digits
    if "*" in digits and _MASKED.fullmatch(digits):
        return PhoneKind.MASKED, digits
    if _SERVICE.fullmatch(digits):
        return PhoneKind.SERVICE, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    m = _LANDLINE.fullmatch(digits)
    if m:
        return PhoneKind.LANDLINE, f"{m.group(1)}-{m.group(2)}"
    return None


def parse_phone(text: str | None) -> Phone:
    """Recognise a phone number; see the module docstring for what is accepted."""
    original = text or ""
    s = unicodedata.normalize("NFKC", original).strip()
    if not s:
        return _invalid(original, PhoneProblemCode.EMPTY, _("Enter a phone number."))
    s = s.replace("＊", "*")
    m = _COUNTRY.match(s)
    had_country_code = bool(m)
    if m:
        s = s[m.end():]
    for pattern in (_EXTENSION, _DASH_EXTENSION):
        m = pattern.match(s)
        if m and _ALLOWED.fullmatch(m.group("head")):
            found = _classify(m.group("head"), had_country_code=had_country_code)
            if found and found[0] in (PhoneKind.MOBILE, PhoneKind.LANDLINE, PhoneKind.SERVICE):
                return Phone(original, found[0], found[1], extension=m.group("ext"))
    if _ALLOWED.fullmatch(s):
        found = _classify(s, had_country_code=had_country_code)
        if found:
            return Phone(original, found[0], found[1])
        digits = _NOISE.sub("", s)
        if _DIGITS.fullmatch(digits) and 7 <= len(digits) <= 8 and digits[0] in "23456789":
            return _invalid(original, PhoneProblemCode.NO_AREA_CODE, _(
                "“%(value)s” looks like a landline number without its area code; write it as 0571-88888888."
            ) % {"value": original.strip()})
        if _DIGITS.fullmatch(digits) and len(digits) == 11 and digits.startswith("1"):
            return _invalid(original, PhoneProblemCode.INVALID, _(
                "“%(value)s” is not a mainland mobile number: mobile numbers start with 13 to 19."
            ) % {"value": original.strip()})
    return _invalid(original, PhoneProblemCode.INVALID, _(
        "“%(value)s” is neither a mainland mobile number (11 digits starting with 13 to 19) "
        "nor a landline number with its area code (such as 0571-88888888)."
    ) % {"value": original.strip()})


def normalise_mobile(text: str | None) -> str:
    """The 11-digit mobile number, or ``ValidationError`` (landline, masked and invalid numbers alike)."""
    phone = parse_phone(text)
    if phone.kind is PhoneKind.MOBILE and not phone.extension:
        return phone.number
    value = (text or "").strip()
    if phone.kind is PhoneKind.MASKED:
        raise ValidationError(
            _("“%(value)s” is masked by the platform for privacy; the full mobile number is not known.")
            % {"value": value}, code=PhoneProblemCode.NOT_MOBILE)
    if phone.kind is not None:
        raise ValidationError(
            _("“%(value)s” is not a mobile number; enter an 11-digit mobile number.") % {"value": value},
            code=PhoneProblemCode.NOT_MOBILE)
    raise ValidationError(phone.problem, code=phone.problem_code)


def validate_mobile(value: str) -> None:
    """Django validator: an 11-digit mainland mobile number (after normalisation)."""
    normalise_mobile(value)


def validate_phone(value: str) -> None:
    """Django validator: any recognised number (mobile, landline, service or masked)."""
    phone = parse_phone(value)
    if not phone.ok:
        raise ValidationError(phone.problem, code=phone.problem_code)
