"""Structured logs: one JSON object per line, each carrying the request's id.

``RequestIdMiddleware`` gives every request an id — the one a trusted proxy
sent in ``X-Request-ID`` when it looks like one, else a new one — returns it
in the response's ``X-Request-ID`` and puts it on every log record made while
the request is handled. ``JsonFormatter`` writes records as JSON with their
``extra`` fields (a paywall decision's reader and reason, a subscription
change's states and cause). ``LOG_FORMAT=text`` keeps plain lines.
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


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
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
