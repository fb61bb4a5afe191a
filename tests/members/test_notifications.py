"""Subscription emails: queued with their cause, sent by the scheduled command, once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.models import Site

from masthead.members import languages, lifecycle, notifications
from masthead.members.models import Notification, Plan, ReaderLanguage, Subscription
from tests import factories

pytestmark = pytest.mark.django_db
S = Subscription


@pytest.fixture
def weekly():
    return Plan.objects.create(
        name="Weekly", slug="weekly", price_minor=50, interval="week", trial_days=14
    )


@pytest.fixture
def reader():
    return factories.reader("notify@example.com")


def run():
    out = StringIO()
    call_command("process_subscriptions", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_trial_sends_a_welcome_once_however_often_the_command_runs(reader, weekly):
    lifecycle.start(reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t")
    run()
    run()
    [email] = mail.outbox
    assert email.to == ["notify@example.com"]
    assert email.subject.startswith("Your free trial of ") and email.subject.endswith("has started")
    assert "$0.50/week" in email.body and "/account/" in email.body
    assert Notification.objects.get().sent_at is not None


def test_trial_ending_in_three_days_is_reminded_once(reader, weekly):
    now = timezone.now()
    sub = lifecycle.start(
        reader, weekly, provider="local", now=now - timedelta(days=10), trial=True, cause="t"
    )
    assert sub.trial_end - now == timedelta(days=4)
    run()
    assert [m.subject for m in mail.outbox if "ends on" in m.subject] == []

    Subscription.objects.filter(pk=sub.pk).update(trial_end=now + timedelta(days=2, hours=23))
    run()
    run()
    reminders = [m for m in mail.outbox if "ends on" in m.subject]
    assert len(reminders) == 1
    assert "cancel before that date" in reminders[0].body


def test_a_canceled_trial_is_not_reminded(reader, weekly):
    now = timezone.now()
    sub = lifecycle.start(
        reader, weekly, provider="local", now=now - timedelta(days=12), trial=True, cause="t"
    )
    lifecycle.cancel_at_period_end(sub, at=now, cause="reader canceled")
    run()
    subjects = [m.subject for m in mail.outbox]
    assert not any("ends on" in s for s in subjects)
    assert any("is canceled" in s for s in subjects)


def test_payment_failed_and_receipt_emails_carry_the_details(reader, weekly):
    now = timezone.now()
    sub = lifecycle.start(reader, weekly, provider="local", now=now, trial=False, cause="t")
    lifecycle.change(sub, S.PAST_DUE, cause="card declined", at=now)
    notifications.payment_received(
        sub, reference="MH-0001", amount_minor=50, currency="usd", url="https://inv.example/1"
    )
    notifications.payment_received(  # the same payment reported twice
        sub, reference="MH-0001", amount_minor=50, currency="usd", url="https://inv.example/1"
    )
    run()
    by_kind = {n.kind: n for n in Notification.objects.all()}
    assert set(by_kind) == {"welcome", "payment_failed", "receipt"}
    bodies = {m.subject: m.body for m in mail.outbox}
    receipt = next(body for subject, body in bodies.items() if subject.startswith("Receipt"))
    assert "$0.50" in receipt and "MH-0001" in receipt and "https://inv.example/1" in receipt
    failed = next(body for subject, body in bodies.items() if "did not go through" in subject)
    assert "update your payment details" in failed


def test_lapsed_subscriptions_expire_with_an_ended_email(reader, weekly):
    past = timezone.now() - timedelta(days=30)
    lifecycle.start(reader, weekly, provider="local", now=past, trial=False, cause="t")
    out = run()
    assert "Expired 1 subscription" in out
    assert Subscription.objects.get().status == S.EXPIRED
    assert any("has ended" in m.subject for m in mail.outbox)


def test_a_failing_mail_server_keeps_the_email_queued_with_the_error(reader, weekly, settings):
    lifecycle.start(reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t")
    settings.EMAIL_BACKEND = "tests.members.test_notifications.BrokenBackend"
    out = StringIO()
    call_command("process_subscriptions", stdout=out, stderr=StringIO())
    assert "1 failed" in out.getvalue()
    queued = Notification.objects.get()
    assert queued.sent_at is None and queued.attempts == 1 and "refused" in queued.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()
    queued.refresh_from_db()
    assert queued.sent_at is not None and len(mail.outbox) == 1


def test_no_email_is_queued_for_a_change_that_was_refused(reader, weekly):
    sub = lifecycle.start(
        reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t"
    )
    lifecycle.change(sub, S.EXPIRED, cause="ended", at=timezone.now())
    count = Notification.objects.count()
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.change(sub, S.PAST_DUE, cause="impossible", at=timezone.now())
    assert Notification.objects.count() == count


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def test_a_site_name_with_an_ampersand_is_written_as_is_in_subjects(reader, weekly):
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Arms & Allies"
    site.save()
    lifecycle.start(reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t")
    run()
    [email] = mail.outbox
    assert email.subject == "Your free trial of Arms & Allies has started"


def test_later_emails_are_written_in_the_language_the_reader_signed_in_with(reader, weekly, client):
    """Signed in from the Arabic site: the welcome, sent later by the
    command, is in Arabic; signed in again from the site's own address: in
    the site's language again. A reader never seen gets the site's."""
    response = client.post(
        "/ar/accounts/login/", {"login": reader.email, "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    assert ReaderLanguage.objects.get(user=reader).code == "ar"
    lifecycle.start(reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t")
    run()
    [email] = mail.outbox
    site_name = Site.objects.get(is_default_site=True).site_name or settings.WAGTAIL_SITE_NAME
    with translation.override("ar"):
        expected = gettext("Your free trial of %(site_name)s has started") % {
            "site_name": site_name
        }
    assert email.subject == expected and expected.isascii() is False

    client.logout()
    client.post("/accounts/login/", {"login": reader.email, "password": "a-long-test-password"})
    assert ReaderLanguage.objects.get(user=reader).code == "en"
    stranger = factories.reader("never.seen@example.com")
    assert languages.language_of(stranger) == settings.LANGUAGE_CODE
