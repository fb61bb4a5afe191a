import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from masthead import urls as project_urls


def explode(request):
    raise RuntimeError("boom")


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def integrity_bug(request):
    raise IntegrityError("duplicate key")


def look_up_as_given(request, pk):
    """As Wagtail's admin choosers do: the URL's value straight into a lookup."""
    from masthead.members.models import Plan

    Plan.objects.filter(pk=pk).first()
    return HttpResponse("found nothing")


def a_plain_bug(request):
    int("not a number")  # a ValueError in our own code, not a field's


urlpatterns = [
    path("explode/", explode),
    path("database-gone/", database_gone),
    path("integrity-bug/", integrity_bug),
    path("look-up/<str:pk>/", look_up_as_given),
    path("plain-bug/", a_plain_bug),
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


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("pk", ["world", "1.5", "1e3"])
def test_a_value_the_database_cannot_read_is_a_404(home, pk):
    client = Client(raise_request_exception=False)

    response = client.get(f"/look-up/{pk}/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.text
    assert client.get("/look-up/7/").status_code == 200


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_value_error_of_our_own_is_still_a_500(home):
    client = Client(raise_request_exception=False)

    assert client.get("/plain-bug/").status_code == 500
