"""allauth's authentication backend, with the signed-in reader's account read
by one statement compiled once per process.

Every request with a session reads the account row, on purpose: a
deactivation or a password change takes effect on the next request however
it was made, even by an ``update()`` that sends no signal (the admin's bulk
actions do). That read is the one query on a signed-in reader's cached page,
and the ORM spent most of its time building the same SQL again. Here the
query Django would run (``User.objects.filter(pk=…)``) is compiled once per
database and process, then executed with the id; the row goes through the
same converters the ORM applies, into the same ``User.from_db``, and the
backend's own ``user_can_authenticate`` decides as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: list[str]  # attnames, in the statement's column order
    # position -> (converters, column expression), as the ORM's compiler has them
    converters: dict


_compiled: dict[str, _Compiled] = {}


def _compile(alias: str) -> _Compiled:
    model = get_user_model()
    # Any id stands in: only the statement is kept, the id is a parameter.
    compiler = model._default_manager.filter(pk=0).query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # not the statement this module expects: refuse to guess
        raise RuntimeError(f"unexpected parameters for the account query: {params!r}")
    columns = [column for column, _, _ in compiler.select]
    names = [column.target.attname for column in columns]
    return _Compiled(sql, names, compiler.get_converters(columns))


def account(user_id):
    """The account with this primary key, as ``User.objects.get`` would give it, or None."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding a malformed id: no account
        return None
    alias = router.db_for_read(model)
    compiled = _compiled.get(alias)
    if compiled is None:
        compiled = _compiled[alias] = _compile(alias)
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


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (sign-in by email or code, its rate limits), whose
    ``get_user`` reads the account with the statement compiled above."""

    def get_user(self, user_id):
        user = account(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
