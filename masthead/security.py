"""Content-Security-Policy: strict on the public site, what Wagtail needs in the admin.

The public pages run no JavaScript and no inline styles, so their policy
(``config._csp``) allows the site's own files only; an injected ``<script>``
— say, through a comment that got past sanitising — would not run. Wagtail's
editor still uses inline scripts and styles, data: and blob: images and frames
its own previews, so pages under the admin prefixes get those
allowances on top, and nothing from other origins.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware import csrf
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control

from masthead.paywall.readers import from_trusted_proxy

ADMIN_PREFIXES = ("/admin/",)
ADMIN_ALLOWANCES = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
    "font-src": ["data:"],
    "frame-src": ["'self'"],
}


# What a view may set on its response to tailor its policy (django-csp's
# decorators); such a response, or one whose request asked for a nonce, is
# built by django-csp itself.
TAILORED = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with two policies: the public site's and the
    admin's. Every other response gets one of the two, so each is built once
    per process (and again when a test changes the settings) instead of on
    every response; a response a view tailored goes through django-csp."""

    built: dict[bool, tuple[str, str]] = {}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {**ADMIN_ALLOWANCES, **(parts.update or {})}
        return parts

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in TAILORED
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        admin = request.path_info.startswith(ADMIN_PREFIXES)
        policies = self.built.get(admin)
        if policies is None:
            policies = self.built[admin] = (
                build_policy(**asdict(self.get_policy_parts(request, response))),
                build_policy(
                    **asdict(self.get_policy_parts(request, response, report_only=True)),
                    report_only=True,
                ),
            )
        for header, policy, setting in (
            (HEADER, policies[0], "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, policies[1], "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                policy
                and header not in response
                and not request.path_info.startswith(tuple(excluded))
            ):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        SiteCSPMiddleware.built.clear()


def private_page(response):
    """A page for one reader and for no index: kept by no cache (``private,
    no-store``) and listed by no search engine. A newsletter's signed-link
    pages, a gift link's answers and a page opened by a gift."""
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class PrivateResponses:
    """A response made for one reader is nobody else's to keep.

    Where a view said nothing about caching, a response is marked ``private,
    no-store`` if the reader is signed in, if it sets a cookie, or if it is
    one of the account, subscription, billing or admin pages (their forms
    carry a CSRF token and their content is the reader's). Article pages and
    the API say what they need themselves; a front for readers without a
    session stays as it was, shareable.
    """

    PERSONAL = ("/accounts/", "/account/", "/subscribe/", "/billing/", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if (
            (user is not None and user.is_authenticated)
            or response.cookies
            or request.path_info.startswith(self.PERSONAL)
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ForwardedProtoFromProxiesOnly:
    """``X-Forwarded-Proto`` counts only from a proxy in ``TRUSTED_PROXIES``.

    Django believes ``SECURE_PROXY_SSL_HEADER`` from whoever sends it; gunicorn
    ignores it from others for its own scheme but passes it on. So the header
    is dropped here, before anything asks ``request.is_secure()``, unless the
    request came straight from one of our proxies — the same rule as for
    ``X-Forwarded-For`` and ``X-Request-ID`` (``paywall.readers``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_X_FORWARDED_PROTO" in request.META:
            if not from_trusted_proxy(request):
                del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


def csrf_token(request) -> str:
    """The request's CSRF token, masked once: every form on one page may carry
    the same one. The token ``django.middleware.csrf.get_token`` would give,
    but its mask is drawn from one ``secrets.token_bytes`` call instead of 32
    calls to ``secrets.choice``, which cost a signed-in page more than
    anything else it fills in; and a signed-in reader's existing cookie is not
    sent again with the page (see below)."""
    token = getattr(request, "_masthead_csrf_token", None)
    if token is None:
        if "CSRF_COOKIE" in request.META:
            secret = request.META["CSRF_COOKIE"]
            # Django sends the cookie again with every page that uses it, to
            # renew its year-long expiry. A signed-in reader's session renews
            # it once a minute instead (``members.sessions.SessionLifetime``),
            # which spares their every page a Set-Cookie.
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token does
            token = mask_csrf_secret(secret)
        else:
            token = get_token(request)  # a new secret and cookie, Django's way
        request._masthead_csrf_token = token
    return token


_CHARS = csrf.CSRF_ALLOWED_CHARS
_INDEX = {character: position for position, character in enumerate(_CHARS)}
# The largest multiple of the 62 characters a byte can hold: bytes at or above
# it are drawn again, so every character of the mask is equally likely.
_UNBIASED = 256 - 256 % len(_CHARS)


def mask_csrf_secret(secret: str) -> str:
    """``secret`` masked as Django masks it (a random mask, then the secret
    shifted by it), which Django's middleware unmasks as its own."""
    mask: list[int] = []
    while len(mask) < csrf.CSRF_SECRET_LENGTH:
        drawn = secrets.token_bytes(2 * csrf.CSRF_SECRET_LENGTH)
        mask += [byte % len(_CHARS) for byte in drawn if byte < _UNBIASED]
    mask = mask[: csrf.CSRF_SECRET_LENGTH]
    cipher = (_CHARS[(_INDEX[c] + m) % len(_CHARS)] for c, m in zip(secret, mask, strict=True))
    return "".join(_CHARS[m] for m in mask) + "".join(cipher)
