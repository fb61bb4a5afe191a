"""Joining a newsletter.

A signed-in reader whose address is verified joins at once. An address
given without an account is confirmed first (double opt-in): the rows wait
``pending`` and a signed link, valid for ``CONFIRM_DAYS``, goes to the
address; opening it shows one button (mail scanners follow links), and
pressing it makes them ``active``. The answer to the form is the same
whether the address is known, on the list, unsubscribed or suppressed, so
it tells no one who reads what; a suppressed address is never mailed, and
an address is sent at most one confirmation an hour.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from masthead.newsletters.models import Newsletter, Recipient, normalise
from masthead.newsletters.sending import may_receive
from masthead.paywall import readers

CONFIRM_SALT = "masthead.newsletters.confirm"
CONFIRM_DAYS = 7
RESEND_AFTER = timedelta(hours=1)


def offered_to(reader: readers.Reader):
    """The active newsletters this reader may join."""
    return [n for n in Newsletter.objects.filter(active=True) if may_receive(n, reader)]


def join_signed_in(user, reader: readers.Reader, newsletters, source: str) -> list[Newsletter]:
    """Join at once, with the account's verified address."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=user, primary=True, verified=True).first()
    if verified is None:
        return []
    joined = []
    with transaction.atomic():
        for newsletter in newsletters:
            if not may_receive(newsletter, reader):
                continue
            recipient, _ = Recipient.objects.get_or_create(
                newsletter=newsletter,
                email=normalise(verified.email),
                defaults={"user": user, "status": Recipient.PENDING, "source": source},
            )
            if recipient.status == Recipient.SUPPRESSED:
                continue
            recipient.user = user
            recipient.status = Recipient.ACTIVE
            recipient.confirmed_at = recipient.confirmed_at or timezone.now()
            recipient.save()
            joined.append(newsletter)
    return joined


def ask_to_confirm(email: str, newsletters, source: str) -> bool:
    """Rows ``pending`` (new ones) and a confirmation to the address; False
    when nothing was sent (suppressed, or one went within the hour)."""
    email = normalise(email)
    anyone = [n for n in newsletters if n.audience == Newsletter.ANYONE and n.active]
    if not anyone:
        return False
    now = timezone.now()
    with transaction.atomic():
        rows = []
        for newsletter in anyone:
            recipient, created = Recipient.objects.get_or_create(
                newsletter=newsletter, email=email, defaults={"source": source}
            )
            if recipient.status == Recipient.SUPPRESSED:
                return False
            rows.append((recipient, created))
        recent = any(
            not created
            and recipient.changed_at > now - RESEND_AFTER
            and recipient.status == Recipient.PENDING
            for recipient, created in rows
        )
        if recent:
            return False
        # Touched, so the next request within the hour sends nothing.
        Recipient.objects.filter(pk__in=[r.pk for r, _ in rows]).update(changed_at=now)
    token = signing.dumps({"email": email, "lists": [n.pk for n in anyone]}, salt=CONFIRM_SALT)
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("newsletter_confirm", args=[token])
    context = {"newsletters": anyone, "link": link, "days": CONFIRM_DAYS}
    send_mail(
        render_to_string("newsletters/email/confirm_subject.txt", context).strip(),
        render_to_string("newsletters/email/confirm.txt", context),
        None,
        [email],
    )
    return True


def _load(token: str) -> dict | None:
    try:
        found = signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(days=CONFIRM_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("email"), str):
        return None
    return found


def confirm_is_valid(token: str) -> bool:
    return _load(token) is not None


def confirm(token: str) -> tuple[str, list[Newsletter]] | None:
    """The address and the lists it now receives, or None for a bad or
    expired link."""
    found = _load(token)
    if found is None:
        return None
    ids = [pk for pk in found.get("lists") or [] if isinstance(pk, int)]
    joined = []
    with transaction.atomic():
        for recipient in (
            Recipient.objects.select_for_update()
            .filter(email=found["email"], newsletter_id__in=ids, newsletter__active=True)
            .select_related("newsletter")
        ):
            if recipient.status == Recipient.SUPPRESSED:
                continue
            recipient.status = Recipient.ACTIVE
            recipient.confirmed_at = timezone.now()
            recipient.save()
            joined.append(recipient.newsletter)
    return found["email"], joined
