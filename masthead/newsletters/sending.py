"""Sending an issue so that a crash never sends a message twice or loses one.

1. ``start`` fixes the list: every active recipient the newsletter's
   audience allows, each one ``Delivery`` row (unique per address), in
   batches of ``BATCH_SIZE`` — all in one transaction.
2. ``send_batch`` claims a pending batch under a row lock (``SELECT … FOR
   UPDATE SKIP LOCKED`` on PostgreSQL; SQLite writes one at a time anyway),
   renders the issue once per audience, and for each delivery writes
   ``sending``, hands the message to the mail backend, then writes ``sent``
   (or ``failed`` when the server refused it, or ``unknown`` when it did not
   answer: it may have taken the message).
3. ``reconcile`` finds batches claimed longer than ``STALE`` ago (their
   worker died): deliveries caught in ``sending`` become ``unknown``, and
   the batch's untouched deliveries are handed back as a pending batch.

Nothing is ever resent blindly: a message is handed to the backend only
from ``pending``, and the write that leaves ``pending`` commits first.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from masthead.localcache import LocalCache
from masthead.newsletters import rendering
from masthead.newsletters.models import Batch, Delivery, Issue, Newsletter, Recipient, Send
from masthead.paywall import readers
from masthead.stencil import Stencil

logger = logging.getLogger("masthead.newsletters")
BATCH_SIZE = 200
# A batch claimed this long ago whose worker has not finished it is taken
# to be abandoned (a worker sends a batch in well under a minute).
STALE = timedelta(minutes=10)
# A batch let go because no mail server answered is tried again after this.
RETRY_RELEASED = timedelta(minutes=1)
UNSUBSCRIBE_SALT = "masthead.newsletters.unsubscribe"
PREFERENCES_SALT = "masthead.newsletters.preferences"
METADATA_KEY = "masthead_delivery"


def may_receive(newsletter: Newsletter, reader: readers.Reader) -> bool:
    if newsletter.audience == Newsletter.SUBSCRIBERS:
        return reader.entitled or reader.staff
    if newsletter.audience == Newsletter.REGISTERED:
        return reader.signed_in
    return True


@transaction.atomic
def start(issue, *, test_to: str = "") -> Send:
    """The send, its batches and deliveries; a test send goes to one address,
    as a free recipient would read it and as a subscriber would."""
    send = Send.objects.create(issue=issue, test_to=test_to, status=Send.SENDING)
    if test_to:
        wanted = [(None, test_to, audience) for audience in rendering.AUDIENCES]
    else:
        wanted = []
        recipients = issue.newsletter.recipients.filter(status=Recipient.ACTIVE).select_related(
            "user"
        )
        for recipient in recipients.order_by("pk"):
            reader = readers.for_account(recipient.user)
            if recipient.user is not None and not recipient.user.is_active:
                continue
            if may_receive(issue.newsletter, reader):
                wanted.append((recipient, recipient.email, rendering.audience_of(reader)))
    batches = Batch.objects.bulk_create(
        Batch(send=send, number=n) for n in range(-(-len(wanted) // BATCH_SIZE))
    )
    Delivery.objects.bulk_create(
        Delivery(
            send=send,
            batch=batches[n // BATCH_SIZE],
            recipient=recipient,
            email=email,
            audience=audience,
        )
        for n, (recipient, email, audience) in enumerate(wanted)
    )
    send.total = len(wanted)
    send.save(update_fields=["total"])
    return send


def claim(batch_id: int) -> Batch | None:
    """The batch, now ``sending`` and ours; None if another worker has it or
    it is not pending."""
    with transaction.atomic():
        batch = (
            Batch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, status=Batch.PENDING)
            .first()
        )
        if batch is None:
            return None
        batch.status, batch.claimed_at = Batch.SENDING, timezone.now()
        batch.claims += 1
        batch.save(update_fields=["status", "claimed_at", "claims"])
    return batch


def send_batch(batch_id: int, *, base_url: str) -> dict:
    batch = claim(batch_id)
    if batch is None:
        return {}
    send = batch.send
    issue = send.issue
    rendered = {}
    counts = {Delivery.SENT: 0, Delivery.FAILED: 0, Delivery.UNKNOWN: 0, Delivery.SKIPPED: 0}
    connection = get_connection()
    connected = False
    # Through Django's SMTP backend, each audience's message as bytes to fill.
    wires: dict[str, Wire | None] = {}
    # The last message's outcome, written in the same statement as the next
    # one's ``sending`` (one write per message, not two). Until then it
    # stands ``sending``: a crash there makes it ``unknown``, never resent.
    outcome: list = []

    def settle():
        if outcome:
            pk, fields = outcome.pop()
            Delivery.objects.filter(pk=pk).update(**fields)

    try:
        for delivery in (
            batch.deliveries.filter(status=Delivery.PENDING)
            .select_related("recipient")
            .order_by("pk")
        ):
            if delivery.recipient is not None and delivery.recipient.status != Recipient.ACTIVE:
                # Unsubscribed (or bounced) since the send began: not sent.
                with transaction.atomic():
                    settle()
                    Delivery.objects.filter(pk=delivery.pk, status=Delivery.PENDING).update(
                        status=Delivery.SKIPPED
                    )
                counts[Delivery.SKIPPED] += 1
                continue
            if not connected:
                # Before anything is handed over: a mail server that cannot
                # be reached takes nothing, so the rest of the batch waits
                # (``released``) and is tried again, never marked lost.
                try:
                    connection.open()
                except (OSError, smtplib.SMTPException) as exc:
                    logger.warning("newsletter batch %s waits: no mail server: %s", batch.pk, exc)
                    Batch.objects.filter(pk=batch.pk, status=Batch.SENDING).update(
                        status=Batch.PENDING
                    )
                    counts["released"] = 1
                    return counts
                connected = True
            # Leaves ``pending`` for good before the message goes.
            message_id = f"<{get_random_string(24)}.{send.pk}@{DNS_NAME}>"
            if not claim_message(delivery.pk, message_id, outcome.pop() if outcome else None):
                continue
            try:
                if delivery.audience not in rendered:
                    rendered[delivery.audience] = rendered_for(send, delivery.audience)
                    if isinstance(connection, SMTPBackend):
                        wires[delivery.audience] = Wire.make(
                            issue,
                            rendered[delivery.audience],
                            delivery.audience,
                            test=bool(send.test_to),
                        )
                wire = wires.get(delivery.audience)
                if wire is not None and Wire.fits(delivery.email):
                    message = wire.message(
                        connection, delivery.email, message_id, *links(delivery, base_url)
                    )
                else:
                    message = build(
                        issue,
                        rendered[delivery.audience],
                        delivery,
                        message_id,
                        base_url,
                        connection,
                        test=bool(send.test_to),
                    )
            except Exception as exc:  # noqa: BLE001 - not sent: recorded, and the batch goes on
                logger.exception("newsletter to %s could not be built", delivery.email)
                status, error = Delivery.FAILED, f"not sent: {exc}"[:1000]
                message = None
            else:
                status, error = deliver(message)
                if status == Delivery.UNKNOWN:
                    # The connection may be broken: the next message opens a new one.
                    connection.close()
                    connected = False
            outcome.append(
                (
                    delivery.pk,
                    {
                        "status": status,
                        "error": error,
                        "sent_at": timezone.now(),
                        "provider_id": provider_id(message),
                    },
                )
            )
            counts[status] += 1
    finally:
        settle()
        connection.close()
    Batch.objects.filter(pk=batch.pk, status=Batch.SENDING).update(status=Batch.SENT)
    finish_if_done(send)
    return counts


# An issue rendered for a send, per audience, kept by this worker for the
# send's next batches (a render is tens of milliseconds; a send of 100,000
# has 500 batches). Never shared: the stand-ins are this process's own.
renders = LocalCache(8)


def rendered_for(send: Send, audience: str):
    key = f"{send.pk}:{audience}"
    found = renders.get(key)
    if found is None:
        found = rendering.render(send.issue, audience)
        renders.set(key, found)
    return found


def claim_message(pk: int, message_id: str, last=None) -> bool:
    """Move delivery ``pk`` from ``pending`` to ``sending`` (False if it was
    not pending), writing the last message's outcome in the same statement."""
    if last is None:
        return bool(
            Delivery.objects.filter(pk=pk, status=Delivery.PENDING).update(
                status=Delivery.SENDING, message_id=message_id
            )
        )
    last_pk, fields = last

    def value(name, given):
        return Value(given, output_field=Delivery._meta.get_field(name))

    def last_gets(name, otherwise=None):
        field = Delivery._meta.get_field(name)
        return Case(
            When(pk=last_pk, then=value(name, fields[name])),
            default=otherwise if otherwise is not None else F(name),
            output_field=field,
        )

    updated = Delivery.objects.filter(Q(pk=last_pk) | Q(pk=pk, status=Delivery.PENDING)).update(
        status=last_gets("status", value("status", Delivery.SENDING)),
        error=last_gets("error"),
        sent_at=last_gets("sent_at"),
        provider_id=last_gets("provider_id"),
        message_id=Case(
            When(pk=pk, then=value("message_id", message_id)),
            default=F("message_id"),
            output_field=Delivery._meta.get_field("message_id"),
        ),
    )
    return updated == 2


def deliver(message) -> tuple[str, str]:
    """(status, error): refused is ``failed``; no answer is ``unknown``.

    Through SMTP, a 5xx or a refused recipient is a refusal. Through a
    provider's API (django-anymail), a refused recipient or a 4xx answer
    (a bad request: the provider took nothing) is; a 5xx, a 429 or no
    answer at all may have been taken, so it is ``unknown`` until the
    provider's events say."""
    try:
        message.send()
    except AnymailRecipientsRefused as exc:
        return Delivery.FAILED, f"refused: {exc}"[:1000]
    except AnymailAPIError as exc:
        code = exc.status_code
        if code is not None and 400 <= code < 500 and code != 429:
            return Delivery.FAILED, f"{code}: {exc}"[:1000]
        logger.warning("newsletter to %s: no clear answer from the provider: %s", message.to, exc)
        return Delivery.UNKNOWN, str(exc)[:1000]
    except (BadHeaderError, ValueError) as exc:  # refused before anything went
        return Delivery.FAILED, f"not sent: {exc}"[:1000]
    except smtplib.SMTPRecipientsRefused as exc:
        return Delivery.FAILED, f"refused: {exc.recipients}"[:1000]
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            return Delivery.FAILED, f"{exc.smtp_code} {exc.smtp_error!r}"[:1000]
        return Delivery.UNKNOWN, f"{exc.smtp_code} {exc.smtp_error!r}"[:1000]
    except (OSError, smtplib.SMTPException) as exc:  # TimeoutError is an OSError
        logger.warning("newsletter to %s: no answer from the mail server: %s", message.to, exc)
        return Delivery.UNKNOWN, str(exc)[:1000]
    return Delivery.SENT, ""


def provider_id(message) -> str:
    """The provider's id for a message it took (django-anymail's status), or ''."""
    status = getattr(message, "anymail_status", None)
    found = getattr(status, "message_id", None)
    return "" if found is None else str(found)[:200]


def unsubscribe_token(recipient_id: int, delivery_id: int) -> str:
    """Names the recipient, and the message it came from (for the issue's report)."""
    return signing.dumps([recipient_id, delivery_id], salt=UNSUBSCRIBE_SALT)


def links(delivery, base_url: str) -> tuple[str, str]:
    """The recipient's own unsubscribe and preferences links."""
    unsubscribe = base_url + reverse(
        "newsletter_unsubscribe", args=[unsubscribe_token(delivery.recipient_id or 0, delivery.pk)]
    )
    preferences = base_url + reverse(
        "newsletter_preferences", args=[signing.dumps(delivery.email, salt=PREFERENCES_SALT)]
    )
    return unsubscribe, preferences


def build(issue, rendered, delivery, message_id, base_url, connection, test=False):
    unsubscribe, preferences = links(delivery, base_url)
    message = compose(
        issue,
        rendered,
        audience=delivery.audience,
        address=delivery.email,
        message_id=message_id,
        unsubscribe=unsubscribe,
        preferences=preferences,
        connection=connection,
        test=test,
    )
    # Providers (django-anymail) hand this back with every event about the
    # message, so an event settles the right delivery even when the worker
    # died before it could write down the provider's id. Other backends
    # ignore it.
    message.metadata = {METADATA_KEY: str(delivery.pk)}
    return message


def compose(
    issue, rendered, *, audience, address, message_id, unsubscribe, preferences, connection, test
) -> EmailMultiAlternatives:
    newsletter = issue.newsletter
    html, text = rendered.for_recipient(unsubscribe, preferences)
    subject = rendered.subject
    if test:
        subject = f"[Test, {audience} version] {subject}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=newsletter.from_address,
        to=[address],
        connection=connection,
        headers={
            "Message-ID": message_id,
            # RFC 8058: one click in the mail client unsubscribes, no login.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{newsletter.name} <{newsletter.slug}.{DNS_NAME}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


class Wire:
    """An audience's message as the bytes Django's SMTP backend would send,
    cut where each recipient's address, Message-ID and links go: made once
    per batch and audience, filled per recipient with one join, instead of
    building and serializing a MIME tree for every message.

    ``make`` gives None when the message cannot be cut safely (a body Django
    encoded as quoted-printable may break a stand-in across lines): each
    stand-in must be found exactly as often as it was put in. A recipient
    whose address would need encoding gets a message built for them."""

    def __init__(self, stencil: Stencil, holes: dict, from_email: str):
        self.stencil, self.holes, self.from_email = stencil, holes, from_email

    @classmethod
    def make(cls, issue, rendered, audience: str, *, test: bool) -> Wire | None:
        token = get_random_string(24, "abcdefghijklmnopqrstuvwxyz0123456789")
        holes = {
            "address": f"masthead-to-{token}@stand-in.invalid",
            "message_id": f"<masthead-id-{token}@stand-in.invalid>",
            "unsubscribe": f"https://stand-in.invalid/masthead-unsubscribe-{token}/",
            "preferences": f"https://stand-in.invalid/masthead-preferences-{token}/",
        }
        try:
            message = compose(
                issue, rendered, audience=audience, connection=None, test=test, **holes
            )
            raw = message.message().as_bytes(linesep="\r\n").decode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001 - each message is then built, and fails, on its own
            logger.exception("issue %s: no %s message to fill", issue.pk, audience)
            return None
        html, text = rendered.for_recipient(holes["unsubscribe"], holes["preferences"])
        expected = {
            "address": 1,
            "message_id": 1,
            "unsubscribe": 1 + html.count(holes["unsubscribe"]) + text.count(holes["unsubscribe"]),
            "preferences": html.count(holes["preferences"]) + text.count(holes["preferences"]),
        }
        if any(raw.count(holes[name]) != times for name, times in expected.items()):
            return None
        encoding = message.encoding or settings.DEFAULT_CHARSET
        return cls(
            Stencil.at_every(raw, holes.values()),
            holes,
            sanitize_address(message.from_email, encoding),
        )

    @staticmethod
    def fits(address: str) -> bool:
        """An address that goes into headers as it is (plain ASCII, one line)."""
        return (
            address.isascii()
            and not any(character in address for character in '\r\n"<>,;() ')
            and sanitize_address(address, "utf-8") == address
        )

    def message(self, connection, address, message_id, unsubscribe, preferences):
        filled = self.stencil.fill(
            {
                self.holes["address"]: address,
                self.holes["message_id"]: message_id,
                self.holes["unsubscribe"]: unsubscribe,
                self.holes["preferences"]: preferences,
            }
        )
        return WireMessage(connection, self.from_email, address, filled)


class WireMessage:
    """A filled ``Wire``, sent as Django's SMTP backend sends a message."""

    def __init__(self, connection, from_email: str, address: str, text: str):
        self.connection, self.from_email, self.to = connection, from_email, [address]
        self.data = text.encode("utf-8", "surrogateescape")

    def send(self):
        self.connection.connection.sendmail(self.from_email, self.to, self.data)


def finish_if_done(send: Send) -> None:
    if send.batches.exclude(status=Batch.SENT).exists():
        return
    finished = Send.objects.filter(pk=send.pk, status=Send.SENDING).update(
        status=Send.DONE, finished_at=timezone.now()
    )
    if finished and not send.test_to:
        Issue.objects.filter(pk=send.issue_id).update(status=Issue.SENT)


def reconcile(now=None) -> list[int]:
    """Abandoned batches: what was in flight becomes ``unknown``; the batch
    goes back to ``pending`` for what was never touched. Returns the batch
    ids to send again."""
    now = now or timezone.now()
    # Pending batches whose job may be gone: let go because no mail server
    # answered (``released``), or still waiting long after their send began
    # (a worker killed as it took the job leaves it taken). Queuing one
    # twice is harmless: only one worker can claim it.
    again = list(
        Batch.objects.filter(status=Batch.PENDING)
        .filter(
            Q(claimed_at__lt=now - RETRY_RELEASED)
            | Q(claimed_at=None, send__created_at__lt=now - STALE)
        )
        .values_list("pk", flat=True)
    )
    for batch_id in Batch.objects.filter(
        status=Batch.SENDING, claimed_at__lt=now - STALE
    ).values_list("pk", flat=True):
        with transaction.atomic():
            batch = Batch.objects.select_for_update(skip_locked=True).filter(pk=batch_id).first()
            if batch is None or batch.status != Batch.SENDING:
                continue
            batch.deliveries.filter(status=Delivery.SENDING).update(
                status=Delivery.UNKNOWN, error="the worker stopped while sending this message"
            )
            left = batch.deliveries.filter(status=Delivery.PENDING).exists()
            batch.status = Batch.PENDING if left else Batch.SENT
            batch.save(update_fields=["status"])
            if left:
                again.append(batch.pk)
            else:
                transaction.on_commit(lambda send=batch.send: finish_if_done(send))
    return again


def progress(send: Send) -> dict:
    """How many deliveries stand where: what the editor watches while it runs."""
    counts = dict.fromkeys((status for status, _ in Delivery.STATUSES), 0)
    for row in send.deliveries.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["remaining"] = counts[Delivery.PENDING] + counts[Delivery.SENDING]
    return counts
