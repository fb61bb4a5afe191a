"""How long a signed-in session lives: an idle timeout and a lifetime.

A session not used for the idle timeout, or older than its lifetime counted
from sign-in, is signed out on its next request, which then carries on as an
anonymous one. Accounts that can open the admin get shorter limits than
readers (``config._sessions``): theirs is the session worth stealing.

The last-seen time is written at most once a minute, so a reader browsing
does not rewrite the session on every page.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import AuthenticationMiddleware, get_user
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

from masthead.members.adapter import proved_more_than_mailbox
from masthead.paywall.readers import works_in_admin

SIGNED_IN_AT = "masthead_signed_in_at"
SEEN_AT = "masthead_seen_at"
EDITOR = "masthead_editor"
SEEN_GRANULARITY = 60
ADMIN_PREFIX = "/admin/"


def limits(editor: bool) -> tuple[int, int]:
    """(idle, lifetime) in seconds for this kind of account."""
    kind = "editor" if editor else "reader"
    values = settings.MASTHEAD_SESSIONS
    return values[f"{kind}_idle"], values[f"{kind}_lifetime"]


@receiver(user_logged_in, dispatch_uid="masthead.members.session_started")
def start_the_clock(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[EDITOR] = works_in_admin(user)


# How far a session's own times may lie ahead of this server's clock (servers'
# clocks differ a little); beyond it the session was not written by us.
CLOCK_SKEW = 300


class Authentication(AuthenticationMiddleware):
    """Django's, except that a session whose account id is no id at all —
    which only someone writing to the session store could plant — is signed
    out and the request carries on anonymous, instead of failing every page."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def _user(request):
    try:
        return get_user(request)  # Django's own, memoised on the request
    except (ValidationError, ValueError, TypeError, OverflowError):
        request.session.flush()
        request._cached_user = AnonymousUser()
        return request._cached_user


class SessionLifetime:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    @staticmethod
    def check(request) -> None:
        session, now = request.session, int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        if not isinstance(signed_in_at, int):
            # A session from before these limits (or without our keys): its
            # clock starts now rather than signing everyone out at deploy.
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
            session[EDITOR] = works_in_admin(request.user)
            return
        seen_at = session.get(SEEN_AT)
        seen_at = seen_at if isinstance(seen_at, int) else signed_in_at
        idle, lifetime = limits(bool(session.get(EDITOR)))
        future = max(seen_at, signed_in_at) > now + CLOCK_SKEW  # would never expire
        if future or now - seen_at > idle or now - signed_in_at > lifetime:
            logout(request)
            return
        if now - seen_at >= SEEN_GRANULARITY:
            session[SEEN_AT] = now
            # The CSRF cookie's expiry is renewed here, with the session's
            # last-seen time, not on every page (``security.csrf_token``).
            if "CSRF_COOKIE" in request.META:
                request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
        if request.path_info.startswith(ADMIN_PREFIX):
            SessionLifetime.check_admin(request)

    @staticmethod
    def check_admin(request) -> None:
        """An account given admin access after it signed in by emailed code
        does not carry that session into the admin: it signs in again with
        its password. Its session gets the editors' limits from now on."""
        user = request.user
        if not works_in_admin(user):
            return
        if proved_more_than_mailbox(request, user) is False:
            logout(request)
            return
        if not request.session.get(EDITOR):
            request.session[EDITOR] = True
