"""JSON-safe snapshots of documents, for audit payloads and change records."""

import datetime
from decimal import Decimal


def json_value(value):
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
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
