"""A plausible 90-day history for the demo, so Insights is not empty on the
first run: readers and walls per day, sign-ups, trials, payments, failed
payments and cancellations. Everything it makes is marked as demo data and
``remove_history`` takes it all away again (``manage.py load_demo
--remove-insights-history``).

Demo readers are accounts at ``DEMO_DOMAIN`` with no usable password; their
subscriptions are written as records of provider "demo" (no emails are
queued for them, and the chores leave them alone).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from masthead.insights.figures import article_sections, start_of
from masthead.insights.models import ArticleDay, Conversion, DayFigures, RolledDay
from masthead.members.models import Plan, Subscription, SubscriptionEvent

DEMO_DOMAIN = "demo-readers.invalid"
# No payment provider by this name exists, so no chore or provider acts on
# these subscriptions (``members.lifecycle.EXPIRED_BY_US``).
PROVIDER = "demo"
DAYS = 90
S = Subscription


def has_history() -> bool:
    return RolledDay.objects.filter(demo=True).exists()


@transaction.atomic
def make_history(days: int = DAYS, seed: int = 2026, now=None) -> dict:
    """The demo's past ``days`` days (today is left to real readers)."""
    now = now or timezone.now()
    if has_history():
        return {}
    rng = random.Random(seed)
    today = timezone.localdate(now)
    first = today - timedelta(days=days)
    sections = article_sections()
    articles = [pk for pk, (section, _) in sections.items() if section]
    plans = {plan.slug: plan for plan in Plan.objects.filter(active=True)}
    if not articles or not plans:
        return {}
    popularity = {pk: rng.uniform(0.3, 2.0) for pk in articles}

    # Readers and walls: per article per day, then per section and the site
    # (a reader who opens two articles is one reader of the section).
    article_rows, figures, rolled = [], [], []
    for n in range(days):
        day = first + timedelta(n)
        growth = 1 + n / days  # a site that doubles its audience over the quarter
        by_section = defaultdict(lambda: defaultdict(int))
        for pk in articles:
            readers = int(rng.gauss(40, 8) * popularity[pk] * growth)
            readers = max(readers, 0)
            walled = int(readers * rng.uniform(0.15, 0.3))
            impressions = walled + int(walled * rng.uniform(0.1, 0.5))
            article_rows.append(
                ArticleDay(
                    day=day,
                    article_id=pk,
                    section_id=sections[pk][0],
                    readers=readers,
                    walled_readers=walled,
                    wall_impressions=impressions,
                )
            )
            totals = by_section[sections[pk][0]]
            totals["readers"] += readers
            totals["walled"] += walled
            totals["impressions"] += impressions
        site = defaultdict(int)
        for section_id, totals in by_section.items():
            row = _figures(day, section_id, totals, 0.85, rng)
            figures.append(row)
            for name in ("readers", "walled", "impressions"):
                site[name] += totals[name]
        figures.append(_figures(day, 0, site, 0.7, rng))
        rolled.append(RolledDay(day=day, rolled_at=now, demo=True))
    ArticleDay.objects.bulk_create(article_rows)
    DayFigures.objects.bulk_create(figures)
    RolledDay.objects.bulk_create(rolled)

    # Sign-ups and what they went on to do.
    counts = defaultdict(int)
    users = get_user_model().objects
    for n in range(days):
        day = first + timedelta(n)
        for _ in range(rng.randint(2, 7)):
            counts["readers"] += 1
            joined = start_of(day) + timedelta(minutes=rng.randint(6 * 60, 23 * 60))
            user = users.create_user(
                f"demo-reader-{counts['readers']}",
                f"reader{counts['readers']}@{DEMO_DOMAIN}",
                None,
                first_name=f"Demo reader {counts['readers']}",
                date_joined=joined,
            )
            wall = rng.choice(articles)
            _conversion(Conversion.REGISTRATION, user, joined, wall, sections, rng, now)
            _subscribe(user, joined, plans, wall, sections, rng, now, counts)
    return dict(counts)


def _figures(day, section_id, totals, overlap, rng) -> DayFigures:
    readers = int(totals["readers"] * overlap)
    walled = int(totals["walled"] * overlap)
    register = int(walled * rng.uniform(0.55, 0.7))
    return DayFigures(
        day=day,
        section_id=section_id,
        readers=readers,
        walled_readers=walled,
        register_wall_readers=register,
        register_wall_impressions=int(totals["impressions"] * overlap * 0.62),
        subscribe_wall_readers=walled - register,
        subscribe_wall_impressions=int(totals["impressions"] * overlap * 0.38),
        reads=int(totals["readers"] * 1.2),
    )


def _conversion(kind, user, at, wall, sections, rng, now, event=None, plan=None):
    """The conversion the event's signal wrote (or a registration), attributed
    to the wall the story says the reader met."""
    conversion = (
        Conversion.objects.filter(event=event).first() if event is not None else None
    ) or Conversion(kind=kind, user=user, at=at, day=timezone.localdate(at), plan=plan)
    conversion.article_id, conversion.section_id = wall, sections[wall][0]
    conversion.wall_at = at - timedelta(hours=rng.choice([1, 2, 20, 60, 200, 500]))
    conversion.demo = True
    conversion.save()


def _subscribe(user, joined, plans, wall, sections, rng, now, counts) -> None:
    roll = rng.random()
    if roll > 0.45:
        return  # most registered readers stay free
    started = joined + timedelta(hours=rng.randint(1, 24 * 6))
    # Only trials that are over: a running one would be sent reminders.
    trial = roll < 0.2 and "weekly" in plans
    trial = trial and started + timedelta(days=plans["weekly"].trial_days) < now
    plan = plans["weekly"] if trial else plans.get(rng.choice(["monthly", "monthly", "yearly"]))
    plan = plan or next(iter(plans.values()))
    if started >= now:
        return
    subscription = Subscription.objects.create(
        user=user,
        plan=plan,
        status=S.TRIALING if trial else S.ACTIVE,
        provider=PROVIDER,
        had_trial=trial,
        trial_end=started + timedelta(days=plan.trial_days) if trial else None,
        current_period_start=started,
        current_period_end=started + timedelta(days=plan.trial_days or 30),
        provider_state_at=started,
    )
    history = [("", subscription.status, started)]
    status, at = subscription.status, started
    if trial:
        counts["trials"] += 1
        at = started + timedelta(days=plan.trial_days)
        if rng.random() < 0.55:
            history.append((status, S.ACTIVE, at))
            status = S.ACTIVE
        else:
            history.append((status, S.EXPIRED, at))
            status = S.EXPIRED
    if status == S.ACTIVE:
        counts["paid"] += 1
        fate = rng.random()
        ends = at + timedelta(days=rng.randint(10, 50))
        # (Only endings that are over: the chores never act on a demo reader.)
        if fate < 0.1 and ends + timedelta(days=7) < now:  # a card that stopped working
            history.append((S.ACTIVE, S.PAST_DUE, ends))
            history.append((S.PAST_DUE, S.EXPIRED, ends + timedelta(days=7)))
        elif fate < 0.35 and ends + timedelta(days=10) < now:  # changed their mind
            history.append((S.ACTIVE, S.CANCELED, ends))
            history.append((S.CANCELED, S.EXPIRED, ends + timedelta(days=10)))
    history = [step for step in history if step[2] < now]
    for from_status, to_status, when in history:
        event = SubscriptionEvent.objects.create(
            subscription=subscription,
            from_status=from_status,
            to_status=to_status,
            cause="demo history",
            occurred_at=when,
        )
        kind = Conversion.objects.filter(event=event).values_list("kind", flat=True).first()
        if kind:
            _conversion(kind, user, when, wall, sections, rng, now, event=event, plan=plan)
    last = history[-1]
    Subscription.objects.filter(pk=subscription.pk).update(
        status=last[1],
        past_due_since=last[2] if last[1] == S.PAST_DUE else None,
        current_period_end=max(last[2], subscription.current_period_end)
        if last[1] == S.EXPIRED
        else now + timedelta(days=rng.randint(1, 28)),
    )


@transaction.atomic
def remove_history() -> dict:
    days = RolledDay.objects.filter(demo=True).values("day")
    figures, _ = DayFigures.objects.filter(day__in=days).delete()
    articles, _ = ArticleDay.objects.filter(day__in=days).delete()
    rolled, _ = RolledDay.objects.filter(demo=True).delete()
    conversions, _ = Conversion.objects.filter(demo=True).delete()
    readers, _ = get_user_model().objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()
    return {
        "days": rolled,
        "conversions": conversions,
        "readers": readers,
        "rows": figures + articles,
    }
