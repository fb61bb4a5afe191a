"""One shared-cache round trip for what a signed-in reader's request will ask.

A signed-in reader's page asks the shared cache (Redis, or the database cache
without it) for the session, the account's standing version and, on an
article, its discussion's comment token — three round trips one after the
other, each waiting on the one before, though all three keys can be known
when the request arrives. This middleware, right after Django's session
middleware, asks for them in one ``get_many`` and hands each answer to the
code that would have asked (which then does not):

- the session, to the session store (``members.session_store``);
- the standing version of the account this worker last saw the session key
  belong to (``members.session_store.owners``), to ``members.standing``;
- whatever else a module registered with ``also`` (the article's comment
  token: ``newsroom.rendering``).

Nothing here decides anything: a value fetched early is the value the later
read would have got at that moment (never an older one), and a key it could
not guess is simply read later, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from masthead import inputs
from masthead.members import session_store, standing

# Each: request -> {cache key: what to do with the cache's answer (None if absent)}.
_also: list[Callable] = []


def also(function: Callable) -> Callable:
    """Register more keys for a signed-in request's one round trip."""
    _also.append(function)
    return function


class Prefetch:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            fetch(request)
        return self.get_response(request)


def fetch(request) -> None:
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    if not session_key:
        return
    wanted: dict[str, Callable] = {}
    if isinstance(session, session_store.SessionStore):

        def give_session(value, session=session):
            session.prefetched = value

        wanted[session.cache_key] = give_session
    user_id = inputs.object_id(session_store.owners.peek(session_key))
    if user_id is not None:
        wanted[standing.VERSION_KEY.format(user_id=user_id)] = lambda value: (
            standing.remember_version(user_id, value)
        )
    for function in _also:
        wanted.update(function(request))
    if len(wanted) < 2:
        return  # one key is one round trip whoever asks for it
    found = cache.get_many(list(wanted))
    for key, give in wanted.items():
        give(found.get(key))
