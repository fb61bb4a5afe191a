"""The one entitlement question: is this reader a subscriber right now?

The paywall, ad slots and comments all ask here and nowhere else. The answer
is read from timestamps, not from a status a scheduled job must update: a
trial or paid period that ends without payment stops access at its end, to
the second; a payment failure keeps access for the grace period.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Q
from django.utils import timezone

from masthead.members.models import ComplimentaryAccess, Subscription

S = Subscription


def grace_period() -> timedelta:
    return timedelta(hours=settings.MASTHEAD_PAST_DUE_GRACE_HOURS)


def entitling(now=None) -> Q:
    """Subscriptions that grant access at ``now``."""
    now = now or timezone.now()
    return Q(status__in=[S.TRIALING, S.ACTIVE, S.CANCELED], current_period_end__gt=now) | Q(
        status=S.PAST_DUE, past_due_since__gt=now - grace_period()
    )


def is_entitled(user, now=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    now = now or timezone.now()
    # One query for both answers: this runs on every page a signed-in reader sees.
    paid = Subscription.objects.filter(entitling(now), user=user)
    granted = ComplimentaryAccess.objects.current(now).filter(user=user)
    users = get_user_model().objects.filter(pk=user.pk)
    return users.filter(Exists(paid) | Exists(granted)).exists()
