"""One token that changes whenever anything a public page shows may have changed.

Cached article pages (see ``rendering``) are keyed by this token, so a
publish, an unpublish, a move, a settings change or a new view restriction
makes every cached page stale at once, on every worker, whichever cache
backend is configured: the token lives in the database, and reading it is
one primary-key lookup per request.

A process re-reads the token at most every ``MASTHEAD_FRESHNESS_SECONDS``
(default 1): on PostgreSQL the lookup costs as much as the rest of a cached
page, so the benchmark's hot path skips it. The process that made a change
forgets its copy when the change commits, so an editor sees their own edit
at once; other workers see it within that interval.

The token is random rather than a counter so that a database restored to an
earlier state (a rolled-back transaction, a re-loaded demo) never lands on a
token that cached pages were rendered under for different content.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.db import connection, transaction

ROW = 1
# ``newsroom.models.ContentGeneration``'s table, read and written here in SQL
# so that anything may ask for the token without importing the page models
# (the reader's standing does; the page models import the paywall).
TABLE = "newsroom_contentgeneration"
# (token, monotonic time it was read); replaced whole, never mutated.
_last_read: tuple[str, float] | None = None


def current(request=None) -> str:
    """The token, read once per request (and at most once per interval per process)."""
    token = known(request) if request is not None else _recent_token()
    if token is None:
        token = _read_token()
        if request is not None:
            request._masthead_generation = token
    return token


def known(request) -> str | None:
    """The token if this process read it within the interval (as ``current``
    would give it, and memoised on the request the same way), else None —
    never a database read, for a caller that can do without."""
    if "_masthead_generation" in request.__dict__:
        return request._masthead_generation
    token = _recent_token()
    if token is not None:
        request._masthead_generation = token
    return token


def _recent_token() -> str | None:
    last = _last_read
    if last is None or time.monotonic() - last[1] >= settings.MASTHEAD_FRESHNESS_SECONDS:
        return None
    return last[0]


def _read_token() -> str:
    global _last_read
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = %s", [ROW])  # noqa: S608 - table name from the model
        row = cursor.fetchone()
    token = row[0] if row else "none"
    # Never remember a token read inside a transaction: it may be rolled back.
    if not connection.in_atomic_block:
        _last_read = (token, time.monotonic())
    return token


def forget() -> None:
    """Drop this process's copy of the token; the next request reads it afresh."""
    global _last_read
    _last_read = None


def bump(**_signal_kwargs) -> None:
    """Make every cached page stale. Runs inside the change's own transaction."""
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, token) VALUES (%s, %s) "  # noqa: S608 - our table name
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
            [ROW, secrets.token_hex(8)],
        )
    forget()
    transaction.on_commit(forget)


# Page fields Wagtail saves on its own while an editor works on a draft
# (save_revision, autosave, locking, a child added under it): none of them
# changes what a reader is shown.
DRAFT_ONLY_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "numchild",
    }
)


def page_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """Bump for a page save readers can see: a publish, an unpublish, a move,
    a live page changed by code. Not for a draft revision or autosave (which
    save only the draft fields above), nor for a new page not yet live."""
    if update_fields is not None and set(update_fields) <= DRAFT_ONLY_FIELDS:
        return
    if created and not instance.live:
        return
    bump()


def image_saved(sender, instance, created=False, **kwargs) -> None:
    """A new upload is on no published page yet; an edit (credit, focal point,
    title) may be."""
    if not created:
        bump()
