import pytest
from django.test import Client, override_settings
from django.urls import path

from masthead import urls as project_urls


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [path("explode/", explode), *project_urls.urlpatterns]


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
