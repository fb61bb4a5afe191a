"""/healthz answers 200 when the database (and Redis, when configured) answer, 503 when not."""

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_healthy_without_redis(client, settings):
    settings.MASTHEAD_METER_REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_redis_down_is_a_503_naming_it_but_not_its_address(client, settings, caplog):
    settings.MASTHEAD_METER_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body == {
        **body,
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }
    assert "127.0.0.1" not in response.text and ":1" not in response.text
    # The operator finds the reason in the log.
    assert any(
        "ConnectionError" in r.getMessage() for r in caplog.records if r.name == "masthead.health"
    )


@pytest.mark.django_db
def test_redis_up_is_checked(client, settings, redis_url):
    settings.MASTHEAD_METER_REDIS_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_database_down_is_a_503(client, settings, monkeypatch):
    settings.MASTHEAD_METER_REDIS_URL = None

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert "server closed" not in response.text


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405
