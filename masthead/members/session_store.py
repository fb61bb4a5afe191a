"""Sessions (``SESSION_ENGINE``): Django's cached database sessions — read
from the shared cache (Redis, or the database cache without it), written
through to the database — with two changes for a signed-in reader's request:

- the cache read may already have been made, with the request's other
  shared-cache reads, by ``members.prefetch`` (``prefetched``);
- the database read on a miss is by a statement compiled once per process
  (``masthead.rows``), not a query the ORM builds again each time. Same table,
  same rows: a session past its expiry date is no session.

Each store also remembers, per worker, which account a session key belongs to
(``owners``): it tells the next request's prefetch whose standing version to
ask for in the same round trip. A session's account never changes under the
same key (signing in and out make a new key), and the session read still
decides who the reader is; the memo only chooses what to fetch early.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedStore
from django.utils import timezone

from masthead import rows
from masthead.localcache import LocalCache

owners = LocalCache(8192)
NOT_FETCHED = object()


class SessionStore(DjangoCachedStore):
    # Set by ``members.prefetch`` before anything reads the session: the
    # cache's answer for this key in this request (None when it had none).
    prefetched = NOT_FETCHED

    def load(self):
        fetched, self.prefetched = self.prefetched, NOT_FETCHED
        if fetched is NOT_FETCHED or fetched is None:
            # Not asked yet, or the cache had no copy: Django's own way (the
            # cache, then the database, which refills the cache).
            data = super().load()
        else:
            data = fetched
        owner = data.get(SESSION_KEY) if isinstance(data, dict) else None
        if self.session_key and isinstance(owner, str | int):
            owners.set(self.session_key, str(owner))
        return data

    def _get_session_from_db(self):
        session = rows.by_pk(self.model, self.session_key)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
