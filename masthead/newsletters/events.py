"""What became of each message, from the provider's webhooks, and an issue's report.

django-anymail checks each webhook (the shared secret, and the provider's
signature where it signs) and hands us its events in one form whatever the
provider (``anymail.signals.tracking``). Each event is matched to its
``Delivery`` by the id we put in the message's metadata, or by the
provider's message id, and then:

- a hard bounce or a complaint suppresses the address on every list at once
  (and a provider's refusal because the address bounced, complained or is
  invalid does the same);
- an unsubscribe from the provider's own link unsubscribes that list;
- a message left ``unknown`` (the worker died, or the provider did not
  answer) is settled: any sign the provider took it makes it ``sent``, a
  refusal makes it ``failed`` — never by sending it again;
- opens, clicks and deliveries are kept for the report.

An event with the provider's own id is stored once, so a replayed webhook
changes nothing more.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from masthead import inputs
from masthead.newsletters.models import Delivery, DeliveryEvent, Recipient, Send, normalise
from masthead.newsletters.sending import METADATA_KEY

logger = logging.getLogger("masthead.newsletters")

# anymail's event types, as the kinds we keep.
KINDS = {
    "queued": DeliveryEvent.ACCEPTED,
    "sent": DeliveryEvent.ACCEPTED,
    "delivered": DeliveryEvent.DELIVERED,
    "bounced": DeliveryEvent.BOUNCED,
    "complained": DeliveryEvent.COMPLAINED,
    "opened": DeliveryEvent.OPENED,
    "clicked": DeliveryEvent.CLICKED,
    "unsubscribed": DeliveryEvent.UNSUBSCRIBED,
    "rejected": DeliveryEvent.REJECTED,
    "failed": DeliveryEvent.FAILED,
    "deferred": DeliveryEvent.DEFERRED,
}
# A refusal for one of these reasons means the address must not be mailed again.
SUPPRESSING_REJECTIONS = {"bounced", "spam", "invalid"}
TAKEN = {
    DeliveryEvent.ACCEPTED,
    DeliveryEvent.DELIVERED,
    DeliveryEvent.BOUNCED,
    DeliveryEvent.COMPLAINED,
    DeliveryEvent.OPENED,
    DeliveryEvent.CLICKED,
    DeliveryEvent.UNSUBSCRIBED,
    DeliveryEvent.DEFERRED,
}


def find_delivery(event) -> Delivery | None:
    """The delivery an event is about: by our id in its metadata (checked
    against its recipient), else by the provider's message id."""
    recipient = normalise(event.recipient or "")
    wanted = inputs.object_id(str((event.metadata or {}).get(METADATA_KEY, "")))
    if wanted is not None:
        found = Delivery.objects.filter(pk=wanted).first()
        if found is not None and (not recipient or found.email == recipient):
            return found
    if event.message_id:
        matches = Delivery.objects.filter(provider_id=str(event.message_id)[:200])
        if recipient:
            matches = matches.filter(email=recipient)
        return matches.first()
    return None


def tracked(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's ``tracking`` signal: one provider event, verified."""
    kind = KINDS.get(event.event_type)
    if kind is None:
        return  # autoresponded, subscribed, inbound failures, unknown: nothing to do
    provider = str(esp_name or "provider").lower()[:30]
    delivery = find_delivery(event)
    email = normalise(event.recipient or (delivery.email if delivery else ""))[:254]
    stamped = isinstance(event.timestamp, datetime)
    at = event.timestamp if stamped else timezone.now()
    url = (event.click_url or "")[:2000] if kind == DeliveryEvent.CLICKED else ""
    event_id = str(event.event_id or "")[:200]
    if not event_id and stamped:
        # Some providers name only some events (Postmark: bounces); the same
        # event sent again has the same facts, so they name it.
        facts = f"{kind}|{email}|{event.message_id}|{at.isoformat()}|{url}"
        event_id = "facts:" + hashlib.sha256(facts.encode()).hexdigest()
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(
                delivery=delivery,
                send_id=delivery.send_id if delivery else None,
                email=email,
                kind=kind,
                at=at,
                url=url,
                provider=provider,
                event_id=event_id,
                detail=str(event.description or event.mta_response or "")[:1000],
            )
            apply(kind, event.reject_reason, email, delivery)
    except IntegrityError:
        return  # this provider event was stored already: a replay changes nothing


def apply(kind: str, reject_reason, email: str, delivery: Delivery | None) -> None:
    if delivery is not None and delivery.status == Delivery.UNKNOWN:
        if kind in TAKEN:
            settled = Delivery.SENT
        elif kind in (DeliveryEvent.REJECTED, DeliveryEvent.FAILED):
            settled = Delivery.FAILED
        else:
            settled = None
        if settled:
            Delivery.objects.filter(pk=delivery.pk, status=Delivery.UNKNOWN).update(
                status=settled, error=f"settled by the provider's {kind} event"
            )
    suppress = kind in (DeliveryEvent.BOUNCED, DeliveryEvent.COMPLAINED) or (
        kind == DeliveryEvent.REJECTED and reject_reason in SUPPRESSING_REJECTIONS
    )
    if suppress and email:
        changed = Recipient.objects.filter(email=email).exclude(status=Recipient.SUPPRESSED)
        changed.update(status=Recipient.SUPPRESSED, changed_at=timezone.now())
    elif (
        kind == DeliveryEvent.UNSUBSCRIBED or reject_reason == "unsubscribed"
    ) and delivery is not None:
        Recipient.objects.filter(
            pk=delivery.recipient_id, status__in=[Recipient.ACTIVE, Recipient.PENDING]
        ).update(status=Recipient.UNSUBSCRIBED, changed_at=timezone.now())


def unsubscribed_here(delivery_id: int | None, recipient: Recipient) -> None:
    """A reader's one-click unsubscribe from a message: on that issue's report."""
    delivery = (
        Delivery.objects.filter(pk=delivery_id, recipient=recipient).first()
        if delivery_id
        else None
    )
    DeliveryEvent.objects.create(
        delivery=delivery,
        send_id=delivery.send_id if delivery else None,
        email=recipient.email,
        kind=DeliveryEvent.UNSUBSCRIBED,
        at=timezone.now(),
        provider="masthead",
    )


def report(send: Send) -> dict:
    """An issue's numbers: recipients, what was sent, delivered and bounced,
    clicks and the click rate first, opens (which mail privacy features
    inflate: a client that fetches every image "opens" everything), and
    unsubscribes. Rates are of messages delivered, or of those sent when the
    provider reports no deliveries (plain SMTP reports nothing back)."""
    by_status = dict(
        send.deliveries.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    events = send.events.exclude(delivery=None)
    reached = events.values("kind").annotate(
        people=Count("delivery", distinct=True), times=Count("pk")
    )
    people = {row["kind"]: row["people"] for row in reached}
    times = {row["kind"]: row["times"] for row in reached}
    sent = by_status.get(Delivery.SENT, 0)
    delivered = people.get(DeliveryEvent.DELIVERED, 0)
    base = delivered or sent

    def share(count):
        return count / base if base else None

    links = list(
        events.filter(kind=DeliveryEvent.CLICKED)
        .values_list("url")
        .annotate(n=Count("delivery", distinct=True))
        .order_by("-n", "url")
        .values_list("url", "n")[:10]
    )
    return {
        "recipients": send.total,
        "sent": sent,
        "failed": by_status.get(Delivery.FAILED, 0),
        "unknown": by_status.get(Delivery.UNKNOWN, 0),
        "skipped": by_status.get(Delivery.SKIPPED, 0),
        "delivered": delivered,
        "bounced": people.get(DeliveryEvent.BOUNCED, 0),
        "complaints": people.get(DeliveryEvent.COMPLAINED, 0),
        "clickers": people.get(DeliveryEvent.CLICKED, 0),
        "clicks": times.get(DeliveryEvent.CLICKED, 0),
        "click_rate": share(people.get(DeliveryEvent.CLICKED, 0)),
        "openers": people.get(DeliveryEvent.OPENED, 0),
        "open_rate": share(people.get(DeliveryEvent.OPENED, 0)),
        "unsubscribes": people.get(DeliveryEvent.UNSUBSCRIBED, 0),
        "unsubscribe_rate": share(people.get(DeliveryEvent.UNSUBSCRIBED, 0)),
        "rate_of": "delivered" if delivered else "sent",
        "links": links,
    }
