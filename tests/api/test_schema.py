"""The API against its own OpenAPI schema: schemathesis generates requests from the
schema (valid and not) and checks every answer — no 500s, bodies and status
codes as documented. In-process through Django's WSGI app; no network."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests import factories
from tests.paywall.helpers import gated_article

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def newsroom(db):
    home = factories.site()
    section = factories.section(home, "World")
    writer = factories.author(factories.authors_index(home), "Dana Field")
    gated_article(section, 1, authors=[writer], tags=["drones"])
    gated_article(section, 2, access="free")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, newsroom):
    case.call_and_validate(headers={"Host": "localhost"})
