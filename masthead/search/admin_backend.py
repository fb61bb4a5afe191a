"""Wagtail's own search (the admin's page, image and chooser searches),
with what an editor types read as words.

Wagtail's database backend hands a stray double quote to SQLite's FTS5 as
query syntax ("unterminated string", a 500) and a NUL byte to the database
driver (which refuses it). The readers' search has its own engine
(``masthead.search.backends``); this wraps Wagtail's for the admin: quotes
and control characters become spaces before the query is compiled.
"""

from __future__ import annotations

import re

from modelsearch.backends.database import SearchBackend as _database_backend

UNSAFE = re.compile(r'["\x00-\x1f\x7f]')


def plain(query):
    return UNSAFE.sub(" ", query).strip() if isinstance(query, str) else query


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in this module
    backend = _database_backend(params)

    class PlainWords(type(backend)):
        def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
            return super()._search(query_compiler_class, plain(query), model_or_queryset, **kwargs)

    return PlainWords(params)
