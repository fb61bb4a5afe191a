"""The demo's Insights history: plausible, marked, left alone by the chores,
and removable."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from masthead.insights import demo
from masthead.insights.figures import Filters, funnel, revenue
from masthead.insights.models import ArticleDay, Conversion, DayFigures, RolledDay
from masthead.members.models import Notification, Subscription
from masthead.newsroom.demo.loader import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_history_fills_every_part_and_goes_away_again():
    load_demo()
    made = demo.make_history()
    assert made["readers"] > 100 and made["paid"] > 20 and made["trials"] > 5
    assert demo.make_history() == {}  # once
    today = timezone.localdate()
    filters = Filters(today - timedelta(days=90), today)
    totals = funnel(filters).totals
    assert totals["readers"] > totals["walled_readers"] > 0
    assert 0 < totals["paid_starts"] < totals["registrations"]
    money = revenue(filters)
    assert money.currencies == ["USD"] and money.periods[-1]["mrr_end"]["USD"] > 0
    assert sum(p["voluntary"] for p in money.periods) and sum(
        p["involuntary"] for p in money.periods
    )
    assert money.cohorts and money.cohorts[0]["retained"]
    # The chores have nothing to do for a demo reader (no email to a made-up address).
    call_command("process_subscriptions")
    assert not Notification.objects.filter(user__email__endswith=demo.DEMO_DOMAIN).exists()

    demo.remove_history()
    assert not get_user_model().objects.filter(email__endswith=demo.DEMO_DOMAIN).exists()
    assert not Subscription.objects.exists() and not Conversion.objects.exists()
    assert not (
        RolledDay.objects.exists() or DayFigures.objects.exists() or ArticleDay.objects.exists()
    )
