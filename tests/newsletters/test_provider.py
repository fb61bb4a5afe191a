"""Sending through a provider (django-anymail's test backend), the
provider's signed webhooks (Mailgun: HMAC-signed; Postmark: the shared
secret), what their events change, and the issue's report."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.test import Client

from masthead.newsletters import events, sending
from masthead.newsletters.models import Delivery, DeliveryEvent, Newsletter, Recipient
from tests import factories
from tests.newsletters.test_sending import BASE, on_list, send_all

pytestmark = pytest.mark.django_db
ANYMAIL_TEST = "anymail.backends.test.EmailBackend"
MAILGUN = "/anymail/mailgun/tracking/"
POSTMARK = "/anymail/postmark/tracking/"
SIGNING_KEY = b"test-mailgun-signing-key"
BASIC = "Basic " + base64.b64encode(b"hooks:test-webhook-secret").decode()


def mailgun_body(event, recipient, *, delivery=None, token=None, key=SIGNING_KEY, **extra):
    token = token or hashlib.sha1(f"{event}{recipient}{time.time_ns()}".encode()).hexdigest()
    timestamp = str(int(time.time()))
    signature = hmac.new(key, f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "event": event,
        "timestamp": time.time(),
        "recipient": recipient,
        "message": {"headers": {"message-id": "mg-id-1@mailgun.example"}},
        "user-variables": {} if delivery is None else {"masthead_delivery": str(delivery.pk)},
        **extra,
    }
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": data,
        }
    )


def mailgun(body, client=None):
    client = client or Client()
    return client.post(MAILGUN, body, content_type="application/json", HTTP_AUTHORIZATION=BASIC)


def postmark(payload, auth=BASIC):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return Client().post(POSTMARK, json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture
def sent(issue, settings):
    """The issue sent through a provider to three readers."""
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    for address in ("one@example.com", "two@example.com", "three@example.com"):
        on_list(issue, address)
    send = sending.start(issue)
    send_all(send)
    return send


def delivery(send, email):
    return send.deliveries.get(email=email)


def test_a_provider_takes_each_message_with_our_delivery_named_in_its_metadata(sent):
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        found = Delivery.objects.get(email=message.to[0])
        assert message.anymail_test_params["metadata"] == {"masthead_delivery": str(found.pk)}
        assert found.status == Delivery.SENT
        assert found.provider_id == str(message.anymail_status.message_id)
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def answered(status_code):
    response = requests.Response()
    response.status_code, response.reason, response._content = status_code, "Said so", b"{}"
    return AnymailAPIError("the provider answered", status_code=status_code, response=response)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (AnymailRecipientsRefused("refused"), Delivery.FAILED),
        (answered(422), Delivery.FAILED),
        (answered(429), Delivery.UNKNOWN),
        (answered(503), Delivery.UNKNOWN),
        (AnymailAPIError("no answer"), Delivery.UNKNOWN),
    ],
    ids=["refused", "4xx", "429", "5xx", "no-answer"],
)
def test_a_provider_s_refusal_fails_and_its_silence_is_unknown(answer, status):
    class Message:
        to = ["someone@example.com"]

        def send(self):
            raise answer

    assert sending.deliver(Message())[0] == status


def test_a_signed_mailgun_delivery_settles_an_unknown_message_as_sent(sent):
    one = delivery(sent, "one@example.com")
    Delivery.objects.filter(pk=one.pk).update(status=Delivery.UNKNOWN, provider_id="")
    assert mailgun(mailgun_body("delivered", "one@example.com", delivery=one)).status_code == 200
    one.refresh_from_db()
    assert one.status == Delivery.SENT and "settled" in one.error
    assert events.report(sent)["delivered"] == 1


def test_a_provider_s_rejection_settles_an_unknown_message_as_failed(sent):
    two = delivery(sent, "two@example.com")
    Delivery.objects.filter(pk=two.pk).update(status=Delivery.UNKNOWN)
    body = mailgun_body("rejected", "two@example.com", delivery=two, reject={"reason": "policy"})
    assert mailgun(body).status_code == 200
    two.refresh_from_db()
    assert two.status == Delivery.FAILED
    assert Recipient.objects.get(email="two@example.com").status == Recipient.ACTIVE


def test_a_hard_bounce_suppresses_the_address_on_every_list_and_a_soft_one_does_not(sent, issue):
    other = Newsletter.objects.create(name="Weekly", slug="weekly", sender_name="Desk")
    Recipient.objects.create(newsletter=other, email="one@example.com", status=Recipient.ACTIVE)
    one, two = delivery(sent, "one@example.com"), delivery(sent, "two@example.com")
    hard = mailgun_body("failed", "one@example.com", delivery=one, severity="permanent")
    soft = mailgun_body("failed", "two@example.com", delivery=two, severity="temporary")
    assert mailgun(hard).status_code == mailgun(soft).status_code == 200
    assert set(
        Recipient.objects.filter(email="one@example.com").values_list("status", flat=True)
    ) == {Recipient.SUPPRESSED}
    assert Recipient.objects.get(email="two@example.com").status == Recipient.ACTIVE
    # Suppressed is for good: the next issue leaves the address out.
    assert not sending.start(issue).deliveries.filter(email="one@example.com").exists()


def test_a_complaint_suppresses_and_an_unsubscribe_leaves_only_that_list(sent):
    one, two = delivery(sent, "one@example.com"), delivery(sent, "two@example.com")
    assert mailgun(mailgun_body("complained", "one@example.com", delivery=one)).status_code == 200
    assert mailgun(mailgun_body("unsubscribed", "two@example.com", delivery=two)).status_code == 200
    assert Recipient.objects.get(email="one@example.com").status == Recipient.SUPPRESSED
    assert Recipient.objects.get(email="two@example.com").status == Recipient.UNSUBSCRIBED
    report = events.report(sent)
    assert report["complaints"] == 1 and report["unsubscribes"] == 1


def test_a_forged_or_unsigned_webhook_is_refused_and_changes_nothing(sent):
    one = delivery(sent, "one@example.com")
    forged = mailgun_body("complained", "one@example.com", delivery=one, key=b"not-the-key")
    assert mailgun(forged).status_code == 400
    body = mailgun_body("complained", "one@example.com", delivery=one)
    assert Client().post(MAILGUN, body, content_type="application/json").status_code == 400
    bounce = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 42,
        "Email": "one@example.com",
        "BouncedAt": "2026-11-26T10:00:00Z",
        "Metadata": {"masthead_delivery": str(one.pk)},
    }
    assert postmark(bounce, auth=None).status_code == 400
    wrong = "Basic " + base64.b64encode(b"hooks:guess").decode()
    assert postmark(bounce, auth=wrong).status_code == 400
    assert Client().post(MAILGUN, "not json", content_type="application/json").status_code == 400
    assert Recipient.objects.get(email="one@example.com").status == Recipient.ACTIVE
    assert not DeliveryEvent.objects.exists()


def test_a_replayed_webhook_counts_once(sent):
    one = delivery(sent, "one@example.com")
    body = mailgun_body(
        "clicked", "one@example.com", delivery=one, url="https://news.example/world/one/"
    )
    assert mailgun(body).status_code == mailgun(body).status_code == 200
    assert DeliveryEvent.objects.filter(kind=DeliveryEvent.CLICKED).count() == 1
    opened = {
        "RecordType": "Open",
        "Recipient": "two@example.com",
        "ReceivedAt": "2026-11-26T10:00:00Z",
        "MessageID": "pm-1",
        "Metadata": {"masthead_delivery": str(delivery(sent, "two@example.com").pk)},
    }
    assert postmark(opened).status_code == postmark(opened).status_code == 200
    assert DeliveryEvent.objects.filter(kind=DeliveryEvent.OPENED).count() == 1


def test_postmark_bounce_by_the_provider_s_id_when_no_metadata_came_back(sent):
    two = delivery(sent, "two@example.com")
    Delivery.objects.filter(pk=two.pk).update(provider_id="pm-message-2")
    bounce = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 7,
        "Email": "two@example.com",
        "MessageID": "pm-message-2",
        "BouncedAt": "2026-11-26T10:00:00Z",
    }
    assert postmark(bounce).status_code == 200
    assert DeliveryEvent.objects.get().delivery_id == two.pk
    assert Recipient.objects.get(email="two@example.com").status == Recipient.SUPPRESSED


def test_metadata_naming_another_address_s_delivery_is_not_believed(sent):
    one = delivery(sent, "one@example.com")
    body = mailgun_body("unsubscribed", "three@example.com", delivery=one)
    assert mailgun(body).status_code == 200
    assert Recipient.objects.get(email="one@example.com").status == Recipient.ACTIVE
    assert DeliveryEvent.objects.get().delivery is None


def test_the_report_puts_clicks_first_and_counts_people_not_events(sent, issue):
    one, two, three = (
        delivery(sent, address)
        for address in ("one@example.com", "two@example.com", "three@example.com")
    )
    for item in (one, two, three):
        mailgun(mailgun_body("delivered", item.email, delivery=item))
    for url in ("https://news.example/a/", "https://news.example/b/"):
        mailgun(mailgun_body("clicked", one.email, delivery=one, url=url))
    mailgun(mailgun_body("clicked", two.email, delivery=two, url="https://news.example/a/"))
    for item in (one, two, three):
        mailgun(mailgun_body("opened", item.email, delivery=item))
    # A one-click unsubscribe from the message counts on its issue's report.
    footer = mail.outbox[[m.to[0] for m in mail.outbox].index("three@example.com")]
    link = footer.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    assert Client().post(link).status_code == 200
    report = events.report(sent)
    assert report["recipients"] == report["sent"] == report["delivered"] == 3
    assert (report["clickers"], report["clicks"]) == (2, 3)
    assert report["click_rate"] == pytest.approx(2 / 3)
    assert report["openers"] == 3 and report["unsubscribes"] == 1
    assert report["links"][0] == ("https://news.example/a/", 2)
    editor = factories.admin_client("editor", "change_issue")
    page = editor.get(f"/admin/newsletters/send/{sent.pk}/")
    assert page.status_code == 200
    text = page.text
    assert text.index("Clicked") < text.index("Opened*") and "privacy" in text
    assert 'data-report="click_rate">66.7%' in text


def test_an_event_about_mail_we_did_not_send_still_suppresses_a_bounced_address(issue):
    on_list(issue, "old@example.com")
    events.tracked(
        None,
        event=type(
            "Event",
            (),
            {
                "event_type": "bounced",
                "recipient": "Old@Example.com",
                "metadata": {},
                "message_id": None,
                "timestamp": datetime(2026, 11, 26, tzinfo=UTC),
                "event_id": "e1",
                "click_url": None,
                "description": "mailbox gone",
                "mta_response": None,
                "reject_reason": "bounced",
            },
        )(),
        esp_name="Test",
    )
    assert Recipient.objects.get(email="old@example.com").status == Recipient.SUPPRESSED


def test_a_forged_webhook_is_a_warning_not_an_error(sent, caplog):
    """Anyone can knock on a webhook: a refusal is logged once, as a warning,
    without a traceback (an ERROR would page whoever is on call)."""
    import logging

    with caplog.at_level(logging.INFO, logger="django.security"):
        forged = mailgun_body("complained", "one@example.com", key=b"not-the-key")
        assert mailgun(forged).status_code == 400
    [record] = [r for r in caplog.records if r.name.startswith("django.security")]
    assert record.levelno == logging.WARNING and record.exc_info is None
