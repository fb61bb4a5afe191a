"""The content tree's shape is enforced by the page models."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from masthead.newsroom.models import (
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    HomePage,
    SectionPage,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_articles_live_only_in_sections(home):
    section = factories.section(home)
    index = factories.authors_index(home)

    assert ArticlePage.can_create_at(section)
    assert not ArticlePage.can_create_at(home)
    assert not ArticlePage.can_create_at(index)
    assert set(ArticlePage.allowed_parent_page_models()) == {SectionPage}


def test_sections_and_the_team_page_hang_off_the_home_page(home):
    assert SectionPage.can_create_at(home)
    assert AuthorIndexPage.can_create_at(home)
    assert not SectionPage.can_create_at(Page.get_first_root_node())


def test_there_is_one_home_page_and_one_team_page(home):
    factories.authors_index(home)

    assert not HomePage.can_create_at(Page.get_first_root_node())
    assert not AuthorIndexPage.can_create_at(home)


def test_authors_live_under_the_team_page_and_have_no_children(home):
    index = factories.authors_index(home)
    person = factories.author(index, "Sam Reporter")

    assert AuthorPage.can_create_at(index)
    assert not AuthorPage.can_create_at(home)
    assert AuthorPage.allowed_subpage_models() == []
    assert person.name == "Sam Reporter"


def test_articles_have_no_children(home):
    assert ArticlePage.allowed_subpage_models() == []


def test_new_articles_default_to_metered_with_a_three_block_teaser(home):
    article = factories.article(factories.section(home))

    assert article.access == "metered"
    assert article.teaser_blocks == 3


def test_an_original_url_needs_the_outlet_it_came_from(home):
    article = factories.article(factories.section(home))
    article.original_url = "https://harborledger.example/story"

    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "source" in error.value.message_dict

    article.source = factories.source()
    article.full_clean()
