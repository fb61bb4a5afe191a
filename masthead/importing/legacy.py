"""Old addresses that name a post in the query string (WordPress's
``/?p=123``, ``/?page_id=7``, ``/index.php?p=123``): they land on the home
page, which answers 200, so Wagtail's redirect middleware (which looks only
at 404s) never sees them. This looks them up first, and only for requests
that carry one of those keys, so no other request pays a query.
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect

KEYS = ("p", "page_id", "attachment_id", "cat", "tag", "author")
ROOTS = {"/", "/index.php"}


class OldQueryAddresses:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path_info in ROOTS
            and request.method in {"GET", "HEAD"}
            and request.GET
            and any(key in request.GET for key in KEYS)
        ):
            query = "&".join(f"{key}={request.GET[key]}" for key in KEYS if key in request.GET)
            path = Redirect.normalise_path(f"/?{query}", decode_unicode=False)
            redirect = get_redirect(request, path)
            if redirect is not None and redirect.link is not None:
                answer = (
                    HttpResponsePermanentRedirect if redirect.is_permanent else HttpResponseRedirect
                )
                return answer(redirect.link)
        return self.get_response(request)
