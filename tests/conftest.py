"""Suite-wide fixtures and the rules for tests that need outside services.

`make test` runs the database tests a second time with DATABASE_URL pointing
at PostgreSQL. When that server is unreachable, those tests are skipped with
the reason on a laptop and fail the run in CI (CI=true), where it must exist.
"""

import os
import sys
from collections import Counter
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings

from tests import factories, templates


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


# Suites one xdist worker runs, one test at a time, under `--dist loadgroup`
# (make test's last pass): the deployment tests share a seed database and
# database 13 of the shared Redis; the adversarial server's tests share that
# server and database 12. Named here by path: pytest 9.2 no longer reads the
# node id suffix by which pytest-xdist 3.8 groups `xdist_group` marks.
GROUPS = {
    "tests/deployment/": "deployment",
    "tests/security/test_real_server.py": "adversarial",
}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's, absent with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class PathGroups(LoadScopeScheduling):
        """loadgroup by path: a group is one unit of work; every other test its own."""

        def _split_scope(self, nodeid: str) -> str:
            return next((g for path, g in GROUPS.items() if nodeid.startswith(path)), nodeid)

    return PathGroups(config, log)


def pytest_collection_modifyitems(config, items):
    # A test that asks for the database by fixture is a database test too, so
    # the PostgreSQL pass (`-m django_db`) selects it.
    for item in items:
        if {"db", "transactional_db"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.django_db)
    skip_heavy(items)
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


# The heavy tests: every route walked per role or reader in-process, and the
# servers' crash tests. They run in CI and on request (`make test FULL=1`);
# a run on a laptop without either skips them and says so.
HEAVY = ("exhaustive", "crash")
FULL = "MASTHEAD_FULL_SUITE"


def full_suite() -> bool:
    return running_in_ci() or os.environ.get(FULL, "").strip().lower() in {"1", "true", "yes"}


def skip_heavy(items) -> None:
    if full_suite():
        return
    skip = pytest.mark.skip(
        reason="a heavy walk or crash test: CI runs it; here `make test FULL=1` does"
    )
    for item in items:
        if any(item.get_closest_marker(name) for name in HEAVY):
            item.add_marker(skip)


def pytest_configure(config):
    # One directory of migrated templates for the whole run: made here by the
    # process that starts first (xdist's workers inherit the variable), unless
    # `make test` made one for its three passes.
    if templates.directory() is None and not hasattr(config, "workerinput"):
        config._masthead_templates = templates.make_directory()
        os.environ[templates.ENV] = str(config._masthead_templates)


def pytest_unconfigure(config):
    made = getattr(config, "_masthead_templates", None)
    if made is not None:
        templates.drop(made)
        os.environ.pop(templates.ENV, None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django's, and on PostgreSQL a suffix of this run's own: two runs
    on one server (a laptop's and CI's, or two checkouts') each drop and make
    their own test databases instead of each other's mid-run."""
    database = settings.DATABASES["default"]
    where = templates.directory()
    if database["ENGINE"] == "django.db.backends.postgresql" and where is not None:
        test = database.setdefault("TEST", {})
        name = test.get("NAME") or f"test_{database['NAME']}"
        test["NAME"] = f"{name}_{templates.postgres_template_name(where)[-6:]}"


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's, except that the test database starts as a copy of the
    run's migrated template (tests/templates.py): Django's `migrate` still
    runs on it, and finds nothing left to apply."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    if not django_db_use_migrations:
        _disable_migrations()
    release = []
    with django_db_blocker.unblock():
        if django_db_use_migrations and not keepdb and aliases == {"default"}:
            prepared = templates.prepare_test_database(connections["default"])
            if prepared is not None:
                release.append(prepared)
                keepdb = True  # the copy is the database Django would have made
        config = setup_databases(
            verbosity=verbosity,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(config, verbosity=verbosity)
            except Exception as exc:  # noqa: BLE001
                request.node.warn(
                    pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
                )
    for free in release:
        free()


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_exhaustive_first(items):
    """The long walks (`exhaustive`, up to a minute each) go first, where
    pytest-django's order puts database tests: started last, one of them
    kept one xdist worker busy long after the other had finished. Longest
    first: a walk split over fewer parameters is a longer one."""
    split = Counter((item.path, getattr(item, "originalname", item.name)) for item in items)

    def weight(item):
        # pytest-django's order first: plain database tests, transactional ones
        # (which empty the tables), the rest; within each, the walks first.
        fixtures = set(getattr(item, "fixturenames", ()))
        marker = item.get_closest_marker("django_db")
        if (marker and marker.kwargs.get("transaction")) or {
            "transactional_db",
            "live_server",
        } & fixtures:
            group = 1
        else:
            group = 0 if marker or "db" in fixtures else 2
        if item.get_closest_marker("exhaustive") is None:
            return (group, 1, 0)
        return (group, 0, split[item.path, getattr(item, "originalname", item.name)])

    items.sort(key=weight)


def pytest_runtest_setup(item):
    # A module's shared data (module_db) is a transaction a transactional test
    # would run inside of, unseen: refuse rather than test the wrong thing.
    marker = item.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(getattr(item, "fixturenames", ()))
    if transactional and "django" in sys.modules:
        from django.db import connections

        if connections["default"].in_atomic_block:
            pytest.fail("a transactional test in a module whose data module_db keeps")


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
    from masthead.insights import record
    from masthead.newsroom import freshness

    for forget in (cache.clear, localcache.forget_all, freshness.forget, record.forget):
        forget()
    yield
    for forget in (cache.clear, localcache.forget_all, freshness.forget, record.forget):
        forget()


@contextmanager
def _kept(django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        kept = transaction.atomic()
        kept._from_testcase = True  # as Django's TestCase marks its own (durable atomics)
        kept.__enter__()
    try:
        yield django_db_blocker.unblock
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            kept.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """Data made once for a whole module, for modules whose tests read it.

    A transaction is open for the module; a module-scoped fixture makes its
    data inside ``with module_db():`` (the database is open there), and each
    test's own transaction is a savepoint in it, so whatever a test changes
    is rolled back to that data, and the data itself at the module's end:
    every test sees the database exactly as if the data had been made for it
    alone. Give tests their objects through ``fresh`` (new instances read
    from the database), never the module's own, which a test could change.
    Not for a module with transactional tests: they cannot run inside it
    (pytest_runtest_setup above refuses one that would).
    """
    with _kept(django_db_blocker) as unblock:
        yield unblock


@pytest.fixture(scope="class")
def class_db(django_db_setup, django_db_blocker):
    """``module_db`` for the tests of one class: rolled back when they are done."""
    with _kept(django_db_blocker) as unblock:
        yield unblock


def fresh(value):
    """``value`` with each model instance in it read anew from the database."""
    from django.db.models import Model

    if isinstance(value, Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(fresh(item) for item in value)
    return value


@pytest.fixture
def home(db):
    """A published site: home page as the default site's root, with publication settings."""
    return factories.site()


@pytest.fixture
def authors_index(home):
    return factories.authors_index(home)
