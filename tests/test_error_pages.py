import pytest
from django.db import IntegrityError, OperationalError
from django.test import Client, override_settings
from django.urls import path

from masthead import urls as project_urls


def explode(request):
    raise RuntimeError("boom")


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def integrity_bug(request):
    raise IntegrityError("duplicate key")


urlpatterns = [
    path("explode/", explode),
    path("database-gone/", database_gone),
    path("integrity-bug/", integrity_bug),
    *project_urls.urlpatterns,
]
handler500 = project_urls.handler500


@pytest.mark.django_db
def test_missing_page_gets_the_friendly_404(client, home):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.text
    assert "The Test Gazette" in response.text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_server_error_gets_the_friendly_500_without_details(home):
    client = Client(raise_request_exception=False)

    response = client.get("/explode/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "boom" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_database_outage_gets_a_503_that_says_come_back_soon(home):
    client = Client(raise_request_exception=False)

    response = client.get("/database-gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "back in a moment" in response.text
    assert "Connection refused" not in response.text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_database_bug_is_still_a_500(home):
    client = Client(raise_request_exception=False)

    assert client.get("/integrity-bug/").status_code == 500
