"""The signed-in reader's account, read by a compiled statement and kept per
worker under the account's standing version, is the account the ORM gives:
every field, converted the same way, a fresh instance for each caller, read
afresh after any change through the models or the admin's bulk actions, and
no account at all for an id that is not one or an account that may not sign in."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead import localcache
from masthead.members import standing
from masthead.members.backends import AuthenticationBackend, account, kept_account
from tests import factories

pytestmark = pytest.mark.django_db


def fields(user) -> dict:
    return {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields}


def test_the_account_is_the_one_the_orm_reads_field_for_field():
    user = factories.reader("fields@example.com")
    User = get_user_model()
    User.objects.filter(pk=user.pk).update(
        last_login=timezone.now() - timedelta(days=3),
        first_name="Émile",
        is_staff=True,
    )

    read = account(user.pk)

    expected = User.objects.get(pk=user.pk)
    assert type(read) is User
    assert fields(read) == fields(expected)
    assert read._state.adding is False and read._state.db == expected._state.db
    # Typed as the ORM types them (SQLite hands back text and integers).
    assert read.last_login == expected.last_login and read.last_login.tzinfo is not None
    assert read.is_staff is True


@pytest.mark.parametrize(
    "user_id", ["", "x", "1; DROP TABLE auth_user", "99999999999999999999", None]
)
def test_an_id_that_is_no_account_gives_none(user_id):
    factories.reader("someone@example.com")

    assert account(user_id) is None
    assert AuthenticationBackend().get_user(user_id) is None


def test_a_missing_or_deactivated_account_is_no_signed_in_reader():
    user = factories.reader("leaving@example.com")
    backend = AuthenticationBackend()
    assert backend.get_user(str(user.pk)).pk == user.pk  # sessions hold the id as text

    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None

    user.delete()
    assert backend.get_user(user.pk) is None


def test_the_kept_account_is_the_orms_and_each_caller_gets_its_own():
    user = factories.reader("kept@example.com")
    first, second = kept_account(user.pk), kept_account(str(user.pk))

    assert first is not second
    assert fields(first) == fields(second) == fields(get_user_model().objects.get(pk=user.pk))
    first.first_name = "Changed in one request"
    assert kept_account(user.pk).first_name == ""


def test_an_account_saved_is_read_afresh_by_the_next_request():
    user = factories.reader("renamed@example.com")
    assert kept_account(user.pk).first_name == ""

    user.first_name = "Renée"
    user.save()
    assert kept_account(user.pk).first_name == "Renée"

    user.set_password("another-long-password")
    user.save()
    assert kept_account(user.pk).password == user.password


def test_an_update_behind_the_models_backs_shows_within_the_longest_keep(monkeypatch):
    user = factories.reader("behind@example.com")
    assert kept_account(user.pk).is_active
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)

    later = time.monotonic() + standing.LONGEST.total_seconds() + 1
    monkeypatch.setattr(localcache.time, "monotonic", lambda: later)
    assert kept_account(user.pk).is_active is False
    assert AuthenticationBackend().get_user(user.pk) is None


def test_a_deactivation_from_the_users_bulk_action_ends_the_session_on_the_next_request(home):
    user = factories.reader("bulk@example.com")
    client = Client()
    client.force_login(user)
    assert client.get("/account/").status_code == 200  # the account is kept from here on

    editor = Client()
    editor.force_login(get_user_model().objects.create_superuser("ed", "ed@example.com", "pw"))
    response = editor.post(
        f"/admin/bulk/auth/user/set_active_state/?id={user.pk}", {"mark_as_active": "False"}
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(pk=user.pk).is_active is False

    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
