"""Every public response forbids inline scripts; only the editor is allowed them."""

import ipaddress

import pytest

from tests import factories
from tests.paywall.helpers import gated_article

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}


def test_article_pages_and_the_cached_path_forbid_inline_script(client, home):
    article = gated_article(factories.section(home, "World"), 1)
    for _ in range(2):  # rendered, then from the cached shell
        policy = directives(client.get(article.url))
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]


def test_only_the_admin_gets_the_editors_allowances(client, home, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-for-tests-1")
    client.force_login(editor)
    admin = directives(client.get("/admin/"))
    assert "'unsafe-inline'" in admin["script-src"] and "blob:" in admin["img-src"]
    public = directives(client.get("/"))
    assert "'unsafe-inline'" not in public["script-src"]


def test_each_kept_policy_is_the_one_django_csp_builds_and_follows_the_settings(
    client, home, django_user_model, settings
):
    from dataclasses import asdict

    from csp.utils import build_policy
    from django.http import HttpResponse
    from django.test import RequestFactory

    from masthead.security import SiteCSPMiddleware

    middleware = SiteCSPMiddleware(lambda request: HttpResponse())
    for path in ("/", "/admin/"):
        request = RequestFactory().get(path)
        expected = build_policy(**asdict(middleware.get_policy_parts(request, HttpResponse())))
        for _ in range(2):  # built, then kept
            assert middleware(RequestFactory().get(path))["Content-Security-Policy"] == expected

    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}
    }
    assert directives(client.get("/"))["img-src"] == ["'self'"]


@pytest.mark.parametrize(
    "path",
    ["/account/", "/accounts/email/", "/accounts/password/change/", "/subscribe/", "/"],
)
def test_pages_made_for_a_signed_in_reader_are_private_and_not_stored(client, home, path):
    client.force_login(factories.reader("private@example.com"))
    response = client.get(path)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/subscribe/"])
def test_account_forms_are_never_stored_even_for_strangers(client, home, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]


def test_a_front_for_readers_without_a_session_stays_shareable(client, home):
    assert "Cache-Control" not in client.get("/")


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,x", "//evil.example/", "ftp://x", " /x"]
)
def test_publication_links_are_only_web_addresses_or_site_paths(home, link):
    from django.core.exceptions import ValidationError

    from masthead.newsroom.models import PublicationSettings

    settings = PublicationSettings.for_site(home.get_site())
    settings.subscribe_url = link
    with pytest.raises(ValidationError):
        settings.full_clean()
    # A bad value already stored is never rendered as a link.
    assert settings.subscribe_href == "/subscribe/"
    settings.subscribe_url = "https://shop.example/join"
    settings.full_clean()
    assert settings.subscribe_href == "https://shop.example/join"


@pytest.mark.parametrize(
    "remote, secure", [("10.0.0.1", True), ("203.0.113.9", False), ("127.0.0.1", False)]
)
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(rf, settings, remote, secure):
    """Found by a read of the docs against the code: with TRUSTED_PROXIES set,
    Django believed X-Forwarded-Proto from any client."""
    from masthead.security import ForwardedProtoFromProxiesOnly

    settings.MASTHEAD_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.1/32")]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    ForwardedProtoFromProxiesOnly(lambda r: None)(request)
    assert request.is_secure() is secure
