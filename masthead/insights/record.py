"""Counting what the gate decided, without slowing the page that decided it.

``saw`` is called by ``paywall.gate`` once per article page it decides for a
reader who is not a subscriber: a read of the full text, or a wall. It adds
one to a counter in this process's memory; a thread writes the counters to
``Sighting`` every ``MASTHEAD_INSIGHTS_FLUSH_SECONDS`` (10 s) in one
statement, and so does the process on its way out. A page view therefore
costs a dictionary update, and the numbers in Insights are at most that many
seconds behind. A worker killed outright loses at most that many seconds of
counts (never a subscription, registration or payment: those come from their
own records, ``insights.conversions``).

With ``MASTHEAD_INSIGHTS_FLUSH_SECONDS = 0`` every view is written at once;
with ``None`` (the tests) only when ``flush`` is called.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from masthead.insights.models import Sighting
from masthead.offers.models import Exposure

logger = logging.getLogger("masthead.insights")

READ, REGISTER_WALL, SUBSCRIBE_WALL = Sighting.READ, Sighting.REGISTER_WALL, Sighting.SUBSCRIBE_WALL

# (day, meter key, article id, kind) → [views, first seen, last seen]
_pending: dict[tuple[date, str, int, str], list] = {}
_lock = threading.Lock()
_flusher_pid: int | None = None
# A buffer that cannot be written (the database away) is kept up to this
# many distinct rows; beyond that the oldest counts are dropped and logged.
MOST_PENDING = 200_000


def digest(meter_key: str) -> str:
    """The reader as Insights keeps them: a keyed digest of their meter key
    (``v:<visitor>`` or ``u:<account>``), useless without the site's key."""
    return salted_hmac("masthead.insights.reader", meter_key, algorithm="sha256").hexdigest()[:32]


# The newsroom's date, worked out at most once a second per process.
_today: tuple[float, date | None] = (0.0, None)


def _local_day(now: float) -> date:
    global _today
    until, day = _today
    if now >= until or day is None:
        day = timezone.localdate()
        _today = (now + 1.0, day)
    return day


def saw(meter_key: str, article_id: int, kind: str, now: datetime | None = None) -> None:
    if now is None:
        stamp = time.time()
        day = _local_day(stamp)
        now = stamp
    else:
        day = timezone.localdate(now)
    key = (day, meter_key, article_id, kind)
    with _lock:
        found = _pending.get(key)
        if found is None:
            _pending[key] = [1, now, now]
        else:
            found[0] += 1
            found[2] = now
    seconds = settings.MASTHEAD_INSIGHTS_FLUSH_SECONDS
    if seconds is None:
        return
    if seconds <= 0:
        flush()
    elif _flusher_pid != os.getpid():
        _start_flusher(seconds)


# (experiment, variant, reader) → [pages, walls, first seen, last seen]: the
# readers offer experiments showed a variant (``offers``), written with the
# sightings. A reader is "v:<visitor id>" (digested when written) or an
# account's kept digest.
_exposures: dict[tuple[int, int, str], list] = {}


def exposed(placed, walled: bool, now: float | None = None) -> None:
    """A page the gate decided for a reader an offer experiment counts;
    ``walled``: the page showed the experiment's own wall."""
    now = time.time() if now is None else now
    key = (placed.arm.experiment_id, placed.arm.variant_id, placed.reader)
    with _lock:
        found = _exposures.get(key)
        if found is None:
            _exposures[key] = [1, int(walled), now, now]
        else:
            found[0] += 1
            found[1] += walled
            found[3] = now
    # The page's ``saw`` has started the flusher (or flushed) already.


def _start_flusher(seconds: float) -> None:
    """One thread per process (a forked worker starts its own)."""
    global _flusher_pid
    with _lock:
        if _flusher_pid == os.getpid():
            return
        _flusher_pid = os.getpid()

    def run():
        global _flusher_pid
        interval = seconds
        while interval is not None and interval > 0:
            time.sleep(interval)
            try:
                flush()
            finally:
                connection.close()  # this thread's own; not held between flushes
            interval = settings.MASTHEAD_INSIGHTS_FLUSH_SECONDS
        _flusher_pid = None  # the setting changed (tests): the next count starts one again

    threading.Thread(target=run, name="insights-flush", daemon=True).start()


def flush() -> int:
    """Write every pending count to ``Sighting``; returns how many rows. On a
    database error the counts go back to the buffer for the next flush."""
    with _lock:
        if not _pending and not _exposures:
            return 0
        taken, exposures = dict(_pending), dict(_exposures)
        _pending.clear()
        _exposures.clear()
    written = _flush_exposures(exposures) if exposures else 0
    if not taken:
        return written
    rows = [
        (day, digest(meter_key), article_id, kind, times, _moment(first_at), _moment(last_at))
        for (day, meter_key, article_id, kind), (times, first_at, last_at) in taken.items()
    ]
    try:
        with transaction.atomic():
            _upsert(*_UPSERT_SQL(), [_adapt(row) for row in rows])
    except DatabaseError as exc:
        logger.warning("could not write %d insights rows, kept for later: %s", len(rows), exc)
        _put_back(taken)
        return written
    return written + len(rows)


def _flush_exposures(exposures: dict) -> int:
    quote = connection.ops.quote_name
    table = quote(Exposure._meta.db_table)
    names = ("experiment_id", "variant_id", "reader", "pages", "walls", "first_at", "last_at")
    pages, walls, last_at = quote("pages"), quote("walls"), quote("last_at")
    head = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)})"  # noqa: S608
    tail = (
        f"ON CONFLICT ({quote('experiment_id')}, {quote('reader')}) DO UPDATE SET "
        f"{pages} = {table}.{pages} + excluded.{pages}, "
        f"{walls} = {table}.{walls} + excluded.{walls}, "
        f"{last_at} = CASE WHEN excluded.{last_at} > {table}.{last_at} "
        f"THEN excluded.{last_at} ELSE {table}.{last_at} END"
    )
    # One row per (experiment, reader): a statement may not update a row twice.
    merged: dict[tuple[int, str], list] = {}
    for (experiment_id, variant_id, reader), (
        pages_seen,
        walls_met,
        first,
        last,
    ) in exposures.items():
        reader = digest(reader) if reader.startswith("v:") else reader
        found = merged.get((experiment_id, reader))
        if found is None:
            merged[experiment_id, reader] = [variant_id, pages_seen, walls_met, first, last]
        else:
            found[1] += pages_seen
            found[2] += walls_met
            found[3] = min(found[3], first, key=_moment)
            found[4] = max(found[4], last, key=_moment)
    ops = connection.ops
    rows = [
        (
            experiment_id,
            variant_id,
            reader,
            pages_seen,
            walls_met,
            ops.adapt_datetimefield_value(_moment(first)),
            ops.adapt_datetimefield_value(_moment(last)),
        )
        for (experiment_id, reader), (variant_id, pages_seen, walls_met, first, last) in (
            merged.items()
        )
    ]
    try:
        with transaction.atomic():
            _upsert(head, tail, rows)
    except IntegrityError as exc:
        # An experiment deleted since: its exposures go with it.
        logger.warning("dropped %d exposures of a deleted experiment: %s", len(rows), exc)
        return 0
    except DatabaseError as exc:
        logger.warning("could not write %d exposures, kept for later: %s", len(rows), exc)
        with _lock:
            for key, (pages_seen, walls_met, first, last) in exposures.items():
                found = _exposures.setdefault(key, [0, 0, first, last])
                found[0] += pages_seen
                found[1] += walls_met
                found[2] = min(found[2], first, key=_moment)
        return 0
    return len(rows)


# Rows per statement: one INSERT of many rows costs a fraction of as many
# one-row statements (a flush after a busy ten seconds holds thousands).
ROWS_PER_STATEMENT = 500


def _upsert(head: str, tail: str, rows: list[tuple]) -> None:
    """``head VALUES (…), (…) … tail`` for ``rows``, in statements of at most
    ``ROWS_PER_STATEMENT`` rows (each row's conflict key appears once)."""
    if not rows:
        return
    one = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = ", ".join([one] * len(chunk))
            cursor.execute(f"{head} VALUES {values} {tail}", [v for row in chunk for v in row])


def _moment(value: datetime | float) -> datetime:
    """Counts keep a plain timestamp (cheaper per view); rows a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(value, tz=UTC)


def _put_back(taken: dict) -> None:
    with _lock:
        for key, (times, first_at, last_at) in taken.items():
            found = _pending.get(key)
            if found is None:
                _pending[key] = [times, first_at, last_at]
            else:
                found[0] += times
                found[1] = min(found[1], first_at, key=_moment)
        dropped = 0
        while len(_pending) > MOST_PENDING:
            _pending.pop(next(iter(_pending)))
            dropped += 1
    if dropped:
        logger.error("insights buffer full: dropped the %d oldest counts", dropped)


def _adapt(row):
    day, reader, article_id, kind, times, first_at, last_at = row
    ops = connection.ops
    return (
        ops.adapt_datefield_value(day),
        reader,
        article_id,
        kind,
        times,
        ops.adapt_datetimefield_value(first_at),
        ops.adapt_datetimefield_value(last_at),
    )


def _UPSERT_SQL() -> tuple[str, str]:  # noqa: N802 - a constant that needs the connection
    quote = connection.ops.quote_name
    table = quote(Sighting._meta.db_table)
    columns = ", ".join(
        quote(name)
        for name in ("day", "reader", "article_id", "kind", "times", "first_at", "last_at")
    )
    times, last_at = quote("times"), quote("last_at")
    return (
        f"INSERT INTO {table} ({columns})",  # noqa: S608 - our names
        f"ON CONFLICT ({quote('day')}, {quote('reader')}, {quote('article_id')}, {quote('kind')}) "
        f"DO UPDATE SET {times} = {table}.{times} + excluded.{times}, "
        f"{last_at} = CASE WHEN excluded.{last_at} > {table}.{last_at} "
        f"THEN excluded.{last_at} ELSE {table}.{last_at} END",
    )


def pending() -> int:
    with _lock:
        return len(_pending)


def forget() -> None:
    """Drop every count not yet written, and the remembered date (tests)."""
    global _today
    with _lock:
        _pending.clear()
        _exposures.clear()
    _today = (0.0, None)


@atexit.register
def _on_exit() -> None:
    try:
        flush()
    except Exception:  # noqa: BLE001 - a process on its way out has no one to tell but the log
        logger.exception("could not write the last insights counts")
