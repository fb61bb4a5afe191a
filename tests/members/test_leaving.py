"""Readers can leave: download their data, and delete their account.

The export is the reader's own and nobody else's (canary strings planted in a
second reader's rows must never appear), and is never stored on the way.
Deleting asks for the password again through allauth (or, for an account
without one, the address and a fresh sign-in by code), ends the subscription
through its provider as the reader chose, treats comments as the publisher
set, and either does all of it or, when anything fails, none of it.
"""

import json
import re
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from masthead import locales
from masthead.billing.local import LocalProvider
from masthead.discussion.models import Comment, CommentBan, CommentReport, DiscussionSettings
from masthead.gifts.models import GiftLink
from masthead.members import lifecycle
from masthead.members.models import (
    ComplimentaryAccess,
    Notification,
    Plan,
    SpentTrial,
    Subscription,
    SubscriptionEvent,
)
from masthead.newsletters.models import Newsletter, Recipient
from masthead.offers.models import Assignment
from masthead.syndication.models import FeedToken
from tests import factories
from tests.billing import fake_stripe as fake
from tests.billing.fake_stripe import FakeStripeHTTP
from tests.offers.helpers import experiment

pytestmark = pytest.mark.django_db
S = Subscription
PASSWORD = "a-long-test-password"
MINE = "CANARY-MINE-remark-about-the-harbour"
THEIRS = "CANARY-THEIRS-remark-nobody-else-may-export"
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)
PASSWORD_FIELD = re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE)
User = get_user_model()


@pytest.fixture(autouse=True)
def local_billing(settings):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True


@pytest.fixture
def article(home):
    return factories.article(factories.section(home, "Harbour"), "Harbour works", access="free")


@pytest.fixture
def plan():
    return Plan.objects.create(
        name="Monthly", slug="monthly", price_minor=200, stripe_price_id="price_monthly"
    )


@pytest.fixture
def leaver():
    return factories.reader("leaver@example.com")


@pytest.fixture
def other(article, plan):
    """Another reader, with a row of every kind the export reads: none of it may leak."""
    user = factories.reader("other-canary@example.com")
    EmailAddress.objects.create(user=user, email="other-second@example.com", verified=False)
    lifecycle.start(
        user,
        plan,
        provider="local",
        now=timezone.now(),
        trial=False,
        cause="CANARY-THEIRS-cause",
        provider_customer_id="cus_CANARY_THEIRS",
    )
    ComplimentaryAccess.objects.create(user=user, reason="CANARY-THEIRS-grant")
    FeedToken.objects.create(user=user, token="CANARY-THEIRS-feed-token")
    CommentBan.objects.create(user=user, reason="CANARY-THEIRS-ban")
    comment_by(user, article, THEIRS)
    return user


def comment_by(user, article, words, **fields):
    return Comment.objects.create(
        article=article,
        user=user,
        text=words,
        token=f"t{Comment.objects.count():04d}" * 4,
        **fields,
    )


def browser(user) -> tuple[Client, str]:
    """A signed-in client that enforces CSRF, with the token a page gave it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/account/delete/").text
    return client, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def reauthenticate(client, token, password=PASSWORD):
    return client.post(
        "/accounts/reauthenticate/", {"password": password, "csrfmiddlewaretoken": token}
    )


def delete(client, token, **form):
    return client.post(
        "/account/delete/", {"csrfmiddlewaretoken": token, "confirm": "delete", **form}
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def everything():
    """Every row deleting an account could touch."""
    return (
        list(User.objects.values_list("pk", "email")),
        list(EmailAddress.objects.values_list("pk", "user_id")),
        list(S.objects.values_list("pk", "user_id", "status", "current_period_end")),
        list(SubscriptionEvent.objects.values_list("pk")),
        list(Notification.objects.values_list("pk")),
        list(Comment.objects.values_list("pk", "user_id", "text", "deleted_at")),
        list(CommentReport.objects.values_list("pk")),
        list(FeedToken.objects.values_list("pk")),
    )


# Download your data -----------------------------------------------------------------


def test_the_export_holds_the_readers_own_data_and_nothing_of_anyone_elses(
    leaver, other, article, plan
):
    EmailAddress.objects.create(user=leaver, email="leaver-old@example.com", verified=False)
    subscription = lifecycle.start(
        leaver, plan, provider="local", now=timezone.now(), trial=False, cause="checkout"
    )
    LocalProvider().cancel(subscription)
    mine = comment_by(leaver, article, MINE)
    mine.rewrite(MINE + " (edited)")
    theirs = Comment.objects.get(text=THEIRS)
    theirs.rewrite(THEIRS + " (edited)")
    reply = comment_by(leaver, article, "I disagree with you", parent=theirs)
    CommentReport.objects.create(comment=theirs, reporter=leaver, reason="my own reason")
    FeedToken.objects.create(user=leaver, token="MY-OWN-feed-token-is-a-secret")
    briefing = Newsletter.objects.create(name="The Briefing", slug="briefing", sender_name="Desk")
    Recipient.objects.create(newsletter=briefing, email="leaver-old@example.com", status="active")
    Recipient.objects.create(newsletter=briefing, email="someone-else@example.com")
    ComplimentaryAccess.objects.create(user=leaver, reason="gifting")
    gift = GiftLink.objects.create(
        article=article, giver=leaver, expires_at=timezone.now() + timedelta(days=3),
        max_browsers=10,
    )  # fmt: skip
    offers = experiment({"name": "Control", "share": 50}, {"name": "Plainer", "share": 50})
    Assignment.objects.create(
        experiment=offers, variant=offers.variants.get(name="Plainer"), user=leaver,
        reader="f" * 32, at=timezone.now(),
    )  # fmt: skip

    client = Client()
    client.force_login(leaver)
    response = client.get("/account/data/")
    assert response.status_code == 200
    body = response.content.decode()
    data = json.loads(body)

    assert data["account"]["email_addresses"] == [
        {"email": "leaver@example.com", "verified": True, "primary": True},
        {"email": "leaver-old@example.com", "verified": False, "primary": False},
    ]
    assert data["account"]["date_joined"] and "last_login" in data["account"]
    [exported] = data["subscriptions"]
    assert exported["plan"]["name"] == "Monthly" and exported["status"] == S.CANCELED
    assert [(e["from_status"], e["to_status"]) for e in exported["events"]] == [
        ("", S.ACTIVE),
        (S.ACTIVE, S.CANCELED),
    ]
    assert {c["id"]: c["text"] for c in data["comments"]} == {
        mine.pk: MINE + " (edited)",
        reply.pk: "I disagree with you",
    }
    assert [r["text"] for r in data["comments"][0]["earlier_texts"]] == [MINE]
    assert data["comments"][0]["article"]["title"] == "Harbour works"
    assert data["comments"][0]["article"]["url"].endswith(article.url)
    [report] = data["comment_reports"]
    assert report["reason"] == "my own reason" and report["article"]["title"] == "Harbour works"
    assert data["private_feed"]["exists"] is True
    assert data["commenting_ban"] is None
    [listed] = data["newsletters"]
    assert listed["newsletter"] == "The Briefing" and listed["status"] == "active"
    assert listed["email"] == "leaver-old@example.com" and "someone-else" not in body
    [gifted] = data["gift_links"]
    assert gifted["article"] == "Harbour works" and gifted["browsers_that_opened_it"] == 0
    assert gift.token not in body and gift.token_hash not in body and gift.nonce not in body
    [placed] = data["offer_experiments"]
    assert placed["experiment"] == "Test offers" and placed["variant_shown"] == "Plainer"
    assert "f" * 32 not in body  # the browser's digest stays the site's

    # Nothing of the other reader's, not even the comment this reader reported
    # or replied to; and no secret of the reader's own that works by itself.
    assert "CANARY" not in body.replace(MINE, "")
    assert "other-canary" not in body and "other-second" not in body
    assert "MY-OWN-feed-token" not in body
    assert "password" not in body.replace('"has_password"', "")


def test_the_export_is_a_private_attachment_never_stored(leaver, home):
    client = Client()
    client.force_login(leaver)
    response = client.get("/account/data/")
    assert response["Content-Type"].startswith("application/json")
    assert re.fullmatch(
        r'attachment; filename="account-data-\d{4}-\d{2}-\d{2}\.json"',
        response["Content-Disposition"],
    )
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_the_account_page_offers_the_download_and_the_way_out(leaver, home):
    client = Client()
    client.force_login(leaver)
    page = client.get("/account/").text
    assert 'href="/account/data/"' in page and 'href="/account/delete/"' in page


# Who may, and how ------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [("get", "/account/data/"), ("get", "/account/delete/"), ("post", "/account/delete/")],
)
def test_a_stranger_is_sent_to_sign_in(home, method, path):
    response = getattr(Client(), method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/account/data/"),
        ("put", "/account/data/"),
        ("delete", "/account/delete/"),
        ("put", "/account/delete/"),
        ("patch", "/account/delete/"),
        ("post", "/account/deleted/"),
    ],
)
def test_each_page_answers_only_the_methods_it_uses(leaver, home, method, path):
    client = Client()
    client.force_login(leaver)
    assert getattr(client, method)(path).status_code == 405
    assert User.objects.filter(pk=leaver.pk).exists()


def test_the_deleted_page_is_for_nobody_who_did_not_just_leave(leaver, home):
    assert Client().get("/account/deleted/")["Location"] == "/"
    client = Client()
    client.force_login(leaver)
    assert client.get("/account/deleted/")["Location"] == "/"


@pytest.mark.parametrize("how", ["staff", "admin role"])
def test_an_editor_cannot_delete_their_own_account_from_here(home, django_user_model, how):
    from django.contrib.auth.models import Group, Permission

    editor = django_user_model.objects.create_user("ed", "ed@example.com", PASSWORD)
    EmailAddress.objects.create(user=editor, email="ed@example.com", primary=True, verified=True)
    if how == "staff":
        editor.is_staff = True
        editor.save()
    else:  # a Wagtail role with admin access, not a Django staff flag
        group = Group.objects.create(name="Desk")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        editor.groups.add(group)
    client, token = browser(editor)
    assert 'href="/account/delete/"' not in client.get("/account/").text
    assert client.get("/account/delete/").status_code == 403
    reauthenticate(client, token)
    response = delete(client, token)
    assert response.status_code == 403 and "another administrator" in response.text
    assert User.objects.filter(pk=editor.pk).exists()


def test_the_page_says_what_goes_and_stays_and_takes_no_password_itself(leaver, article):
    comment_by(leaver, article, MINE)
    client, _ = browser(leaver)
    page = client.get("/account/delete/").text
    assert 'signed "Deleted reader"' in page and "Your comments (1)" in page
    assert "payment provider" in page
    assert not PASSWORD_FIELD.search(page)  # the password is asked on allauth's page

    settings = DiscussionSettings.for_site(article.get_site())
    settings.on_account_deletion = DiscussionSettings.REMOVE
    settings.save()
    page = client.get("/account/delete/").text
    assert "Deleted reader" not in page and '"Comment deleted" placeholder' in page


# Confirming: CSRF and the password --------------------------------------------------


def test_deleting_needs_the_csrf_token(leaver, home):
    client, token = browser(leaver)
    reauthenticate(client, token)
    before = everything()
    response = client.post("/account/delete/", {"confirm": "delete"})
    assert response.status_code == 403
    assert everything() == before and signed_in(client)


def test_a_wrong_password_deletes_nothing(leaver, other, article):
    comment_by(leaver, article, MINE)
    client, token = browser(leaver)
    before = everything()
    asked = delete(client, token)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/reauthenticate/?next=%2Faccount%2Fdelete%2F")
    wrong = reauthenticate(client, token, "not-the-password")
    assert wrong.status_code == 200 and PASSWORD_FIELD.search(wrong.text)
    assert everything() == before and signed_in(client)
    # The reauthentication it did not earn does not let a second try through.
    assert delete(client, token)["Location"].startswith("/accounts/reauthenticate/")
    assert everything() == before


def test_the_right_password_carries_out_the_deletion_and_signs_the_reader_out(
    leaver, other, article
):
    comment_by(leaver, article, MINE)
    GiftLink.objects.create(
        article=article, giver=leaver, expires_at=timezone.now() + timedelta(days=3),
        max_browsers=10,
    )  # fmt: skip
    # A list joined by address alone (double opt-in), one by the account, and
    # someone else's.
    briefing = Newsletter.objects.create(name="The Briefing", slug="briefing", sender_name="Desk")
    Recipient.objects.create(newsletter=briefing, email="Leaver@Example.com", status="active")
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly", sender_name="Desk")
    Recipient.objects.create(newsletter=weekly, email="leaver@example.com", user=leaver)
    Recipient.objects.create(newsletter=weekly, email="other@example.com", status="active")
    elsewhere = Client()
    elsewhere.force_login(leaver)  # the same reader, signed in on another device
    client, token = browser(leaver)
    assert delete(client, token).status_code == 302
    done = client.post(
        "/accounts/reauthenticate/?next=%2Faccount%2Fdelete%2F",
        {"password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302 and done["Location"] == "/account/deleted/"
    assert not User.objects.filter(pk=leaver.pk).exists()
    assert not EmailAddress.objects.filter(email="leaver@example.com").exists()
    assert not GiftLink.objects.exists()
    assert list(Recipient.objects.values_list("email", flat=True)) == ["other@example.com"]
    assert not signed_in(client)
    page = client.get("/account/deleted/")
    assert page.status_code == 200 and "Your account is deleted" in page.text
    assert "Deleted reader" in page.text
    assert elsewhere.get("/account/")["Location"].startswith("/accounts/login/")
    [note] = mail.outbox
    assert note.to == ["leaver@example.com"] and "deleted" in note.subject
    # The other reader is untouched.
    assert User.objects.filter(pk=other.pk).exists()
    assert Comment.objects.get(text=THEIRS).user == other


def test_after_a_recent_password_check_the_form_deletes_at_once(leaver, home):
    client, token = browser(leaver)
    reauthenticate(client, token)
    response = delete(client, token)
    assert response.status_code == 302 and response["Location"] == "/account/deleted/"
    assert not User.objects.filter(pk=leaver.pk).exists()


@pytest.mark.parametrize(
    "form",
    [
        {"confirm": ""},
        {"confirm": "yes"},
        {"subscription": "sometime"},
        {"subscription": "now\x00"},
        {"subscription": "\uff4e\uff4f\uff57"},  # "now" in fullwidth letters
        {"subscription": "NOW"},
        {"confirm": "dele\u0301te"},
        {"confirm": "delete" * 1000},
    ],
)
def test_forged_or_malformed_values_are_a_400_and_delete_nothing(leaver, home, form):
    client, token = browser(leaver)
    reauthenticate(client, token)
    before = everything()
    response = client.post(
        "/account/delete/", {"csrfmiddlewaretoken": token, "confirm": "delete", **form}
    )
    assert response.status_code == 400
    assert everything() == before and signed_in(client)


# Subscriptions: the reader's choice, through the provider -----------------------------


@pytest.fixture
def stripe_enabled(settings):
    settings.MASTHEAD_PAYMENT_PROVIDERS = ["stripe"]
    settings.MASTHEAD_STRIPE_SECRET_KEY = "sk_test_masthead"
    settings.MASTHEAD_STRIPE_WEBHOOK_SECRET = fake.WEBHOOK_SECRET
    settings.MASTHEAD_STRIPE_HTTP_CLIENT = "tests.billing.fake_stripe.FakeStripeHTTP"
    FakeStripeHTTP.reset()
    yield
    FakeStripeHTTP.reset()


def stripe_subscription(user, plan, status=S.ACTIVE):
    now = timezone.now()
    subscription = lifecycle.start(
        user,
        plan,
        provider="stripe",
        now=now - timedelta(days=3),
        trial=False,
        cause="checkout",
        provider_subscription_id="sub_1",
        provider_customer_id="cus_1",
    )
    if status != S.ACTIVE:
        lifecycle.change(subscription, status, cause="test", at=now)
    return subscription


def stripe_answer(user, subscription, **fields):
    start = int(subscription.current_period_start.timestamp())
    end = int(subscription.current_period_end.timestamp())
    return fake.subscription(
        "sub_1", user=user, price="price_monthly", start=start, end=end, **fields
    )


def test_ending_with_the_paid_period_cancels_at_period_end_at_the_provider(
    stripe_enabled, leaver, plan, home
):
    subscription = stripe_subscription(leaver, plan)
    FakeStripeHTTP.answer(
        "POST",
        "/v1/subscriptions/sub_1",
        stripe_answer(leaver, subscription, cancel_at_period_end=True),
    )
    client, token = browser(leaver)
    assert "end my subscription with its paid period" in client.get("/account/delete/").text
    reauthenticate(client, token)
    response = delete(client, token, subscription="period_end")
    assert response["Location"] == "/account/deleted/"
    assert FakeStripeHTTP.calls_to("POST", "/v1/subscriptions/sub_1") == [
        {"cancel_at_period_end": "true"}
    ]
    assert FakeStripeHTTP.calls_to("DELETE", "/v1/subscriptions/sub_1") == []
    assert not S.objects.exists() and not User.objects.filter(pk=leaver.pk).exists()
    page = client.get("/account/deleted/").text
    ends = subscription.current_period_end
    assert "will not renew" in page and locales.date(ends) in page


def test_ending_now_cancels_at_once_at_the_provider(stripe_enabled, leaver, plan, home):
    subscription = stripe_subscription(leaver, plan)
    FakeStripeHTTP.answer(
        "DELETE",
        "/v1/subscriptions/sub_1",
        stripe_answer(leaver, subscription, status="canceled", ended_at=int(time.time())),
    )
    client, token = browser(leaver)
    reauthenticate(client, token)
    assert delete(client, token, subscription="now")["Location"] == "/account/deleted/"
    [call] = [c for c in FakeStripeHTTP.calls if c["method"] == "DELETE"]
    assert call["path"] == "/v1/subscriptions/sub_1"
    assert call["params"]["invoice_now"] == "false" and call["params"]["prorate"] == "false"
    assert call["idempotency_key"] == "cancel-now-sub_1"
    assert FakeStripeHTTP.calls_to("POST", "/v1/subscriptions/sub_1") == []
    assert not User.objects.filter(pk=leaver.pk).exists()
    assert "Your subscription has ended" in client.get("/account/deleted/").text


def test_when_the_provider_fails_nothing_is_deleted(stripe_enabled, leaver, plan, article):
    stripe_subscription(leaver, plan)
    comment_by(leaver, article, MINE)
    FakeStripeHTTP.answer(
        "DELETE",
        "/v1/subscriptions/sub_1",
        {"error": {"type": "api_error", "message": "Stripe is down"}},
        status=500,
    )
    client, token = browser(leaver)
    reauthenticate(client, token)
    before = everything()
    response = delete(client, token, subscription="now")
    assert response.status_code == 503
    assert "not been deleted" in response.text and "Nothing has been deleted" in response.text
    assert everything() == before and signed_in(client)
    assert S.objects.get().status == S.ACTIVE and mail.outbox == []


def test_a_subscription_without_its_provider_is_a_clear_503_not_a_500(leaver, plan, home):
    stripe_subscription(leaver, plan)  # Stripe is not enabled in these settings
    client, token = browser(leaver)
    reauthenticate(client, token)
    before = everything()
    response = delete(client, token, subscription="period_end")
    assert response.status_code == 503 and "cannot be ended online" in response.text
    assert everything() == before


def test_a_payment_outstanding_can_only_end_now(stripe_enabled, leaver, plan, home):
    stripe_subscription(leaver, plan, status=S.PAST_DUE)
    client, token = browser(leaver)
    page = client.get("/account/delete/").text
    assert 'value="period_end"' not in page and 'value="now"' in page
    reauthenticate(client, token)
    before = everything()
    assert delete(client, token, subscription="period_end").status_code == 400
    assert delete(client, token).status_code == 400  # a subscription needs a choice
    assert everything() == before and FakeStripeHTTP.calls == []


def test_a_subscription_already_ending_needs_no_provider_call_to_run_out(
    stripe_enabled, leaver, plan, home
):
    stripe_subscription(leaver, plan, status=S.CANCELED)
    client, token = browser(leaver)
    reauthenticate(client, token)
    assert delete(client, token, subscription="period_end")["Location"] == "/account/deleted/"
    assert FakeStripeHTTP.calls == [] and not User.objects.filter(pk=leaver.pk).exists()


def test_the_local_provider_ends_a_subscription_at_once(leaver, plan):
    subscription = lifecycle.start(
        leaver, plan, provider="local", now=timezone.now(), trial=False, cause="checkout"
    )
    LocalProvider().cancel_now(subscription)
    subscription.refresh_from_db()
    assert subscription.status == S.EXPIRED
    assert subscription.current_period_end <= timezone.now()
    last = subscription.events.last()
    assert (last.from_status, last.to_status) == (S.ACTIVE, S.EXPIRED)


def test_a_local_subscription_ends_with_the_account(leaver, plan, home):
    lifecycle.start(leaver, plan, provider="local", now=timezone.now(), trial=False, cause="x")
    client, token = browser(leaver)
    reauthenticate(client, token)
    assert delete(client, token, subscription="now")["Location"] == "/account/deleted/"
    assert not S.objects.exists() and not Notification.objects.exists()


def test_signing_up_again_brings_no_second_free_trial(leaver, home):
    """The address is gone with the account; a keyed digest of it stays, and
    only if the account had its trial."""
    trial_plan = Plan.objects.create(name="Trial", slug="trial", price_minor=500, trial_days=14)
    lifecycle.start(leaver, trial_plan, provider="local", now=timezone.now(), trial=True, cause="x")
    EmailAddress.objects.create(user=leaver, email="second@example.com", verified=True)
    client, token = browser(leaver)
    assert "free trial" in client.get("/account/delete/").text
    reauthenticate(client, token)
    delete(client, token, subscription="now")
    assert SpentTrial.objects.count() == 2
    assert not SpentTrial.objects.filter(digest__contains="leaver").exists()

    again = factories.reader("LEAVER@example.com")
    assert lifecycle.has_had_trial(again)
    with pytest.raises(lifecycle.TrialAlreadyUsed):
        lifecycle.start(
            again, trial_plan, provider="local", now=timezone.now(), trial=True, cause="x"
        )
    refused = Client()
    refused.force_login(again)
    answer = refused.post(f"/subscribe/{trial_plan.slug}/", {"trial": "1"})
    assert answer.status_code == 400 and not S.objects.filter(user=again).exists()
    # Another address, and an account that never had a trial, leave nothing.
    assert not lifecycle.has_had_trial(factories.reader("someone-else@example.com"))


def test_an_account_without_a_trial_leaves_no_digest(leaver, home):
    client, token = browser(leaver)
    reauthenticate(client, token)
    delete(client, token)
    assert not SpentTrial.objects.exists()


# Comments: as the publisher set --------------------------------------------------------


@pytest.fixture
def subscriber_view(article):
    """A subscriber reading the article's discussion."""
    viewer = factories.reader("viewer@example.com")
    ComplimentaryAccess.objects.create(user=viewer, reason="test")
    client = Client()
    client.force_login(viewer)
    return lambda: BeautifulSoup(client.get(article.url).text, "html.parser").find(id="comments")


def leave(user):
    client, token = browser(user)
    reauthenticate(client, token)
    assert delete(client, token)["Location"] == "/account/deleted/"


def test_kept_comments_are_signed_deleted_reader(leaver, other, article, subscriber_view):
    mine = comment_by(leaver, article, MINE)
    theirs = Comment.objects.get(text=THEIRS)
    CommentReport.objects.create(comment=theirs, reporter=leaver, reason="rude")
    CommentReport.objects.create(comment=mine, reporter=other, reason="off topic")
    assert "leaver" in subscriber_view().get_text()

    leave(leaver)
    mine.refresh_from_db()
    assert mine.user is None and mine.text == MINE and mine.deleted_at is None
    thread = subscriber_view()
    kept = thread.find(id=f"comment-{mine.pk}")
    assert kept.find(class_="comment__author").get_text() == "Deleted reader"
    assert MINE in kept.get_text() and "leaver" not in thread.get_text()
    # Reports the reader filed go with the account; reports about the comment stay.
    assert list(CommentReport.objects.values_list("reason", flat=True)) == ["off topic"]


def test_removed_comments_go_and_replies_by_others_keep_their_place(
    leaver, other, article, subscriber_view
):
    settings = DiscussionSettings.for_site(article.get_site())
    settings.on_account_deletion = DiscussionSettings.REMOVE
    settings.save()
    alone = comment_by(leaver, article, MINE + " alone")
    answered = comment_by(leaver, article, MINE + " answered")
    answer = comment_by(other, article, "CANARY-THEIRS-answer", parent=answered)
    own_follow_up = comment_by(leaver, article, MINE + " follow-up", parent=answered)
    answered.rewrite(MINE + " answered, then edited")
    theirs = Comment.objects.get(text=THEIRS)
    my_reply = comment_by(leaver, article, MINE + " reply", parent=theirs)

    leave(leaver)
    assert not Comment.objects.filter(pk__in=[alone.pk, own_follow_up.pk, my_reply.pk]).exists()
    answered.refresh_from_db()
    assert (answered.user, answered.text) == (None, "") and answered.deleted_at is not None
    assert not answered.revisions.exists()  # its earlier texts go too
    assert Comment.objects.get(pk=answer.pk).parent_id == answered.pk
    thread = subscriber_view()
    assert "Comment deleted" in thread.find(id=f"comment-{answered.pk}").get_text()
    assert thread.find(id=f"comment-{answer.pk}") is not None
    assert MINE not in thread.get_text() and "Deleted reader" not in thread.get_text()
    assert THEIRS in thread.get_text()


# An account without a password ---------------------------------------------------------


@pytest.fixture
def code_only(home):
    user = factories.reader("coder@example.com")
    user.set_unusable_password()
    user.save()
    return user


def sign_in_by_code(email) -> Client:
    client = Client()
    sent = client.post("/accounts/login/code/", {"email": email})
    code = CODE.search(mail.outbox[-1].body).group(1)
    assert client.post(sent["Location"], {"code": code}).status_code == 302
    return client


def test_without_a_password_the_reader_types_their_address_after_a_fresh_sign_in(code_only):
    client = sign_in_by_code("coder@example.com")
    page = client.get("/account/delete/").text
    assert 'name="email"' in page and not PASSWORD_FIELD.search(page)
    before = everything()
    assert client.post("/account/delete/", {"confirm": "delete"}).status_code == 400
    for typed in ("someone@example.com", "x" * 5000, "coder@example.com\x00", "\u202ecoder"):
        wrong = client.post("/account/delete/", {"confirm": "delete", "email": typed})
        assert wrong.status_code == 400 and everything() == before
    done = client.post("/account/delete/", {"confirm": "delete", "email": " Coder@Example.com "})
    assert done["Location"] == "/account/deleted/"
    assert not User.objects.filter(pk=code_only.pk).exists()


def test_without_a_password_an_old_session_must_sign_in_again(code_only):
    client = Client()
    client.force_login(code_only)  # a session with no recent sign-in recorded
    before = everything()
    response = client.post("/account/delete/", {"confirm": "delete", "email": "coder@example.com"})
    assert response.status_code == 403 and "sign in again" in response.text
    assert everything() == before
