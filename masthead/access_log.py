"""gunicorn's access log, with secrets masked like every other log line.

Masthead logs each request itself (``masthead.request``), so gunicorn's
access log is off unless ``GUNICORN_ACCESSLOG`` asks for it. When it is on,
its lines carry the request line, path, query string, referrer and headers,
where a private feed token or a password-reset key would otherwise appear
in clear: every value goes through ``masthead.logs.redact`` first.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from masthead.logs import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            # A bare query string is read as one, so its parameters are masked too.
            bare_query = key in ("q", "{query_string}e")
            atoms[key] = redact("?" + value)[1:] if bare_query else redact(value)
        return atoms
