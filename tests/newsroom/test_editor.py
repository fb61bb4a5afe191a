"""An editor works in the Wagtail admin: the page types and fields are usable there."""

import pytest
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from masthead.newsroom.models import ArticlePage, SectionPage
from tests import factories


@pytest.mark.django_db
class TestEditorCreatesAnArticle(WagtailPageTestCase):
    def setUp(self):
        self.home = factories.site()
        self.section = factories.section(self.home, "World")
        self.reporter = factories.author(factories.authors_index(self.home), "Eda Editor")
        self.login()

    def article_form(self, **overrides):
        data = {
            "title": "Convoys reach the valley",
            "slug": "convoys-reach-the-valley",
            "dek": "Engineers rebuilt two bridges.",
            "date": "2026-11-20 08:30:00",
            "article_authors": inline_formset([{"author": self.reporter.pk}]),
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>The first convoy arrived on Thursday.</p>")),
                    ("heading", "What comes next"),
                ]
            ),
            "tags": "Disaster response, Aid",
            "access": "free",
            "teaser_blocks": 2,
            "original_url": "",
            "lead_image_caption": "",
        }
        data.update(overrides)
        return nested_form_data(data)

    def test_admin_offers_the_right_page_types_in_the_right_places(self):
        self.assertAllowedSubpageTypes(self.section, {ArticlePage})
        self.assertAllowedParentPageTypes(SectionPage, {type(self.home)})

    def test_editor_creates_and_publishes_an_article(self):
        form = {**self.article_form(), "action-publish": "publish"}
        self.assertCanCreate(self.section, ArticlePage, form)

        article = ArticlePage.objects.get(slug="convoys-reach-the-valley")
        assert article.live
        assert article.authors() == [self.reporter]
        assert article.access == "free" and article.teaser_blocks == 2
        assert {tag.name for tag in article.tags.all()} == {"Disaster response", "Aid"}
        assert [block.block_type for block in article.body] == ["paragraph", "heading"]

    def test_publishing_an_article_without_an_author_is_refused(self):
        response = self.client.post(
            f"/admin/pages/add/newsroom/articlepage/{self.section.pk}/",
            {**self.article_form(article_authors=inline_formset([])), "action-publish": "publish"},
        )

        assert response.status_code == 200  # the form again, with errors
        assert not ArticlePage.objects.filter(slug="convoys-reach-the-valley").exists()

    def test_editor_pages_open(self):
        article = factories.article(self.section, authors=[self.reporter])
        for url in (
            "/admin/",
            f"/admin/pages/{article.pk}/edit/",
            f"/admin/pages/add/newsroom/articlepage/{self.section.pk}/",
            "/admin/images/",
            "/admin/snippets/newsroom/source/",
            f"/admin/settings/newsroom/publicationsettings/{self.home.get_site().pk}/",
        ):
            assert self.client.get(url).status_code == 200, url
