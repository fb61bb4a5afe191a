"""Reader accounts (django-allauth as configured here): verified sign-up, login by
emailed code, password reset, rate limits, and `next` that stays on this site."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def signup(client, email="fresh@example.com", next_url=""):
    return client.post(
        "/accounts/signup/" + (f"?next={next_url}" if next_url else ""),
        {"email": email, "password1": "a sturdy passphrase", "password2": "a sturdy passphrase"},
    )


def test_sign_up_needs_the_emailed_code_before_the_reader_is_signed_in():
    client = Client()
    response = signup(client, next_url="/subscribe/?trial=1")
    assert response.status_code == 302
    assert "confirm-email" in response["Location"] or "verify" in response["Location"]
    assert "_auth_user_id" not in client.session
    [email] = mail.outbox
    code = CODE.search(email.body).group(1)

    wrong = client.post(response["Location"], {"code": "AAAA-AAAA"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    right = client.post(response["Location"], {"code": code})
    assert right.status_code == 302 and right["Location"] == "/subscribe/?trial=1"
    assert "_auth_user_id" in client.session
    assert EmailAddress.objects.get(email="fresh@example.com").verified


def test_an_unverified_reader_cannot_sign_in_with_the_password_alone():
    factories.reader("unverified@example.com", verified=False)
    client = Client()
    client.post(
        "/accounts/login/",
        {"login": "unverified@example.com", "password": "a-long-test-password"},
    )
    assert "_auth_user_id" not in client.session
    assert any(CODE.search(m.body) for m in mail.outbox)


def test_login_by_emailed_code_returns_to_the_article():
    factories.reader("coder@example.com")
    client = Client()
    response = client.post(
        "/accounts/login/code/?next=/world/a-story/", {"email": "coder@example.com"}
    )
    assert response.status_code == 302
    code = CODE.search(mail.outbox[-1].body).group(1)
    confirmed = client.post(response["Location"], {"code": code})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/world/a-story/"
    assert "_auth_user_id" in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password():
    user = factories.reader("forgetful@example.com")
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = client.get(link.group(1), follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link.group(1)
    done = client.post(
        action, {"password1": "brand new words 42", "password2": "brand new words 42"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand new words 42")


def test_failed_logins_are_rate_limited():
    factories.reader("target@example.com")
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "target@example.com", "password": "wrong"})
    blocked = client.post(
        "/accounts/login/", {"login": "target@example.com", "password": "a-long-test-password"}
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (200, 429)
    assert "too many" in blocked.text.lower()


def test_next_to_another_site_is_ignored_after_login():
    factories.reader("careful@example.com")
    client = Client()
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"login": "careful@example.com", "password": "a-long-test-password"},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]
