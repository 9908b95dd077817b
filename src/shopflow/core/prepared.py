"""Hot look-ups compiled to SQL once, then run again with other keys (docs/decisions/0015).

Django compiles every queryset to SQL on every call. For a one-row look-up on the interactive
path (lock this parcel with its order, courier and wave) the compiling costs several times the
query itself: 0.8 ms against 0.13 ms for the same rows. A `Prepared` look-up is an ordinary
queryset, built once with markers in place of its keys and compiled once; afterwards it runs the
same SQL with the keys as its parameters. Its rows become model instances (select_related ones
included) or value tuples the way the ORM makes them, through the database's converters.

Plain shapes only: each key one parameter, model instances (deferring fields, without
select_related) or values_list, no annotations, extra columns or prefetches; anything else is
refused when it is first compiled.
Every value other than the keys is fixed then, so a prepared look-up holds no times and nothing
read from settings. Compiled once per process: every model lives in the one database.

On SQLite the fixed texts and integers are written into the SQL as literals, not bound: when a
bound value is compared the way a partial index's condition compares a constant (`NOT (state =
?)` against a live-parcels index's `NOT (state = 'cancelled')`), SQLite compiles the statement
again on every run to see whether the index applies — 75 µs for the parcel look-up that takes
17 µs with the literal."""

import json
import re
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import DecimalField, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.transaction import TransactionManagementError

from shopflow.core.db import id_list

# Attributes whose __set__ (if any) only stores the value in the instance's __dict__ when nothing is cached yet.
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)

# Stand for the keys while compiling: values no real key has, found again among the parameters.
_INT_MARKER = -7_340_041_953
_UNSEEN = object()


def _marker(kind: str, index: int):
    if kind == "int":
        return _INT_MARKER - index
    if kind == "text":
        return f"\x1fshopflow-prepared-key-{index}\x1f"
    if kind == "ids":  # for `field__any=` (core.db.AnyOf): a list of ids, bound as one parameter
        return [_INT_MARKER - index]
    raise ValueError(f"unknown key kind {kind!r}")


class _Compiled:
    def __init__(self, queryset: QuerySet, kinds: tuple[str, ...], markers: list) -> None:
        query = queryset.query
        kind = queryset._iterable_class
        if (kind not in (ModelIterable, ValuesListIterable, FlatValuesListIterable) or query.annotations
                or query.extra or queryset._prefetch_related_lookups
                or (query.deferred_loading[0] and (kind is not ModelIterable or query.select_related))):
            raise ValueError("a prepared look-up gives model instances (deferred fields allowed without "
                             "select_related) or values_list rows of plain fields only")
        self.alias = queryset.db
        compiler = query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        # Where each key goes, and how: as it is, as a list of ids, or as a JSON list of ids (SQLite).
        self.slots: list[tuple[int, str]] = []
        for index, (key_kind, marker) in enumerate(zip(kinds, markers, strict=True)):
            as_json = json.dumps(marker) if key_kind == "ids" else None
            at = [i for i, p in enumerate(self.params) if p == marker or (as_json is not None and p == as_json)]
            if len(at) != 1:
                raise ValueError(f"a prepared look-up needs each key once among the parameters; key {index} was "
                                 f"found {len(at)} times")
            self.slots.append((at[0], "value" if key_kind != "ids" else "json" if self.params[at[0]] == as_json
                               else "ids"))
        if connections[self.alias].vendor == "sqlite":
            self.sql, self.params, self.slots = _inlined(self.sql, self.params, self.slots)
        self.for_update = query.select_for_update
        self.queried = query.model
        self.converters = list(compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]]).items())
        self.flat = kind is FlatValuesListIterable
        self.instances = kind is ModelIterable
        if self.instances:
            info = compiler.klass_info
            first, last = info["select_fields"][0], info["select_fields"][-1] + 1
            self.model = info["model"]
            self.own = slice(first, last)
            self.init_list = [col[0].target.attname for col in compiler.select[first:last]]
            self.related = get_related_populators(info, compiler.select, self.alias)
            self.plain = _plain_init(self.model, self.init_list)

    def run(self, keys: tuple) -> list[Any]:
        connection = connections[self.alias]
        if self.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            # What Django itself refuses: a lock that would end with the statement.
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(self.params)
        for (at, how), key in zip(self.slots, keys, strict=True):
            params[at] = key if how == "value" else json.dumps(id_list(key)) if how == "json" else id_list(key)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = _converted(rows, self.converters, connection)
        if not self.instances:
            return [row[0] for row in rows] if self.flat else [tuple(row) for row in rows]
        found = []
        model, own, alias, names = self.model, self.own, self.alias, self.init_list
        # Receivers may be connected after the look-up was compiled (signals are cached per sender).
        plain = self.plain and not (pre_init.has_listeners(model) or post_init.has_listeners(model))
        for row in rows:
            obj = _plain(model, alias, names, row[own]) if plain else model.from_db(alias, names, row[own])
            for populator in self.related:
                populator.populate(row, obj)
            found.append(obj)
        return found


_PLACEHOLDER = re.compile("%%|%s")


def _literal(value) -> str | None:
    """The SQLite literal of a fixed value (with `%` doubled, as in SQL with `%s` placeholders), or
    None if it stays bound."""
    if isinstance(value, int):  # bool included: SQLite binds True and False as 1 and 0
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''").replace("%", "%%") + "'"
    return None


def _inlined(sql: str, params: list, slots: list[tuple[int, str]]) -> tuple[str, list, list[tuple[int, str]]]:
    """The SQL with the fixed texts and integers as literals; the parameters left and where the keys
    are among them now."""
    if sum(m.group() == "%s" for m in _PLACEHOLDER.finditer(sql)) != len(params):
        return sql, params, slots  # not one placeholder per parameter: left as it is
    at_key = {at: n for n, (at, _how) in enumerate(slots)}
    kept: list = []
    new_slots = list(slots)
    position = -1

    def replace(match: re.Match) -> str:
        nonlocal position
        if match.group() == "%%":
            return "%%"
        position += 1
        if position in at_key:
            n = at_key[position]
            new_slots[n] = (len(kept), slots[n][1])
        else:
            literal = _literal(params[position])
            if literal is not None:
                return literal
        kept.append(params[position])
        return "%s"

    return _PLACEHOLDER.sub(replace, sql), kept, new_slots


def instances(model, alias: str, names: list[str], rows) -> list:
    """Instances of `model` for rows of these attnames read from (or just written to) the database
    `alias`, as `from_db` makes them; without `Model.__init__` where the model allows it (see
    _plain_init): a wave's shipment writes about a thousand stock moves and returns them."""
    if _plain_init(model, names):
        return [_plain(model, alias, names, row) for row in rows]
    return [model.from_db(alias, names, row) for row in rows]


def _plain(model, alias: str, names: list[str], values):
    obj = model.__new__(model)
    obj._state = state = ModelState()
    state.adding, state.db = False, alias
    obj.__dict__.update(zip(names, values, strict=True))
    return obj


def _plain_init(model, attnames: list[str]) -> bool:
    """Whether an instance of `model` from these columns can be made by filling its __dict__, as
    Model.__init__ would, without its per-field descriptor calls (shipping a wave makes about a
    thousand): no init signals, no own __init__ or from_db, every field's attribute one that
    stores the value as it is. A deferred field is left out of __dict__, as from_db leaves it:
    read, it is loaded."""
    if (model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__
            or pre_init.has_listeners(model) or post_init.has_listeners(model)):
        return False
    fields = model._meta.concrete_fields
    if not set(attnames) <= {f.attname for f in fields}:
        return False
    return all(type(model.__dict__.get(f.attname, getattr(model, f.attname, None))) in _PLAIN_ATTRIBUTES
               for f in fields)


def _converted(rows, converters, connection):
    """The rows as the database's and the fields' converters make them (as Django's compiler
    does, with this thread's connection). A decimal column's values repeat (quantities, prices)
    and its converter is a pure function of the value with an immutable result, so each distinct
    value is converted once per call: on SQLite the conversion of a float cost more than reading
    the row (88,000 stock balances read by an allocation: 0.5 s of 6)."""
    plan = [(pos, convs, expression, {} if isinstance(getattr(expression, "output_field", None), DecimalField)
             else None) for pos, (convs, expression) in converters]
    for row in map(list, rows):
        for pos, convs, expression, memo in plan:
            raw = value = row[pos]
            if memo is not None:
                known = memo.get(raw, _UNSEEN)
                if known is not _UNSEEN:
                    row[pos] = known
                    continue
            for converter in convs:
                value = converter(value, expression, connection)
            if memo is not None:
                memo[raw] = value
            row[pos] = value
        yield row


class Prepared:
    """`build(*keys)` returns the queryset for these keys; `keys` names their kinds, in order: "int",
    "text" or "ids" (a list of integer ids, for `field__any=`). No keys: `build()` takes none."""

    every: list["Prepared"] = []  # all of them, for the test that compiles each one

    def __init__(self, build: Callable[..., QuerySet], *, keys: tuple[str, ...] = ("int",)) -> None:
        self.build = build
        self.kinds = keys
        self._compiled: _Compiled | None = None
        Prepared.every.append(self)

    def compiled(self) -> _Compiled:
        if self._compiled is None:
            markers = [_marker(kind, i) for i, kind in enumerate(self.kinds)]
            self._compiled = _Compiled(self.build(*markers), self.kinds, markers)
        return self._compiled

    def all(self, *keys) -> list[Any]:
        if len(keys) != len(self.kinds):
            raise TypeError(f"this look-up takes {len(self.kinds)} key(s), not {len(keys)}")
        return (self._compiled or self.compiled()).run(keys)

    def first(self, *keys) -> Any | None:
        """The first row of all() (for a unique key: the row, or None)."""
        rows = self.all(*keys)
        return rows[0] if rows else None

    def get(self, *keys) -> Any:
        """The row of a unique key; the model's DoesNotExist when there is none, as the ORM's get()."""
        rows = self.all(*keys)
        if not rows:
            model = (self._compiled or self.compiled()).queried
            raise model.DoesNotExist(f"{model._meta.object_name} matching {keys} does not exist.")
        return rows[0]
