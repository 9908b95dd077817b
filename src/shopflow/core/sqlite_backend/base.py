"""Django's SQLite backend, with the parameter style of each statement converted once.

Django writes SQL with `%s` placeholders and its SQLite cursor turns them into `?` with a
regular expression on every execute. The interactive path runs the same few dozen statements
for every order (compiled once: core.prepared), and on SQLite 100k the conversion was about 6 %
of approving, packing and shipping one order (py-spy). Converted statements are kept by their
text, short ones only: a statement with thousands of inlined values is rarely run twice and
its execution dwarfs the conversion."""

from django.db.backends.sqlite3 import base

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
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)
