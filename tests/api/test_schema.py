"""The API against its own OpenAPI schema: schemathesis generates requests from the
schema (valid and not) and checks every answer — no 500s, bodies and status
codes as documented. In-process through Django's WSGI app; no network."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests import factories
from tests.paywall.helpers import gated_article

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def in_the_test_transaction():
    """Requests made straight through the WSGI app would close the database
    connection at their end (the test's transaction with it), as Django does
    between real requests; its test client switches that off, and so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def newsroom(db, in_the_test_transaction):
    home = factories.site()
    section = factories.section(home, "World")
    writer = factories.author(factories.authors_index(home), "Dana Field")
    gated_article(section, 1, authors=[writer], tags=["drones"])
    gated_article(section, 2, access="free")


@schema.parametrize()
@settings(
    max_examples=60,
    derandomize=True,  # the same requests on every run: CI must not be a lottery
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, newsroom):
    case.call_and_validate(headers={"Host": "localhost"})
