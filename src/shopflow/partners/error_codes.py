"""Stable error codes of the partners app (clients match on these, never on messages).

``AddressProblemCode`` and ``PhoneProblemCode`` live here so that every code the app can emit
is in one place; ``partners.address`` and ``partners.phone`` re-export them.
"""

from enum import StrEnum


class AddressProblemCode(StrEnum):
    """Why ``parse_address`` could not settle every level; stored on customers and subcontractors."""

    EMPTY = "address_empty"
    PROVINCE_UNKNOWN = "province_unknown"
    CITY_UNKNOWN = "city_unknown"
    DISTRICT_UNKNOWN = "district_unknown"
    AMBIGUOUS = "address_ambiguous"


class PhoneProblemCode(StrEnum):
    """Why ``parse_phone`` / ``normalise_mobile`` refused a number (also FieldError codes)."""

    EMPTY = "phone_empty"
    INVALID = "phone_invalid"
    NO_AREA_CODE = "phone_no_area_code"
    NOT_MOBILE = "phone_not_mobile"


class PartnersError(StrEnum):
    # Field-level codes (FieldError.code inside a ValidationFailed)
    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    TOO_LONG = "too_long"
    UNKNOWN_FIELD = "unknown_field"
    DUPLICATE_CODE = "duplicate_code"
    INVALID_CODE = "invalid_code"
    NEGATIVE = "negative"
    OUT_OF_RANGE = "out_of_range"
    MOBILE_MASKED = "mobile_masked"  # a platform-masked mobile (138****1234) where a real one is needed
    CREDIT_NOT_APPLICABLE = "credit_not_applicable"  # credit limit / terms / deposit on a retail buyer
    RESELLER_ONLY = "reseller_only"  # level / first-order minimum on a customer that is no distributor or agent
    ADDRESS_LEVELS_UNKNOWN = "address_levels_unknown"  # a confirmed province/city/district that does not exist
    CATEGORY_INACTIVE = "category_inactive"
    # Credit check reasons (Blocking.code in CreditStatus.reasons)
    CREDIT_OVER_LIMIT = "credit_over_limit"
    CREDIT_OVERDUE = "credit_overdue"
