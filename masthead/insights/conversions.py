"""Registrations, trial starts and paid starts, each with the wall it is
attributed to.

A conversion is written in the same transaction as what it counts: a
reader's sign-up (a registration), or the subscription event that started
a trial or the first paid period (``members.lifecycle`` writes those).
``sync`` writes any that are missing (history from before Insights, an
import), so counting them twice is impossible and missing one is repaired.

Attribution: the last wall (registration or subscribe) the reader met before
the conversion, within ``LONGEST_WINDOW``, by this account or by a browser
that signed in as it (``Alias``). Reports narrow it to 1, 7 or 30 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.signals import user_signed_up
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from masthead.gifts.models import gift_opened_before
from masthead.insights import record
from masthead.insights.models import Alias, Conversion, Sighting
from masthead.members.models import Subscription, SubscriptionEvent
from masthead.offers import results

LONGEST_WINDOW = timedelta(days=30)
WINDOWS = {1: timedelta(days=1), 7: timedelta(days=7), 30: timedelta(days=30)}
S = Subscription


def kind_of(event: SubscriptionEvent, earlier_statuses) -> str | None:
    """What ``event`` starts, given the statuses its subscription reached before."""
    if event.to_status == S.TRIALING and not event.from_status:
        return Conversion.TRIAL
    if event.to_status == S.ACTIVE and S.ACTIVE not in earlier_statuses:
        # The first paid period: straight from checkout, or a trial's end.
        # A resumed or reactivated subscription has been active before.
        return Conversion.PAID
    return None


def readers_of(user_id: int) -> list[str]:
    """Every digest this account's walls were met under."""
    return [
        record.digest(f"u:{user_id}"),
        *Alias.objects.filter(user_id=user_id).values_list("reader", flat=True),
    ]


def digests_of(user_id: int | None, visitor_id: str | None) -> list[str]:
    """The digests a reader's walls and gifts were met under: the account's
    (and the browsers it signed in from), or one browser's."""
    if user_id is not None:
        return readers_of(user_id)
    if visitor_id:
        return [record.digest(f"v:{visitor_id}")]
    return []


def attribute(
    user_id: int | None, at: datetime, visitor_id: str | None = None
) -> tuple[int, int, datetime] | None:
    """(article id, section id, when) of the last wall met before ``at``: by
    the account (and the browsers it signed in from), or by one browser."""
    digests = digests_of(user_id, visitor_id)
    if not digests:
        return None
    # Counts a process still holds would be missed: write them first.
    record.flush()
    wall = (
        Sighting.objects.filter(
            reader__in=digests,
            kind__in=Sighting.WALLS,
            first_at__lte=at,
            last_at__gte=at - LONGEST_WINDOW,
        )
        .order_by("-last_at")
        .values_list("article_id", "last_at")
        .first()
    )
    if wall is None:
        return None
    article_id, last_at = wall
    return article_id, section_of(article_id), min(last_at, at)


def section_of(article_id: int) -> int:
    """The article's section (its parent page), or 0 when it is gone."""
    from masthead.newsroom.models import ArticlePage

    article = ArticlePage.objects.filter(pk=article_id).only("path", "depth").first()
    if article is None:
        return 0
    parent = article.get_parent()
    return parent.pk if parent else 0


def _write(
    kind: str, *, user_id, at, event=None, plan=None, demo=False, visitor_id=None
) -> Conversion | None:
    attributed = attribute(user_id, at, visitor_id)
    article_id, section_id, wall_at = attributed or (None, None, None)
    digests = digests_of(user_id, visitor_id)
    gift_id = gift_opened_before(digests, at, LONGEST_WINDOW)
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                kind=kind,
                at=at,
                day=timezone.localdate(at),
                user_id=user_id,
                event=event,
                plan=plan,
                article_id=article_id,
                section_id=section_id,
                wall_at=wall_at,
                gift_id=gift_id,
                demo=demo,
            )
            # The offer experiment variant the reader was shown, if any.
            results.attribute(conversion, user_id, digests)
            return conversion
    except IntegrityError:
        return None  # written already (``sync`` and the signal met)


def event_saved(sender, instance: SubscriptionEvent, created: bool, raw=False, **kwargs):
    if not created or raw:
        return
    earlier = set(
        SubscriptionEvent.objects.filter(subscription_id=instance.subscription_id)
        .exclude(pk=instance.pk)
        .filter(occurred_at__lte=instance.occurred_at)
        .values_list("to_status", flat=True)
    )
    kind = kind_of(instance, earlier)
    if kind is None:
        return
    subscription = instance.subscription
    _write(
        kind,
        user_id=subscription.user_id,
        at=instance.occurred_at,
        event=instance,
        plan=instance.plan,
    )


def signed_up(sender, request, user, **kwargs):
    """A registration is a reader's sign-up on the site (allauth's, by
    address or a social account); its browser's walls count towards it."""
    alias(request, user)
    _write(Conversion.REGISTRATION, user_id=user.pk, at=user.date_joined or timezone.now())


def newsletter_signup(request, user_id: int | None) -> None:
    """A reader began receiving a newsletter (an account's join, or an
    address confirmed): one sign-up, attributed to the last wall the account
    or, without one, this browser met."""
    from masthead.paywall.readers import read_visitor_id

    visitor_id = read_visitor_id(request) if request is not None and user_id is None else None
    _write(Conversion.NEWSLETTER, user_id=user_id, at=timezone.now(), visitor_id=visitor_id)


def alias(request, user, **kwargs):
    """Remember the browser this account signed in from, for attribution."""
    from masthead.paywall.readers import read_visitor_id

    visitor_id = read_visitor_id(request) if request is not None else None
    if not visitor_id or user is None:
        return
    record.flush()
    Alias.objects.get_or_create(
        user_id=user.pk, reader=record.digest(f"v:{visitor_id}"), defaults={"at": timezone.now()}
    )


def sync() -> int:
    """Write every trial and paid start the event log shows and ``Conversion``
    lacks. (A registration is written by sign-up alone: an account made by
    an editor or an import is not one.)"""
    written = 0
    have = set(Conversion.objects.exclude(event=None).values_list("event_id", flat=True))
    reached: dict[int, set] = {}
    for event in SubscriptionEvent.objects.select_related("subscription").order_by(
        "occurred_at", "pk"
    ):
        statuses = reached.setdefault(event.subscription_id, set())
        kind = kind_of(event, statuses)
        statuses.add(event.to_status)
        if kind is None or event.pk in have:
            continue
        if _write(
            kind,
            user_id=event.subscription.user_id,
            at=event.occurred_at,
            event=event,
            plan=event.plan,
        ):
            written += 1
    return written


def account_deleted(sender, instance, **kwargs):
    """A deleted account's raw rows go with it: the browsers it signed in
    from, and what it met under its own key. (Rolled-up days and its
    conversions stay, counts without a person.)"""
    Alias.objects.filter(user_id=instance.pk).delete()
    Sighting.objects.filter(reader=record.digest(f"u:{instance.pk}")).delete()


def connect() -> None:
    post_save.connect(event_saved, sender=SubscriptionEvent, dispatch_uid="insights.event")
    user_signed_up.connect(signed_up, dispatch_uid="insights.signed_up")
    user_logged_in.connect(alias, dispatch_uid="insights.alias")
    post_delete.connect(account_deleted, sender=get_user_model(), dispatch_uid="insights.deleted")
