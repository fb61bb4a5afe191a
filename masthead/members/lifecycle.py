"""The only code that changes a subscription's status, and the rules it keeps.

Every change is one transaction: the subscription row (locked) and the event
row that records it, or neither. A provider's event id is applied once.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from masthead.members import notifications
from masthead.members.models import Plan, SpentTrial, Subscription, SubscriptionEvent

S = Subscription
logger = logging.getLogger("masthead.subscriptions")
ALLOWED = {
    S.TRIALING: {S.TRIALING, S.ACTIVE, S.PAST_DUE, S.CANCELED, S.EXPIRED},
    S.ACTIVE: {S.ACTIVE, S.PAST_DUE, S.CANCELED, S.EXPIRED},
    S.PAST_DUE: {S.ACTIVE, S.PAST_DUE, S.CANCELED, S.EXPIRED},
    S.CANCELED: {S.TRIALING, S.ACTIVE, S.CANCELED, S.EXPIRED},
    S.EXPIRED: set(),
}


class LifecycleError(Exception):
    """A change the lifecycle does not allow; nothing was written."""


class TrialAlreadyUsed(LifecycleError):
    pass


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start: datetime, plan: Plan) -> datetime:
    if plan.interval == Plan.WEEK:
        return start + timedelta(weeks=1)
    return add_months(start, 1 if plan.interval == Plan.MONTH else 12)


def has_had_trial(user) -> bool:
    """This account's trial, or one spent by a deleted account at one of its
    addresses (``SpentTrial``): one free trial per person, not per sign-up."""
    if Subscription.objects.filter(user=user, had_trial=True).exists():
        return True
    return SpentTrial.objects.filter(digest__in=SpentTrial.digests_for(user)).exists()


def current_for(user):
    """The reader's subscription that is not expired, newest first, or None."""
    return (
        Subscription.objects.filter(user=user)
        .exclude(status=S.EXPIRED)
        .select_related("plan")
        .first()
    )


def start(
    user,
    plan: Plan,
    *,
    provider: str,
    now: datetime,
    trial: bool,
    cause: str,
    provider_subscription_id: str = "",
    provider_customer_id: str = "",
    period_ends: datetime | None = None,
) -> Subscription:
    """A new subscription, trialing or active. Refuses a second trial and a
    second live subscription."""
    if trial and plan.trial_days <= 0:
        raise LifecycleError(_("%(plan)s has no free trial.") % {"plan": plan.name})
    try:
        with transaction.atomic():
            # Serialise starts per reader: two tabs cannot both start one.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            if current_for(user) is not None:
                raise LifecycleError(_("This account already has a subscription."))
            if trial and has_had_trial(user):
                raise TrialAlreadyUsed(_("This account has already had its free trial."))
            ends = period_ends or (
                now + timedelta(days=plan.trial_days) if trial else period_end(now, plan)
            )
            subscription = Subscription.objects.create(
                user=user,
                plan=plan,
                status=S.TRIALING if trial else S.ACTIVE,
                provider=provider,
                provider_subscription_id=provider_subscription_id,
                provider_customer_id=provider_customer_id,
                had_trial=trial,
                trial_end=ends if trial else None,
                current_period_start=now,
                current_period_end=ends,
                provider_state_at=now,
            )
            SubscriptionEvent.objects.create(
                subscription=subscription,
                to_status=subscription.status,
                cause=cause,
                occurred_at=now,
            )
            notifications.subscription_started(subscription)
            _log(subscription, "", subscription.status, cause, "")
    except IntegrityError as exc:  # the database's one-trial rule, under a race
        raise TrialAlreadyUsed(_("This account has already had its free trial.")) from exc
    return subscription


def _log(subscription, from_status: str, to_status: str, cause: str, provider_event: str) -> None:
    """One structured line per change, written once the change has committed."""
    transaction.on_commit(
        lambda: logger.info(
            "subscription %s: %s -> %s",
            subscription.pk,
            from_status or "new",
            to_status,
            extra={
                "subscription": subscription.pk,
                "user": subscription.user_id,
                "from_status": from_status,
                "to_status": to_status,
                "cause": cause,
                "provider_event": provider_event,
            },
        )
    )


def change(
    subscription: Subscription,
    to_status: str,
    *,
    cause: str,
    at: datetime,
    provider_event_id: str = "",
    **fields,
) -> bool:
    """Move a subscription to ``to_status`` (and set ``fields``), recording why.

    Returns False, changing nothing, when ``provider_event_id`` was applied
    before. Raises LifecycleError for a move the lifecycle does not allow.
    """
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if (
            provider_event_id
            and SubscriptionEvent.objects.filter(provider_event_id=provider_event_id).exists()
        ):
            return False
        if to_status not in ALLOWED[locked.status]:
            raise LifecycleError(
                f"A {locked.get_status_display().lower()} subscription cannot become {to_status}."
            )
        from_status = locked.status
        locked.status = to_status
        if to_status == S.PAST_DUE and from_status != S.PAST_DUE:
            locked.past_due_since = at
        elif to_status != S.PAST_DUE:
            locked.past_due_since = None
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        event = SubscriptionEvent.objects.create(
            subscription=locked,
            from_status=from_status,
            to_status=to_status,
            cause=cause,
            provider_event_id=provider_event_id,
            occurred_at=at,
        )
        # Queued in the same transaction: the email exists if and only if the change does.
        notifications.status_changed(locked, event)
        _log(locked, from_status, to_status, cause, provider_event_id)
    subscription.refresh_from_db()
    return True


def cancel_at_period_end(subscription: Subscription, *, at: datetime, cause: str) -> None:
    change(subscription, S.CANCELED, cause=cause, at=at)


def end_now(subscription: Subscription, *, at: datetime, cause: str) -> None:
    """End a subscription at once: access stops at ``at``, not at the period's end.
    Nothing is refunded here; a provider that takes payment says what it did."""
    fields = {"current_period_end": min(subscription.current_period_end, at)}
    if subscription.trial_end is not None:
        fields["trial_end"] = min(subscription.trial_end, at)
    change(subscription, S.EXPIRED, cause=cause, at=at, **fields)


def resume(subscription: Subscription, *, at: datetime, cause: str) -> None:
    """Undo a cancellation before the period ends."""
    if subscription.status != S.CANCELED or subscription.current_period_end <= at:
        raise LifecycleError(
            _("Only a canceled subscription whose period has not ended can resume.")
        )
    in_trial = subscription.trial_end is not None and subscription.trial_end > at
    change(subscription, S.TRIALING if in_trial else S.ACTIVE, cause=cause, at=at)


# Providers whose subscriptions only Masthead can end. A Stripe subscription
# ends when Stripe says so (customer.subscription.deleted): at a renewal its
# period moves on by webhook, and marking it expired here first would make a
# paying reader's subscription terminal. Access never waits for either.
EXPIRED_BY_US = ("local",)


def expire_lapsed(now: datetime, grace: timedelta, providers=EXPIRED_BY_US) -> int:
    """Record as expired every subscription of ``providers`` whose access has
    ended. Access itself never waits for this: entitlement reads the timestamps."""
    lapsed = Subscription.objects.filter(provider__in=providers).filter(
        Q(status__in=[S.TRIALING, S.ACTIVE, S.CANCELED], current_period_end__lte=now)
        | Q(status=S.PAST_DUE, past_due_since__lte=now - grace)
    )
    count = 0
    for subscription in lapsed:
        change(subscription, S.EXPIRED, cause="access ended without payment", at=now)
        count += 1
    return count


@dataclass(frozen=True)
class ProviderState:
    """What a payment provider says a subscription is, in Masthead's terms."""

    status: str
    current_period_start: datetime
    current_period_end: datetime
    trial_end: datetime | None = None
    plan: Plan | None = None
    customer_id: str = ""


def record_provider_state(**kwargs) -> Subscription | None:
    """Make our copy of a provider's subscription match a state; see ``_record``."""
    try:
        return _record(**kwargs)
    except IntegrityError:
        # Another request (the reader's return from checkout, a duplicate
        # webhook) created the row at the same moment; it exists now, so the
        # state is applied over it instead.
        return _record(**kwargs)


def _record(
    *,
    provider: str,
    provider_subscription_id: str,
    state: ProviderState,
    at: datetime,
    cause: str,
    provider_event_id: str = "",
    user=None,
) -> Subscription | None:
    """Make our copy of a provider's subscription match ``state``, as of ``at``.

    The provider's clock decides, not arrival order: news older than the state
    we hold is ignored, and an expired subscription stays expired. A
    subscription we have not seen is created for ``user`` (from the provider's
    metadata), even when its first news is that it ended, so that older news
    arriving later cannot bring it back. Returns None when there is no row and
    no user to create one for.
    """
    with transaction.atomic():
        existing = (
            Subscription.objects.select_for_update()
            .filter(provider=provider, provider_subscription_id=provider_subscription_id)
            .first()
        )
        if existing is None:
            if user is None or state.plan is None:
                return None
            return _adopt(user, provider, provider_subscription_id, state, at, cause)
        if existing.status == S.EXPIRED:
            return existing
        if existing.provider_state_at and at < existing.provider_state_at:
            return existing
        fields = {
            "current_period_start": state.current_period_start,
            "current_period_end": state.current_period_end,
            "trial_end": state.trial_end,
            "plan": state.plan or existing.plan,
        }
        if state.customer_id:
            fields["provider_customer_id"] = state.customer_id
        unchanged = existing.status == state.status and all(
            getattr(existing, name) == value for name, value in fields.items()
        )
        if unchanged or state.status not in ALLOWED[existing.status]:
            # Nothing new (or a move we do not make, e.g. back to trialing):
            # remember how recent our news is, and record no event.
            Subscription.objects.filter(pk=existing.pk).update(provider_state_at=at)
            existing.provider_state_at = at
            return existing
        change(
            existing,
            state.status,
            cause=cause,
            at=at,
            provider_event_id=provider_event_id,
            provider_state_at=at,
            **fields,
        )
        return existing


def _adopt(user, provider, provider_subscription_id, state, at, cause) -> Subscription:
    """Create our row for a subscription the provider already holds (it took payment
    or began a trial there, so we record it even if it breaks a rule checkout keeps)."""
    trial = state.status == S.TRIALING or state.trial_end is not None
    create = {
        "user": user,
        "plan": state.plan,
        "status": state.status,
        "provider": provider,
        "provider_subscription_id": provider_subscription_id,
        "provider_customer_id": state.customer_id,
        "trial_end": state.trial_end,
        "current_period_start": state.current_period_start,
        "current_period_end": state.current_period_end,
        "past_due_since": at if state.status == S.PAST_DUE else None,
        "provider_state_at": at,
    }
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(had_trial=trial, **create)
    except IntegrityError:
        # The account's one trial was used before; the row still records the
        # provider's subscription, without claiming a second trial.
        subscription = Subscription.objects.create(had_trial=False, **create)
    SubscriptionEvent.objects.create(
        subscription=subscription, to_status=subscription.status, cause=cause, occurred_at=at
    )
    if subscription.status != S.EXPIRED:
        notifications.subscription_started(subscription)
    return subscription
