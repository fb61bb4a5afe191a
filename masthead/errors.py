"""The server-error page, and a 503 when the database is what failed.

A database that is restarting or failing over is an outage the reader should
wait out, not a bug: they get "back in a moment" with ``Retry-After`` and a
503, which load balancers and crawlers treat as temporary. Django calls the
500 handler while the exception is being handled, so it can tell the two
apart. The pages use no database, no session and no context processor: they
must render when nothing else can.
"""

from __future__ import annotations

import logging
import sys
import traceback

from django.core.exceptions import ValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import page_not_found

logger = logging.getLogger("masthead.errors")

RETRY_AFTER_SECONDS = 30
OUTAGES = (OperationalError, InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    # A lost or refused connection reaches us as Django's OperationalError or
    # InterfaceError; integrity errors and the like are bugs, not outages.
    return isinstance(exc, OUTAGES)


def server_error(request):
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


class UnreadableValues:
    """A value from the client that the database cannot read as its field's
    type — "world" for a numeric id, an integer past 64 bits, text too long
    for its column — is a 404, not a 500.

    Masthead's own routes and views never let such a value through
    (``masthead.inputs``, the ``<id:…>`` converter). This catches the same
    class in views Masthead does not own: Wagtail's admin choosers, for one,
    take ``<str:pk>`` and look it up as given.
    """

    CONVERSIONS = (ValueError, TypeError, ValidationError, OverflowError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, DataError) or self._from_a_field(exception)):
            return None
        logger.warning("unreadable value in %s %s: %s", request.method, request.path, exception)
        return page_not_found(request, Http404("No such object."))

    def _from_a_field(self, exception) -> bool:
        """Raised while a model field or the database driver converted a value."""
        if not isinstance(exception, self.CONVERSIONS):
            return False
        frames = traceback.extract_tb(exception.__traceback__)
        return bool(frames) and any(
            "django/db/models/fields" in frame.filename or "django/db/backends" in frame.filename
            for frame in frames[-3:]
        )
