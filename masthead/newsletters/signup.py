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

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from masthead.insights import conversions
from masthead.newsletters.models import Newsletter, Recipient, normalise
from masthead.newsletters.sending import may_receive
from masthead.paywall import readers

CONFIRM_SALT = "masthead.newsletters.confirm"
CONFIRM_DAYS = 7
RESEND_AFTER = timedelta(hours=1)


def offered_to(reader: readers.Reader):
    """The active newsletters this reader may join."""
    return [n for n in Newsletter.objects.filter(active=True) if may_receive(n, reader)]


def offered_at_signup():
    """What the registration wall and the sign-up form offer: the lists
    marked for it that a new account may receive."""
    return list(
        Newsletter.objects.filter(
            active=True,
            offered_on_wall=True,
            audience__in=[Newsletter.ANYONE, Newsletter.REGISTERED],
        )
    )


def _verified_address(user):
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, primary=True, verified=True).first()


def receiving(user) -> set[int]:
    """The newsletters an account's verified address receives."""
    verified = _verified_address(user)
    if verified is None:
        return set()
    return set(
        Recipient.objects.filter(
            email=normalise(verified.email), status=Recipient.ACTIVE
        ).values_list("newsletter_id", flat=True)
    )


def choose_signed_in(request, user, reader, offered, chosen) -> list[Newsletter] | None:
    """The account page's choice: exactly ``chosen`` of ``offered``. None
    when the account's address is not verified yet."""
    verified = _verified_address(user)
    if verified is None:
        return None
    joined = join_signed_in(user, reader, chosen, "account", request=request)
    dropped = [n.pk for n in offered if n not in chosen]
    Recipient.objects.filter(
        email=normalise(verified.email),
        newsletter_id__in=dropped,
        status__in=[Recipient.ACTIVE, Recipient.PENDING],
    ).update(status=Recipient.UNSUBSCRIBED, changed_at=timezone.now())
    return joined


def join_at_signup(user, email: str, newsletters) -> None:
    """Chosen on the sign-up form: waiting (``pending``) until the account's
    address is confirmed (``address_confirmed``), at once if it already is."""
    email = normalise(email)
    offered = offered_at_signup()
    for newsletter in newsletters:
        if newsletter not in offered:
            continue
        recipient, created = Recipient.objects.get_or_create(
            newsletter=newsletter,
            email=email,
            defaults={"user": user, "status": Recipient.PENDING, "source": "sign-up"},
        )
        if not created and recipient.status in (Recipient.PENDING, Recipient.UNSUBSCRIBED):
            # An address's earlier rows become this account's; they wait
            # for it to prove the address is its own.
            Recipient.objects.filter(pk=recipient.pk).update(
                user=user, status=Recipient.PENDING, source="sign-up"
            )


def address_confirmed(sender, request, email_address, **kwargs) -> None:
    """allauth's ``email_confirmed``: an account's lists chosen at sign-up start."""
    now = timezone.now()
    started = Recipient.objects.filter(
        user=email_address.user_id,
        email=normalise(email_address.email),
        status=Recipient.PENDING,
        source="sign-up",
    ).update(status=Recipient.ACTIVE, confirmed_at=now, confirmation_sent_at=None)
    if started:
        conversions.newsletter_signup(request, email_address.user_id)


def join_signed_in(
    user, reader: readers.Reader, newsletters, source: str, request=None
) -> list[Newsletter]:
    """Join at once, with the account's verified address."""
    verified = _verified_address(user)
    if verified is None:
        return []
    joined, started = [], 0
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
            started += recipient.status != Recipient.ACTIVE
            recipient.user = user
            recipient.status = Recipient.ACTIVE
            recipient.confirmed_at = recipient.confirmed_at or timezone.now()
            recipient.save()
            joined.append(newsletter)
    if started:
        conversions.newsletter_signup(request, user.pk)
    return joined


def ask_to_confirm(email: str, newsletters, source: str) -> bool:
    """Rows for the address (new ones ``pending``) and one confirmation
    link to it; False when nothing was sent: the address is suppressed,
    already receives every list asked for, or was sent a link within the
    hour (whatever its state: no address can be mailed more often)."""
    email = normalise(email)
    anyone = [n for n in newsletters if n.audience == Newsletter.ANYONE and n.active]
    if not anyone:
        return False
    now = timezone.now()
    with transaction.atomic():
        rows = [
            Recipient.objects.select_for_update().get_or_create(
                newsletter=newsletter, email=email, defaults={"source": source}
            )[0]
            for newsletter in anyone
        ]
        if any(recipient.status == Recipient.SUPPRESSED for recipient in rows):
            return False
        wanting = [recipient for recipient in rows if recipient.status != Recipient.ACTIVE]
        recent = Recipient.objects.filter(
            email=email, confirmation_sent_at__gt=now - RESEND_AFTER
        ).exists()
        if not wanting or recent:
            return False
        Recipient.objects.filter(pk__in=[r.pk for r in wanting]).update(confirmation_sent_at=now)
    token = signing.dumps(
        {"email": email, "lists": [r.newsletter_id for r in wanting], "sent": now.isoformat()},
        salt=CONFIRM_SALT,
    )
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("newsletter_confirm", args=[token])
    newsletters = [r.newsletter for r in wanting]
    context = {
        "newsletters": newsletters,
        "names": [n.name for n in newsletters],
        "link": link,
        "days": CONFIRM_DAYS,
    }
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


def confirm(token: str, request=None) -> tuple[str, list[Newsletter]] | None:
    """The address and the lists it now receives, or None for a bad or
    expired link."""
    found = _load(token)
    if found is None:
        return None
    ids = [pk for pk in found.get("lists") or [] if isinstance(pk, int)]
    try:
        sent = datetime.fromisoformat(str(found.get("sent")))
    except ValueError:
        return None
    joined = []
    with transaction.atomic():
        # Only the rows this link was sent for, and only once: confirming
        # clears the stamp, and a newer link replaces it (so a link kept
        # after an unsubscribe cannot undo it).
        for recipient in (
            Recipient.objects.select_for_update()
            .filter(
                email=found["email"],
                newsletter_id__in=ids,
                newsletter__active=True,
                confirmation_sent_at=sent,
            )
            .exclude(status=Recipient.SUPPRESSED)
            .select_related("newsletter")
        ):
            recipient.status = Recipient.ACTIVE
            recipient.confirmed_at = timezone.now()
            recipient.confirmation_sent_at = None
            recipient.save()
            joined.append(recipient.newsletter)
    if joined:
        conversions.newsletter_signup(request, None)
    return found["email"], joined
