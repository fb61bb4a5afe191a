"""One row by primary key, read by a statement compiled once per process.

A signed-in reader's request reads two rows whose query never changes — the
session and the account — and the ORM spent most of that time building the
same SQL again. ``by_pk`` runs the statement Django would run for
``Model.objects.filter(pk=…)``, compiled once per model, database and
process, with the key as its one parameter; the row goes through the same
converters the ORM applies, into the same ``Model.from_db``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, models, router

# Stands in for the key while the statement is compiled; only the statement is kept.
_PLACEHOLDER = {"int": 0, "str": "masthead-placeholder-key"}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: list[str]  # attnames, in the statement's column order
    # position -> (converters, column expression), as the ORM's compiler has them
    converters: dict


_compiled: dict[tuple[str, str], _Compiled] = {}


def _compile(model, alias: str) -> _Compiled:
    placeholder = _PLACEHOLDER["int" if _integer_key(model) else "str"]
    compiler = model._default_manager.filter(pk=placeholder).query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if list(params) != [placeholder]:  # not the statement this module expects: refuse to guess
        raise RuntimeError(f"unexpected parameters for {model._meta.label}: {params!r}")
    columns = [column for column, _, _ in compiler.select]
    names = [column.target.attname for column in columns]
    return _Compiled(sql, names, compiler.get_converters(columns))


def _integer_key(model) -> bool:
    return isinstance(model._meta.pk, models.IntegerField)  # AutoField and its kin too


def by_pk(model, key):
    """The row with this primary key, as ``model.objects.get(pk=key)`` would
    give it, or None — also for a key that is no key of this model at all."""
    try:
        pk = model._meta.pk.to_python(key)
    except ValidationError:  # a malformed key: no row
        return None
    if pk is None:
        return None
    alias = router.db_for_read(model)
    compiled = _compiled.get((model._meta.label, alias))
    if compiled is None:
        compiled = _compiled[(model._meta.label, alias)] = _compile(model, alias)
    connection = connections[alias]
    if isinstance(pk, int):
        # Beyond the column's range no row can match, and SQLite would refuse the value.
        low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
        if (low is not None and pk < low) or (high is not None and pk > high):
            return None
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    if compiled.converters:
        row = list(row)
        for position, (converters, expression) in compiled.converters.items():
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
    return model.from_db(alias, compiled.names, row)
