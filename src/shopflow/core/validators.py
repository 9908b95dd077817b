"""Field validators shared by documents."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_positive(value) -> None:
    if value is not None and Decimal(value) <= 0:
        raise ValidationError(_("Must be greater than zero."), code="not_positive")


def validate_not_negative(value) -> None:
    if value is not None and Decimal(value) < 0:
        raise ValidationError(_("Must not be negative."), code="negative")
