"""API keys: shown once and never through a cookie, full text chosen at creation
by those allowed to grant it, revoked for good."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from masthead.api.models import ApiKey, digest, retired
from tests import factories
from tests.paywall.helpers import gated_article, secrets_in

pytestmark = pytest.mark.django_db

ADD = "/admin/snippets/api/apikey/add/"
KEY_IN_PAGE = re.compile(r'id="api-key-value"\s+value="(mh_[^"]+)"')


def edit_url(key):
    return f"/admin/snippets/api/apikey/edit/{key.pk}/"


@pytest.fixture
def locked_article(home):
    return gated_article(factories.section(home, "World"), 3, access="subscribers")


def reads_whole(article, token) -> bool | None:
    """True: whole article; False: the teaser; None: the key is refused."""
    response = Client().get(f"/api/v1/articles/{article.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    if response.status_code == 401:
        return None
    assert response.status_code == 200
    return bool(secrets_in(response.content.decode(), 3))


def signed_in(user, reauthenticated=True):
    """An admin session; one that gave its password again a moment ago, as
    making a key asks (see test_making_a_key_asks_for_the_password_again)."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    if reauthenticated:
        factories.reauthenticate(client, "pw-x-1")
    return client


@pytest.fixture
def chief(django_user_model):
    return signed_in(django_user_model.objects.create_superuser("chief", "c@x.example", "pw-x-1"))


def key_keeper(django_user_model, grant_full_text=False):
    """An admin user who may make and revoke keys, and perhaps grant full text."""
    group = Group.objects.create(name="Keys" + ("+full" if grant_full_text else ""))
    codenames = ["access_admin", "add_apikey", "change_apikey", "view_apikey"]
    codenames += ["grant_full_text"] if grant_full_text else []
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    user = django_user_model.objects.create_user(group.name, f"{group.pk}@x.example", "pw-x-1")
    user.groups.add(group)
    return signed_in(user)


def made_key(full_text=False, name="Partner app"):
    key = ApiKey(name=name, full_text=full_text)
    key.save()
    return key


# --- Shown once, in the answer to the form, never through a cookie ---------------


def test_a_new_key_is_shown_once_in_the_answer_to_the_form_that_made_it(chief, locked_article):
    response = chief.post(ADD, {"name": "Newsletter", "full_text": "on"})

    assert response.status_code == 200
    token = KEY_IN_PAGE.search(response.content.decode())[1]
    stored = ApiKey.objects.get(name="Newsletter")
    assert stored.key_digest == digest(token) and stored.full_text
    assert "Copy your key now" in response.content.decode()
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    # Not in a cookie, not in a message, not in the session.
    assert all(token not in morsel.value for morsel in response.cookies.values())
    assert all(token not in morsel.value for morsel in chief.cookies.values())
    assert all(token not in str(m) for m in get_messages(response.wsgi_request))
    assert token not in str(dict(chief.session))
    # Never again: not on the list, the key's own page, or anywhere it leads.
    for path in (ADD.replace("add/", ""), edit_url(stored), "/admin/"):
        assert token not in chief.get(path).content.decode()
    assert reads_whole(locked_article, token) is True


def test_an_invalid_form_makes_no_key_and_shows_none(chief):
    response = chief.post(ADD, {"name": ""})
    assert response.status_code == 200 and not ApiKey.objects.exists()
    assert not KEY_IN_PAGE.search(response.content.decode())


def test_the_chooser_makes_no_keys(chief):
    for method in (chief.get, chief.post):
        response = method("/admin/snippets/choose/api/apikey/create/", {"name": "Sneaky"})
        assert response.status_code == 404
    assert not ApiKey.objects.exists()


# --- Full text: at creation, with its own permission -----------------------------


def test_the_permission_exists_for_groups_to_be_given():
    permission = Permission.objects.get(codename="grant_full_text", content_type__app_label="api")
    assert "whole articles" in permission.name


def test_without_the_permission_the_creation_form_has_no_full_text(
    django_user_model, locked_article
):
    keeper = key_keeper(django_user_model)
    form = keeper.get(ADD).content.decode()
    assert 'name="name"' in form and 'name="full_text"' not in form

    response = keeper.post(ADD, {"name": "Sneaky", "full_text": "on"})

    token = KEY_IN_PAGE.search(response.content.decode())[1]
    assert ApiKey.objects.get(name="Sneaky").full_text is False
    assert reads_whole(locked_article, token) is False


def test_with_the_permission_a_full_text_key_can_be_made(django_user_model, locked_article):
    keeper = key_keeper(django_user_model, grant_full_text=True)
    assert 'name="full_text"' in keeper.get(ADD).content.decode()

    response = keeper.post(ADD, {"name": "Partner", "full_text": "on"})

    token = KEY_IN_PAGE.search(response.content.decode())[1]
    assert reads_whole(locked_article, token) is True


@pytest.mark.parametrize("made_full_text", [False, True])
def test_full_text_cannot_be_changed_once_the_key_is_made(chief, locked_article, made_full_text):
    key = made_key(full_text=made_full_text)
    form = chief.get(edit_url(key)).content.decode()
    assert re.search(r'<input[^>]*name="full_text"[^>]*disabled', form)

    changed = {"name": "Renamed"} | ({} if made_full_text else {"full_text": "on"})
    response = chief.post(edit_url(key), changed)

    assert response.status_code == 302  # saved: the name, and only the name
    key.refresh_from_db()
    assert (key.name, key.full_text) == ("Renamed", made_full_text)
    assert reads_whole(locked_article, key.new_key) is made_full_text


def test_the_model_refuses_to_upgrade_or_downgrade_a_key():
    for full_text in (False, True):
        key = made_key(full_text=full_text)
        key.full_text = not full_text
        with pytest.raises(ValidationError, match="chosen when it is made"):
            key.save()
        with pytest.raises(ValidationError, match="chosen when it is made"):
            key.full_clean()
        key.refresh_from_db()
        assert key.full_text is full_text


# --- Revoked for good ------------------------------------------------------------


def test_making_a_key_asks_for_the_password_again(django_user_model):
    user = django_user_model.objects.create_superuser("fresh", "f@x.example", "pw-x-1")
    client = signed_in(user, reauthenticated=False)
    response = client.post(ADD, {"name": "Stolen session"})
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert not ApiKey.objects.exists()
    # Given the password, the form that was waiting makes its key.
    made = client.post(
        "/accounts/reauthenticate/?next=" + ADD, {"password": "pw-x-1"}, follow=False
    )
    assert made.status_code == 200 and ApiKey.objects.filter(name="Stolen session").exists()


def test_the_creation_form_has_no_revoked_box(chief):
    assert 'name="revoked"' not in chief.get(ADD).content.decode()


def test_a_key_revoked_in_the_admin_stays_revoked(chief, locked_article):
    key = made_key(full_text=True)
    token = key.new_key
    assert reads_whole(locked_article, token) is True

    assert chief.post(edit_url(key), {"name": key.name, "revoked": "on"}).status_code == 302
    assert reads_whole(locked_article, token) is None

    unticked = chief.post(edit_url(key), {"name": key.name})

    assert unticked.status_code == 200
    assert "A revoked key stays revoked" in unticked.content.decode()
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    assert reads_whole(locked_article, token) is None


def test_the_model_refuses_to_unrevoke_a_key(locked_article):
    key = made_key(full_text=True)
    token = key.new_key
    key.revoke()
    revoked_at = key.revoked_at

    key.revoked = False
    with pytest.raises(ValidationError, match="stays revoked"):
        key.save()
    key.refresh_from_db()
    assert key.revoked and key.revoked_at == revoked_at
    # A stale copy saved later changes nothing either.
    stale = ApiKey.objects.get(pk=key.pk)
    stale.revoked = True
    stale.name = "Still revoked"
    stale.save()
    stale.refresh_from_db()
    assert stale.revoked_at == revoked_at and stale.key_digest == key.key_digest
    assert ApiKey.find(token) is None and reads_whole(locked_article, token) is None


def test_not_even_the_database_can_bring_a_revoked_key_back(locked_article):
    key = made_key(full_text=True)
    token = key.new_key
    key.revoke()

    ApiKey.objects.filter(pk=key.pk).update(revoked=False, revoked_at=None)

    assert ApiKey.find(token) is None and reads_whole(locked_article, token) is None


def test_the_database_refuses_half_a_revocation():
    key = made_key()
    for half in ({"revoked": True}, {"revoked_at": timezone.now()}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiKey.objects.filter(pk=key.pk).update(**half)


def test_the_migration_retires_keys_revoked_before_it(locked_article):
    migration = import_module("masthead.api.migrations.0003_keys_revoked_for_good")
    old, live = made_key(name="old", full_text=True), made_key(name="live")
    # As an older Masthead left a revoked key: with the digest that matches it.
    ApiKey.objects.filter(pk=old.pk).update(revoked=True, revoked_at=timezone.now())
    assert ApiKey.find(old.new_key) is None  # refused already, while it stays revoked

    migration.retire_revoked_keys(apps, None)

    old.refresh_from_db()
    assert old.revoked and old.key_digest == retired(digest(old.new_key))
    ApiKey.objects.filter(pk=old.pk).update(revoked=False, revoked_at=None)
    assert ApiKey.find(old.new_key) is None and reads_whole(locked_article, old.new_key) is None
    assert ApiKey.find(live.new_key) == live
