"""The Stripe provider, offline: real signed webhooks, Stripe's API replaced at HTTP.

Webhook payloads are signed with a test endpoint secret exactly as Stripe
signs them; the only thing not real is Stripe's server, whose answers come
from ``FakeStripeHTTP``.
"""

import json
import time
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from masthead.billing.models import WebhookEvent
from masthead.members.entitlements import is_entitled
from masthead.members.models import Notification, Plan, Subscription, SubscriptionEvent
from tests import factories
from tests.billing import fake_stripe as fake
from tests.billing.fake_stripe import FakeStripeHTTP

pytestmark = pytest.mark.django_db
S = Subscription
DAY = 86400
T0 = int(time.time()) - 20 * DAY  # when our reader first subscribed
WEBHOOK = "/billing/stripe/webhook/"


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture(autouse=True)
def stripe_enabled(settings):
    settings.MASTHEAD_PAYMENT_PROVIDERS = ["stripe"]
    settings.MASTHEAD_STRIPE_SECRET_KEY = "sk_test_masthead"
    settings.MASTHEAD_STRIPE_WEBHOOK_SECRET = fake.WEBHOOK_SECRET
    settings.MASTHEAD_STRIPE_HTTP_CLIENT = "tests.billing.fake_stripe.FakeStripeHTTP"
    FakeStripeHTTP.reset()
    yield
    FakeStripeHTTP.reset()


@pytest.fixture
def weekly():
    return Plan.objects.create(
        name="Weekly",
        slug="weekly",
        price_minor=50,
        interval="week",
        trial_days=14,
        stripe_price_id="price_weekly",
    )


@pytest.fixture
def monthly():
    return Plan.objects.create(
        name="Monthly", slug="monthly", price_minor=200, stripe_price_id="price_monthly"
    )


@pytest.fixture
def reader():
    return factories.reader("stripe-reader@example.com")


@pytest.fixture
def browser(reader):
    client = Client()
    client.force_login(reader)
    return client


def deliver(payload: dict | str, *, secret=fake.WEBHOOK_SECRET, signed_at=None, header=None):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    signature = header if header is not None else fake.sign(body, secret, signed_at)
    return Client().post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def snapshot():
    """Everything a webhook could change."""
    return (
        list(Subscription.objects.values()),
        list(SubscriptionEvent.objects.values()),
        list(Notification.objects.values()),
        list(WebhookEvent.objects.values()),
    )


def active(reader, *, status="active", created=T0, **fields):
    """Deliver customer.subscription.created for sub_1 and return our row."""
    obj = fake.subscription(
        "sub_1",
        user=reader,
        price=fields.pop("price", "price_monthly"),
        status=status,
        start=fields.pop("start", T0),
        end=fields.pop("end", T0 + 30 * DAY),
        **fields,
    )
    assert deliver(fake.event("customer.subscription.created", obj, created)).status_code == 200
    return Subscription.objects.get(provider_subscription_id="sub_1")


# Checkout --------------------------------------------------------------------


def test_subscribe_with_a_trial_opens_a_stripe_checkout_session(browser, reader, weekly):
    fake.FakeStripeHTTP.answer(
        "POST",
        "/v1/checkout/sessions",
        {"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.example/cs_1"},
    )
    response = browser.post("/subscribe/weekly/", {"trial": "1", "next": "/world/a-story/"})

    assert response.status_code == 302
    assert response["Location"] == "https://checkout.example/cs_1"  # Stripe's, untouched
    [params] = FakeStripeHTTP.calls_to("POST", "/v1/checkout/sessions")
    assert params["mode"] == "subscription"
    assert params["line_items[0][price]"] == "price_weekly"
    assert params["subscription_data[trial_period_days]"] == "14"
    assert params["subscription_data[metadata][masthead_user]"] == str(reader.pk)
    assert params["client_reference_id"] == str(reader.pk)
    assert params["customer_email"] == reader.email
    # Back from Stripe, the reader returns to the article they were reading.
    assert params["success_url"] == (
        "http://testserver/billing/stripe/return/"
        "?next=%2Fworld%2Fa-story%2F&session_id={CHECKOUT_SESSION_ID}"
    )
    # Nothing is granted until Stripe says the checkout completed.
    assert not Subscription.objects.exists()
    assert not is_entitled(reader)


def test_stripe_being_down_at_checkout_is_a_clear_503_that_changes_nothing(browser, weekly):
    fake.FakeStripeHTTP.answer(
        "POST", "/v1/checkout/sessions", {"error": {"type": "api_error"}}, status=500
    )
    response = browser.post("/subscribe/weekly/", {"trial": "1"})
    assert response.status_code == 503
    assert "try again" in response.text
    assert not Subscription.objects.exists()


def test_a_plan_without_a_stripe_price_cannot_be_bought(browser, weekly):
    weekly.stripe_price_id = ""
    weekly.save()
    response = browser.post("/subscribe/weekly/", {"trial": "1"})
    assert response.status_code == 503
    assert not FakeStripeHTTP.calls


def test_checkout_completed_starts_the_trial_and_queues_a_welcome(reader, weekly):
    trial_end = T0 + 14 * DAY
    FakeStripeHTTP.answer(
        "GET",
        "/v1/subscriptions/sub_1",
        fake.subscription(
            "sub_1",
            user=reader,
            price="price_weekly",
            status="trialing",
            start=T0,
            end=trial_end,
            trial_end=trial_end,
        ),
    )
    session = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "client_reference_id": str(reader.pk),
        "customer": "cus_test1",
        "subscription": "sub_1",
    }
    response = deliver(fake.event("checkout.session.completed", session, T0))

    assert response.status_code == 200 and response.json()["applied"] is True
    sub = Subscription.objects.get()
    assert (sub.user, sub.plan.slug, sub.status) == (reader, "weekly", S.TRIALING)
    assert sub.trial_end == at(trial_end) and sub.had_trial
    assert sub.provider_customer_id == "cus_test1"
    assert Notification.objects.get().kind == "welcome"
    assert is_entitled(reader, now=at(trial_end - 1))
    assert not is_entitled(reader, now=at(trial_end))


def test_the_return_from_checkout_records_the_subscription_before_the_webhook(
    browser, reader, weekly
):
    FakeStripeHTTP.answer(
        "GET",
        "/v1/checkout/sessions/cs_test_1",
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "status": "complete",
            "client_reference_id": str(reader.pk),
            "subscription": fake.subscription(
                "sub_1",
                user=reader,
                price="price_weekly",
                status="trialing",
                start=T0,
                end=T0 + 14 * DAY,
                trial_end=T0 + 14 * DAY,
            ),
        },
    )
    response = browser.get("/billing/stripe/return/?next=/world/a-story/&session_id=cs_test_1")
    assert response.status_code == 302 and response["Location"] == "/world/a-story/"
    assert Subscription.objects.get().status == S.TRIALING
    # The webhook that follows finds it and adds nothing.
    deliver(
        fake.event(
            "customer.subscription.created",
            fake.subscription(
                "sub_1",
                user=reader,
                price="price_weekly",
                status="trialing",
                start=T0,
                end=T0 + 14 * DAY,
                trial_end=T0 + 14 * DAY,
            ),
            T0,
        )
    )
    assert Subscription.objects.count() == 1 and SubscriptionEvent.objects.count() == 1


def test_someone_elses_checkout_session_grants_nothing(browser, reader, weekly):
    other = factories.reader("other@example.com")
    FakeStripeHTTP.answer(
        "GET",
        "/v1/checkout/sessions/cs_theirs",
        {
            "id": "cs_theirs",
            "object": "checkout.session",
            "status": "complete",
            "client_reference_id": str(other.pk),
            "subscription": fake.subscription(
                "sub_9", user=other, price="price_weekly", start=T0, end=T0 + 7 * DAY
            ),
        },
    )
    browser.get("/billing/stripe/return/?session_id=cs_theirs")
    assert not Subscription.objects.exists()


# Signatures and replays -------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "altered body", "no header", "garbage header", "stale timestamp", "not json"],
)
def test_a_badly_signed_webhook_is_a_400_and_changes_nothing(reader, monthly, tamper):
    active(reader)
    before = snapshot()
    evil = fake.subscription(
        "sub_1",
        user=reader,
        price="price_monthly",
        status="canceled",
        start=T0,
        end=T0 + 30 * DAY,
        ended_at=T0 + DAY,
    )
    payload = json.dumps(fake.event("customer.subscription.deleted", evil, T0 + DAY))
    if tamper == "wrong secret":
        response = deliver(payload, secret="whsec_someone_else")
    elif tamper == "altered body":
        header = fake.sign(payload)
        response = deliver(payload.replace("sub_1", "sub_2"), header=header)
    elif tamper == "no header":
        response = deliver(payload, header="")
    elif tamper == "garbage header":
        response = deliver(payload, header="t=abc,v1=zz")
    elif tamper == "stale timestamp":  # a captured delivery replayed an hour later
        response = deliver(payload, signed_at=int(time.time()) - 3600)
    else:
        body = "{not json"
        response = deliver(body)
    assert response.status_code == 400
    assert snapshot() == before
    assert is_entitled(reader)


def test_a_replayed_event_changes_nothing_the_second_time(reader, monthly):
    sub = active(reader)
    failed = fake.event(
        "invoice.payment_failed",
        fake.invoice("in_0001", "sub_1", amount=0, start=T0, end=T0 + 30 * DAY),
        T0 + 30 * DAY,
    )
    first = deliver(failed)
    before = snapshot()
    second = deliver(failed)

    assert first.json()["applied"] is True and second.json()["applied"] is False
    assert snapshot() == before
    sub.refresh_from_db()
    assert sub.status == S.PAST_DUE
    assert Notification.objects.filter(kind="payment_failed").count() == 1


def test_an_unknown_event_type_is_acknowledged_and_recorded_once(reader):
    response = deliver(fake.event("customer.created", {"id": "cus_1", "object": "customer"}, T0))
    assert response.status_code == 200 and "ignored" in response.json()["outcome"]
    assert WebhookEvent.objects.get().type == "customer.created"


def test_a_signed_event_missing_its_fields_is_a_400_that_changes_nothing(reader, monthly):
    active(reader)
    before = snapshot()
    broken = fake.event("customer.subscription.updated", {"object": "subscription"}, T0 + 5)
    broken["data"]["object"] = {"status": "active", "items": {"data": [{}]}}
    response = deliver(broken)
    assert response.status_code == 400
    assert snapshot() == before


# Order of delivery --------------------------------------------------------------


def test_an_older_update_arriving_late_does_not_undo_a_newer_one(reader, monthly):
    active(reader)
    newer = fake.subscription(
        "sub_1", user=reader, price="price_monthly", status="past_due", start=T0, end=T0 + 30 * DAY
    )
    older = fake.subscription(
        "sub_1",
        user=reader,
        price="price_monthly",
        status="active",
        start=T0,
        end=T0 + 30 * DAY,
        cancel_at_period_end=True,
    )
    deliver(fake.event("customer.subscription.updated", newer, T0 + 200))
    deliver(fake.event("customer.subscription.updated", older, T0 + 100))

    sub = Subscription.objects.get()
    assert sub.status == S.PAST_DUE and sub.past_due_since == at(T0 + 200)
    assert sub.provider_state_at == at(T0 + 200)


def test_an_update_arriving_after_the_deletion_cannot_revive_it(reader, monthly):
    active(reader)
    ended = fake.subscription(
        "sub_1",
        user=reader,
        price="price_monthly",
        status="canceled",
        start=T0,
        end=T0 + 30 * DAY,
        ended_at=T0 + 300,
    )
    still = fake.subscription(
        "sub_1", user=reader, price="price_monthly", status="active", start=T0, end=T0 + 30 * DAY
    )
    deliver(fake.event("customer.subscription.deleted", ended, T0 + 300))
    deliver(fake.event("customer.subscription.updated", still, T0 + 250))

    sub = Subscription.objects.get()
    assert sub.status == S.EXPIRED
    assert not is_entitled(reader)


def test_a_deletion_that_overtakes_the_creation_is_remembered(reader, monthly):
    ended = fake.subscription(
        "sub_1",
        user=reader,
        price="price_monthly",
        status="canceled",
        start=T0,
        end=T0 + 30 * DAY,
        ended_at=T0 + 60,
    )
    created = fake.subscription(
        "sub_1", user=reader, price="price_monthly", status="active", start=T0, end=T0 + 30 * DAY
    )
    deliver(fake.event("customer.subscription.deleted", ended, T0 + 60))
    deliver(fake.event("customer.subscription.created", created, T0))

    sub = Subscription.objects.get()
    assert sub.status == S.EXPIRED
    assert not is_entitled(reader)
    assert not Notification.objects.filter(kind="welcome").exists()


def test_an_invoice_arriving_before_its_subscription_fetches_it(reader, monthly):
    FakeStripeHTTP.answer(
        "GET",
        "/v1/subscriptions/sub_1",
        fake.subscription("sub_1", user=reader, price="price_monthly", start=T0, end=T0 + 30 * DAY),
    )
    paid = fake.invoice("in_0001", "sub_1", amount=200, start=T0, end=T0 + 30 * DAY)
    response = deliver(fake.event("invoice.paid", paid, T0))
    assert response.status_code == 200
    assert Subscription.objects.get().status == S.ACTIVE
    receipt = Notification.objects.get(kind="receipt")
    assert receipt.data["amount_minor"] == 200 and receipt.data["currency"] == "USD"


def test_stripe_unreachable_while_handling_an_event_is_a_503_and_stripe_retries(reader, monthly):
    paid = fake.invoice("in_0001", "sub_1", amount=200, start=T0, end=T0 + 30 * DAY)
    event = fake.event("invoice.paid", paid, T0)
    assert deliver(event).status_code == 503  # no fake for GET /v1/subscriptions/sub_1
    assert not WebhookEvent.objects.exists() and not Subscription.objects.exists()

    FakeStripeHTTP.answer(
        "GET",
        "/v1/subscriptions/sub_1",
        fake.subscription("sub_1", user=reader, price="price_monthly", start=T0, end=T0 + 30 * DAY),
    )
    assert deliver(event).json()["applied"] is True
    assert Subscription.objects.get().status == S.ACTIVE


# Payment failure, grace, recovery ---------------------------------------------------


def test_payment_failure_then_grace_then_no_access(reader, monthly, settings):
    settings.MASTHEAD_PAST_DUE_GRACE_HOURS = 72
    renewal = T0 + 30 * DAY
    active(reader, end=renewal)
    failed = fake.invoice("in_0002", "sub_1", amount=0, start=renewal, end=renewal + 30 * DAY)
    deliver(fake.event("invoice.payment_failed", failed, renewal + 60))

    sub = Subscription.objects.get()
    assert sub.status == S.PAST_DUE and sub.past_due_since == at(renewal + 60)
    assert is_entitled(reader, now=at(renewal + 60 + 71 * 3600))
    assert not is_entitled(reader, now=at(renewal + 60 + 72 * 3600))
    assert Notification.objects.filter(kind="payment_failed").count() == 1


def test_a_later_payment_restores_access_and_sends_a_receipt(reader, monthly):
    renewal = T0 + 30 * DAY
    active(reader, end=renewal)
    failed = fake.invoice("in_0002", "sub_1", amount=0, start=renewal, end=renewal + 30 * DAY)
    deliver(fake.event("invoice.payment_failed", failed, renewal + 60))
    paid = dict(failed, amount_paid=200)
    deliver(fake.event("invoice.paid", paid, renewal + 2 * DAY))

    sub = Subscription.objects.get()
    assert sub.status == S.ACTIVE and sub.past_due_since is None
    assert sub.current_period_end == at(renewal + 30 * DAY)
    assert Notification.objects.filter(kind="receipt").count() == 1


def test_a_payment_older_than_a_failure_does_not_clear_it(reader, monthly):
    renewal = T0 + 30 * DAY
    active(reader, end=renewal)
    failed = fake.invoice("in_0002", "sub_1", amount=0, start=renewal, end=renewal + 30 * DAY)
    deliver(fake.event("invoice.payment_failed", failed, renewal + 60))
    old_paid = fake.invoice("in_0001", "sub_1", amount=200, start=T0, end=renewal)
    deliver(fake.event("invoice.paid", old_paid, T0 + 5))
    assert Subscription.objects.get().status == S.PAST_DUE


# Cancel at period end, resume, plan change, portal -------------------------------------


def test_cancel_at_period_end_from_the_account_page(browser, reader, monthly):
    end = int(time.time()) + 10 * DAY
    start = end - 30 * DAY
    active(reader, start=start, end=end, created=start)
    FakeStripeHTTP.answer(
        "POST",
        "/v1/subscriptions/sub_1",
        lambda call: fake.subscription(
            "sub_1",
            user=reader,
            price="price_monthly",
            start=start,
            end=end,
            cancel_at_period_end=call["params"].get("cancel_at_period_end") == "true",
        ),
    )
    response = browser.post("/account/subscription/", {"action": "cancel"})
    assert response.status_code == 302
    assert FakeStripeHTTP.calls_to("POST", "/v1/subscriptions/sub_1") == [
        {"cancel_at_period_end": "true"}
    ]
    sub = Subscription.objects.get()
    assert sub.status == S.CANCELED
    assert is_entitled(reader, now=at(end - 1)) and not is_entitled(reader, now=at(end))
    assert Notification.objects.filter(kind="canceled").count() == 1

    browser.post("/account/subscription/", {"action": "resume"})
    assert Subscription.objects.get().status == S.ACTIVE

    # Stripe ends it at the period's end: the deletion expires it.
    gone = fake.subscription(
        "sub_1",
        user=reader,
        price="price_monthly",
        status="canceled",
        start=start,
        end=end,
        ended_at=end,
    )
    deliver(fake.event("customer.subscription.deleted", gone, end))
    assert Subscription.objects.get().status == S.EXPIRED


def test_cancel_while_stripe_is_down_changes_nothing(browser, reader, monthly):
    active(reader, start=int(time.time()) - DAY, end=int(time.time()) + 29 * DAY)
    before = snapshot()
    response = browser.post("/account/subscription/", {"action": "cancel"})
    assert response.status_code == 503
    assert snapshot() == before


def test_change_plan_updates_the_stripe_item(browser, reader, monthly, weekly):
    now = int(time.time())
    active(reader, start=now - DAY, end=now + 29 * DAY, created=now - DAY)
    current = fake.subscription(
        "sub_1", user=reader, price="price_monthly", start=now - DAY, end=now + 29 * DAY
    )
    FakeStripeHTTP.answer("GET", "/v1/subscriptions/sub_1", current)
    FakeStripeHTTP.answer(
        "POST",
        "/v1/subscriptions/sub_1",
        fake.subscription("sub_1", user=reader, price="price_weekly", start=now, end=now + 7 * DAY),
    )
    browser.post("/account/subscription/", {"action": "change_plan", "plan": weekly.pk})

    [params] = FakeStripeHTTP.calls_to("POST", "/v1/subscriptions/sub_1")
    assert params["items[0][id]"] == "si_sub_1" and params["items[0][price]"] == "price_weekly"
    assert Subscription.objects.get().plan == weekly


def test_the_billing_portal_opens_for_the_readers_own_customer(browser, reader, monthly):
    active(reader, start=int(time.time()) - DAY, end=int(time.time()) + 29 * DAY)
    FakeStripeHTTP.answer(
        "POST",
        "/v1/billing_portal/sessions",
        {"id": "bps_1", "object": "billing_portal.session", "url": "https://portal.example/p1"},
    )
    assert "Update card and see invoices" in browser.get("/account/").text
    response = browser.post("/billing/stripe/portal/")
    assert response.status_code == 302 and response["Location"] == "https://portal.example/p1"
    [params] = FakeStripeHTTP.calls_to("POST", "/v1/billing_portal/sessions")
    assert params["customer"] == "cus_test1"
    assert params["return_url"].endswith("/account/")


# Trial conversion -------------------------------------------------------------------


def test_a_trial_converts_to_active_when_the_first_payment_arrives(reader, weekly):
    trial_end = T0 + 14 * DAY
    sub = active(
        reader, status="trialing", price="price_weekly", end=trial_end, trial_end=trial_end
    )
    assert sub.status == S.TRIALING
    # The trial opens with an invoice for nothing: it does not end the trial.
    zero = fake.invoice("in_0000", "sub_1", amount=0, start=T0, end=trial_end)
    deliver(fake.event("invoice.paid", zero, T0 + 1))
    assert Subscription.objects.get().status == S.TRIALING
    assert not Notification.objects.filter(kind="receipt").exists()

    first = fake.invoice("in_0001", "sub_1", amount=50, start=trial_end, end=trial_end + 7 * DAY)
    deliver(fake.event("invoice.paid", first, trial_end + 30))
    converted = fake.subscription(
        "sub_1",
        user=reader,
        price="price_weekly",
        status="active",
        start=trial_end,
        end=trial_end + 7 * DAY,
        trial_end=trial_end,
    )
    deliver(fake.event("customer.subscription.updated", converted, trial_end + 30))

    sub = Subscription.objects.get()
    assert sub.status == S.ACTIVE
    assert sub.current_period_end == at(trial_end + 7 * DAY)
    assert is_entitled(reader, now=at(trial_end + 6 * DAY))
    assert Notification.objects.filter(kind="receipt").count() == 1
    causes = list(sub.events.values_list("from_status", "to_status"))
    assert causes == [("", "trialing"), ("trialing", "active")]


def test_a_trial_that_ends_without_a_card_ends_access(reader, weekly):
    trial_end = T0 + 14 * DAY
    active(reader, status="trialing", price="price_weekly", end=trial_end, trial_end=trial_end)
    ended = fake.subscription(
        "sub_1",
        user=reader,
        price="price_weekly",
        status="canceled",
        start=T0,
        end=trial_end,
        trial_end=trial_end,
        ended_at=trial_end,
    )
    deliver(fake.event("customer.subscription.deleted", ended, trial_end))
    assert Subscription.objects.get().status == S.EXPIRED
    assert not is_entitled(reader, now=at(trial_end - 10))


# Configuration ---------------------------------------------------------------------


def test_check_deploy_requires_both_stripe_secrets(settings):
    settings.DEBUG = False
    settings.MASTHEAD_STRIPE_WEBHOOK_SECRET = ""
    with pytest.raises(SystemCheckError, match="masthead.billing.E003"):
        call_command("check", "--deploy", "--fail-level", "ERROR")
    settings.MASTHEAD_STRIPE_SECRET_KEY = ""
    with pytest.raises(SystemCheckError, match="masthead.billing.E002"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_webhook_is_not_there_when_stripe_is_not_enabled(settings, reader):
    settings.MASTHEAD_PAYMENT_PROVIDERS = ["local"]
    assert deliver(fake.event("customer.created", {"id": "cus_1"}, T0)).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_the_webhook_refuses_other_methods():
    assert Client().get(WEBHOOK).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_event_apply_it_once(monthly):
    """Stripe may deliver an event twice at once (a retry racing a slow answer)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; `make test` runs this there")
    reader = factories.reader("racer@example.com")
    obj = fake.subscription(
        "sub_race", user=reader, price="price_monthly", start=T0, end=T0 + 30 * DAY
    )
    payload = json.dumps(fake.event("customer.subscription.created", obj, T0))
    header = fake.sign(payload)
    barrier = threading.Barrier(6)
    answers, errors = [], []

    def post():
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                WEBHOOK,
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            answers.append((response.status_code, response.json()["applied"]))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(answers) == [(200, False)] * 5 + [(200, True)]
    assert Subscription.objects.filter(provider_subscription_id="sub_race").count() == 1
    assert SubscriptionEvent.objects.count() == 1 and WebhookEvent.objects.count() == 1
    assert Notification.objects.filter(kind="welcome").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_readers_return_and_the_webhook_racing_record_one_subscription(weekly):
    import threading

    from django.db import connection

    from masthead.billing import stripe_provider

    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL; `make test` runs this there")
    reader = factories.reader("racer2@example.com")
    obj = fake.subscription(
        "sub_race2",
        user=reader,
        price="price_weekly",
        status="trialing",
        start=T0,
        end=T0 + 14 * DAY,
        trial_end=T0 + 14 * DAY,
    )
    barrier = threading.Barrier(4)
    errors = []

    def record(n):
        try:
            barrier.wait(timeout=30)
            stripe_provider.record(obj, at=at(T0), cause=f"racer {n}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    sub = Subscription.objects.get(provider_subscription_id="sub_race2")
    assert sub.status == S.TRIALING and sub.had_trial
    assert SubscriptionEvent.objects.filter(subscription=sub).count() == 1


# A checkout that ends after its account was deleted ---------------------------


def gone_reader():
    """A reader who started a checkout in another tab, then deleted the account."""
    user = factories.reader("gone@example.com")
    user.delete()
    return user


def orphan(user, status="trialing"):
    return fake.subscription(
        "sub_gone", user=user, price="price_weekly", status=status, start=T0, end=T0 + 14 * DAY
    )


@pytest.mark.parametrize(
    "delivery", ["checkout.session.completed", "customer.subscription.created"]
)
def test_a_subscription_bought_for_a_deleted_account_is_ended_at_stripe(delivery, weekly):
    user = gone_reader()
    FakeStripeHTTP.answer("GET", "/v1/subscriptions/sub_gone", orphan(user))
    FakeStripeHTTP.answer("DELETE", "/v1/subscriptions/sub_gone", orphan(user, "canceled"))
    if delivery == "checkout.session.completed":
        obj = {
            "id": "cs_gone",
            "object": "checkout.session",
            "mode": "subscription",
            "client_reference_id": str(user.pk),
            "subscription": "sub_gone",
        }
    else:
        obj = orphan(user)
    event = fake.event(delivery, obj, T0)
    response = deliver(event)
    assert response.status_code == 200 and response.json()["applied"] is True
    [call] = [c for c in FakeStripeHTTP.calls if c["method"] == "DELETE"]
    assert call["path"] == "/v1/subscriptions/sub_gone"
    assert call["params"]["invoice_now"] == "false"
    assert call["idempotency_key"] == "cancel-orphan-sub_gone"
    assert not Subscription.objects.exists()
    # Delivered again, it is done already.
    assert deliver(event).json()["applied"] is False
    assert len([c for c in FakeStripeHTTP.calls if c["method"] == "DELETE"]) == 1


def test_an_ended_subscription_of_a_deleted_account_needs_nothing(weekly):
    user = gone_reader()
    response = deliver(fake.event("customer.subscription.updated", orphan(user, "canceled"), T0))
    assert response.status_code == 200
    assert not [c for c in FakeStripeHTTP.calls if c["method"] == "DELETE"]


def test_stripe_down_while_ending_an_orphan_is_retried_later(weekly):
    user = gone_reader()
    FakeStripeHTTP.answer("DELETE", "/v1/subscriptions/sub_gone", {"error": {}}, status=500)
    event = fake.event("customer.subscription.created", orphan(user), T0)
    assert deliver(event).status_code == 503  # Stripe delivers it again later
    FakeStripeHTTP.answer("DELETE", "/v1/subscriptions/sub_gone", orphan(user, "canceled"))
    assert deliver(event).json()["applied"] is True
