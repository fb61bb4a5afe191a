"""Both meter stores: same behaviour, exact under concurrency."""

import secrets
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from masthead.paywall.meters import DatabaseMeterStore, RedisMeterStore
from masthead.paywall.models import MeterWindow
from masthead.paywall.policy import MeterOutcome
from masthead.paywall.windows import window_for

NOW, BEFORE, OVER = (
    MeterOutcome.COUNTED_NOW,
    MeterOutcome.COUNTED_BEFORE,
    MeterOutcome.OVER_LIMIT,
)
# Every test here may touch the database store, so `make test` runs them all on
# PostgreSQL as well as SQLite.
pytestmark = pytest.mark.django_db

TODAY = window_for(timezone.now(), "day", "UTC")
TOMORROW = window_for(timezone.now() + timedelta(days=1), "day", "UTC")


@pytest.fixture(params=["database", "redis"])
def store(request):
    if request.param == "database":
        request.getfixturevalue("db")
        return DatabaseMeterStore()
    return RedisMeterStore(request.getfixturevalue("redis_url"))


@pytest.fixture
def reader():
    return f"v:{secrets.token_urlsafe(8)}"


def outcomes(store, key, articles, limit=3, window=TODAY):
    return [store.consume(key, window, article, limit).outcome for article in articles]


def test_counts_distinct_articles_up_to_the_limit(store, reader):
    assert outcomes(store, reader, [1, 2, 3, 4]) == [NOW, NOW, NOW, OVER]
    assert store.consume(reader, TODAY, 5, 3).used == 3


def test_reopening_an_article_costs_nothing_even_over_the_limit(store, reader):
    assert outcomes(store, reader, [1, 1, 2, 3, 1, 4, 2]) == [
        NOW,
        BEFORE,
        NOW,
        NOW,
        BEFORE,
        OVER,
        BEFORE,
    ]


def test_each_window_has_its_own_allowance(store, reader):
    outcomes(store, reader, [1, 2, 3])

    assert outcomes(store, reader, [4], window=TOMORROW) == [NOW]
    assert outcomes(store, reader, [4]) == [OVER]


def test_readers_do_not_share_a_meter(store, reader):
    outcomes(store, reader, [1, 2, 3])

    assert outcomes(store, reader + "x", [4]) == [NOW]


def test_a_zero_allowance_counts_nothing(store, reader):
    assert outcomes(store, reader, [1, 2], limit=0) == [OVER, OVER]


def test_peeking_never_spends(store, reader):
    assert store.peek(reader, TODAY, 1, 3).outcome == MeterOutcome.NOT_COUNTED
    outcomes(store, reader, [1, 2, 3])

    assert store.peek(reader, TODAY, 2, 3).outcome == BEFORE
    assert store.peek(reader, TODAY, 9, 3).outcome == OVER
    assert outcomes(store, reader, [9], limit=4) == [NOW]


def test_merging_carries_a_visitors_reads_into_the_account(store, reader):
    account = reader.replace("v:", "u:")
    outcomes(store, reader, [1, 2, 3])
    outcomes(store, account, [3, 4])

    store.merge(reader, account, TODAY)

    assert store.consume(account, TODAY, 5, 4).outcome == OVER  # 1, 2, 3 and 4 are counted
    assert outcomes(store, account, [1, 2, 3, 4]) == [BEFORE] * 4


def test_merging_from_a_visitor_with_no_reads_changes_nothing(store, reader):
    account = reader.replace("v:", "u:")
    outcomes(store, account, [7])

    store.merge(reader, account, TODAY)

    looked = store.peek(account, TODAY, 8, 2)
    assert (looked.outcome, looked.used) == (MeterOutcome.NOT_COUNTED, 1)


def concurrent_first_visits(store, key, articles, limit, before_exit=lambda: None):
    barrier = threading.Barrier(len(articles))
    results, errors = [], []

    def visit(article):
        try:
            barrier.wait(timeout=10)
            results.append(store.consume(key, TODAY, article, limit).outcome)
        except Exception as exc:  # a failure must fail the test, not vanish in a thread
            errors.append(exc)
        finally:
            before_exit()

    threads = [threading.Thread(target=visit, args=(article,)) for article in articles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_database_store_is_exact_under_concurrent_first_visits(reader):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; `make test` runs this there")

    results = concurrent_first_visits(
        DatabaseMeterStore(),
        reader,
        list(range(1, 21)),
        limit=3,
        before_exit=lambda: connection.close(),
    )

    assert sorted(results).count(NOW) == 3
    assert results.count(OVER) == 17
    assert MeterWindow.objects.get(key=reader).used == 3


@pytest.mark.django_db(transaction=True)
def test_database_store_counts_one_article_once_under_concurrency(reader):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; `make test` runs this there")

    results = concurrent_first_visits(
        DatabaseMeterStore(), reader, [42] * 10, limit=3, before_exit=lambda: connection.close()
    )

    assert results.count(NOW) == 1 and results.count(BEFORE) == 9
    assert MeterWindow.objects.get(key=reader).used == 1


def test_redis_store_is_exact_under_concurrent_first_visits(redis_url, reader):
    results = concurrent_first_visits(RedisMeterStore(redis_url), reader, list(range(1, 21)), 3)

    assert results.count(NOW) == 3 and results.count(OVER) == 17


def test_database_store_forgets_windows_that_have_ended(db, reader):
    store = DatabaseMeterStore()
    outcomes(store, reader, [1])

    assert store.purge_expired(now=TOMORROW.ends_at) == 1
    assert not MeterWindow.objects.exists()


def test_purge_meters_command_keeps_windows_still_running(db, reader):
    store = DatabaseMeterStore()
    # Today's window as of now (the module's TODAY was taken at import: a
    # run that crosses midnight would find it ended).
    outcomes(store, reader, [1], window=window_for(timezone.now(), "day", "UTC"))
    ended = MeterWindow.objects.create(
        key="v:gone", window="day:2020-01-01", expires_at=timezone.now() - timedelta(days=1)
    )
    out = StringIO()

    call_command("purge_meters", stdout=out)

    assert "Deleted 1 ended meter window" in out.getvalue()
    assert not MeterWindow.objects.filter(pk=ended.pk).exists()
    assert MeterWindow.objects.filter(key=reader).exists()


@pytest.mark.parametrize(
    "period, moment, zone, start, ends",
    [
        ("day", "2026-11-24T23:30:00+00:00", "UTC", "2026-11-24", "2026-11-25T00:00:00+00:00"),
        # 23:30 UTC is already tomorrow in Berlin: the site's day, not the server's.
        (
            "day",
            "2026-11-24T23:30:00+00:00",
            "Europe/Berlin",
            "2026-11-25",
            "2026-11-26T00:00:00+01:00",
        ),
        ("week", "2026-11-26T12:00:00+00:00", "UTC", "2026-11-23", "2026-11-30T00:00:00+00:00"),
        ("month", "2026-12-31T12:00:00+00:00", "UTC", "2026-12-01", "2027-01-01T00:00:00+00:00"),
        # New York's day ends at a DST-aware midnight.
        (
            "day",
            "2026-03-08T12:00:00+00:00",
            "America/New_York",
            "2026-03-08",
            "2026-03-09T00:00:00-04:00",
        ),
    ],
)
def test_windows_follow_the_sites_calendar(period, moment, zone, start, ends):
    window = window_for(datetime.fromisoformat(moment), period, zone)

    assert window.start.isoformat() == start
    assert window.ends_at == datetime.fromisoformat(ends)
    assert window.id == f"{period}:{start}"


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError):
        window_for(datetime(2026, 1, 1, tzinfo=UTC), "fortnight", "UTC")
