"""allauth's authentication backend, with the signed-in reader's account kept
between requests.

Every request with a session needs its account (is it active, which password
hash signed the session, the name in the header). Reading the row each time
was a database round trip on every signed-in page. The row is read by a
statement compiled once per process (``masthead.rows``) and kept in each
worker under the account's standing version (``members.standing``), which
every change to the account made through the models sets anew — a
deactivation, a password or address change, an edit in the admin, a deletion —
as does the admin's bulk "mark as active/inactive", which updates the rows
without saving them (``members.wagtail_hooks``). So such a change takes
effect on the next request on every server. A change made behind the models'
backs (a queryset ``update()`` or SQL) shows within ``standing.LONGEST``, as
it does for subscriptions.

Each request gets its own instance built from the kept row, never one another
request holds.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from masthead import rows
from masthead.localcache import LocalCache
from masthead.members import standing
from masthead.newsroom import freshness

# (database alias, attnames, values) by account, version and content generation.
kept_accounts = LocalCache(4096, seconds=standing.LONGEST.total_seconds())
MISSING = "missing"


def account(user_id):
    """The account with this primary key, read from the database now, or None."""
    return rows.by_pk(get_user_model(), user_id)


def kept_account(user_id):
    """The account as ``account`` gives it, from this worker's copy while the
    account's version says nothing changed."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding a malformed id: no account
        return None
    if pk is None:
        return None
    key = f"{pk}:{standing.version_of(pk)}:{freshness.current()}"
    kept = kept_accounts.get(key)
    if kept is None:
        user = account(pk)
        if user is None:
            kept_accounts.set(key, MISSING)
            return None
        names = [field.attname for field in model._meta.concrete_fields]
        kept_accounts.set(key, (user._state.db, names, [getattr(user, n) for n in names]))
        return user
    if kept == MISSING:
        return None
    alias, names, values = kept
    return model.from_db(alias, names, list(values))


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (sign-in by email or code, its rate limits), whose
    ``get_user`` reads the account as kept above."""

    def get_user(self, user_id):
        user = kept_account(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
