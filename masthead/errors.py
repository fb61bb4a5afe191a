"""The server-error page, and a 503 when the database is what failed.

A database that is restarting or failing over is an outage the reader should
wait out, not a bug: they get "back in a moment" with ``Retry-After`` and a
503, which load balancers and crawlers treat as temporary. Django calls the
500 handler while the exception is being handled, so it can tell the two
apart. The pages use no database, no session and no context processor: they
must render when nothing else can.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

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
