"""Django's database sessions (``SESSION_ENGINE`` without Redis), with the
session row read by a statement compiled once per process (``masthead.rows``)
instead of a query the ORM builds again on every request. Same table, same
rows, same answers: a session past its expiry date is no session.

Each store also remembers, per worker, which account a session key belongs
to (``owners``): the key a request's cookie names tells the next request's
``members.prefetch`` whose standing version to ask for, in the same round
trip as the session itself. A session's account never changes under the same
key (signing in and out make a new key), and the session read still decides
who the reader is; the memo only chooses what to fetch early.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoDBStore
from django.utils import timezone

from masthead import rows
from masthead.localcache import LocalCache

owners = LocalCache(8192)
NOT_FETCHED = object()


class OwnerMemo:
    """Remembers the account of each session it loads (see the module's note)."""

    def remember_owner(self, data: dict) -> dict:
        owner = data.get(SESSION_KEY) if isinstance(data, dict) else None
        if self.session_key and isinstance(owner, str | int):
            owners.set(self.session_key, str(owner))
        return data


class SessionStore(OwnerMemo, DjangoDBStore):
    def _get_session_from_db(self):
        session = rows.by_pk(self.model, self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def load(self):
        return self.remember_owner(super().load())
