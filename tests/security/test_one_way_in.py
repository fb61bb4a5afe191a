"""One way in: every login, for readers and editors, goes through allauth.

allauth holds the rules a login must pass — an address proven by an emailed
code, rate limits on failures, codes and resets. A second form that takes a
password would skip them, so none may exist: the walk below asks every route
the resolver knows, as a stranger, a reader and an administrator, and fails on
any page outside allauth's that holds a password field.
"""

import re

import pytest
from django.test import Client
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from tests import factories
from tests.security.routes import Samples, addresses, without_language

pytestmark = pytest.mark.django_db

PASSWORD_FIELD = re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE)
ALLAUTH = "/accounts/"


@pytest.fixture
def site_with_content(home):
    section = factories.section(home, "World")
    index = factories.authors_index(home)
    author = factories.author(index, "Dana Field")
    article = factories.article(section, "A story", authors=[author])
    return {"section": section, "author": author, "article": article}


def clients(django_user_model):
    reader = factories.reader("reader@example.com")
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-x-12345")
    signed_in = {}
    for name, user in (("reader", reader), ("administrator", admin)):
        signed_in[name] = Client(raise_request_exception=False)
        signed_in[name].force_login(user)
    return {"stranger": Client(raise_request_exception=False), **signed_in}


@pytest.mark.exhaustive
def test_no_route_but_allauths_renders_a_password_field(site_with_content, django_user_model):
    article = site_with_content["article"]
    samples = Samples(
        by_converter={"int": [str(article.pk)], "slug": ["world"], "str": ["x"]},
        by_route={"wagtail_serve": ["/", article.url, site_with_content["author"].url]},
        most=2,
    )
    routes = addresses(samples)
    offenders = []
    for who, client in clients(django_user_model).items():
        for route, path in routes:
            if without_language(path).startswith(ALLAUTH):
                continue
            response = client.get(path, follow=True)
            landed = response.redirect_chain[-1][0] if response.redirect_chain else path
            landed = without_language(landed.split("?")[0].removeprefix("http://testserver"))
            if landed.startswith(ALLAUTH):
                continue  # sent to allauth's own page (in any language): the one way in
            body = response.content.decode(errors="replace")
            if PASSWORD_FIELD.search(body):
                offenders.append(f"{who}: {route.label} {path} -> {landed}")
    assert offenders == []


def test_the_guard_sees_a_password_field():
    assert PASSWORD_FIELD.search('<input type="password" name="password">')
    assert PASSWORD_FIELD.search("<INPUT name=p TYPE=password>")
    assert not PASSWORD_FIELD.search('<input type="email" name="password_hint">')


@pytest.mark.parametrize("path", ["/_util/login/", "/django-admin/login/", "/django-admin/"])
def test_wagtails_front_end_login_and_djangos_admin_are_not_mounted(home, path):
    assert Client().get(path).status_code == 404


def test_the_admins_login_sends_editors_to_allauth_with_where_they_were_going(home):
    response = Client().get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    # A page of the admin sends there too, by way of the admin's login address.
    chain = Client().get("/admin/", follow=True).redirect_chain
    assert chain[-1][0].startswith("/accounts/login/?next=%2Fadmin%2F")


def test_the_admins_login_takes_no_passwords_and_goes_nowhere_else(home, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-x-12345")
    client = Client()
    posted = client.post("/admin/login/", {"username": "boss", "password": "pw-x-12345"})
    assert posted.status_code == 405 and "_auth_user_id" not in client.session
    away = client.get("/admin/login/?next=https://evil.example/")
    assert "evil.example" not in away["Location"]


def test_an_editor_signs_in_to_the_admin_through_allauth(home, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-x-12345")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    client = Client()
    signed = client.post(
        "/accounts/login/?next=/admin/", {"login": "ed@example.com", "password": "pw-x-12345"}
    )
    assert signed.status_code == 302 and signed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_unverified_account_gets_no_admin_session_from_its_password(home, django_user_model):
    django_user_model.objects.create_superuser("new", "new@example.com", "pw-x-12345")
    client = Client()
    client.post(
        "/accounts/login/?next=/admin/", {"login": "new@example.com", "password": "pw-x-12345"}
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_failed_admin_logins_are_throttled_like_everyone_elses(home, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-x-12345")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    client = Client()
    for _ in range(12):
        client.post("/accounts/login/", {"login": "ed@example.com", "password": "wrong"})
    blocked = client.post("/accounts/login/", {"login": "ed@example.com", "password": "pw-x-12345"})
    assert "_auth_user_id" not in client.session
    assert "too many" in blocked.content.decode().lower()


def test_a_reader_sent_to_the_admin_is_told_it_is_not_for_them(home):
    client = Client()
    client.force_login(factories.reader("someone@example.com"))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "cannot open the admin" in response.content.decode()


def test_the_admin_offers_no_password_forms_of_its_own(home, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-x-12345")
    client = Client()
    client.force_login(admin)
    for path in ("/admin/password_reset/", "/admin/account/", "/admin/users/add/"):
        response = client.get(path, follow=True)
        assert not PASSWORD_FIELD.search(response.content.decode()), path


def test_no_code_may_create_a_shared_password(site_with_content):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Shared passwords"):
        PageViewRestriction.objects.create(
            page=site_with_content["article"], restriction_type="password", password="x"
        )
    collection = Collection.get_first_root_node().add_child(name="Private")
    with pytest.raises(ValidationError, match="Shared passwords"):
        CollectionViewRestriction.objects.create(
            collection=collection, restriction_type="password", password="x"
        )


def test_shared_passwords_are_closed_by_the_migration(site_with_content):
    """The migration turns an existing shared-password restriction into one
    that admits administrators only: never more readers than before."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("masthead.newsroom.migrations.0007_no_shared_password_restrictions")
    page_rule = PageViewRestriction.objects.create(
        page=site_with_content["article"], restriction_type="login"
    )
    collection = Collection.get_first_root_node().add_child(name="Private")
    collection_rule = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="login"
    )
    # As an older Masthead could have left them (saving one is refused now).
    PageViewRestriction.objects.filter(pk=page_rule.pk).update(
        restriction_type="password", password="letmein"
    )
    CollectionViewRestriction.objects.filter(pk=collection_rule.pk).update(
        restriction_type="password", password="letmein"
    )

    migration.close_shared_passwords(apps, None)

    for rule in (page_rule, collection_rule):
        rule.refresh_from_db()
        assert (rule.restriction_type, rule.password) == ("groups", "")
        assert not rule.groups.exists()
    response = Client().get(site_with_content["article"].url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
