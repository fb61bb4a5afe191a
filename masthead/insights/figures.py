"""Every number Insights shows, computed from the records. Each is defined in
``docs/insights.md``; ``tests/insights/test_figures.py`` builds a known
history and checks them exactly.

- The funnel: reads and walls from the rolled-up days (``DayFigures``) and,
  for days not rolled up yet, straight from the raw sightings; registrations,
  trial starts and paid starts from ``Conversion``.
- Revenue, churn and cohorts: replayed from the subscription event log, each
  event carrying the price it was billed at (``SubscriptionEvent.price_minor``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.db.models import Count, Q, Sum
from django.utils import timezone

from masthead.insights.conversions import WINDOWS
from masthead.insights.models import ArticleDay, Conversion, DayFigures, RolledDay, Sighting
from masthead.members.models import Plan, Subscription, SubscriptionEvent

S = Subscription
# Statuses in which a subscription is billed (a cancellation takes effect at
# the period's end, so a canceled subscription pays until it expires).
PAYING = {S.ACTIVE, S.PAST_DUE}
LONGEST_RANGE = timedelta(days=3 * 366)
# Nothing Masthead counts is older; earlier dates only cost time (and year 1
# has no day before it).
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Filters:
    since: date
    until: date
    section_id: int | None = None
    plan_id: int | None = None
    window: int = 7  # attribution window, days: 1, 7 or 30

    def __post_init__(self):
        if self.until < self.since:
            raise ValueError("The range ends before it starts.")
        if self.since < EARLIEST:
            raise ValueError(f"Choose dates from {EARLIEST:%Y} on.")
        if self.until - self.since > LONGEST_RANGE:
            raise ValueError("Choose a range of at most three years.")
        if self.until > timezone.localdate() + timedelta(days=366):
            raise ValueError("Choose a range that ends within a year from today.")
        if self.window not in WINDOWS:
            raise ValueError("The attribution window is 1, 7 or 30 days.")

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(n) for n in range((self.until - self.since).days + 1)]


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def monthly_minor(price_minor: int, interval: str) -> Fraction:
    """A price per interval as its monthly equivalent (a week is 12/52 of a month)."""
    return Fraction(monthly_twelfths(price_minor, interval), 12)


def monthly_twelfths(price_minor: int, interval: str) -> int:
    """The monthly equivalent in twelfths of a minor unit: exact in integers
    (weekly × 52 ÷ 12 and yearly ÷ 12 both are), and fast to add up."""
    if interval == Plan.WEEK:
        return price_minor * 52
    if interval == Plan.YEAR:
        return price_minor
    return price_minor * 12


def whole(twelfths: int) -> int:
    """Twelfths of a minor unit as minor units, rounded half up."""
    return (2 * twelfths + 12) // 24


def rate(part, total) -> float | None:
    """``part ÷ total`` to four places, or None when there is no total."""
    return None if not total else round(float(Fraction(part) / Fraction(total)), 4)


# ---------------------------------------------------------------- the funnel

READER_FIELDS = (
    "readers",
    "walled_readers",
    "register_wall_readers",
    "register_wall_impressions",
    "subscribe_wall_readers",
    "subscribe_wall_impressions",
    "reads",
)


def section_articles(section_id: int) -> list[int]:
    from wagtail.models import Page

    from masthead.newsroom.models import ArticlePage

    section = Page.objects.filter(pk=section_id).first()
    if section is None:
        return []
    return list(ArticlePage.objects.child_of(section).values_list("pk", flat=True))


def reader_days(filters: Filters) -> dict[date, dict[str, int]]:
    """Per day: unique readers, walled readers and impressions."""
    found = {day: dict.fromkeys(READER_FIELDS, 0) for day in filters.days}
    rolled = set(
        RolledDay.objects.filter(day__range=(filters.since, filters.until)).values_list(
            "day", flat=True
        )
    )
    for row in DayFigures.objects.filter(day__in=rolled, section_id=filters.section_id or 0).values(
        "day", *READER_FIELDS
    ):
        found[row.pop("day")] = row
    live = [day for day in filters.days if day not in rolled]
    if live:
        sightings = Sighting.objects.filter(day__in=live)
        if filters.section_id:
            sightings = sightings.filter(article_id__in=section_articles(filters.section_id))
        for row in count_sightings(sightings.values("day")):
            found[row.pop("day")] = {name: row[name] or 0 for name in READER_FIELDS}
    return found


def count_sightings(grouped):
    walls = Q(kind__in=Sighting.WALLS)
    register, subscribe = Q(kind=Sighting.REGISTER_WALL), Q(kind=Sighting.SUBSCRIBE_WALL)
    return grouped.annotate(
        readers=Count("reader", distinct=True),
        walled_readers=Count("reader", distinct=True, filter=walls),
        register_wall_readers=Count("reader", distinct=True, filter=register),
        register_wall_impressions=Sum("times", filter=register),
        subscribe_wall_readers=Count("reader", distinct=True, filter=subscribe),
        subscribe_wall_impressions=Sum("times", filter=subscribe),
        reads=Sum("times", filter=Q(kind=Sighting.READ)),
    )


def conversions(filters: Filters):
    """The conversions the filters count: in range, of the plan, and with a
    section chosen, attributed to it within the window."""
    found = Conversion.objects.filter(day__range=(filters.since, filters.until))
    if filters.plan_id:
        found = found.filter(Q(plan_id=filters.plan_id) | Q(kind__in=Conversion.WITHOUT_PLAN))
    if filters.section_id:
        found = attributed(found, filters.window).filter(section_id=filters.section_id)
    return found


def attributed(found, window: int):
    """Only conversions whose wall was met within ``window`` days before."""
    from django.db.models import DurationField, ExpressionWrapper, F

    return (
        found.exclude(article_id=None)
        .alias(waited=ExpressionWrapper(F("at") - F("wall_at"), output_field=DurationField()))
        .filter(waited__lte=WINDOWS[window])
    )


@dataclass
class Funnel:
    days: list[dict]
    totals: dict


def funnel(filters: Filters) -> Funnel:
    readers = reader_days(filters)
    counted = defaultdict(lambda: defaultdict(int))
    for row in conversions(filters).values("day", "kind").annotate(n=Count("pk")):
        counted[row["day"]][row["kind"]] = row["n"]
    days = []
    for day in filters.days:
        row = {"day": day, **readers[day]}
        row["wall_impressions"] = (
            row["register_wall_impressions"] + row["subscribe_wall_impressions"]
        )
        row["registrations"] = counted[day][Conversion.REGISTRATION]
        row["newsletter_signups"] = counted[day][Conversion.NEWSLETTER]
        row["trial_starts"] = counted[day][Conversion.TRIAL]
        row["paid_starts"] = counted[day][Conversion.PAID]
        row["meter_stop_rate"] = rate(row["walled_readers"], row["readers"])
        row["paid_stop_conversion"] = rate(row["paid_starts"], row["subscribe_wall_readers"])
        days.append(row)
    totals = {
        name: sum(row[name] for row in days)
        for name in (
            *READER_FIELDS,
            "wall_impressions",
            "registrations",
            "newsletter_signups",
            "trial_starts",
            "paid_starts",
        )
    }
    totals["meter_stop_rate"] = rate(totals["walled_readers"], totals["readers"])
    totals["paid_stop_conversion"] = rate(totals["paid_starts"], totals["subscribe_wall_readers"])
    trials = conversions(filters).filter(kind=Conversion.TRIAL)
    converted = trial_pairs(trials)
    totals["trials_converted"] = len(converted)
    totals["trial_to_paid"] = rate(len(converted), totals["trial_starts"])
    return Funnel(days, totals)


def trial_pairs(trials) -> list[tuple[datetime, datetime]]:
    """(trial start, paid start) for each of ``trials`` that became paid."""
    started = dict(trials.exclude(event=None).values_list("event__subscription_id", "at"))
    paid = Conversion.objects.filter(
        kind=Conversion.PAID, event__subscription_id__in=list(started)
    ).values_list("event__subscription_id", "at")
    return [(started[subscription], at) for subscription, at in paid]


def trial_to_paid_times(filters: Filters) -> dict:
    pairs = trial_pairs(conversions(filters).filter(kind=Conversion.TRIAL))
    days = sorted((paid - trial).total_seconds() / 86400 for trial, paid in pairs)
    buckets = {"0–7 days": 0, "8–14 days": 0, "15–30 days": 0, "over 30 days": 0}
    for waited in days:
        bucket = (
            "0–7 days"
            if waited <= 7
            else "8–14 days"
            if waited <= 14
            else "15–30 days"
            if waited <= 30
            else "over 30 days"
        )
        buckets[bucket] += 1
    return {
        "converted": len(days),
        "median_days": round(statistics.median(days), 1) if days else None,
        "mean_days": round(statistics.fmean(days), 1) if days else None,
        "buckets": buckets,
    }


# ------------------------------------------------------------------ revenue


@dataclass
class Replay:
    """The event log replayed: running totals by day, and each account's MRR
    (per currency) at the moments asked for."""

    daily: dict[date, dict] = field(default_factory=dict)
    # Amounts in twelfths of a minor unit (``monthly_twelfths``).
    snapshots: dict[datetime, dict[int, dict[str, int]]] = field(default_factory=dict)
    paid_before: dict[datetime, set] = field(default_factory=dict)
    first_paid: dict[int, datetime] = field(default_factory=dict)
    endings: list[dict] = field(default_factory=list)


def replay(plan_id: int | None, days: list[date], moments: list[datetime]) -> Replay:
    """Walk every subscription event in order.

    A subscription counts towards MRR while its status is active or past due,
    or canceled after having been one of those (it pays until its period
    ends), at the monthly equivalent of the price of its latest event; it is
    a trial while trialing, or canceled during its trial. With a plan chosen,
    only while it is on that plan. A day's figures are the state at its end;
    a moment's, just before it."""
    events = SubscriptionEvent.objects.order_by("occurred_at", "pk").values_list(
        "subscription_id",
        "subscription__user_id",
        "from_status",
        "to_status",
        "occurred_at",
        "plan_id",
        "price_minor",
        "currency",
        "interval",
    )
    out = Replay()
    state: dict[int, tuple[bool, bool, int, str]] = {}  # paying, trialing, monthly, currency
    by_user: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # paying only
    ever_paid: set[int] = set()
    totals = {"subscribers": 0, "trials": 0}
    mrr: dict[str, int] = defaultdict(int)
    checkpoints = sorted(
        [(start_of(day + timedelta(1)), 0, day) for day in days]
        + [(moment, 1, moment) for moment in moments],
        key=lambda item: (item[0], item[1]),
    )
    position = 0

    def emit(until: datetime | None) -> None:
        """Record every checkpoint at or before ``until`` (all, for None)."""
        nonlocal position
        while position < len(checkpoints) and (until is None or checkpoints[position][0] <= until):
            _, kind, value = checkpoints[position]
            position += 1
            if kind == 0:
                out.daily[value] = {
                    **totals,
                    "mrr": {c: whole(a) for c, a in sorted(mrr.items()) if a},
                }
            else:
                # (``by_user`` holds no zero amounts and no empty accounts.)
                out.snapshots[value] = {user: dict(amounts) for user, amounts in by_user.items()}
                out.paid_before[value] = set(ever_paid)

    for sub, user, from_status, to_status, at, plan, price, currency, interval in events:
        emit(at)
        was_paying, was_trialing, was_monthly, was_currency = state.get(sub, (False, False, 0, ""))
        on_plan = plan_id is None or plan == plan_id
        paying = to_status in PAYING or (to_status == S.CANCELED and was_paying)
        trialing = on_plan and (
            to_status == S.TRIALING or (to_status == S.CANCELED and was_trialing)
        )
        monthly = monthly_twelfths(price or 0, interval or Plan.MONTH) if paying and on_plan else 0
        if to_status == S.EXPIRED and was_monthly:
            # A paying subscription ended: a failed payment's (past due) is
            # involuntary, any other (canceled, ended at once) voluntary.
            out.endings.append({"at": at, "user": user, "involuntary": from_status == S.PAST_DUE})
        totals["subscribers"] += (monthly > 0) - (was_monthly > 0)
        totals["trials"] += trialing - was_trialing
        if was_monthly:
            mrr[was_currency] -= was_monthly
            amounts = by_user[user]
            amounts[was_currency] -= was_monthly
            if not amounts[was_currency]:
                del amounts[was_currency]
                if not amounts:
                    del by_user[user]
        if monthly:
            mrr[currency] += monthly
            by_user[user][currency] += monthly
            ever_paid.add(user)
            out.first_paid.setdefault(user, at)
        state[sub] = (paying, trialing, monthly, currency)
    emit(None)
    return out


def months(filters: Filters) -> list[tuple[date, date]]:
    """The calendar months the range touches, each clipped to the range."""
    found, day = [], filters.since
    while day <= filters.until:
        following = next_month(day.replace(day=1))
        found.append((day, min(following - timedelta(1), filters.until)))
        day = following
    return found


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass
class Revenue:
    daily: list[dict]
    periods: list[dict]
    currencies: list[str]
    cohorts: list[dict]
    cohort_months: int


def revenue(filters: Filters, now: datetime | None = None) -> Revenue:
    now = now or timezone.now()
    periods = months(filters)
    moments = {start_of(a) for a, _ in periods} | {start_of(b + timedelta(1)) for _, b in periods}
    cohort_starts = sorted({a.replace(day=1) for a, _ in periods})
    boundaries, month = [], cohort_starts[0]
    while start_of(month) <= now:
        month = next_month(month)
        boundaries.append(month)
    moments |= {start_of(b) for b in boundaries if start_of(b) <= now}
    replayed = replay(filters.plan_id, filters.days, sorted(moments))
    currencies = sorted({c for day in replayed.daily.values() for c in day["mrr"]})
    daily = [{"day": day, **replayed.daily[day]} for day in filters.days]

    rows = []
    for first, last in periods:
        t0, t1 = start_of(first), start_of(last + timedelta(1))
        rows.append(period_figures(first, last, replayed, t0, t1, currencies))
    currencies = sorted(set(currencies) | {c for row in rows for c in row["mrr_start"]})

    cohorts, by_month = [], defaultdict(set)
    wanted = set(cohort_starts)
    for user, at in replayed.first_paid.items():
        month = timezone.localdate(at).replace(day=1) if at >= start_of(cohort_starts[0]) else None
        if month in wanted:
            by_month[month].add(user)
    for start in cohort_starts:
        members = by_month[start]
        if not members:
            continue
        retained, month = [], next_month(start)
        while start_of(month) <= now and len(retained) < 12:
            paying = replayed.snapshots[start_of(month)]
            retained.append(rate(sum(1 for user in members if user in paying), len(members)))
            month = next_month(month)
        cohorts.append({"month": start, "size": len(members), "retained": retained})
    return Revenue(
        daily, rows, currencies, cohorts, max((len(c["retained"]) for c in cohorts), default=0)
    )


def period_figures(first, last, replayed, t0, t1, currencies) -> dict:
    before, after = replayed.snapshots[t0], replayed.snapshots[t1]
    paid_before = replayed.paid_before[t0]
    moves = {
        name: defaultdict(int)
        for name in ("new", "reactivated", "expansion", "contraction", "churned")
    }
    for user in before.keys() | after.keys():
        was, now = before.get(user, {}), after.get(user, {})
        for currency in was.keys() | now.keys():
            x, y = was.get(currency, 0), now.get(currency, 0)
            if not x and y:
                moves["reactivated" if user in paid_before else "new"][currency] += y
            elif x and not y:
                moves["churned"][currency] += x
            elif y > x:
                moves["expansion"][currency] += y - x
            elif x > y:
                moves["contraction"][currency] += x - y
    mrr_start = totals(before)
    lost = [user for user in before if user not in after]
    endings = [e for e in replayed.endings if t0 <= e["at"] < t1]
    return {
        "first": first,
        "last": last,
        "mrr_start": {c: whole(a) for c, a in mrr_start.items()},
        "mrr_end": {c: whole(a) for c, a in totals(after).items()},
        **{name: {c: whole(a) for c, a in found.items()} for name, found in moves.items()},
        "subscribers_start": len(before),
        "subscribers_end": len(after),
        "subscribers_lost": len(lost),
        "cancellations": len(endings),
        "voluntary": sum(not e["involuntary"] for e in endings),
        "involuntary": sum(e["involuntary"] for e in endings),
        "logo_churn": rate(len(lost), len(before)),
        "revenue_churn": {
            c: rate(moves["churned"][c] + moves["contraction"][c], mrr_start[c]) for c in mrr_start
        },
    }


def totals(snapshot: dict[int, dict[str, int]]) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for amounts in snapshot.values():
        for currency, amount in amounts.items():
            found[currency] += amount
    return dict(sorted(found.items()))


# ------------------------------------------------------------- what converts


def article_sections() -> dict[int, tuple[int, str]]:
    """Every article's (section id, title)."""
    from wagtail.models import Page

    from masthead.newsroom.models import ArticlePage

    articles = list(ArticlePage.objects.values_list("pk", "path", "title"))
    parents = dict(
        Page.objects.filter(path__in={path[:-4] for _, path, _ in articles}).values_list(
            "path", "pk"
        )
    )
    return {pk: (parents.get(path[:-4], 0), title) for pk, path, title in articles}


CONVERTS_FIELDS = (
    "readers",
    "walled_readers",
    "wall_impressions",
    "registrations",
    "newsletter_signups",
    "trial_starts",
    "paid_starts",
)


def what_converts(filters: Filters) -> dict:
    """Per article and per section: readers (summed per day), walled
    readers, wall impressions, and the registrations, trial starts and paid
    starts attributed to it within the window."""
    known = article_sections()
    rows: dict[int, dict] = defaultdict(lambda: dict.fromkeys(CONVERTS_FIELDS, 0))
    rolled = set(
        RolledDay.objects.filter(day__range=(filters.since, filters.until)).values_list(
            "day", flat=True
        )
    )
    for row in (
        ArticleDay.objects.filter(day__in=rolled)
        .values("article_id")
        .annotate(r=Sum("readers"), w=Sum("walled_readers"), i=Sum("wall_impressions"))
    ):
        found = rows[row["article_id"]]
        found["readers"] += row["r"]
        found["walled_readers"] += row["w"]
        found["wall_impressions"] += row["i"]
    live = Sighting.objects.filter(day__in=[day for day in filters.days if day not in rolled])
    walls = Q(kind__in=Sighting.WALLS)
    for row in (
        live.values("day", "article_id")
        .annotate(
            r=Count("reader", distinct=True),
            w=Count("reader", distinct=True, filter=walls),
            i=Sum("times", filter=walls),
        )
        .values("article_id", "r", "w", "i")
    ):
        found = rows[row["article_id"]]
        found["readers"] += row["r"]
        found["walled_readers"] += row["w"]
        found["wall_impressions"] += row["i"] or 0
    counted = attributed(
        Conversion.objects.filter(day__range=(filters.since, filters.until)), filters.window
    )
    if filters.plan_id:
        counted = counted.filter(Q(plan_id=filters.plan_id) | Q(kind__in=Conversion.WITHOUT_PLAN))
    names = {
        Conversion.REGISTRATION: "registrations",
        Conversion.NEWSLETTER: "newsletter_signups",
        Conversion.TRIAL: "trial_starts",
        Conversion.PAID: "paid_starts",
    }
    for row in counted.values("article_id", "kind").annotate(n=Count("pk")):
        rows[row["article_id"]][names[row["kind"]]] += row["n"]

    articles, sections = [], defaultdict(lambda: dict.fromkeys(CONVERTS_FIELDS, 0))
    for article_id, figures in rows.items():
        section_id, title = known.get(article_id, (0, f"Deleted article {article_id}"))
        if filters.section_id and section_id != filters.section_id:
            continue
        articles.append(
            {"article_id": article_id, "title": title, "section_id": section_id, **figures}
        )
        total = sections[section_id]
        for name, value in figures.items():
            total[name] += value
    from wagtail.models import Page

    titles = dict(Page.objects.filter(pk__in=list(sections)).values_list("pk", "title"))

    def order(row):
        return tuple(-row[name] for name in reversed(CONVERTS_FIELDS))

    return {
        "articles": sorted(articles, key=order),
        "sections": sorted(
            (
                {"section_id": pk, "title": titles.get(pk, "(no section)"), **figures}
                for pk, figures in sections.items()
            ),
            key=order,
        ),
    }


GIFT_FIELDS = (
    "links",
    "by_subscribers",
    "by_editors",
    "browsers",
    "registrations",
    "trial_starts",
    "paid_starts",
)


def gifts(filters: Filters) -> dict:
    """What gift links did in the range: links made (by subscribers and by
    editors), browsers that first opened one, and the registrations, trial
    starts and paid starts whose reader had opened a gift before (the last
    one, within 30 days), in total and per gifted article, most paid first.
    A section chosen narrows them to that section's articles; a plan, the
    trial and paid starts to that plan."""
    from masthead.gifts.models import GiftLink, GiftOpening
    from masthead.newsroom.models import ArticlePage

    start, end = start_of(filters.since), start_of(filters.until + timedelta(days=1))
    links = GiftLink.objects.filter(created_at__gte=start, created_at__lt=end)
    openings = GiftOpening.objects.filter(opened_at__gte=start, opened_at__lt=end)
    found = Conversion.objects.filter(day__range=(filters.since, filters.until)).exclude(
        gift_id=None
    )
    if filters.plan_id:
        found = found.filter(Q(plan_id=filters.plan_id) | Q(kind__in=Conversion.WITHOUT_PLAN))
    gift_articles = dict(
        GiftLink.objects.filter(pk__in=found.values_list("gift_id", flat=True)).values_list(
            "pk", "article_id"
        )
    )
    if filters.section_id:
        allowed = set(section_articles(filters.section_id))
        links = links.filter(article_id__in=allowed)
        openings = openings.filter(gift__article_id__in=allowed)
        gift_articles = {g: a for g, a in gift_articles.items() if a in allowed}
    rows: dict[int, dict[str, int]] = {}

    def row(article_id):
        return rows.setdefault(article_id, dict.fromkeys(GIFT_FIELDS, 0))

    for article_id, by_subscriber in links.values_list("article_id", "giver_id"):
        counts = row(article_id)
        counts["links"] += 1
        counts["by_subscribers" if by_subscriber else "by_editors"] += 1
    for (article_id,) in openings.values_list("gift__article_id"):
        row(article_id)["browsers"] += 1
    names = {
        Conversion.REGISTRATION: "registrations",
        Conversion.TRIAL: "trial_starts",
        Conversion.PAID: "paid_starts",
    }
    for kind, gift_id in found.filter(kind__in=names).values_list("kind", "gift_id"):
        if gift_id in gift_articles:
            row(gift_articles[gift_id])[names[kind]] += 1
    titles = dict(ArticlePage.objects.filter(pk__in=rows).values_list("pk", "title"))
    articles = sorted(
        (
            {"article_id": pk, "title": titles.get(pk, "(deleted)"), **counts}
            for pk, counts in rows.items()
        ),
        key=lambda r: (
            -r["paid_starts"],
            -r["trial_starts"],
            -r["registrations"],
            -r["browsers"],
            r["title"],
        ),
    )
    totals = {field: sum(r[field] for r in articles) for field in GIFT_FIELDS}
    return {"totals": totals, "articles": articles}


def summary(filters: Filters) -> dict:
    """The headline numbers, for scripts (``manage.py insights --json``)."""
    found = funnel(filters).totals
    money = revenue(filters)
    periods = money.periods
    return {
        "since": filters.since.isoformat(),
        "until": filters.until.isoformat(),
        "readers": found["readers"],
        "walled_readers": found["walled_readers"],
        "wall_impressions": found["wall_impressions"],
        "registration_wall_readers": found["register_wall_readers"],
        "subscribe_wall_readers": found["subscribe_wall_readers"],
        "registrations": found["registrations"],
        "newsletter_signups": found["newsletter_signups"],
        "trial_starts": found["trial_starts"],
        "paid_starts": found["paid_starts"],
        "trial_to_paid": found["trial_to_paid"],
        "meter_stop_rate": found["meter_stop_rate"],
        "paid_stop_conversion": found["paid_stop_conversion"],
        "cancellations": sum(p["cancellations"] for p in periods),
        "voluntary_cancellations": sum(p["voluntary"] for p in periods),
        "involuntary_cancellations": sum(p["involuntary"] for p in periods),
        "mrr": periods[-1]["mrr_end"] if periods else {},
        "subscribers": periods[-1]["subscribers_end"] if periods else 0,
        "gifts": gifts(filters)["totals"],
    }
