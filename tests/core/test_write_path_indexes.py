"""The tables every order writes to carry no index that another index of theirs already covers:
each extra index is paid on every insert (a stock move's sku index alone made its insert a third
slower), and the covering index serves the same look-ups. Checked on the migrated database, so
the migrations (which drop indexes without remaking tables: core.db.drop_foreign_key_index)
are checked with the models."""

import pytest
from django.db import connection

from shopflow.core.models import AuditEvent
from shopflow.fulfilment.models import Parcel, TrackingNumber
from shopflow.inventory.models import ReservationConsumption, StockBalance, StockMove, StockReservation
from shopflow.sales.models import OnlineOrder, OnlineOrderLine

pytestmark = pytest.mark.django_db

WRITE_PATH = (OnlineOrder, OnlineOrderLine, StockMove, StockBalance, StockReservation, ReservationConsumption,
              Parcel, TrackingNumber, AuditEvent)


def _indexes(table: str) -> dict[str, tuple[list[str], bool, bool]]:
    """Index name → (columns, unique, partial); the primary key left out."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        partial = _partial(cursor, table)
    return {name: (c["columns"], c["unique"], name in partial) for name, c in constraints.items()
            if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]}


def _partial(cursor, table: str) -> set[str]:
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE %s",
                       [table, "% WHERE %"])
    else:
        cursor.execute("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE i.indrelid = %s::regclass AND i.indpred IS NOT NULL", [table])
    return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("model", WRITE_PATH, ids=lambda m: m._meta.label)
def test_no_plain_index_is_covered_by_another(model):
    """A plain index (not unique, not partial) whose columns begin another whole-table index is
    only a cost."""
    indexes = _indexes(model._meta.db_table)
    covered = [
        f"{name} {columns} is covered by {other} {other_columns}"
        for name, (columns, unique, partial) in indexes.items() if not (unique or partial)
        for other, (other_columns, _unique, other_partial) in indexes.items()
        if other != name and not other_partial and other_columns[:len(columns)] == columns
    ]
    assert covered == []


@pytest.mark.parametrize("model, columns", [
    (StockMove, ["sku_id", "warehouse_id"]), (StockBalance, ["sku_id", "warehouse_id"]),
    (StockReservation, ["sku_id", "warehouse_id", "open"]), (StockReservation, ["origin_type", "origin_id"]),
    (OnlineOrderLine, ["order_id", "line_no"]), (Parcel, ["courier_id", "handover_id", "state"]),
    (TrackingNumber, ["courier_id", "number"]),
], ids=lambda v: getattr(v, "_meta", None) and v._meta.label or "+".join(v))
def test_look_ups_by_the_dropped_columns_still_have_an_index(model, columns):
    """Where a foreign key's own index was dropped, an index starting with its column remains."""
    whole_table = [cols for cols, _unique, partial in _indexes(model._meta.db_table).values() if not partial]
    assert any(cols[:len(columns)] == columns for cols in whole_table)
