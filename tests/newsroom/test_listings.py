"""Sections, author archives, tag archives, the home page and "More from"."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings

from masthead.newsroom.models import PublicationSettings
from tests import factories

pytestmark = pytest.mark.django_db


def headlines(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [h.get_text(strip=True) for h in soup.select(".card__headline")]


@pytest.fixture
def reporter(authors_index):
    return factories.author(authors_index, "Lena Writer", bio="<p>Lena writes.</p>")


@override_settings(MASTHEAD_ARTICLES_PER_PAGE=2)
def test_section_lists_its_articles_newest_first_in_pages(client, home, reporter):
    world = factories.section(home, "World")
    other = factories.section(home, "Defense")
    for hours in (30, 10, 20):
        factories.article(
            world, f"World story {hours}h", authors=[reporter], age=timedelta(hours=hours)
        )
    factories.article(other, "Not in World", authors=[reporter])

    first = client.get(world.url)
    second = client.get(world.url, {"page": 2})

    assert headlines(first) == ["World story 10h", "World story 20h"]
    assert headlines(second) == ["World story 30h"]
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


@override_settings(MASTHEAD_ARTICLES_PER_PAGE=2)
@pytest.mark.parametrize("junk", ["abc", "-1", "0", "9999", "1e9", "%00", "02", "²"])
def test_a_page_number_that_names_no_page_is_not_found(client, home, reporter, junk):
    """Page numbers are ASCII digits up to the last page: anything else would
    be one more copy of the listing under another address (issue 12)."""
    world = factories.section(home, "World")
    for hours in (1, 2, 3):
        factories.article(world, f"Story {hours}", authors=[reporter], age=timedelta(hours=hours))

    assert client.get(world.url, {"page": junk}).status_code == 404
    assert len(headlines(client.get(world.url, {"page": "2"}))) == 1


def test_unpublished_articles_are_not_listed(client, home, reporter):
    world = factories.section(home, "World")
    factories.article(world, "Published", authors=[reporter])
    draft = factories.article(world, "Pulled", authors=[reporter])
    draft.unpublish()

    assert headlines(client.get(world.url)) == ["Published"]


@override_settings(MASTHEAD_ARTICLES_PER_PAGE=3)
def test_author_archive_paginates_everything_they_wrote(client, home, authors_index, reporter):
    colleague = factories.author(authors_index, "Marc Other")
    world = factories.section(home, "World")
    defense = factories.section(home, "Defense")
    for n in range(4):
        factories.article(
            world if n % 2 else defense, f"By Lena {n}", authors=[reporter], age=timedelta(hours=n)
        )
    factories.article(
        world, "Shared byline", authors=[colleague, reporter], age=timedelta(hours=10)
    )
    factories.article(world, "Only Marc", authors=[colleague])

    first = client.get(reporter.url)
    second = client.get(reporter.url, {"page": 2})

    assert headlines(first) == ["By Lena 0", "By Lena 1", "By Lena 2"]
    assert headlines(second) == ["By Lena 3", "Shared byline"]
    assert "Lena writes." in first.text
    soup = BeautifulSoup(first.content, "html.parser")
    assert {label.get_text(strip=True) for label in soup.select(".section-label")} == {
        "World",
        "Defense",
    }


def test_team_page_lists_teams_first(client, home, authors_index, reporter):
    factories.author(authors_index, "Desk Team", is_team=True)

    response = client.get(authors_index.url)
    soup = BeautifulSoup(response.content, "html.parser")

    names = [n.get_text(strip=True) for n in soup.select(".author-box__name")]
    assert names == ["Desk Team", "Lena Writer"]


def test_more_from_prefers_same_section_or_shared_tags_then_recency(home, reporter):
    world = factories.section(home, "World")
    defense = factories.section(home, "Defense")
    culture = factories.section(home, "Culture")
    article = factories.article(world, "The story", authors=[reporter], tags=["Shipping"])
    same_section_old = factories.article(world, "Same section, old", age=timedelta(days=5))
    shared_tag = factories.article(
        defense, "Shared tag", age=timedelta(days=3), tags=["Shipping", "Navy"]
    )
    factories.article(culture, "Unrelated but newest", age=timedelta(hours=1))
    factories.article(culture, "Unrelated, older", age=timedelta(days=2))
    factories.article(defense, "Unrelated, oldest", age=timedelta(days=9))

    related = [a.title for a in article.related_articles(limit=4)]

    assert related == [
        shared_tag.title,
        same_section_old.title,
        "Unrelated but newest",
        "Unrelated, older",
    ]


def test_more_from_never_includes_the_article_itself_or_drafts(home, reporter):
    world = factories.section(home, "World")
    article = factories.article(world, "The story", authors=[reporter])
    draft = factories.article(world, "Draft")
    draft.unpublish()

    assert article.related_articles() == []


def test_more_from_is_shown_under_the_article(client, home, reporter):
    world = factories.section(home, "World")
    article = factories.article(world, "The story", authors=[reporter])
    for n in range(6):
        factories.article(world, f"Neighbour {n}", age=timedelta(hours=n + 1))

    soup = BeautifulSoup(client.get(article.url).content, "html.parser")
    more = soup.select_one(".more-from")

    assert more.h2.get_text() == "More from The Test Gazette"
    assert [h.get_text(strip=True) for h in more.select(".card__headline")] == [
        "Neighbour 0",
        "Neighbour 1",
        "Neighbour 2",
        "Neighbour 3",
    ]


def test_home_page_leads_with_newest_story_and_lists_sections(client, home, reporter):
    world = factories.section(home, "World")
    defense = factories.section(home, "Defense")
    factories.section(home, "Empty desk")
    factories.article(world, "Older world", authors=[reporter], age=timedelta(hours=5))
    factories.article(defense, "Newest", authors=[reporter], age=timedelta(hours=1))
    factories.article(defense, "Older defense", authors=[reporter], age=timedelta(hours=3))

    soup = BeautifulSoup(client.get("/").content, "html.parser")

    assert soup.select_one(".card--lead .card__headline").get_text(strip=True) == "Newest"
    sections = {
        s.select_one(".home-section__title").get_text(strip=True): [
            h.get_text(strip=True) for h in s.select(".card__headline")
        ]
        for s in soup.select(".home-section")
    }
    assert sections == {"World": ["Older world"], "Defense": ["Older defense"]}
    nav = [a.get_text(strip=True) for a in soup.select(".section-nav a")]
    assert nav == ["World", "Defense", "Empty desk"]


def test_editor_can_choose_the_lead_story(client, home, reporter):
    world = factories.section(home, "World")
    chosen = factories.article(world, "Chosen lead", authors=[reporter], age=timedelta(days=2))
    factories.article(world, "Newer", authors=[reporter])
    home.lead_story = chosen
    home.save_revision().publish()

    soup = BeautifulSoup(client.get("/").content, "html.parser")

    assert soup.select_one(".card--lead .card__headline").get_text(strip=True) == "Chosen lead"


def test_subscribe_call_to_action_uses_the_publication_settings(client, home):
    settings = PublicationSettings.objects.get()
    settings.subscribe_slogan = "Back independent reporting"
    settings.subscribe_pitch = "Full ad-free access for $0.50 a week."
    settings.trial_label = "Try 14 days free"
    settings.trial_url = "/join/trial/"
    settings.login_label = "Already a subscriber? Log in"
    settings.save()

    soup = BeautifulSoup(client.get("/").content, "html.parser")
    cta = soup.select_one(".subscribe-cta--home")

    assert cta.h2.get_text() == "Back independent reporting"
    assert "Full ad-free access for $0.50 a week." in cta.get_text()
    assert cta.find("a", string="Try 14 days free")["href"] == "/join/trial/?next=%2F"
    login = cta.find("a", string="Already a subscriber? Log in")
    assert login["href"] == "/accounts/login/?next=/"
    # No subscribe URL configured: the button leads to Masthead's own plans page.
    assert cta.find("a", string="Subscribe")["href"] == "/subscribe/?next=%2F"


def test_the_trial_button_appears_only_when_a_plan_offers_a_trial(client, home):
    from masthead.members.models import Plan

    def trial_button():
        soup = BeautifulSoup(client.get("/").content, "html.parser")
        return soup.select_one(".subscribe-cta--home").find("a", string="Try 14 days free")

    Plan.objects.create(name="Monthly", slug="monthly", price_minor=200, interval="month")
    assert trial_button() is None
    Plan.objects.create(
        name="Weekly", slug="weekly", price_minor=50, interval="week", trial_days=14
    )
    assert trial_button()["href"] == "/subscribe/?trial=1&next=%2F"


def test_tag_archive_lists_tagged_articles_and_404s_for_unknown_tags(client, home, reporter):
    world = factories.section(home, "World")
    factories.article(world, "Tagged", authors=[reporter], tags=["Drones"])
    factories.article(world, "Untagged", authors=[reporter])

    assert headlines(client.get("/tags/drones/")) == ["Tagged"]
    assert client.get("/tags/no-such-tag/").status_code == 404
