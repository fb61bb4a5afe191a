"""Sending through a real SMTP server the test starts (aiosmtpd): what
arrives, a refused recipient, and a server that stops answering."""

from email import message_from_bytes, policy

import pytest
from django.core import signing
from django.test import Client

from masthead.newsletters import rendering, sending
from masthead.newsletters.models import Delivery, Recipient
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


def test_the_message_filled_from_bytes_is_the_one_django_would_build(issue, smtp, monkeypatch):
    """The SMTP fast path (``Wire``): per recipient, the same headers and parts
    as the message built for them, and their own working unsubscribe link."""
    # Signed links carry the second they were signed in: the message sent and
    # the one rebuilt below must be signed in the same one to compare equal.
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: "1ABCDE")
    on_list(issue, "free@example.com")
    on_list(issue, "other@example.com")
    with smtp() as sink:
        send = sending.start(issue)
        send_all(send)
        received = {recipient: content for _, recipient, content in sink.received}
    rendered = rendering.render(issue, "free")
    for address in ("free@example.com", "other@example.com"):
        delivery = send.deliveries.get(email=address)
        wire = message_from_bytes(received[address], policy=policy.default)
        built = message_from_bytes(
            sending.build(issue, rendered, delivery, delivery.message_id, BASE, None)
            .message()
            .as_bytes(),
            policy=policy.default,
        )
        for header in ("To", "From", "Subject", "Message-ID", "List-Unsubscribe", "List-Id"):
            assert wire[header] == built[header], header
        for kind in ("plain", "html"):
            # (What crossed SMTP has its lines ended CRLF, as SMTP has them.)
            sent = wire.get_body((kind,)).get_content().replace("\r\n", "\n")
            assert sent == built.get_body((kind,)).get_content(), kind
        link = wire["List-Unsubscribe"].strip().strip("<>").removeprefix(BASE)
        assert link in wire.get_body(("html",)).get_content()
        assert Client().post(link).status_code == 200
        assert Recipient.objects.get(email=address).status == Recipient.UNSUBSCRIBED


def test_a_message_that_cannot_be_cut_safely_is_built_per_recipient(issue, smtp, monkeypatch):
    """A body line longer than SMTP allows makes Django encode it as
    quoted-printable, which may break a stand-in: each message is built."""
    on_list(issue, "free@example.com")
    article = issue.articles.get().article.specific
    article.dek = "word " * 400  # one line of 2,000 characters in the email
    article.save_revision().publish()
    made = []
    real = sending.Wire.make

    def make(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sending.Wire, "make", make)
    with smtp() as sink:
        send_all(sending.start(issue))
        [(_, _, content)] = sink.received
    assert made == [None]
    parsed = message_from_bytes(content, policy=policy.default)
    assert parsed["To"] == "free@example.com"
    assert "word word" in parsed.get_body(("plain",)).get_content()
    assert send_status(issue) == {Delivery.SENT}


def send_status(issue):
    return set(Delivery.objects.filter(send__issue=issue).values_list("status", flat=True))


def test_an_address_that_needs_encoding_gets_a_message_built_for_it():
    assert sending.Wire.fits("plain@example.com")
    for address in ("ünï@example.com", "a b@example.com", 'x"@example.com', "a\r\nBcc: x@y.z"):
        assert not sending.Wire.fits(address), address
