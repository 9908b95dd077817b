"""JSON-safe snapshots of documents, for audit payloads and change records."""

import datetime
from decimal import Decimal


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form: 10.0000 → "10", 2.50 → "2.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_value(value):
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def field_values(instance, names) -> dict:
    out = {}
    for name in names:
        f = instance._meta.get_field(name)
        out[name] = json_value(getattr(instance, f.attname))
    return out


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}
