"""Django's cached database sessions (``SESSION_ENGINE`` with Redis): the
session from the shared cache, written through to the database, as Django
does it — except that the database read on a miss is the compiled one of
``members.session_db``, and the cache read may already have been made, with
the request's other shared-cache reads, by ``members.prefetch``.
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedStore

from masthead.members.session_db import NOT_FETCHED, OwnerMemo
from masthead.members.session_db import SessionStore as DBStore


class SessionStore(OwnerMemo, DjangoCachedStore):
    # Set by ``members.prefetch`` before anything reads the session: the
    # cache's answer for this key in this request (None when it had none).
    prefetched = NOT_FETCHED

    _get_session_from_db = DBStore._get_session_from_db

    def load(self):
        fetched, self.prefetched = self.prefetched, NOT_FETCHED
        if fetched is NOT_FETCHED or fetched is None:
            # Not asked yet, or the cache had no copy: Django's own way (the
            # cache, then the database, which refills the cache).
            return self.remember_owner(super().load())
        return self.remember_owner(fetched)
