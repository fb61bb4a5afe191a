"""A known history for Insights: sections, plans in two currencies, five
readers over three months (every expected figure is worked out by hand in
``test_figures``)."""

from datetime import datetime

import pytest
from allauth.account.signals import user_signed_up
from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.insights import record
from masthead.members import lifecycle
from masthead.members.models import Plan, Subscription
from tests import factories

S = Subscription


def at(month, day, hour=12):
    return timezone.make_aware(datetime(2026, month, day, hour))


@pytest.fixture
def history():
    home = factories.site()
    world, defence = factories.section(home, "World"), factories.section(home, "Defence")
    x = factories.article(world, "Article X", access="metered")
    y = factories.article(defence, "Article Y", access="metered")
    monthly = Plan.objects.create(name="Monthly", slug="monthly", price_minor=1000)
    premium = Plan.objects.create(name="Premium", slug="premium", price_minor=2000)
    weekly = Plan.objects.create(name="Weekly", slug="weekly", price_minor=50, interval="week")
    yearly = Plan.objects.create(
        name="Yearly",
        slug="yearly",
        price_minor=12000,
        currency="EUR",
        interval="year",
        trial_days=14,
    )
    people = {}
    for name, joined in [
        ("a", at(1, 4)),
        ("b", at(1, 9)),
        ("c", at(1, 19)),
        ("d", at(1, 24)),
        ("e", at(2, 9)),
    ]:
        people[name] = get_user_model().objects.create_user(
            name, f"{name}@example.com", "a-long-test-password", date_joined=joined
        )
        user_signed_up.send(sender=None, request=None, user=people[name])
    a, b, c, d, e = (people[n] for n in "abcde")

    # Jan 5: an anonymous browser reads X twice and meets the registration
    # wall on Y; A, signed in, meets the subscribe wall on Y, then pays.
    record.saw("v:one", x.pk, record.READ, at(1, 5, 9))
    record.saw("v:one", x.pk, record.READ, at(1, 5, 9))
    record.saw("v:one", y.pk, record.REGISTER_WALL, at(1, 5, 10))
    record.saw(f"u:{a.pk}", y.pk, record.SUBSCRIBE_WALL, at(1, 5, 10))
    # Jan 10: D meets the subscribe wall on X, and pays fifteen days later.
    record.saw(f"u:{d.pk}", x.pk, record.SUBSCRIBE_WALL, at(1, 10, 8))
    record.saw(f"u:{d.pk}", x.pk, record.SUBSCRIBE_WALL, at(1, 10, 9))
    record.flush()

    def start(user, plan, when, trial=False):
        return lifecycle.start(user, plan, provider="local", now=when, trial=trial, cause="test")

    sub_a = start(a, monthly, at(1, 5))
    sub_b = start(b, weekly, at(1, 10))
    sub_c = start(c, yearly, at(1, 20), trial=True)
    sub_d = start(d, monthly, at(1, 25))
    lifecycle.change(sub_c, S.ACTIVE, cause="trial ended, paid", at=at(2, 3))
    sub_e = start(e, yearly, at(2, 10), trial=True)
    lifecycle.change(sub_b, S.PAST_DUE, cause="payment failed", at=at(2, 15))
    lifecycle.change(sub_d, S.ACTIVE, cause="upgrade", at=at(2, 15), plan=premium)
    lifecycle.change(sub_b, S.EXPIRED, cause="never paid", at=at(2, 20))
    lifecycle.change(sub_e, S.EXPIRED, cause="trial lapsed", at=at(2, 24))
    lifecycle.change(sub_c, S.CANCELED, cause="reader canceled", at=at(3, 1))
    lifecycle.change(sub_a, S.ACTIVE, cause="downgrade", at=at(3, 5), plan=weekly)
    lifecycle.end_now(sub_c, at=at(3, 10), cause="refunded")
    start(b, monthly, at(3, 15))
    return {"world": world, "defence": defence, "x": x, "y": y, **people}
