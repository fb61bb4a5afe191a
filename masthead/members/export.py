"""A reader's own data, as one JSON document they can download from their account.

Everything here is read through the reader's own rows (``user=...``), never by
an id the request sends, so an export cannot hold another reader's data: the
comments a reader reported appear as a reference (article, comment id, their
own reason), never with the reported text, which another reader wrote.

Left out on purpose: secrets that work on their own (the private feed address
is a password in a URL; only its existence is exported), the password hash,
session data, and links a provider made to be followed once (the hosted
invoice links in receipts), and a gift link's address (anyone holding it
reads the article; the export says which articles were gifted, and how).
"""

from __future__ import annotations

import json

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from masthead.discussion.models import Comment, CommentBan, CommentReport
from masthead.gifts.models import GiftLink
from masthead.members import languages
from masthead.members.models import ComplimentaryAccess, Notification, Subscription
from masthead.newsletters.models import Recipient
from masthead.offers.models import Assignment
from masthead.syndication.models import FeedToken

FORMAT = "masthead-reader-data"
VERSION = 1

# The note in the file written for the reader, in their language.
ABOUT = gettext_lazy(
    "Everything this site holds about your account, as of exported_at. Payments are "
    "handled by the payment provider named on each subscription; your card details and "
    "invoices are held there, not here. Newsletters lists every list your addresses are on "
    "(pending, receiving, unsubscribed or stopped after bounces)."
)


def build(user, request=None) -> dict:
    """The reader's data as plain values (datetimes stay datetimes: see ``dumps``)."""
    subscriptions = (
        Subscription.objects.filter(user=user)
        .select_related("plan")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "site": site_name(request),
        "about": str(ABOUT),
        "account": _account(user),
        "subscriptions": [_subscription(s) for s in subscriptions],
        "complimentary_access": [
            {
                "reason": grant.reason,
                "starts_at": grant.starts_at,
                "ends_at": grant.ends_at,
                "created_at": grant.created_at,
            }
            for grant in ComplimentaryAccess.objects.filter(user=user).order_by("starts_at", "pk")
        ],
        "emails_about_your_subscription": [
            {
                "kind": note.kind,
                "subscription_id": note.subscription_id,
                "details": {k: v for k, v in note.data.items() if k != "url"},
                "queued_at": note.created_at,
                "sent_at": note.sent_at,
            }
            for note in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "private_feed": _private_feed(user),
        # The language later emails are written in (members/languages.py).
        "email_language": languages.language_of(user),
        "newsletters": [
            {
                "newsletter": recipient.newsletter.name,
                "email": recipient.email,
                "status": recipient.status,
                "signed_up_at": recipient.created_at,
                "confirmed_at": recipient.confirmed_at,
            }
            for recipient in Recipient.objects.filter(
                Q(user=user) | Q(email__in=user.emailaddress_set.values_list("email", flat=True))
            )
            .select_related("newsletter")
            .order_by("created_at", "pk")
        ],
        "gift_links": [
            {
                "article": link.article.title,
                "made_at": link.created_at,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
                "browsers_that_opened_it": link.browsers,
                "your_name_shown": link.show_name,
            }
            for link in GiftLink.objects.filter(giver=user).select_related("article")
        ],
        # The offer experiments whose variant this account was kept in.
        "offer_experiments": [
            {
                "experiment": assignment.experiment.name,
                "variant_shown": assignment.variant.name,
                "since": assignment.at,
            }
            for assignment in Assignment.objects.filter(user=user)
            .select_related("experiment", "variant")
            .order_by("at", "pk")
        ],
        "two_factor_authentication": _authenticators(user),
        **_discussion(user, request),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def filename(now=None) -> str:
    """Names nobody else's file and carries no address: the date is enough."""
    day = timezone.localdate(now or timezone.now())
    return f"account-data-{day.isoformat()}.json"


def site_name(request) -> str:
    from django.conf import settings
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    site = site or Site.objects.filter(is_default_site=True).first()
    return (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME


def _account(user) -> dict:
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.get_full_name(),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary} for a in addresses
        ],
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "has_password": user.has_usable_password(),
    }


def _subscription(subscription) -> dict:
    plan = subscription.plan
    return {
        "id": subscription.pk,
        "plan": {
            "name": plan.name,
            "price": plan.price_label,
            "price_minor": plan.price_minor,
            "currency": plan.currency,
            "interval": plan.interval,
        },
        "status": subscription.status,
        "provider": subscription.provider,
        "provider_subscription_id": subscription.provider_subscription_id,
        "provider_customer_id": subscription.provider_customer_id,
        "had_trial": subscription.had_trial,
        "trial_end": subscription.trial_end,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "past_due_since": subscription.past_due_since,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
        "events": [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "cause": event.cause,
                "occurred_at": event.occurred_at,
                "recorded_at": event.recorded_at,
            }
            for event in sorted(subscription.events.all(), key=lambda e: (e.recorded_at, e.pk))
        ],
    }


def _private_feed(user) -> dict:
    token = FeedToken.objects.filter(user=user).first()
    # The address itself is a secret that works on its own: it is on the
    # account page, not in a file that may be copied around.
    return {"exists": token is not None, "created_at": token.created_at if token else None}


def _authenticators(user) -> list:
    if not apps.is_installed("allauth.mfa"):
        return []
    from allauth.mfa.models import Authenticator

    return [
        {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
        for a in Authenticator.objects.filter(user=user).order_by("created_at", "pk")
    ]


def _discussion(user, request) -> dict:
    comments = (
        Comment.objects.filter(user=user)
        .select_related("article")
        .prefetch_related("revisions")
        .order_by("created_at", "pk")
    )
    reports = (
        CommentReport.objects.filter(reporter=user)
        .select_related("comment__article")
        .order_by("created_at", "pk")
    )
    ban = CommentBan.objects.filter(user=user).first()
    return {
        "comments": [
            {
                "id": c.pk,
                "article": _article(c.article, request),
                "in_reply_to": c.parent_id,
                "text": c.text,
                "status": c.status,
                "written_as_staff": c.staff,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "deleted_at": c.deleted_at,
                # The texts it had before each of the reader's edits.
                "earlier_texts": [
                    {"text": r.text, "written_at": r.written_at, "replaced_at": r.replaced_at}
                    for r in c.revisions.all()
                ],
            }
            for c in comments
        ],
        # What the reader reported and why; not the reported text (someone else's).
        "comment_reports": [
            {
                "comment_id": r.comment_id,
                "article": _article(r.comment.article, request),
                "reason": r.reason,
                "created_at": r.created_at,
                "resolved": r.resolved,
            }
            for r in reports
        ],
        "commenting_ban": (
            {"reason": ban.reason, "created_at": ban.created_at} if ban is not None else None
        ),
    }


def _article(article, request) -> dict:
    return {"title": article.title, "url": article.get_full_url(request)}
