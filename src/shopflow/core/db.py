"""Database helpers that differ between SQLite and PostgreSQL."""

import json
from decimal import Decimal

from django.db import connections, migrations, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import CharField, ForeignObject, IntegerField, Lookup, Sum, TextField
from django.utils import timezone


def _immutable_sql(vendor: str, table: str) -> tuple[list[str], list[str]]:
    if vendor == "postgresql":
        fn = f"{table}_immutable"
        return (
            [
                f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '{table} rows are immutable'; END; $$ LANGUAGE plpgsql;",
                f"CREATE TRIGGER {fn}_upd BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {fn}();",
            ],
            [f"DROP TRIGGER IF EXISTS {fn}_upd ON {table};", f"DROP FUNCTION IF EXISTS {fn}();"],
        )
    return (
        [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END;",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END;",
        ],
        [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"],
    )


def make_table_immutable(table: str) -> migrations.RunPython:
    """A migration operation: database triggers refuse UPDATE and DELETE on `table`, so an
    audit trail or ledger cannot be rewritten even by a bug or a raw query."""

    def forward(apps, schema_editor):
        for sql in _immutable_sql(schema_editor.connection.vendor, table)[0]:
            schema_editor.execute(sql)

    def backward(apps, schema_editor):
        for sql in _immutable_sql(schema_editor.connection.vendor, table)[1]:
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward)


def drop_foreign_key_index(app_label: str, model_name: str, name: str, field) -> migrations.SeparateDatabaseAndState:
    """A migration operation: the foreign key `name`, now `field` (db_index=False), loses the index
    Django made for it, by DROP INDEX alone. AlterField would do the same on PostgreSQL, but on
    SQLite it copies the whole table into a new one, which drops the table's triggers (the
    ledger's and the audit trail's immutability) with the old table."""

    def _index(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        column = model._meta.get_field(name).column
        return model, schema_editor._create_index_name(model._meta.db_table, [column], suffix="")

    def forward(apps, schema_editor):
        _model, index = _index(apps, schema_editor)
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")

    def backward(apps, schema_editor):
        model, _index_name = _index(apps, schema_editor)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(name)]))

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[migrations.RunPython(forward, backward)])


class DecimalSum(Sum):
    """SUM of a decimal column, exact on SQLite too. SQLite keeps decimals as floating point and
    Django only rounds plain column reads back to the field's places, so a bare Sum of 126 − 80 −
    46 can come back as 1e-15; this rounds the total to the column's decimal places."""

    @property
    def convert_value(self):
        step = Decimal(1).scaleb(-self.output_field.decimal_places)

        def convert(value, expression, connection):
            return None if value is None else Decimal(value).quantize(step)

        return convert


def _connection(model):
    return connections[router.db_for_write(model)]


# Field kinds whose values psycopg can send as one array per column (UNNEST, below).
_ARRAY_SAFE = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "DecimalField",
    "BooleanField", "CharField", "TextField", "SlugField", "DateField", "DateTimeField",
}


def _array_types(connection, model, names: list[str]) -> list[str] | None:
    """On PostgreSQL, the array type of each field ("numeric[]", "bigint[]", ...) when all of
    them can go as arrays; None otherwise (another database, a JSON or other special column)."""
    if connection.vendor != "postgresql":
        return None
    types = []
    for name in names:
        field = model._meta.get_field(name)
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() not in _ARRAY_SAFE:
            return None
        # Without the length or places (varchar[] rather than varchar(50)[]), as Django's bulk_create
        # does: nothing is truncated on the way, the column still checks what it stores.
        types.append(field.db_type(connection).split("(")[0] + "[]")
    return types


def _unnest(types: list[str]) -> str:
    return f"SELECT * FROM UNNEST({', '.join(f'(%s)::{t}' for t in types)})"


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def insert_rows(model, fields: list[str], rows: list[tuple], *, ignore_conflicts: bool = False) -> None:
    """INSERT many rows in one go, for bulk intake where Django's bulk_create spends most of its
    time compiling SQL value by value: executemany on SQLite; on PostgreSQL one
    INSERT ... SELECT * FROM UNNEST(column arrays) (as Django's own bulk_create does), or
    executemany when a column cannot go as an array (JSON). `rows` hold values for `fields`
    (model attribute names; foreign keys as `<name>_id`), already adapted for this database
    (see `adapter`). No ids come back: use insert_rows_returning for that.
    `ignore_conflicts`: a row that would break a unique constraint is skipped (ON CONFLICT DO
    NOTHING, on SQLite and PostgreSQL alike)."""
    if not rows:
        return
    connection = _connection(model)
    columns = [model._meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    types = _array_types(connection, model, fields)
    with connection.cursor() as cursor:
        if types is not None:
            cursor.execute(head + _unnest(types) + tail, _columns(rows, len(fields)))
        else:
            cursor.executemany(head + f"VALUES ({', '.join(['%s'] * len(columns))})" + tail, rows)


# Bound parameters per statement: SQLite's default limit is 32,766 (since 3.32), PostgreSQL's
# wire protocol allows 65,535; this stays well under both.
_MAX_PARAMS = 30_000


def insert_rows_returning(model, fields: list[str], rows: list[tuple]) -> list[int]:
    """INSERT many rows (values adapted as for insert_rows) and return their primary keys in the
    order of `rows`, with INSERT ... RETURNING (SQLite 3.35+ and PostgreSQL): on PostgreSQL from
    column arrays (UNNEST) where the columns allow it, else and on SQLite as multi-row VALUES.
    Like Django's bulk_create, this relies on both databases returning the rows of a plain
    INSERT in the order they were given."""
    if not rows:
        return []
    connection = _connection(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
    tail = f" RETURNING {quote(model._meta.pk.column)}"
    types = _array_types(connection, model, fields)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if types is not None:
            cursor.execute(head + _unnest(types) + tail, _columns(rows, len(fields)))
            ids.extend(r[0] for r in cursor.fetchall())
        else:
            one = f"({', '.join(['%s'] * len(fields))})"
            per_statement = max(_MAX_PARAMS // max(len(fields), 1), 1)
            for start in range(0, len(rows), per_statement):
                chunk = rows[start:start + per_statement]
                cursor.execute(head + "VALUES " + ", ".join([one] * len(chunk)) + tail,
                               [v for row in chunk for v in row])
                ids.extend(r[0] for r in cursor.fetchall())
    if len(ids) != len(rows):  # cannot happen without ON CONFLICT; a guard against silent misnumbering
        raise RuntimeError(f"INSERT INTO {model._meta.db_table} returned {len(ids)} ids for {len(rows)} rows")
    return ids


def update_rows(model, key_field: str, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE many rows, each found by its `key_field` (usually "id"), for hot paths where
    Django's bulk_update spends most of its time building a CASE WHEN per value: on SQLite
    executemany of `UPDATE table SET a = %s, b = %s WHERE key = %s`; on PostgreSQL one
    `UPDATE table SET a = v.a, ... FROM UNNEST(column arrays) v WHERE key = v.key` (executemany
    when a column cannot go as an array).

    Each row is (key, value of fields[0], value of fields[1], ...) as Python values: decimals,
    datetimes and JSON are adapted here, per field, for this database (see `adapter`). When a
    key comes twice the later row wins. Nothing is checked beyond what the database checks
    (constraints, triggers), no signals are sent, and auto_now fields are not touched unless
    listed in `fields` with a value."""
    if not rows:
        return
    connection = _connection(model)
    quote = connection.ops.quote_name
    meta = model._meta
    rows = list({row[0]: row for row in rows}.values())
    adapted = [(position, adapt) for position, adapt in enumerate(_row_adapters(model, fields), 1) if adapt]
    if adapted:
        rows = [list(row) for row in rows]
        for row in rows:
            for position, adapt in adapted:
                if row[position] is not None:
                    row[position] = adapt(row[position])
    table, key = quote(meta.db_table), quote(meta.get_field(key_field).column)
    targets = [quote(meta.get_field(name).column) for name in fields]
    types = _array_types(connection, model, [key_field, *fields])
    with connection.cursor() as cursor:
        if types is not None:
            names = [f"c{i}" for i in range(len(types))]
            assignments = ", ".join(f"{target} = v.{name}" for target, name in zip(targets, names[1:], strict=True))
            cursor.execute(f"UPDATE {table} SET {assignments} FROM ({_unnest(types)}) AS v({', '.join(names)}) "
                           f"WHERE {table}.{key} = v.c0", _columns(rows, len(types)))
        else:
            assignments = ", ".join(f"{target} = %s" for target in targets)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s",
                               [(*row[1:], row[0]) for row in rows])


def update_ids(model, ids, values: dict, *, bump: str | None = None) -> None:
    """`model.objects.filter(pk__any=ids).update(**values)` (and `bump=F(bump) + 1` when a field is
    named), written out: the ORM compiles the queryset on every call, which on the interactive
    path (one order shipped) cost more than the statement. Values are adapted per field (see
    `adapter`); as with update(), no signals are sent and auto_now fields are only set if given."""
    ids = id_list(ids)
    if not ids:
        return
    connection = _connection(model)
    quote, meta = connection.ops.quote_name, model._meta
    sets, params = [], []
    for name, value in values.items():
        adapt = adapter(model, name)
        sets.append(f"{quote(meta.get_field(name).column)} = %s")
        params.append(value if adapt is None or value is None else adapt(value))
    if bump:
        column = quote(meta.get_field(bump).column)
        sets.append(f"{column} = {column} + 1")
    where, keys = _any_sql(connection.vendor, quote(meta.pk.column), ids, "bigint")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {where}", [*params, *keys])


def save_fields(instance, fields: list[str]) -> None:
    """Write these fields of one saved row, as `instance.save(update_fields=fields)` would (an
    auto_now field among them gets the time now), through update_rows: the ORM's UPDATE compiles
    every value, which cost more than the statement on the interactive path. No signals are
    sent (the project has no receivers); the caller holds the row's lock."""
    meta = instance._meta
    names = list(dict.fromkeys(fields))
    now = None
    values = []
    for name in names:
        field = meta.get_field(name)
        if getattr(field, "auto_now", False):
            now = now or timezone.now()
            setattr(instance, field.attname, now)
        values.append(getattr(instance, field.attname))
    update_rows(type(instance), meta.pk.name, names, [(instance.pk, *values)])


def adapter(model, name: str):
    """A function that turns a Python value of the field into what insert_rows sends: the
    database backend's own adaptation for decimals, datetimes and JSON; None where the value
    goes as it is (the rest, and decimals on backends that take Decimal unchanged)."""
    connection = _connection(model)
    field = model._meta.get_field(name)
    kind = field.get_internal_type()
    if kind == "DecimalField":
        if type(connection.ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None  # the driver takes Decimal as it is (Django 5's backends all do)
        return lambda value: connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "JSONField":
        return lambda value: connection.ops.adapt_json_value(value, field.encoder)
    return None


def _row_adapters(model, fields: list[str]) -> list:
    """adapter() per field, for one call's rows: a datetime is adapted once per distinct value
    (the rows of one write mostly share their time stamp), JSON per row (its values are mutable)."""
    adapters = []
    for name in fields:
        adapt = adapter(model, name)
        if adapt is not None and model._meta.get_field(name).get_internal_type() == "DateTimeField":
            adapt = _once_per_value(adapt)
        adapters.append(adapt)
    return adapters


def _once_per_value(adapt):
    seen: dict = {}

    def adapted(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = adapt(value)
            return result

    return adapted


def id_list(ids) -> list[int]:
    """Ids for `field__any=` (see AnyOf): integers, in a list."""
    return [int(i) for i in ids]


class AnyOf(Lookup):
    """`field__any=ids`: the field is one of many integer ids, bound as one parameter — a JSON
    array on SQLite (`IN (SELECT value FROM json_each(?))`), an array on PostgreSQL
    (`= ANY(%s::bigint[])`). Django's `__in` prepares every id of an IN (...) list one by one,
    which cost more than the query on batch paths, and SQLite caps the number of bound
    parameters. On PostgreSQL `= ANY` and not `IN (SELECT unnest(…))`: the planner takes a
    subquery for 10 rows, and with statistics that lag a bulk change (61k orders just approved,
    counted as 1) it chose a nested loop that re-read an index per id — 40 s for 10,000 orders."""

    lookup_name = "any"
    prepare_rhs = False
    array_type = "bigint"

    def get_prep_lookup(self):
        _refuse_one_text(self.rhs)
        return id_list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        sql, values = _any_sql(connection.vendor, lhs, self.rhs, self.array_type)
        return sql, [*params, *values]


def _any_sql(vendor: str, lhs: str, values: list, array_type: str) -> tuple[str, list]:
    """`lhs` is one of `values`, bound as one parameter where the database can take a list."""
    if vendor == "sqlite":
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]
    if vendor == "postgresql":
        return f"{lhs} = ANY(%s::{array_type}[])", [values]
    if not values:
        return "1 = 0", []
    return f"{lhs} IN ({', '.join(['%s'] * len(values))})", list(values)


class AnyText(AnyOf):
    """`field__any=texts` on a text field: as AnyOf, for many texts (scanned barcodes and codes)."""

    array_type = "text"

    def get_prep_lookup(self):
        _refuse_one_text(self.rhs)
        return [str(t) for t in self.rhs if t is not None]  # None equals nothing, as with __in


def _refuse_one_text(rhs) -> None:
    if isinstance(rhs, str | bytes):  # would be read character by character
        raise TypeError(f"field__any takes a list of values, not one text: {rhs!r}")


# Integer ids on integer fields (the automatic primary keys are ones) and foreign keys, which look
# up only what is registered on them; texts on text fields.
IntegerField.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
CharField.register_lookup(AnyText)
TextField.register_lookup(AnyText)
