"""Suite-wide fixtures and the rules for tests that need outside services.

`make test` runs the database tests a second time with DATABASE_URL pointing
at PostgreSQL. When that server is unreachable, those tests are skipped with
the reason on a laptop and fail the run in CI (CI=true), where it must exist.
"""

import os

import psycopg
import pytest
from django.conf import settings

from tests import factories


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_problem(database: dict) -> str | None:
    try:
        psycopg.connect(
            dbname="postgres",
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def pytest_collection_modifyitems(config, items):
    # A test that asks for the database by fixture is a database test too, so
    # the PostgreSQL pass (`-m django_db`) selects it.
    for item in items:
        if {"db", "transactional_db"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.django_db)
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    problem = postgres_problem(database)
    if problem is None:
        return
    where = f"PostgreSQL at {database.get('HOST')}:{database.get('PORT') or 5432}"
    if running_in_ci():
        pytest.exit(f"{where} is required in CI and is unreachable: {problem}", returncode=1)
    skip = pytest.mark.skip(reason=f"{where} unreachable ({problem}); these tests run in CI")
    for item in items:
        item.add_marker(skip)


def unavailable(message: str):
    """Skip on a laptop, fail in CI, where every service must be present."""
    if running_in_ci():
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(f"{message}; runs in CI")


@pytest.fixture(scope="session")
def redis_url():
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {url} is unreachable ({exc})")
    return url


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached: rendered pages, routes, DNS answers."""
    from django.core.cache import cache

    from masthead import localcache
    from masthead.newsroom import freshness

    for forget in (cache.clear, localcache.forget_all, freshness.forget):
        forget()
    yield
    for forget in (cache.clear, localcache.forget_all, freshness.forget):
        forget()


@pytest.fixture
def home(db):
    """A published site: home page as the default site's root, with publication settings."""
    return factories.site()


@pytest.fixture
def authors_index(home):
    return factories.authors_index(home)
