"""`load_demo` builds a living site, and running it again changes nothing."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from wagtail.models import Page, Site

from masthead.newsroom.demo.loader import parse_body, read_content
from masthead.newsroom.models import (
    ArticlePage,
    AuthorPage,
    CreditedImage,
    HomePage,
    PublicationSettings,
    SectionPage,
    Source,
)
from tests import factories

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        model.__name__: model.objects.count()
        for model in (Page, ArticlePage, AuthorPage, SectionPage, CreditedImage, Source)
    }


@pytest.fixture(scope="class")
def loaded(class_db):
    """The demo's first load into an empty database, once for a class's tests."""
    with class_db():
        call_command("load_demo", stdout=StringIO())


class TestOnAnEmptyDatabase:
    """The demo loaded into an empty database once, for all of these: each
    test starts from that first load (its own changes are rolled back), as
    it did when each test ran the first load itself."""

    def test_demo_builds_a_complete_publication(self, client, loaded):
        site = Site.objects.get(is_default_site=True)
        assert isinstance(site.root_page.specific, HomePage)
        assert PublicationSettings.for_site(site).name == "Ridgeline"
        english = {"locale__language_code": "en"}
        assert SectionPage.objects.live().filter(**english).count() == 4
        articles = ArticlePage.objects.live()
        assert articles.filter(**english).count() >= 16
        assert AuthorPage.objects.live().count() >= 4
        assert AuthorPage.objects.filter(is_team=True).exists()
        assert articles.filter(source__isnull=False).exclude(original_url="").count() >= 2
        with_images = articles.filter(lead_image__isnull=False)
        assert with_images.count() >= 5
        assert all(article.lead_image.credit for article in with_images)
        assert articles.filter(tagged_items__isnull=False).distinct().count() == articles.count()
        assert {a.access for a in articles} == {"free", "metered", "subscribers"}
        for article in articles:
            paragraphs = [block for block in article.body if block.block_type == "paragraph"]
            assert len(paragraphs) >= 4, article.title
            assert article.article_authors.exists(), article.title

        # Wagtail's placeholder welcome page is gone, and the site serves.
        assert not Page.objects.filter(
            title__startswith="Welcome to your new Wagtail site"
        ).exists()
        assert client.get("/").status_code == 200
        for article in articles:
            assert client.get(article.url).status_code == 200, article.url

        # The Arabic edition: its own front page, sections, team and six
        # articles, each a translation of an English one, bylines included.
        arabic = ArticlePage.objects.live().filter(locale__language_code="ar")
        assert arabic.count() == 6
        assert SectionPage.objects.live().filter(locale__language_code="ar").count() == 4
        for article in arabic:
            original = article.get_translation(site.root_page.locale)
            assert article.access == original.access and article.title != original.title
            assert all(a.locale_id == article.locale_id for a in article.authors())
            assert article.url.startswith("/ar/")
        front = client.get("/ar/").content.decode()
        assert '<html lang="ar" dir="rtl">' in front
        assert all(article.title in front for article in arabic.exclude(access="subscribers")[:3])

    def test_the_demo_issue_sent_to_files_gives_each_reader_their_own_text(
        self, loaded, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        """The issue's acceptance, from the demo: an editor sends the issue of a
        metered article; the subscriber's file has the whole article, the free
        reader's the teaser and the offer, and each carries one-click unsubscribe."""
        from email import message_from_bytes, policy
        from html import unescape

        from django.utils.html import strip_tags

        from masthead.newsletters import tasks
        from masthead.newsletters.models import Issue

        settings.EMAIL_BACKEND = "masthead.newsletters.mailfiles.EmailBackend"
        settings.EMAIL_FILE_PATH = str(tmp_path)
        issue = Issue.objects.get(newsletter__slug="briefing")
        metered = issue.articles.get(sort_order=0).article.specific
        assert metered.access == "metered"
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.launch(issue.pk).total == 2
        files = {path.name.split("-", 3)[-1]: path for path in tmp_path.iterdir()}
        assert set(files) == {"subscriber@readers.example.eml", "free.reader@readers.example.eml"}
        # The article's last paragraph is past its teaser.
        last = [b for b in metered.body if b.block_type == "paragraph"][-1]
        ending = unescape(strip_tags(str(last.value))).strip()[-40:]

        def text_of(name):
            parsed = message_from_bytes(files[name].read_bytes(), policy=policy.default)
            assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            return parsed.get_body(("plain",)).get_content()

        subscriber = text_of("subscriber@readers.example.eml")
        free = text_of("free.reader@readers.example.eml")
        assert ending in subscriber
        assert ending not in free and "Subscribe" in free

    def test_the_demo_gift_link_opens_its_subscribers_only_article(self, loaded):
        output = StringIO()
        call_command("load_demo", stdout=output)
        address = re.search(r"A gift link to try .*?: (\S+)", output.getvalue()).group(1)
        path = "/" + address.split("/", 3)[3]
        reader = Client()
        response = reader.get(path)
        while response.status_code == 302:
            response = reader.get(response["Location"])
        assert response.status_code == 200 and 'class="gift-note"' in response.text
        assert 'class="wall"' not in response.text
        assert "subscribers" in ArticlePage.objects.get(gift_links__label__startswith="Demo").access

    def test_the_demo_experiment_starts_from_its_report_and_shows_its_variant(
        self, loaded, admin_client
    ):
        from masthead.offers.models import Experiment
        from tests.offers.helpers import browser_in

        made = Experiment.objects.get(name__startswith="Demo")
        assert made.status == Experiment.DRAFT and made.variants.count() == 2
        admin_client.post(f"/admin/insights/experiments/{made.pk}/start/")
        made.refresh_from_db()
        assert made.status == Experiment.RUNNING
        exclusive = ArticlePage.objects.live().filter(access="subscribers").first()
        page = browser_in(made, "Plainer pitch").get(exclusive.url).text
        assert "readers pay for it" in page and "Read free for 14 days" in page

    def test_loading_the_demo_twice_creates_nothing_the_second_time(self, loaded):
        before = snapshot()

        output = StringIO()
        call_command("load_demo", stdout=output)

        assert snapshot() == before
        assert "nothing to create" in output.getvalue()

    def test_a_second_run_leaves_an_editors_changes_alone(self, loaded):
        article = ArticlePage.objects.get(slug="veterans-trail-crew")
        article.title = "Edited by a human"
        article.save_revision().publish()

        call_command("load_demo", stdout=StringIO())

        assert ArticlePage.objects.get(slug="veterans-trail-crew").title == "Edited by a human"

    def test_a_second_run_restores_a_deleted_article(self, loaded):
        ArticlePage.objects.get(slug="veterans-trail-crew").delete()

        call_command("load_demo", stdout=StringIO())

        assert ArticlePage.objects.filter(slug="veterans-trail-crew").count() == 1


def test_if_empty_leaves_an_existing_site_alone(home):
    factories.article(factories.section(home, "Local"))
    before = snapshot()

    output = StringIO()
    call_command("load_demo", "--if-empty", stdout=output)

    assert snapshot() == before
    assert "not loaded" in output.getvalue()


def test_demo_body_format_becomes_stream_blocks():
    blocks = parse_body("First <para>.\n\n## A heading\n\n> Said it. -- Someone\n\nLast.")

    assert blocks == [
        {"type": "paragraph", "value": "<p>First &lt;para&gt;.</p>"},
        {"type": "heading", "value": "A heading"},
        {"type": "quote", "value": {"text": "Said it.", "attribution": "Someone"}},
        {"type": "paragraph", "value": "<p>Last.</p>"},
    ]


def test_demo_content_file_is_complete():
    content = read_content()
    author_slugs = {author["slug"] for author in content["authors"]}
    section_slugs = {section["slug"] for section in content["sections"]}
    source_names = {source["name"] for source in content["sources"]}
    slugs = [article["slug"] for article in content["articles"]]

    assert len(slugs) == len(set(slugs))
    for article in content["articles"]:
        assert set(article["authors"]) <= author_slugs
        assert article["section"] in section_slugs
        assert article.get("source", next(iter(source_names))) in source_names


def test_ensure_admin_creates_one_admin_with_a_generated_password():
    first, second = StringIO(), StringIO()
    call_command("ensure_admin", stdout=first)
    call_command("ensure_admin", stdout=second)

    User = get_user_model()
    admin = User.objects.get()
    assert admin.is_superuser and admin.is_staff
    password = first.getvalue().split("password: ")[1].split()[0]
    assert len(password) >= 16
    assert admin.check_password(password)
    assert "password:" not in second.getvalue()
    assert User.objects.count() == 1
    # The printed address and password open the admin through the one sign-in page.
    email = first.getvalue().split("email:")[1].split()[0]
    client = Client()
    signed = client.post("/accounts/login/?next=/admin/", {"login": email, "password": password})
    assert signed.status_code == 302 and signed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_ensure_admin_passwords_differ_between_installs():
    passwords = set()
    for _ in range(2):
        get_user_model().objects.all().delete()
        out = StringIO()
        call_command("ensure_admin", stdout=out)
        passwords.add(out.getvalue().split("password: ")[1].split()[0])

    assert len(passwords) == 2
