"""Sending an issue: the list it goes to, the wall in each message, the
headers mail providers require, and no message sent twice whatever stops."""

import smtplib

import pytest
from django.core import mail, signing
from django.test import Client

from masthead.members.models import ComplimentaryAccess
from masthead.newsletters import sending, tasks
from masthead.newsletters.models import (
    Batch,
    Delivery,
    Issue,
    Newsletter,
    Recipient,
    Send,
)
from tests import factories
from tests.paywall.helpers import secrets_in

pytestmark = pytest.mark.django_db
BASE = "https://news.example"


def on_list(issue, email, user=None, status=Recipient.ACTIVE):
    return Recipient.objects.create(
        newsletter=issue.newsletter, email=email, user=user, status=status
    )


def subscriber(email):
    user = factories.reader(email)
    ComplimentaryAccess.objects.create(user=user, reason="test")
    return user


def send_all(send):
    for batch in send.batches.order_by("number"):
        sending.send_batch(batch.pk, base_url=BASE)


def test_each_recipient_gets_one_message_with_their_audience_s_text_and_unsubscribe_headers(issue):
    on_list(issue, "free@example.com")
    on_list(issue, "paid@example.com", user=subscriber("paid@example.com"))
    on_list(issue, "gone@example.com", status=Recipient.UNSUBSCRIBED)
    on_list(issue, "bounced@example.com", status=Recipient.SUPPRESSED)
    on_list(issue, "waiting@example.com", status=Recipient.PENDING)
    send = sending.start(issue)
    assert send.total == 2
    send_all(send)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"free@example.com", "paid@example.com"}
    free, paid = by_address["free@example.com"], by_address["paid@example.com"]
    assert secrets_in(free.body, 1) == [] and secrets_in(free.alternatives[0][0], 1) == []
    assert len(secrets_in(paid.body, 1)) == 3 and len(secrets_in(paid.alternatives[0][0], 1)) == 3
    for message in (free, paid):
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith(BASE + "/newsletters/unsubscribe/")
        assert unsubscribe in message.body
    send.refresh_from_db()
    assert send.status == Send.DONE
    assert sending.progress(send)["sent"] == 2 and sending.progress(send)["remaining"] == 0


def test_a_list_for_subscribers_or_accounts_skips_who_may_not_receive_it(issue):
    issue.newsletter.audience = Newsletter.SUBSCRIBERS
    issue.newsletter.save()
    on_list(issue, "free@example.com")
    on_list(issue, "registered@example.com", user=factories.reader("registered@example.com"))
    on_list(issue, "paid@example.com", user=subscriber("paid@example.com"))
    assert [d.email for d in sending.start(issue).deliveries.all()] == ["paid@example.com"]
    issue.newsletter.audience = Newsletter.REGISTERED
    issue.newsletter.save()
    emails = sorted(d.email for d in sending.start(issue).deliveries.all())
    assert emails == ["paid@example.com", "registered@example.com"]


def test_a_test_send_goes_to_one_address_in_both_versions(issue):
    on_list(issue, "free@example.com")
    send_all(sending.start(issue, test_to="editor@example.com"))
    assert [m.to for m in mail.outbox] == [["editor@example.com"], ["editor@example.com"]]
    assert sorted(m.subject for m in mail.outbox) == [
        "[Test, free version] Tuesday",
        "[Test, full version] Tuesday",
    ]


def test_a_batch_is_sent_by_one_worker_only(issue):
    on_list(issue, "free@example.com")
    send = sending.start(issue)
    batch = send.batches.get()
    assert sending.claim(batch.pk) is not None
    assert sending.claim(batch.pk) is None  # taken
    assert sending.send_batch(batch.pk, base_url=BASE) == {}
    assert mail.outbox == []


def test_a_refusal_fails_one_message_and_no_answer_leaves_it_unknown(issue, monkeypatch):
    for n in range(3):
        on_list(issue, f"r{n}@example.com")
    send = sending.start(issue)
    outcomes = iter(
        [
            smtplib.SMTPRecipientsRefused({"r0@example.com": (550, b"no such user")}),
            TimeoutError("timed out"),
            None,
        ]
    )

    def fake_send(message, fail_silently=False):
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", fake_send)
    send_all(send)
    statuses = dict(send.deliveries.values_list("email", "status"))
    assert statuses == {
        "r0@example.com": Delivery.FAILED,
        "r1@example.com": Delivery.UNKNOWN,
        "r2@example.com": Delivery.SENT,
    }


def test_a_worker_that_dies_mid_batch_leaves_unknown_never_a_second_message(issue):
    for n in range(5):
        on_list(issue, f"r{n}@example.com")
    send = sending.start(issue)
    batch = send.batches.get()
    # A worker claimed the batch, sent two messages, was writing the third, and died.
    claimed = sending.claim(batch.pk)
    first = list(batch.deliveries.order_by("pk"))
    Delivery.objects.filter(pk__in=[d.pk for d in first[:2]]).update(status=Delivery.SENT)
    Delivery.objects.filter(pk=first[2].pk).update(status=Delivery.SENDING)
    assert sending.reconcile() == []  # not yet stale: its worker may still be at it
    Batch.objects.filter(pk=batch.pk).update(claimed_at=claimed.claimed_at - sending.STALE * 2)
    assert sending.reconcile() == [batch.pk]
    sending.send_batch(batch.pk, base_url=BASE)
    assert sorted(m.to[0] for m in mail.outbox) == ["r3@example.com", "r4@example.com"]
    statuses = [d.status for d in batch.deliveries.order_by("pk")]
    assert statuses == ["sent", "sent", "unknown", "sent", "sent"]
    send.refresh_from_db()
    assert send.status == Send.DONE
    assert sending.reconcile() == []


def recipient_link(recipient, salt=sending.UNSUBSCRIBE_SALT, value=None):
    return signing.dumps(recipient.pk if value is None else value, salt=salt)


def test_one_click_unsubscribes_without_a_login_or_a_csrf_token(issue):
    recipient = on_list(issue, "free@example.com")
    token = recipient_link(recipient)
    client = Client(enforce_csrf_checks=True)
    looked = client.get(f"/newsletters/unsubscribe/{token}/")
    assert looked.status_code == 200 and "Unsubscribe" in looked.text
    recipient.refresh_from_db()
    assert recipient.status == Recipient.ACTIVE  # a link scanner's GET changes nothing
    clicked = client.post(
        f"/newsletters/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert clicked.status_code == 200
    assert "no-store" in clicked["Cache-Control"]
    recipient.refresh_from_db()
    assert recipient.status == Recipient.UNSUBSCRIBED


# Made in the test: a signed value carries its time, and test ids must not.
TAMPERED = {
    "nonsense": lambda recipient: "nonsense",
    "another-salt": lambda recipient: signing.dumps(recipient.pk, salt="another.salt"),
    "an-address-not-an-id": lambda recipient: signing.dumps(
        recipient.email, salt=sending.UNSUBSCRIBE_SALT
    ),
    "changed": lambda recipient: (
        signing.dumps(recipient.pk, salt=sending.UNSUBSCRIBE_SALT)[:-2] + "xx"
    ),
    "nul": lambda recipient: "%00",
}


@pytest.mark.parametrize("kind", list(TAMPERED))
def test_a_tampered_unsubscribe_link_changes_nothing(issue, kind):
    recipient = on_list(issue, "free@example.com")
    token = TAMPERED[kind](recipient)
    response = Client().post(f"/newsletters/unsubscribe/{token}/")
    assert response.status_code == 404
    recipient.refresh_from_db()
    assert recipient.status == Recipient.ACTIVE


def test_the_preferences_page_turns_lists_on_and_off(issue):
    other = Newsletter.objects.create(name="Weekly", slug="weekly", sender_name="Desk")
    on_list(issue, "free@example.com")
    Recipient.objects.create(
        newsletter=other, email="free@example.com", status=Recipient.UNSUBSCRIBED
    )
    Newsletter.objects.create(name="Never joined", slug="never", sender_name="Desk")
    token = signing.dumps("free@example.com", salt=sending.PREFERENCES_SALT)
    client = Client()
    page = client.get(f"/newsletters/preferences/{token}/")
    assert page.status_code == 200
    assert "The Briefing" in page.text and "Weekly" in page.text and "Never joined" not in page.text
    saved = client.post(f"/newsletters/preferences/{token}/", {"newsletters": [other.pk]})
    assert saved.status_code == 200
    statuses = dict(Recipient.objects.values_list("newsletter__slug", "status"))
    assert statuses == {"briefing": "unsubscribed", "weekly": "active"}
    never = Newsletter.objects.get(slug="never")
    refused = client.post(f"/newsletters/preferences/{token}/", {"newsletters": [never.pk]})
    assert refused.status_code == 400
    assert not Recipient.objects.filter(newsletter=never).exists()
    forged = signing.dumps("free@example.com", salt=sending.UNSUBSCRIBE_SALT)
    assert client.get(f"/newsletters/preferences/{forged}/").status_code == 404


def test_starting_a_send_queues_its_batches_in_the_background(
    issue, django_capture_on_commit_callbacks
):
    for n in range(sending.BATCH_SIZE + 1):
        on_list(issue, f"r{n}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        send = tasks.begin(issue)
    assert send.batches.count() == 2
    assert len(mail.outbox) == sending.BATCH_SIZE + 1
    send.refresh_from_db()
    assert send.status == Send.DONE


def test_an_issue_that_cannot_be_mailed_fails_its_messages_and_the_send_ends(issue):
    on_list(issue, "a@example.com")
    on_list(issue, "b@example.com")
    Issue.objects.filter(pk=issue.pk).update(subject="Line one\nBcc: someone@example.com")
    issue.refresh_from_db()
    send = sending.start(issue)
    send_all(send)
    assert mail.outbox == []
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.FAILED}
    send.refresh_from_db()
    assert send.status == Send.DONE


def test_an_editor_cannot_save_a_subject_of_two_lines(issue):
    from django.core.exceptions import ValidationError

    issue.subject = "One\rTwo"
    with pytest.raises(ValidationError):
        issue.full_clean()


def test_who_leaves_the_list_after_a_send_starts_is_not_sent_it(issue):
    on_list(issue, "stays@example.com")
    leaving = on_list(issue, "leaves@example.com")
    send = sending.start(issue)
    Recipient.objects.filter(pk=leaving.pk).update(status=Recipient.UNSUBSCRIBED)
    send_all(send)
    assert [m.to for m in mail.outbox] == [["stays@example.com"]]
    assert send.deliveries.get(email="leaves@example.com").status == Delivery.SKIPPED
    send.refresh_from_db()
    assert send.status == Send.DONE


def test_the_text_part_has_no_html_entities(issue):
    article = issue.articles.get().article
    article.title = 'The port\'s "new" rules & fees'
    article.save_revision().publish()
    on_list(issue, "a@example.com")
    send_all(sending.start(issue))
    [message] = mail.outbox
    assert 'The port\'s "new" rules & fees' in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
