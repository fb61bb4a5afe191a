"""Emails to subscribers: queued with the change that causes them, sent by a command.

A change to a subscription and the email it calls for are written in one
transaction (an outbox): the email exists if and only if the change does.
``manage.py process_subscriptions``, run on a schedule, sends what is queued.
Each notification has a unique key naming its event, so queuing the same
event twice (a replayed webhook, the command running twice) queues one email,
and a sent email is never sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Site

from masthead.members import languages
from masthead.members.models import Notification, Subscription
from masthead.members.money import format_money

logger = logging.getLogger(__name__)

WELCOME = Notification.WELCOME
TRIAL_ENDING = Notification.TRIAL_ENDING
PAYMENT_FAILED = Notification.PAYMENT_FAILED
CANCELED = Notification.CANCELED
RECEIPT = Notification.RECEIPT
# How long before a free trial ends its reader is reminded.
TRIAL_REMINDER = timedelta(days=3)
# A notification that fails this many times is left for a person to look at.
MAX_ATTEMPTS = 5


def queue(kind: str, key: str, subscription, **data):
    """Queue one email about ``subscription``; a key already queued is left alone."""
    notification, _ = Notification.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "user": subscription.user,
            "subscription": subscription,
            "data": data,
        },
    )
    return notification


def subscription_started(subscription):
    queue(WELCOME, f"welcome:{subscription.pk}", subscription)


def status_changed(subscription, event):
    """Called by the lifecycle inside the transaction that records ``event``."""
    S = type(subscription)
    if event.from_status == event.to_status:
        return
    if event.to_status == S.PAST_DUE:
        queue(PAYMENT_FAILED, f"payment_failed:{event.pk}", subscription)
    elif event.to_status == S.CANCELED:
        queue(CANCELED, f"canceled:{event.pk}", subscription, ended=False)
    elif event.to_status == S.EXPIRED and event.from_status != S.CANCELED:
        # Ended without a cancellation notice: by the provider, or unpaid.
        queue(CANCELED, f"canceled:{event.pk}", subscription, ended=True)


def payment_received(subscription, *, reference: str, amount_minor: int, currency: str, url=""):
    queue(
        RECEIPT,
        f"receipt:{subscription.provider}:{reference}",
        subscription,
        reference=reference,
        amount_minor=amount_minor,
        currency=currency.upper(),
        url=url,
    )


def queue_trial_reminders(now: datetime) -> int:
    """Queue 'your trial ends soon' for every trial ending within TRIAL_REMINDER."""
    ending = Subscription.objects.filter(
        status=Subscription.TRIALING, trial_end__gt=now, trial_end__lte=now + TRIAL_REMINDER
    ).select_related("user")
    count = 0
    for subscription in ending:
        stamp = subscription.trial_end.strftime("%Y%m%dT%H%M%S")
        notification = queue(TRIAL_ENDING, f"trial_ending:{subscription.pk}:{stamp}", subscription)
        count += notification.sent_at is None
    return count


def render(notification) -> EmailMessage:
    """The email, in the language its reader last used the site in."""
    with languages.writing_to(notification.user):
        return _render(notification)


def _render(notification) -> EmailMessage:
    subscription = notification.subscription
    context = {
        "user": notification.user,
        "subscription": subscription,
        "plan": subscription.plan if subscription else None,
        "data": notification.data,
        "site_name": _site_name(),
        "base_url": settings.WAGTAILADMIN_BASE_URL,
        "account_url": settings.WAGTAILADMIN_BASE_URL + "/account/",
    }
    if notification.kind == RECEIPT:
        context["amount"] = format_money(
            notification.data["amount_minor"], notification.data["currency"]
        )
    template = f"members/email/{notification.kind}"
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[notification.user.email])


def _site_name() -> str:
    site = Site.objects.filter(is_default_site=True).first()
    return site.site_name if site and site.site_name else settings.WAGTAIL_SITE_NAME


def send_pending(now: datetime | None = None) -> tuple[int, int]:
    """Send every queued email once. Returns (sent, failed).

    Each is claimed under a row lock (skipped by a concurrent run on
    PostgreSQL), sent, and marked sent in one transaction; an email whose
    sending fails stays queued, with the error, for the next run.
    """
    now = now or timezone.now()
    sent = failed = 0
    pending = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    for pk in list(pending.order_by("created_at").values_list("pk", flat=True)):
        with transaction.atomic():
            features = connection.features
            lock = Notification.objects.select_for_update(
                skip_locked=features.has_select_for_update_skip_locked,
                # Lock the notification only, not the joined user and plan rows.
                of=("self",) if features.has_select_for_update_of else (),
            )
            notification = (
                lock.filter(pk=pk, sent_at__isnull=True)
                .select_related("user", "subscription__plan")
                .first()
            )
            if notification is None:  # sent by another run meanwhile
                continue
            if not notification.user.email:
                notification.attempts = MAX_ATTEMPTS
                notification.last_error = "The account has no email address."
                notification.save(update_fields=["attempts", "last_error"])
                failed += 1
                continue
            try:
                render(notification).send()
            except Exception as exc:  # SMTP down, template missing: keep it queued
                logger.warning("Email %s not sent: %s", notification.key, exc)
                notification.attempts += 1
                notification.last_error = str(exc)[:500]
                notification.save(update_fields=["attempts", "last_error"])
                failed += 1
                continue
            notification.sent_at = now
            notification.attempts += 1
            notification.last_error = ""
            notification.save(update_fields=["sent_at", "attempts", "last_error"])
            sent += 1
    return sent, failed
