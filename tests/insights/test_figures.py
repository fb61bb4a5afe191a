"""Insights' numbers, checked exactly against a known history: readers and
walls, registrations, trials, payments, a failed payment, upgrades and
downgrades, cancellations and a comeback, across three months and two
currencies (every expected figure is worked out by hand in the comments)."""

import io
import json
from datetime import date
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from masthead.insights import rollup
from masthead.insights.figures import (
    Filters,
    funnel,
    monthly_minor,
    revenue,
    summary,
    trial_to_paid_times,
    what_converts,
)
from masthead.insights.models import Conversion, RolledDay, Sighting
from masthead.members.models import Plan, Subscription
from tests.insights.conftest import at

pytestmark = pytest.mark.django_db
S = Subscription


RANGE = Filters(date(2026, 1, 1), date(2026, 3, 31))


def test_prices_are_normalised_to_a_month():
    assert monthly_minor(50, "week") == Fraction(50 * 52, 12)  # $0.50/week = $2.1667/month
    assert monthly_minor(12000, "year") == 1000
    assert monthly_minor(999, "month") == 999


def test_the_funnel_counts_readers_walls_and_starts(history):
    found = funnel(RANGE)
    jan5 = next(row for row in found.days if row["day"] == date(2026, 1, 5))
    assert (jan5["readers"], jan5["walled_readers"], jan5["reads"]) == (2, 2, 2)
    assert (jan5["register_wall_readers"], jan5["register_wall_impressions"]) == (1, 1)
    assert (jan5["subscribe_wall_readers"], jan5["subscribe_wall_impressions"]) == (1, 1)
    assert jan5["meter_stop_rate"] == 1.0
    assert jan5["paid_starts"] == 1 and jan5["paid_stop_conversion"] == 1.0
    totals = found.totals
    # Reader-days: Jan 5 (two) and Jan 10 (D, twice at the wall: one reader).
    assert totals["readers"] == 3 and totals["walled_readers"] == 3
    assert totals["wall_impressions"] == 4
    assert totals["registrations"] == 5
    assert totals["trial_starts"] == 2  # C and E
    # A, B, D straight away; C at its trial's end; B again in March.
    assert totals["paid_starts"] == 5
    assert totals["trial_to_paid"] == 0.5  # C of C and E
    assert totals["paid_stop_conversion"] == round(5 / 2, 4)
    times = trial_to_paid_times(RANGE)
    assert times["converted"] == 1 and times["median_days"] == 14.0


def test_revenue_replays_every_movement(history):
    money = revenue(RANGE, now=at(4, 2))
    jan, feb, mar = money.periods
    # January: A $10, B $0.50/week ($2.1667/month), D $10; C is trialing.
    assert jan["mrr_start"] == {} and jan["new"] == {"USD": 2217}
    assert jan["mrr_end"] == {"USD": 2217} and jan["subscribers_end"] == 3
    # February: C pays €120/year (€10/month); D upgrades by $10; B fails and ends.
    assert feb["new"] == {"EUR": 1000}
    assert feb["expansion"] == {"USD": 1000}
    assert feb["churned"] == {"USD": 217}
    assert feb["mrr_end"] == {"EUR": 1000, "USD": 3000}
    assert (feb["cancellations"], feb["voluntary"], feb["involuntary"]) == (1, 0, 1)
    assert feb["logo_churn"] == round(1 / 3, 4)
    assert feb["revenue_churn"] == {"USD": round(650 / 6650, 4)}
    # March: A downgrades to weekly (-$7.8333), C is refunded and ends, B comes back.
    assert mar["contraction"] == {"USD": 783}
    assert mar["churned"] == {"EUR": 1000}
    assert mar["reactivated"] == {"USD": 1000}
    assert mar["mrr_end"] == {"USD": 3217}
    assert (mar["cancellations"], mar["voluntary"], mar["involuntary"]) == (1, 1, 0)
    assert mar["revenue_churn"] == {"EUR": 1.0, "USD": round(2350 / 9000, 4)}
    # Daily: E's trial is counted while it runs; C's while trialing.
    day = {row["day"]: row for row in money.daily}
    assert day[date(2026, 1, 20)]["trials"] == 1 and day[date(2026, 2, 12)]["trials"] == 1
    assert day[date(2026, 2, 12)]["subscribers"] == 4
    assert day[date(2026, 2, 12)]["mrr"] == {"EUR": 1000, "USD": 2217}
    # Cohorts by first paid month: A, B, D in January; C in February.
    jan_cohort, feb_cohort = money.cohorts[:2]
    assert jan_cohort["size"] == 3
    # End of January all three; of February A and D; of March all three again (B is back).
    assert jan_cohort["retained"] == [1.0, round(2 / 3, 4), 1.0]
    assert feb_cohort["size"] == 1 and feb_cohort["retained"] == [1.0, 0.0]


def test_a_plan_filter_counts_only_that_plan(history):
    premium = Plan.objects.get(slug="premium")
    money = revenue(Filters(RANGE.since, RANGE.until, plan_id=premium.pk), now=at(4, 2))
    feb = money.periods[1]
    assert feb["new"] == {"USD": 2000} and feb["mrr_end"] == {"USD": 2000}


def test_starts_are_attributed_to_the_wall_within_the_window(history):
    converts = what_converts(Filters(RANGE.since, RANGE.until, window=7))
    by_title = {row["title"]: row for row in converts["articles"]}
    # A met the wall on Y an hour and a half before paying; D met X fifteen
    # days before: outside a week.
    assert by_title["Article Y"]["paid_starts"] == 1
    assert by_title["Article X"]["paid_starts"] == 0
    assert by_title["Article X"]["wall_impressions"] == 2
    wide = what_converts(Filters(RANGE.since, RANGE.until, window=30))
    assert {row["title"]: row["paid_starts"] for row in wide["articles"]} == {
        "Article Y": 1,
        "Article X": 1,
    }
    sections = {row["title"]: row for row in wide["sections"]}
    assert sections["Defence"]["paid_starts"] == 1 and sections["World"]["readers"] == 2
    # The funnel filtered by section counts the starts attributed to it.
    defence = funnel(Filters(RANGE.since, RANGE.until, section_id=history["defence"].pk)).totals
    assert defence["paid_starts"] == 1 and defence["readers"] == 2


def test_rolling_up_changes_no_number_and_drops_raw_rows_past_the_window(history):
    before = (funnel(RANGE), what_converts(RANGE), summary(RANGE))
    done = rollup.roll_up(now=at(1, 20))
    assert (done["rolled_days"], done["conversions"], done["purged"]) == (2, 0, 0)
    assert RolledDay.objects.count() == 2
    after = (funnel(RANGE), what_converts(RANGE), summary(RANGE))
    assert after[0].days == before[0].days and after[0].totals == before[0].totals
    assert after[1:] == before[1:]
    # Again: the same rows.
    assert rollup.roll_up(now=at(1, 20))["rolled_days"] == 0
    # Raw rows older than the window (31 days) go; the rolled-up numbers stay.
    assert rollup.roll_up(now=at(2, 10))["purged"] == 3  # Jan 5's; Jan 10's is 31 days old
    assert rollup.roll_up(now=at(4, 2))["purged"] == 1
    assert not Sighting.objects.exists()
    assert funnel(RANGE).totals == before[0].totals
    assert what_converts(RANGE) == before[1]


def test_sync_writes_missing_conversions_once(history):
    Conversion.objects.exclude(kind=Conversion.REGISTRATION).delete()
    assert rollup.roll_up(now=at(4, 2))["conversions"] == 5 + 2
    assert rollup.roll_up(now=at(4, 2))["conversions"] == 0
    assert funnel(RANGE).totals["paid_starts"] == 5


def test_the_command_prints_the_same_numbers_as_json(history):
    out = io.StringIO()
    call_command("insights", "--json", "--since", "2026-01-01", "--until", "2026-03-31", stdout=out)
    found = json.loads(out.getvalue())
    assert found == json.loads(json.dumps(summary(RANGE), default=str))
    assert (found["paid_starts"], found["trial_starts"], found["registrations"]) == (5, 2, 5)
    assert found["cancellations"] == 2 and found["involuntary_cancellations"] == 1
    assert found["mrr"] == {"USD": 3217}
    assert found["readers"] == 3 and found["walled_readers"] == 3 and found["wall_impressions"] == 4


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "2026-13-01"],
        ["--since", "2026-03-01", "--until", "2026-01-01"],
        ["--window", "2"],
    ],
)
def test_the_command_refuses_what_it_cannot_use(args):
    with pytest.raises(CommandError):
        call_command("insights", "--json", *args)


def test_a_day_is_rolled_up_only_once_it_has_been_over_for_a_few_minutes(history):
    from datetime import timedelta

    midnight = at(1, 11, 0)  # Jan 10 ends; a process may still hold its last counts
    assert rollup.roll_up(now=midnight + timedelta(minutes=2))["rolled_days"] == 1  # Jan 5
    assert not RolledDay.objects.filter(day=date(2026, 1, 10)).exists()
    assert rollup.roll_up(now=midnight + timedelta(minutes=6))["rolled_days"] == 1
    assert RolledDay.objects.filter(day=date(2026, 1, 10)).exists()
