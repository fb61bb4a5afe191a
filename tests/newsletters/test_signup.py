"""Joining newsletters: at once for a verified account, by a confirmed link
for an address, the same answer for every address, and nothing joined by
link scanners, forged links or lists the reader may not receive."""

import re

import pytest
from django.core import mail, signing
from django.test import Client

from masthead.members.models import ComplimentaryAccess
from masthead.newsletters import signup
from masthead.newsletters.models import Newsletter, Recipient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists():
    factories.site()
    return {
        "daily": Newsletter.objects.create(name="Daily", slug="daily", sender_name="Desk"),
        "members": Newsletter.objects.create(
            name="Members' notes", slug="members", sender_name="Desk", audience="registered"
        ),
        "inner": Newsletter.objects.create(
            name="Inner circle", slug="inner", sender_name="Desk", audience="subscribers"
        ),
    }


def confirmation_link():
    [message] = mail.outbox
    return re.search(r"https?://\S+/newsletters/confirm/\S+/", message.body).group(0)


def test_an_address_is_confirmed_before_anything_is_sent(lists):
    client = Client()
    page = client.get("/newsletters/")
    assert "Daily" in page.text and "Members" not in page.text and "Inner" not in page.text
    answer = client.post(
        "/newsletters/", {"email": "New@Example.com", "newsletters": [lists["daily"].pk]}
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    recipient = Recipient.objects.get()
    assert (recipient.email, recipient.status) == ("new@example.com", Recipient.PENDING)
    link = confirmation_link()
    path = link.split("://", 1)[1].split("/", 1)[1]
    looked = client.get("/" + path)  # a mail scanner's visit joins nothing
    assert looked.status_code == 200
    recipient.refresh_from_db()
    assert recipient.status == Recipient.PENDING
    done = client.post("/" + path)
    assert done.status_code == 200 and "Confirmed" in done.text
    recipient.refresh_from_db()
    assert recipient.status == Recipient.ACTIVE and recipient.confirmed_at


def test_the_answer_is_the_same_for_every_address_and_mail_goes_once_an_hour(lists):
    Recipient.objects.create(
        newsletter=lists["daily"], email="bounced@example.com", status="suppressed"
    )
    Recipient.objects.create(newsletter=lists["daily"], email="reader@example.com", status="active")
    client = Client()
    answers = set()
    for email in (
        "bounced@example.com",
        "reader@example.com",
        "fresh@example.com",
        "fresh@example.com",
    ):
        response = client.post(
            "/newsletters/", {"email": email, "newsletters": [lists["daily"].pk]}
        )
        answers.add((response.status_code, "Check your inbox" in response.text))
    assert answers == {(200, True)}
    # One confirmation to the fresh address (not twice within the hour); none
    # to the reader already receiving it, none to the suppressed address.
    assert sorted(m.to[0] for m in mail.outbox) == ["fresh@example.com"]
    assert Recipient.objects.get(email="bounced@example.com").status == "suppressed"


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not an address", "newsletters": ["1"]},
        {"email": "a@example.com"},
        {"email": "a@example.com", "newsletters": ["999999"]},
        {"email": "a@example.com", "newsletters": ["abc"]},
        {"email": "a@example.com\r\nBcc: b@example.com", "newsletters": ["1"]},
    ],
)
def test_a_form_it_cannot_use_is_a_400_and_joins_nothing(lists, data):
    response = Client().post("/newsletters/", data)
    assert response.status_code == 400
    assert not Recipient.objects.exists() and mail.outbox == []


def test_a_list_for_accounts_cannot_be_joined_by_address(lists):
    response = Client().post(
        "/newsletters/", {"email": "a@example.com", "newsletters": [lists["inner"].pk]}
    )
    assert response.status_code == 400 and not Recipient.objects.exists()


def test_a_verified_reader_joins_at_once_and_only_what_they_may_receive(lists):
    reader = factories.reader("reader@example.com")
    client = Client()
    client.force_login(reader)
    page = client.get("/newsletters/")
    assert "Members" in page.text and "Inner" not in page.text and 'name="email"' not in page.text
    client.post("/newsletters/", {"newsletters": [lists["daily"].pk, lists["members"].pk]})
    assert sorted(
        Recipient.objects.filter(status="active").values_list("newsletter__slug", flat=True)
    ) == ["daily", "members"]
    assert client.post("/newsletters/", {"newsletters": [lists["inner"].pk]}).status_code == 400
    paying = factories.reader("paid@example.com")
    ComplimentaryAccess.objects.create(user=paying, reason="test")
    client.force_login(paying)
    client.post("/newsletters/", {"newsletters": [lists["inner"].pk]})
    assert Recipient.objects.get(newsletter=lists["inner"]).email == "paid@example.com"
    unverified = factories.reader("new@example.com", verified=False)
    client.force_login(unverified)
    answer = client.post("/newsletters/", {"newsletters": [lists["daily"].pk]})
    assert "Confirm your account" in answer.text
    assert not Recipient.objects.filter(email="new@example.com").exists()


CONFIRMS = {
    "junk": lambda: "junk",
    "other-salt": lambda: signing.dumps({"email": "x@example.com", "lists": [1]}, salt="other"),
    "not-a-dict": lambda: signing.dumps("x@example.com", salt=signup.CONFIRM_SALT),
    "bad-lists": lambda: signing.dumps(
        {"email": "x@example.com", "lists": "1"}, salt=signup.CONFIRM_SALT
    ),
}


@pytest.mark.parametrize("kind", list(CONFIRMS))
def test_a_forged_confirmation_joins_nothing(lists, kind):
    Recipient.objects.create(newsletter=lists["daily"], email="x@example.com")
    response = Client().post(f"/newsletters/confirm/{CONFIRMS[kind]()}/")
    assert response.status_code in (200, 404)
    assert Recipient.objects.get().status == Recipient.PENDING


def test_no_address_can_be_mailed_more_than_once_an_hour_whatever_its_state(lists):
    Recipient.objects.create(
        newsletter=lists["daily"], email="left@example.com", status="unsubscribed"
    )
    client = Client()
    for _ in range(3):
        client.post(
            "/newsletters/", {"email": "left@example.com", "newsletters": [lists["daily"].pk]}
        )
    assert [m.to for m in mail.outbox] == [["left@example.com"]]
    assert Recipient.objects.get().status == "unsubscribed"  # until the link is used


def test_a_confirmation_link_works_once_and_never_undoes_a_later_unsubscribe(lists):
    client = Client()
    client.post("/newsletters/", {"email": "a@example.com", "newsletters": [lists["daily"].pk]})
    path = "/" + confirmation_link().split("://", 1)[1].split("/", 1)[1]
    assert "Confirmed" in client.post(path).text
    recipient = Recipient.objects.get()
    recipient.status = Recipient.UNSUBSCRIBED
    recipient.save()
    replayed = client.post(path)
    assert "nothing left to confirm" in replayed.text
    recipient.refresh_from_db()
    assert recipient.status == Recipient.UNSUBSCRIBED


def test_an_address_too_long_for_any_mailbox_is_a_400(lists):
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".com"
    response = Client().post("/newsletters/", {"email": email, "newsletters": [lists["daily"].pk]})
    assert response.status_code == 400 and not Recipient.objects.exists()


def test_an_address_at_a_bare_ip_address_is_refused(lists):
    response = Client().post(
        "/newsletters/", {"email": "x@[127.0.0.1]", "newsletters": [lists["daily"].pk]}
    )
    assert response.status_code == 400 and "mail domain" in response.text
    assert not Recipient.objects.exists()
