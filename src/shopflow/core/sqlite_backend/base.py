"""Django's SQLite backend, with the parameter style of each statement converted once.

Django writes SQL with `%s` placeholders and its SQLite cursor turns them into `?` with a
regular expression on every execute. The interactive path runs the same few dozen statements
for every order (compiled once: core.prepared), and on SQLite 100k the conversion was about 6 %
of approving, packing and shipping one order (py-spy). Converted statements are kept by their
text, short ones only: a statement with thousands of inlined values is rarely run twice and
its execution dwarfs the conversion.

A connection to a database file also makes sure the file's WAL checkpointer runs (see
checkpoint.py) and leaves to it what SQLite's automatic checkpoint would do inside commits."""

from django.db.backends.sqlite3 import base

from shopflow.core.sqlite_backend.checkpoint import BACKSTOP_PAGES, WAL_SIZE_LIMIT, ensure_checkpointer

# Statements kept, and the longest one kept (characters).
_KEPT = 4096
_LONGEST = 4000

_converted: dict[str, str] = {}


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is not None or len(query) > _LONGEST:
            return super().convert_query(query, param_names=param_names)
        converted = _converted.get(query)
        if converted is None:
            converted = super().convert_query(query)
            if len(_converted) >= _KEPT:
                _converted.clear()  # rarely: the statements of the code paths come back at once
            _converted[query] = converted
        return converted


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            ensure_checkpointer(self.settings_dict["NAME"])
        return conn

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)
