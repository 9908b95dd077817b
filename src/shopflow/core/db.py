"""Database helpers that differ between SQLite and PostgreSQL."""

from decimal import Decimal

from django.db import connections, migrations, router
from django.db.models import Sum


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


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """INSERT many rows straight through the cursor (executemany), for bulk intake where
    Django's bulk_create spends most of its time compiling SQL value by value. `rows` hold
    values for `fields` (model attribute names; foreign keys as `<name>_id`), already adapted
    for this database (see `adapter`). No ids come back: read them with one query if needed."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def adapter(model, name: str):
    """A function that turns a Python value of the field into what insert_rows sends: the
    database backend's own adaptation for decimals, datetimes and JSON, nothing for the rest."""
    connection = connections[router.db_for_write(model)]
    field = model._meta.get_field(name)
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return lambda value: connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "JSONField":
        return lambda value: connection.ops.adapt_json_value(value, field.encoder)
    return None
