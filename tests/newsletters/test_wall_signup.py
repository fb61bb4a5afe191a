"""Joining from the registration wall, at sign-up and on the account's own
newsletters page; each start is a newsletter sign-up in the Insights funnel,
attributed to the wall the reader met."""

import re

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import Site

from masthead.insights import figures, record
from masthead.insights.models import Conversion
from masthead.newsletters import signup
from masthead.newsletters.models import Newsletter, Recipient
from masthead.paywall.models import PaywallSettings
from tests import factories
from tests.members.test_accounts import CODE
from tests.paywall.helpers import gated_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def walled():
    """A metered article that shows anonymous readers the registration wall,
    and a daily briefing offered on it."""
    home = factories.site()
    article = gated_article(factories.section(home, "World"), 1)
    PaywallSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"anonymous_allowance": 0, "registered_allowance": 5},
    )
    briefing = Newsletter.objects.create(
        name="The Daily Briefing",
        slug="daily",
        sender_name="Desk",
        description="The day's defence news at seven.",
        offered_on_wall=True,
    )
    Newsletter.objects.create(
        name="Members' letter",
        slug="members",
        sender_name="Desk",
        audience=Newsletter.SUBSCRIBERS,
        offered_on_wall=True,
    )
    return article, briefing


def test_the_registration_wall_offers_the_newsletter_and_follows_its_changes(walled):
    article, briefing = walled
    client = Client()
    page = client.get(article.url).text
    assert "Register to keep reading" in page
    assert "The Daily Briefing" in page and "The day&#x27;s defence news at seven." in page
    assert "newsletters=daily" in page and "and get The Daily Briefing" in page
    assert "Members&#x27; letter" not in page  # not for new accounts
    briefing.offered_on_wall = False
    briefing.save()  # a new content generation: the cached wall follows
    assert "The Daily Briefing" not in client.get(article.url).text


def test_signing_up_from_the_wall_ticks_the_newsletter_and_it_starts_once_confirmed(walled):
    article, briefing = walled
    client = Client()
    client.get(article.url)  # meets the wall
    record.flush()
    form = client.get("/accounts/signup/?next=/world/&newsletters=daily,members,nonsense")
    assert form.status_code == 200
    boxes = [line for line in form.text.splitlines() if 'name="newsletters"' in line]
    assert len(boxes) == 1 and "checked" in boxes[0]
    response = client.post(
        "/accounts/signup/?next=/world/",
        {
            "email": "new@example.com",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
            "newsletters": [briefing.pk],
        },
    )
    assert response.status_code == 302
    row = Recipient.objects.get(email="new@example.com")
    assert row.status == Recipient.PENDING and row.user.email == "new@example.com"
    assert not Conversion.objects.filter(kind=Conversion.NEWSLETTER).exists()
    code = CODE.search(mail.outbox[-1].body).group(1)
    assert client.post(response["Location"], {"code": code}).status_code == 302
    row.refresh_from_db()
    assert row.status == Recipient.ACTIVE and row.confirmed_at
    signed = Conversion.objects.get(kind=Conversion.NEWSLETTER)
    assert signed.user == row.user and signed.article_id == article.pk


def test_a_sign_up_form_naming_a_list_it_does_not_offer_joins_nothing(walled):
    _, _ = walled
    members = Newsletter.objects.get(slug="members")
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "sly@example.com",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
            "newsletters": [members.pk],
        },
    )
    assert response.status_code == 200 and "newsletters" in response.text
    assert not Recipient.objects.exists()


def test_an_account_chooses_exactly_what_it_receives(walled):
    _, briefing = walled
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly", sender_name="Desk")
    user = factories.reader("member@example.com")
    client = Client()
    client.force_login(user)
    saved = client.post("/newsletters/", {"newsletters": [briefing.pk, weekly.pk]})
    assert saved.status_code == 200 and "Saved" in saved.text
    assert signup.receiving(user) == {briefing.pk, weekly.pk}
    assert Conversion.objects.filter(kind=Conversion.NEWSLETTER).count() == 1
    page = client.get("/newsletters/").text
    assert page.count("checked") == 2
    client.post("/newsletters/", {"newsletters": [weekly.pk]})
    assert signup.receiving(user) == {weekly.pk}
    assert Recipient.objects.get(newsletter=briefing).status == Recipient.UNSUBSCRIBED
    client.post("/newsletters/", {})  # none is a choice too
    assert signup.receiving(user) == set()
    # Rejoining is a sign-up again; saving what is already so is not.
    client.post("/newsletters/", {"newsletters": [weekly.pk]})
    client.post("/newsletters/", {"newsletters": [weekly.pk]})
    assert Conversion.objects.filter(kind=Conversion.NEWSLETTER).count() == 2


def test_a_confirmed_address_is_a_sign_up_attributed_to_the_browser_s_wall(walled):
    article, briefing = walled
    client = Client()
    client.get(article.url)
    record.flush()
    assert (
        client.post(
            "/newsletters/", {"email": "anon@example.com", "newsletters": [briefing.pk]}
        ).status_code
        == 200
    )
    path = re.search(r"/newsletters/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    assert client.post(path).status_code == 200
    signed = Conversion.objects.get(kind=Conversion.NEWSLETTER)
    assert signed.user is None and signed.article_id == article.pk
    # The funnel counts it.
    funnel = figures.funnel(figures.Filters(since=signed.day, until=signed.day))
    assert funnel.totals["newsletter_signups"] == 1
