"""The account forms that name an address answer no sooner than a floor.

Sign-up, password login, login by code and password reset do the same work
for a registered address as for an unknown one (the adapter hashes a
password for a registered sign-up; allauth's backend hashes for an unknown
login), but not to the millisecond: generating a code, or rendering one email
rather than another, still differs by a few. A reader cannot tell, an
attacker with thousands of samples might. So a POST to one of these forms is
answered no sooner than ``MASTHEAD_ACCOUNT_ANSWER_FLOOR_MS`` after it
arrived, which is longer than either path takes (bench/accounts.py measures
both). allauth's per-address limits cap how many such requests one client
can hold open.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import resolve
from django.urls.exceptions import Resolver404

FORMS = {
    "account_signup",
    "account_login",
    "account_request_login_code",
    "account_reset_password",
}


def _form_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


class EvenAnswers:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        floor = settings.MASTHEAD_ACCOUNT_ANSWER_FLOOR_MS / 1000
        if not floor or request.method != "POST" or _form_name(request.path_info) not in FORMS:
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        remaining = floor - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        return response
