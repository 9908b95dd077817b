"""The physical limit: the same rows inserted raw — one executemany on SQLite, one COPY on
PostgreSQL, in one committed transaction — into a scratch copy of the table (same columns,
CHECK constraints, indexes and foreign keys), dropped afterwards. A copy because the ledger's
own table refuses DELETE (triggers), so rows put there could never be taken out again."""

import re
import time

from django.db import connection, transaction

SCRATCH_PREFIX = "bench_raw_"


def table_rows(table: str, columns: list[str], where: str, params: list, *, text: tuple[str, ...] = ()) -> list[tuple]:
    """Rows as the database stores them (no ORM conversion), to be written back unchanged.
    Columns in `text` (JSON) are read as their text on PostgreSQL, which COPY takes back as is."""
    postgres = connection.vendor == "postgresql"
    cols = ", ".join(f'"{c}"::text' if postgres and c in text else f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'SELECT {cols} FROM "{table}" WHERE {where} ORDER BY "id"', params)
        return cur.fetchall()


def _clone_sqlite(cur, table: str, scratch: str) -> None:
    cur.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY type = 'index'", [table])
    for kind, sql in cur.fetchall():
        if kind == "table":
            # Only the table's own name: a self-reference (reverses → inventory_stockmove) stays.
            sql = sql.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{scratch}"', 1)
        elif kind == "index":
            sql = re.sub(r'^CREATE (UNIQUE )?INDEX "([^"]+)" ON "[^"]+"',
                         lambda m: f'CREATE {m.group(1) or ""}INDEX "{SCRATCH_PREFIX}{m.group(2)}" ON "{scratch}"',
                         sql)
        else:
            continue
        cur.execute(sql)


def _clone_postgres(cur, table: str, scratch: str) -> None:
    cur.execute(f'CREATE TABLE "{scratch}" (LIKE "{table}" INCLUDING ALL)')
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
    for name, definition in cur.fetchall():
        cur.execute(f'ALTER TABLE "{scratch}" ADD CONSTRAINT "{(SCRATCH_PREFIX + name)[:63]}" {definition}')


def raw_insert(table: str, columns: list[str], rows: list[tuple]) -> dict:
    """Insert `rows` into a scratch copy of `table` as fast as the database takes them; the
    seconds cover the insert and the commit, not making or dropping the copy."""
    scratch = (SCRATCH_PREFIX + table)[:63]
    cols = ", ".join(f'"{c}"' for c in columns)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{scratch}"')
        (_clone_postgres if postgres else _clone_sqlite)(cur, table, scratch)
    try:
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            if postgres:
                # Foreign keys checked as the rows arrive rather than at commit: the same work,
                # inside the timing either way, and no pending checks that would stop the copy
                # being dropped when the caller's own transaction is still open (tests).
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # psycopg's own cursor (Django's wrapper has no copy); its errors as Django's.
                with connection.wrap_database_errors, cur.cursor.copy(
                        f'COPY "{scratch}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(f'INSERT INTO "{scratch}" ({cols}) VALUES ({", ".join(["%s"] * len(columns))})',
                                rows)
        seconds = time.perf_counter() - start
        with connection.cursor() as cur:
            cur.execute(f'SELECT COUNT(*) FROM "{scratch}"')
            inserted = cur.fetchone()[0]
    finally:
        with connection.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{scratch}"')
    if inserted != len(rows):
        raise RuntimeError(f"raw insert into {scratch}: {inserted} of {len(rows)} rows arrived")
    return {"method": "COPY" if postgres else "executemany", "rows": len(rows), "seconds": seconds}
