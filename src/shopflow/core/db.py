"""Database helpers that differ between SQLite and PostgreSQL."""

from decimal import Decimal

from django.db import migrations
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
