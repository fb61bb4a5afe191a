"""Plans, the subscription lifecycle, the entitlement question and the local provider."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.utils import timezone, translation

from masthead.members import lifecycle
from masthead.members.entitlements import is_entitled
from masthead.members.models import Plan, Subscription, SubscriptionEvent
from masthead.members.money import format_money
from masthead.paywall.models import PaywallSettings
from tests import factories
from tests.paywall.helpers import gated_article, secrets_in

pytestmark = pytest.mark.django_db
S = Subscription
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def weekly():
    return Plan.objects.create(
        name="Weekly", slug="weekly", price_minor=50, interval="week", trial_days=14
    )


@pytest.fixture
def monthly():
    return Plan.objects.create(name="Monthly", slug="monthly", price_minor=200, interval="month")


@pytest.fixture
def reader():
    return factories.reader("reader@example.com")


def test_money_is_minor_units_and_a_currency():
    assert format_money(50, "USD") == "$0.50"
    assert format_money(123456, "EUR") == "€1,234.56"
    assert format_money(500, "JPY") == "¥500"
    assert format_money(1999, "CHF").replace("\xa0", "") == "CHF19.99"
    with translation.override("fr"):
        assert format_money(123456, "EUR") == "1\u202f234,56\xa0€"
    with translation.override("ar"):
        assert "19.99" in format_money(1999, "USD") and "US$" in format_money(1999, "USD")


def test_plan_prices_read_as_the_wall_offers_them(weekly):
    assert weekly.price_label == "$0.50/week"


def test_periods_end_a_week_a_month_or_a_year_later(weekly, monthly):
    assert lifecycle.period_end(NOW, weekly) == NOW + timedelta(weeks=1)
    assert lifecycle.period_end(NOW, monthly) == datetime(2026, 12, 25, 12, tzinfo=UTC)
    jan31 = datetime(2027, 1, 31, tzinfo=UTC)
    assert lifecycle.period_end(jan31, monthly) == datetime(2027, 2, 28, tzinfo=UTC)


def test_a_trial_grants_access_until_its_end_to_the_second(reader, weekly):
    sub = lifecycle.start(reader, weekly, provider="local", now=NOW, trial=True, cause="test")
    assert sub.status == S.TRIALING and sub.trial_end == NOW + timedelta(days=14)
    assert is_entitled(reader, now=sub.trial_end - timedelta(seconds=1))
    assert not is_entitled(reader, now=sub.trial_end)


def test_one_free_trial_per_account_ever(reader, weekly):
    sub = lifecycle.start(reader, weekly, provider="local", now=NOW, trial=True, cause="test")
    lifecycle.change(sub, S.EXPIRED, cause="test", at=NOW + timedelta(days=15))
    with pytest.raises(lifecycle.TrialAlreadyUsed):
        lifecycle.start(reader, weekly, provider="local", now=NOW, trial=True, cause="again")
    assert Subscription.objects.count() == 1


def test_a_second_live_subscription_is_refused(reader, weekly, monthly):
    lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="test")
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.start(reader, weekly, provider="local", now=NOW, trial=False, cause="again")


def test_every_transition_is_an_event_with_its_cause(reader, monthly):
    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="paid")
    lifecycle.change(sub, S.PAST_DUE, cause="card declined", at=NOW + timedelta(days=31))
    lifecycle.change(sub, S.ACTIVE, cause="card updated", at=NOW + timedelta(days=32))
    lifecycle.cancel_at_period_end(sub, cause="reader canceled", at=NOW + timedelta(days=33))
    steps = [(e.from_status, e.to_status, e.cause) for e in sub.events.all()]
    assert steps == [
        ("", "active", "paid"),
        ("active", "past_due", "card declined"),
        ("past_due", "active", "card updated"),
        ("active", "canceled", "reader canceled"),
    ]


def test_an_expired_subscription_cannot_come_back_and_nothing_is_written(reader, monthly):
    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="paid")
    lifecycle.change(sub, S.EXPIRED, cause="ended", at=NOW)
    events = SubscriptionEvent.objects.count()
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.change(sub, S.ACTIVE, cause="zombie", at=NOW)
    sub.refresh_from_db()
    assert sub.status == S.EXPIRED and SubscriptionEvent.objects.count() == events


def test_a_provider_event_is_applied_once(reader, monthly):
    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="paid")
    assert lifecycle.change(sub, S.PAST_DUE, cause="failed", at=NOW, provider_event_id="evt_1")
    assert not lifecycle.change(sub, S.PAST_DUE, cause="failed", at=NOW, provider_event_id="evt_1")
    assert sub.events.filter(provider_event_id="evt_1").count() == 1


def test_past_due_keeps_access_for_the_grace_period_only(reader, monthly, settings):
    settings.MASTHEAD_PAST_DUE_GRACE_HOURS = 72
    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="paid")
    failed_at = sub.current_period_end
    lifecycle.change(sub, S.PAST_DUE, cause="card declined", at=failed_at)
    assert is_entitled(reader, now=failed_at + timedelta(hours=71))
    assert not is_entitled(reader, now=failed_at + timedelta(hours=72))


def test_canceled_keeps_access_until_the_period_ends_and_can_resume(reader, monthly):
    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="paid")
    lifecycle.cancel_at_period_end(sub, cause="reader", at=NOW + timedelta(days=1))
    assert is_entitled(reader, now=sub.current_period_end - timedelta(seconds=1))
    assert not is_entitled(reader, now=sub.current_period_end)
    lifecycle.resume(sub, cause="reader", at=NOW + timedelta(days=2))
    assert sub.status == S.ACTIVE


def test_expire_lapsed_records_what_entitlement_already_says(reader, weekly, settings):
    sub = lifecycle.start(reader, weekly, provider="local", now=NOW, trial=True, cause="trial")
    later = sub.trial_end + timedelta(minutes=1)
    assert lifecycle.expire_lapsed(later, timedelta(hours=72)) == 1
    sub.refresh_from_db()
    assert sub.status == S.EXPIRED


# The reader's journey with the local provider.


@pytest.fixture
def newsroom(home, weekly, monthly):
    section = factories.section(home, "World")
    return [gated_article(section, n) for n in range(1, 5)]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_from_the_wall_to_a_trial_to_reading_without_ads(settings, reader, newsroom):
    settings.DEBUG = True  # the local provider runs only in development
    client = signed_in(reader)
    for article in newsroom[:3]:
        client.get(article.url)
    paywall = PaywallSettings.objects.get()
    paywall.registered_allowance = 3
    paywall.save()
    walled = client.get(newsroom[3].url)
    assert secrets_in(walled.text, 4) == []
    assert "Full ad-free access for $0.50/week" in walled.text
    # The wall's trial button brings the reader back to this article.
    assert f'href="/subscribe/?trial=1&amp;next={quote(newsroom[3].url, safe="")}"' in walled.text
    assert "ad-slot" in walled.text

    plans = client.get("/subscribe/?trial=1")
    assert "Start 14-day free trial" in plans.text
    started = client.post("/subscribe/weekly/", {"trial": "1", "next": newsroom[3].url})
    assert started.status_code == 302
    checkout = client.get(started["Location"])
    assert "no card is taken" in checkout.text
    done = client.post(started["Location"].split("?")[0], {"trial": "1", "next": newsroom[3].url})
    assert done["Location"] == newsroom[3].url

    page = client.get(newsroom[3].url).text
    assert len(secrets_in(page, 4)) == 3
    assert "ad-slot" not in page
    account = client.get("/account/").text
    assert "Trialing" in account and "Free trial ends" in account


def test_checkout_refuses_a_second_trial(settings, reader, weekly):
    settings.DEBUG = True
    sub = lifecycle.start(
        reader, weekly, provider="local", now=timezone.now(), trial=True, cause="t"
    )
    lifecycle.change(sub, S.EXPIRED, cause="ended", at=timezone.now())
    response = signed_in(reader).post("/billing/local/checkout/weekly/", {"trial": "1"})
    assert response.status_code == 400
    assert "already had its free trial" in response.text
    assert Subscription.objects.count() == 1


def test_the_local_provider_refuses_to_run_in_production(settings, reader, weekly):
    settings.DEBUG = False
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = False
    client = signed_in(reader)
    assert client.post("/subscribe/weekly/", {"trial": "1"}).status_code == 503
    assert client.post("/billing/local/checkout/weekly/", {"trial": "1"}).status_code == 403
    assert not Subscription.objects.exists()


def test_check_deploy_fails_when_local_billing_is_forced_on_in_production(settings):
    settings.DEBUG = False
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True
    with pytest.raises(SystemCheckError, match="masthead.billing.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_next_must_stay_on_this_site(settings, reader, weekly):
    settings.DEBUG = True
    done = signed_in(reader).post(
        "/billing/local/checkout/weekly/", {"trial": "1", "next": "https://evil.example/"}
    )
    assert done["Location"] == "/account/"


def test_cancel_resume_and_change_plan_from_the_account_page(settings, reader, weekly, monthly):
    settings.DEBUG = True
    lifecycle.start(reader, monthly, provider="local", now=timezone.now(), trial=False, cause="p")
    client = signed_in(reader)
    client.post("/account/subscription/", {"action": "cancel"})
    assert Subscription.objects.get().status == S.CANCELED
    assert "Resume subscription" in client.get("/account/").text
    client.post("/account/subscription/", {"action": "resume"})
    assert Subscription.objects.get().status == S.ACTIVE
    client.post("/account/subscription/", {"action": "change_plan", "plan": weekly.pk})
    assert Subscription.objects.get().plan == weekly
    bad = client.post("/account/subscription/", {"action": "explode"})
    assert bad.status_code == 400


def test_anonymous_readers_are_sent_to_log_in(client, weekly):
    response = client.post("/subscribe/weekly/", {"trial": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "/accounts/signup/" in client.get("/subscribe/").text


def test_a_malformed_plan_choice_is_refused_and_changes_nothing(settings, reader, monthly):
    settings.DEBUG = True
    lifecycle.start(reader, monthly, provider="local", now=timezone.now(), trial=False, cause="p")
    events = SubscriptionEvent.objects.count()
    client = signed_in(reader)
    for plan in ("abc", "", "99999", "1; DROP TABLE"):
        response = client.post("/account/subscription/", {"action": "change_plan", "plan": plan})
        assert response.status_code == 400
    assert Subscription.objects.get().plan == monthly
    assert SubscriptionEvent.objects.count() == events


def test_staff_can_inspect_subscriptions_and_emails_but_not_edit_them(client, reader, monthly):
    from django.contrib.auth import get_user_model

    sub = lifecycle.start(reader, monthly, provider="local", now=NOW, trial=False, cause="t")
    admin = get_user_model().objects.create_superuser("ed", "ed@example.com", "pw")
    client.force_login(admin)
    for model in ("subscription", "notification"):
        listing = client.get(f"/admin/snippets/members/{model}/")
        assert listing.status_code == 200
    pk = sub.pk
    assert client.get(f"/admin/snippets/members/subscription/inspect/{pk}/").status_code == 200
    before = Subscription.objects.get(pk=pk).status
    edit = client.post(f"/admin/snippets/members/subscription/edit/{pk}/", {"status": "expired"})
    assert edit.status_code in (302, 403)
    assert Subscription.objects.get(pk=pk).status == before
    assert client.get("/admin/snippets/members/subscription/add/").status_code in (302, 403)


def test_expiry_by_schedule_leaves_stripe_subscriptions_to_stripe(reader, monthly):
    """A Stripe subscription's period moves on by webhook at renewal; the schedule
    must not make it terminal first. (Access still stops at the period's end.)"""
    sub = lifecycle.start(
        reader,
        monthly,
        provider="stripe",
        now=NOW,
        trial=False,
        cause="t",
        provider_subscription_id="sub_1",
    )
    later = sub.current_period_end + timedelta(minutes=5)
    assert lifecycle.expire_lapsed(later, timedelta(hours=72)) == 0
    assert Subscription.objects.get().status == S.ACTIVE
    assert not is_entitled(reader, now=later)
