"""A reader deletes their account: what ends, what goes, what stays.

In two steps, in this order:

1. ``end_subscriptions``: every subscription that has not expired is ended
   through its payment provider, at the end of the paid period or at once, as
   the reader chose. Each provider call records its own result (a cancellation
   that happened at Stripe is true even if step 2 never runs), so a retry
   after a failure does not cancel twice. If any call fails, ``LeavingError``
   is raised and nothing has been deleted.
2. ``delete_account``: in one transaction, with the account's row locked, the
   reader's comments are kept as "Deleted reader" or removed (the site's
   ``DiscussionSettings.on_account_deletion``), and the account is deleted
   with everything that hangs off it: email addresses, subscriptions and
   their events, queued emails, complimentary access, the private feed
   address, reports they filed, a commenting ban. Either all of it or none.

What stays is described to the reader before they confirm (members/delete.html)
and in docs/subscriptions.md: the payment provider's own records (invoices,
payments) and, under the "keep" setting, the comments without their name; and, if the
account had a free trial, a keyed digest of its addresses (``SpentTrial``),
so that signing up again does not bring a second one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from masthead.billing.providers import ProviderError, get_provider
from masthead.discussion import section
from masthead.discussion.models import Comment, CommentRevision, DiscussionSettings
from masthead.members import lifecycle
from masthead.members.models import SpentTrial, Subscription
from masthead.newsletters.models import Recipient
from masthead.paywall.readers import works_in_admin

logger = logging.getLogger("masthead.members.leaving")
S = Subscription

AT_PERIOD_END, NOW = "period_end", "now"
SUBSCRIPTION_CHOICES = (AT_PERIOD_END, NOW)


class LeavingError(Exception):
    """The account could not be deleted; nothing was deleted. The message is for
    the reader."""

    def __init__(self, message: str, status: int = 503):
        super().__init__(message)
        self.status = status


def may_delete_themselves(user) -> bool:
    """Accounts that can open the admin (staff, or any role with admin access)
    are closed by another administrator: their pages, revisions and
    permissions need a person to hand them over."""
    return not works_in_admin(user)


def live_subscriptions(user) -> list[Subscription]:
    """Every subscription of the reader that has not expired (normally one)."""
    return list(
        Subscription.objects.filter(user=user).exclude(status=S.EXPIRED).select_related("plan")
    )


def choices_for(subscriptions) -> tuple[str, ...]:
    """What the reader may choose. A payment that failed has left no paid period
    to run out: such a subscription can only end now (which also stops the
    provider from retrying the payment)."""
    if not subscriptions:
        return ()
    if any(s.status == S.PAST_DUE for s in subscriptions):
        return (NOW,)
    return SUBSCRIPTION_CHOICES


def end_subscriptions(user, choice: str) -> None:
    """Step 1: end every live subscription through its provider, as chosen."""
    subscriptions = live_subscriptions(user)
    if subscriptions and choice not in choices_for(subscriptions):
        raise LeavingError(_("Choose what happens to your subscription."), status=400)
    for subscription in subscriptions:
        if choice == AT_PERIOD_END and subscription.status == S.CANCELED:
            continue  # already ends with its period, and renews no more
        try:
            provider = get_provider(subscription.provider)
            if choice == NOW:
                provider.cancel_now(subscription)
            else:
                provider.cancel(subscription)
        except (PermissionDenied, ImproperlyConfigured, ProviderError) as exc:
            logger.warning(
                "account %s not deleted: ending subscription %s failed: %s",
                user.pk,
                subscription.pk,
                exc,
                extra={"user": user.pk, "subscription": subscription.pk},
            )
            reason = (
                str(exc)
                if isinstance(exc, ProviderError)
                else _("Your subscription cannot be ended online just now.")
            )
            raise LeavingError(
                _("%(reason)s Your account has not been deleted; please try again later.")
                % {"reason": reason}
            ) from exc
        except lifecycle.LifecycleError as exc:
            # It changed under us (say, it expired a moment ago): the reader
            # looks again at what is true now.
            raise LeavingError(
                _(
                    "Your subscription changed while we were ending it. Your account has not "
                    "been deleted; please look at it again and retry."
                ),
                status=409,
            ) from exc


@dataclass
class Outcome:
    comments_kept: int = 0
    comments_removed: int = 0
    articles: set = field(default_factory=set)


def delete_account(user, *, comments: str) -> Outcome:
    """Step 2: the account and what hangs off it, in one transaction."""
    outcome = Outcome()
    with transaction.atomic():
        # The same lock that serialises starting a subscription and posting a
        # comment: neither can slip in between the checks below and the delete.
        locked = get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            raise LeavingError(_("This account no longer exists."), status=409)
        renewing = Subscription.objects.filter(user=locked).exclude(
            status__in=[S.CANCELED, S.EXPIRED]
        )
        if renewing.exists():
            # A subscription started (in another tab, by a late webhook) after
            # step 1: deleting now would leave it billing an account that is gone.
            raise LeavingError(
                _(
                    "A subscription on this account is still renewing. Your account has not "
                    "been deleted; please look at it again and retry."
                ),
                status=409,
            )
        own = Comment.objects.filter(user=locked)
        outcome.articles = set(own.values_list("article_id", flat=True))
        if comments == DiscussionSettings.REMOVE:
            answered = list(
                own.filter(
                    Exists(Comment.objects.filter(parent=OuterRef("pk")).exclude(user=locked))
                ).values_list("pk", flat=True)
            )
            # Another reader's reply keeps its place under a "Comment deleted"
            # placeholder; the text, its earlier versions and the name go, as
            # when a reader deletes a comment of theirs.
            CommentRevision.objects.filter(comment__in=answered).delete()
            outcome.comments_removed = Comment.objects.filter(pk__in=answered).update(
                text="", deleted_at=Coalesce("deleted_at", Value(timezone.now())), user=None
            )
            # The rest go outright (with their own replies to themselves).
            outcome.comments_removed += (
                own.filter(parent__isnull=True).delete()[1].get(Comment._meta.label, 0)
            )
            outcome.comments_removed += own.delete()[1].get(Comment._meta.label, 0)
        else:
            outcome.comments_kept = own.update(user=None)
        # Newsletters are sent to addresses: lists joined by address alone
        # (a double opt-in before or without the account) end with it too.
        addresses = Q()
        for email in EmailAddress.objects.filter(user=locked).values_list("email", flat=True):
            addresses |= Q(email__iexact=email)
        if addresses:
            Recipient.objects.filter(addresses).delete()
        if lifecycle.has_had_trial(locked):
            # The next account at these addresses gets no second free trial.
            for digest in SpentTrial.digests_for(locked):
                SpentTrial.objects.get_or_create(digest=digest)
        locked.delete()
    return outcome


def forget_cached_discussions(article_ids) -> None:
    """The threads, and the comment counts shown to readers who cannot see them."""
    for article_id in article_ids:
        section.comments_changed(article_id)
