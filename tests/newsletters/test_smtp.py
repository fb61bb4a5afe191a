"""Sending through a real SMTP server the test starts (aiosmtpd): what
arrives, a refused recipient, and a server that stops answering."""

from email import message_from_bytes, policy

import pytest

from masthead.newsletters import sending
from masthead.newsletters.models import Delivery
from tests.newsletters.test_sending import BASE, on_list, send_all, subscriber
from tests.paywall.helpers import secrets_in
from tests.smtp_sink import Sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    def start(**options):
        sink = Sink(**options)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1
        return sink

    return start


def test_each_recipient_s_message_arrives_once_with_their_text(issue, smtp):
    on_list(issue, "free@example.com")
    on_list(issue, "paid@example.com", user=subscriber("paid@example.com"))
    with smtp() as sink:
        send = sending.start(issue)
        send_all(send)
        received = sink.received
    assert sorted(recipient for _, recipient, _ in received) == [
        "free@example.com",
        "paid@example.com",
    ]
    by_address = {recipient: content for _, recipient, content in received}
    for address, expected in (("free@example.com", 0), ("paid@example.com", 3)):
        parsed = message_from_bytes(by_address[address], policy=policy.default)
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        assert len(secrets_in(text, 1)) == len(secrets_in(html, 1)) == expected
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert parsed["Message-ID"] == Delivery.objects.get(email=address).message_id
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.SENT}


def test_a_refused_recipient_fails_and_the_rest_of_the_batch_goes(issue, smtp):
    for address in ("a@example.com", "gone@example.com", "c@example.com"):
        on_list(issue, address)
    with smtp(refuse=["gone@example.com"]) as sink:
        send = sending.start(issue)
        send_all(send)
        arrived = sorted(recipient for _, recipient, _ in sink.received)
    assert arrived == ["a@example.com", "c@example.com"]
    gone = send.deliveries.get(email="gone@example.com")
    assert gone.status == Delivery.FAILED and "gone@example.com" in gone.error
    assert send.deliveries.filter(status=Delivery.SENT).count() == 2


def test_a_server_that_stops_answering_leaves_the_message_unknown_not_resent(issue, smtp):
    on_list(issue, "slow@example.com")
    with smtp(stall_seconds=3) as sink:
        send = sending.start(issue)
        send_all(send)
        # Run again (a retry, the reconciler): nothing is handed over twice.
        assert sending.reconcile() == []
        send_all(send)
        assert len(sink.received) <= 1
    slow = send.deliveries.get()
    assert slow.status == Delivery.UNKNOWN and slow.message_id


def test_with_no_mail_server_the_batch_waits_and_goes_when_one_answers(issue, smtp):
    """Nothing can have been taken when no server answers the connection: the
    batch is let go whole, not marked lost, and sent in full later."""
    for address in ("a@example.com", "b@example.com"):
        on_list(issue, address)
    sink = smtp()  # configured, not started: nothing listens on its port yet
    send = sending.start(issue)
    [batch] = send.batches.all()
    assert sending.send_batch(batch.pk, base_url=BASE) == {
        "sent": 0,
        "failed": 0,
        "unknown": 0,
        "skipped": 0,
        "released": 1,
    }
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.PENDING}
    batch.refresh_from_db()
    assert batch.status == "pending" and batch.claimed_at
    # The chore hands it back a minute on, and once a server answers it goes.
    assert sending.reconcile(now=batch.claimed_at + sending.RETRY_RELEASED / 2) == []
    assert sending.reconcile(now=batch.claimed_at + sending.RETRY_RELEASED * 2) == [batch.pk]
    with sink:
        sending.send_batch(batch.pk, base_url=BASE)
        assert sorted(r for _, r, _ in sink.received) == ["a@example.com", "b@example.com"]
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.SENT}
