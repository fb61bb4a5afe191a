"""The signed-in reader's account, read by the backend's compiled statement, is
the account the ORM gives: every field, converted the same way, and no
account at all for an id that is not one or an account that may not sign in."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.members.backends import AuthenticationBackend, account
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

    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None

    get_user_model().objects.filter(pk=user.pk).delete()
    assert backend.get_user(user.pk) is None


def test_a_deactivation_without_signals_ends_the_session_on_the_next_request(home):
    user = factories.reader("bulk@example.com")
    client = Client()
    client.force_login(user)
    assert client.get("/account/").status_code == 200

    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # as a bulk action does

    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
