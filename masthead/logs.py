"""Structured logs: one JSON object per line, each carrying the request's id.

``RequestIdMiddleware`` gives every request an id — the one a trusted proxy
sent in ``X-Request-ID`` when it looks like one, else a new one — returns it
in the response's ``X-Request-ID`` and puts it on every log record made while
the request is handled. ``JsonFormatter`` writes records as JSON with their
``extra`` fields (a paywall decision's reader and reason, a subscription
change's states and cause). ``LOG_FORMAT=text`` keeps plain lines.

No secret reaches a log line. A URL placeholder whose name says it holds a
secret (``<token>``, ``<key>``, ``<uidb36>``, …: a private feed's token, a
password-reset key) and query parameters of the same names are masked in
every line, whoever wrote it — our request log, Django's "Not Found"
warnings, a traceback. The rule reads the URL resolver, so a new tokenised
route is masked without being listed here.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

request_id = contextvars.ContextVar("request_id", default="-")
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
access_log = logging.getLogger("masthead.request")


# Placeholder and parameter names that carry secrets.
SECRET_NAMES = {"token", "key", "code", "uidb36", "uidb64", "secret", "session_id", "password"}
MASK = "[masked]"
_secret_paths = None
PATH_TEXT = r"""[^/\s'"?&#]"""
SECRET_QUERY = re.compile(
    r"([?&](?:" + "|".join(sorted(SECRET_NAMES)) + r")=)[^&\s'\"]*", re.IGNORECASE
)


def _secret_path_pattern():
    """One expression matching every URL whose pattern has a secret placeholder,
    with those placeholders as named groups, built from the resolver once."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix):
        for entry in patterns:
            regex = entry.pattern.regex.pattern.lstrip("^").removesuffix("\\Z")
            regex = regex.removesuffix("$")
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + regex)
            elif isinstance(entry, URLPattern) and set(entry.pattern.regex.groupindex) & (
                SECRET_NAMES
            ):
                yield prefix + regex

    alternatives = []
    for n, regex in enumerate(walk(get_resolver().url_patterns, "")):
        # Group names must be unique across the alternation: number them. In
        # running text a path ends at a quote, a space or a query string, so
        # a placeholder's "anything" stops there too.
        numbered = re.sub(r"\(\?P<(\w+)>", rf"(?P<\1__{n}>", regex)
        for loose, bounded in (
            (".+", PATH_TEXT + "+"),
            (".*", PATH_TEXT + "*"),
            ("[^/]+", PATH_TEXT + "+"),
        ):
            numbered = numbered.replace(loose, bounded)
        alternatives.append(f"(?:{numbered})")
    return re.compile("/(?:" + "|".join(alternatives) + ")") if alternatives else None


def redact(text: str) -> str:
    """``text`` with every secret path segment and query value masked."""
    global _secret_paths
    if _secret_paths is None:
        try:
            _secret_paths = _secret_path_pattern() or False
        except Exception:  # noqa: BLE001 - before the URLconf loads, mask queries only
            return SECRET_QUERY.sub(rf"\1{MASK}", text)

    def mask(match):
        found, start = match.group(0), match.start()
        spans = [
            match.span(name)
            for name, value in match.groupdict().items()
            if value and name.split("__")[0] in SECRET_NAMES
        ]
        for a, b in sorted(spans, reverse=True):  # from the right: earlier spans stay true
            found = found[: a - start] + MASK + found[b - start :]
        return found

    if _secret_paths:
        text = _secret_paths.sub(mask, text)
    return SECRET_QUERY.sub(rf"\1{MASK}", text)


class RequestIdFilter(logging.Filter):
    """The request's id on every record: from the context while the request is
    handled, else from the request the record is about (Django logs 4xx and
    5xx responses after our middleware has finished)."""

    def filter(self, record):
        rid = request_id.get()
        if rid == "-":
            rid = getattr(getattr(record, "request", None), "masthead_request_id", "-")
        record.request_id = rid
        return True


class ExpectedRefusal(logging.Filter):
    """A request refused as it should be (a provider webhook without its
    secret or signature: anyone on the internet can knock) is one warning
    line, not an error with a traceback that pages whoever is on call."""

    def filter(self, record):
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


class TextFormatter(logging.Formatter):
    def format(self, record):
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record):
        return redact(self._json(record))

    def _json(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_"):
                entry[key] = (
                    value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Not at the top: this module is loaded with the logging configuration,
        # before Django's apps (which readers needs) are ready.
        from masthead.paywall.readers import from_trusted_proxy

        offered = request.headers.get("X-Request-ID", "")
        if offered and VALID_ID.fullmatch(offered) and from_trusted_proxy(request):
            rid = offered
        else:
            rid = uuid.uuid4().hex
        request.masthead_request_id = rid
        token = request_id.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)
