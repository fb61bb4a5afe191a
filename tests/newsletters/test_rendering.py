"""The wall applies in email: each audience gets exactly what the gate gives
that reader, in the HTML and the text part, with each recipient's own links."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.members.models import ComplimentaryAccess
from masthead.newsletters import rendering
from masthead.newsletters.models import Issue, IssueArticle, Newsletter
from masthead.paywall import readers
from tests import factories
from tests.paywall.helpers import gated_article, secrets_in, teasers_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    section = factories.section(factories.site(), "World")
    metered = gated_article(section, 1)
    locked = gated_article(section, 2, access="subscribers")
    free = gated_article(section, 3, access="free")
    newsletter = Newsletter.objects.create(name="The Briefing", slug="briefing", sender_name="Desk")
    issue = Issue.objects.create(newsletter=newsletter, subject="Tuesday's briefing")
    for order, article in enumerate((metered, locked, free)):
        IssueArticle.objects.create(issue=issue, article=article, sort_order=order)
    return issue


@pytest.mark.parametrize("part", [0, 1])
def test_a_free_recipient_gets_teasers_and_the_offer_a_subscriber_everything(issue, part):
    free = rendering.render(issue, rendering.FREE).for_recipient(
        "https://u.example/1", "https://p.example/1"
    )[part]
    full = rendering.render(issue, rendering.FULL).for_recipient(
        "https://u.example/2", "https://p.example/2"
    )[part]
    for n in (1, 2):  # metered, subscribers only
        assert secrets_in(free, n) == [], n
        assert len(teasers_in(free, n)) == 3
        assert len(secrets_in(full, n)) == 3
    assert len(secrets_in(free, 3)) == 3  # a free article is whole for everyone
    assert "The rest of this article is for subscribers." in free
    assert "Subscribe" in free and "for subscribers" not in full
    assert "https://u.example/1" in free and "https://p.example/1" in free
    for stand_in in rendering.STAND_INS:
        assert stand_in not in free and stand_in not in full


def test_links_in_the_email_carry_the_site_s_address(issue, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://news.example"
    html, _ = rendering.render(issue, rendering.FREE).for_recipient("u", "p")
    first = issue.articles.order_by("sort_order").first().article
    assert f'href="https://news.example{first.url}"' in html
    assert 'href="/' not in html and 'src="/' not in html


def test_a_recipient_s_audience_is_their_reader_s(issue):
    users = get_user_model().objects
    assert rendering.audience_of(readers.for_account(None)) == rendering.FREE
    registered = factories.reader("free@example.com")
    assert rendering.audience_of(readers.for_account(registered)) == rendering.FREE
    paying = factories.reader("paid@example.com")
    ComplimentaryAccess.objects.create(user=paying, reason="test")
    assert rendering.audience_of(readers.for_account(paying)) == rendering.FULL
    lapsed = factories.reader("lapsed@example.com")
    ended = timezone.now() - timedelta(days=1)
    ComplimentaryAccess.objects.create(
        user=lapsed, reason="test", starts_at=ended - timedelta(days=30), ends_at=ended
    )
    assert rendering.audience_of(readers.for_account(lapsed)) == rendering.FREE
    editor = users.create_user("ed", "ed@example.com", "x", is_staff=True)
    assert rendering.audience_of(readers.for_account(editor)) == rendering.FULL


def test_an_unknown_audience_is_refused(issue):
    with pytest.raises(ValueError):
        rendering.render(issue, "everyone")
