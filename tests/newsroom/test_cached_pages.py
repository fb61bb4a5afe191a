"""Article pages come from cache after the first request, and never stale or
someone else's: every change to published content shows on the next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from masthead.paywall.models import PaywallSettings
from tests import factories
from tests.paywall.helpers import gated_article, secrets_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(home):
    return factories.section(home, "World")


def test_a_repeat_visit_is_served_without_routing_or_rendering(
    client, section, django_assert_max_num_queries
):
    article = gated_article(section, 1)
    client.get(article.url)  # counts the article; creates the site's settings rows
    client.get(article.url)  # renders under the settled content generation
    # The content generation, then the reader's meter: nothing else.
    with django_assert_max_num_queries(2):
        response = client.get(article.url)
    assert response.status_code == 200
    assert len(secrets_in(response.text, 1)) == 3
    assert "2 free articles left today" in response.text


def test_each_reader_gets_their_own_banner_from_the_same_cached_page(section):
    articles = [gated_article(section, n) for n in (1, 2)]
    first, second = Client(), Client()
    first.get(articles[0].url)
    first.get(articles[1].url)
    assert "1 free article left today" in first.get(articles[1].url).text
    assert "2 free articles left today" in second.get(articles[1].url).text


def test_a_published_edit_shows_on_the_next_request(client, section):
    article = gated_article(section, 1, access="free")
    assert "A later correction." not in client.get(article.url).text
    article.body = factories.paragraphs("A later correction.")
    article.save_revision().publish()
    assert "A later correction." in client.get(article.url).text


def test_an_unpublished_article_is_gone_at_once(client, section):
    article = gated_article(section, 1, access="free")
    url = article.url
    assert client.get(url).status_code == 200
    article.unpublish()
    assert client.get(url).status_code == 404


def test_locking_an_article_to_subscribers_walls_it_at_once(client, section):
    article = gated_article(section, 1, access="free")
    assert len(secrets_in(client.get(article.url).text, 1)) == 3
    article.access = "subscribers"
    article.save_revision().publish()
    assert secrets_in(client.get(article.url).text, 1) == []


def test_a_new_allowance_applies_at_once(client, home, section):
    articles = [gated_article(section, n) for n in (1, 2)]
    client.get(articles[0].url)
    settings = PaywallSettings.for_site(home.get_site())
    settings.anonymous_allowance = 1
    settings.save()
    assert secrets_in(client.get(articles[1].url).text, 2) == []
    assert len(secrets_in(client.get(articles[0].url).text, 1)) == 3


def test_a_view_restriction_is_honoured_even_after_the_page_was_cached(client, section):
    article = gated_article(section, 1, access="free")
    assert client.get(article.url).status_code == 200
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    for _ in range(2):
        response = client.get(article.url)
        assert response.status_code == 302
        assert secrets_in(response.text, 1) == []


def test_a_preview_of_a_draft_never_reaches_readers(client, section):
    article = gated_article(section, 1, access="free")
    client.get(article.url)
    article.body = factories.paragraphs("Draft wording the editor has not approved.")
    article.save_revision()  # a draft, not published
    draft = article.get_latest_revision_as_object()
    preview = draft.make_preview_request(preview_mode="")
    assert "Draft wording" in preview.content.decode()
    for _ in range(2):
        assert "Draft wording" not in client.get(article.url).text


def test_the_signed_in_header_belongs_to_whoever_asks(section, django_user_model):
    article = gated_article(section, 1, access="free")
    readers = []
    for name in ("ana", "ben"):
        user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw")
        reader = Client()
        reader.force_login(user)
        readers.append(reader)
    assert "ana@example.com" in readers[0].get(article.url).text
    page = readers[1].get(article.url).text
    assert "ben@example.com" in page and "ana@example.com" not in page


def test_scheme_and_host_are_part_of_the_cached_page(section, settings):
    settings.ALLOWED_HOSTS = ["testserver", "news.example"]
    article = gated_article(section, 1, access="free")
    Client().get(article.url)
    page = Client().get(article.url, HTTP_HOST="news.example").text
    assert "http://testserver" not in page


@pytest.mark.django_db(transaction=True)
def test_a_worker_rereads_the_generation_after_the_interval_or_its_own_change(settings):
    from masthead.newsroom import freshness
    from masthead.newsroom.models import ContentGeneration

    settings.MASTHEAD_FRESHNESS_SECONDS = 60
    freshness.bump()
    first = freshness.current()
    # A change committed by another process: this one keeps its copy for the interval.
    ContentGeneration.objects.filter(pk=freshness.ROW).update(token="elsewhere")
    assert freshness.current() == first
    settings.MASTHEAD_FRESHNESS_SECONDS = 0
    assert freshness.current() == "elsewhere"

    # A change made by this process is seen at once.
    settings.MASTHEAD_FRESHNESS_SECONDS = 60
    freshness.current()
    freshness.bump()
    assert freshness.current() not in {first, "elsewhere"}


# Fronts ----------------------------------------------------------------------


def test_an_anonymous_front_is_served_whole_from_cache(
    client, home, section, django_assert_max_num_queries
):
    gated_article(section, 1)
    first = client.get(section.url)
    client.get(section.url)  # under the settled content generation
    with django_assert_max_num_queries(1):  # the content generation, nothing else
        again = client.get(section.url)
    assert again.status_code == 200 and again.text == first.text
    assert "Story 1" in again.text


def test_a_new_article_reaches_the_cached_front_at_once(client, home, section):
    gated_article(section, 1)
    client.get(home.url)
    client.get(home.url)
    gated_article(section, 2)
    assert "Story 2" in client.get(home.url).text


def test_a_signed_in_reader_never_gets_the_anonymous_front(section, django_user_model):
    gated_article(section, 1)
    anonymous = Client()
    anonymous.get(section.url)
    anonymous.get(section.url)
    reader = Client()
    reader.force_login(django_user_model.objects.create_user("r", "r@example.com", "pw-12345678"))
    page = reader.get(section.url).text
    assert "r@example.com" in page
    # Nor is the signed-in page kept for anyone else.
    assert "r@example.com" not in Client().get(section.url).text


def test_page_numbers_are_kept_apart_and_junk_parameters_are_not_kept(client, section, settings):
    settings.MASTHEAD_ARTICLES_PER_PAGE = 1
    for n in (1, 2):
        gated_article(section, n)
    assert "Story 2" in client.get(section.url).text
    assert "Story 1" in client.get(section.url, {"page": "2"}).text
    assert "Story 1" in client.get(section.url, {"page": "2"}).text
    client.get(section.url, {"utm_source": "x"})
    with CaptureQueriesContext(connection) as captured:
        client.get(section.url, {"utm_source": "x"})
    assert len(captured) > 1  # rendered again: junk parameters are not cached


def test_a_restricted_section_is_never_kept(client, section):
    gated_article(section, 1)
    PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    for _ in range(3):
        response = client.get(section.url)
        assert "Story 1" not in response.text


# What empties the cache: what readers see, not editors at work -----------------


def generation():
    from masthead.newsroom.models import ContentGeneration

    row = ContentGeneration.objects.first()
    return row.token if row else None


def test_a_draft_save_or_an_autosave_keeps_the_cache_and_a_publish_empties_it(section):
    article = gated_article(section, 1, access="free")
    before = generation()
    article.body = factories.paragraphs("A draft nobody has published.")
    revision = article.save_revision()  # what the editor's Save draft and autosave do
    article.save_revision()
    assert generation() == before
    assert "A draft nobody" not in Client().get(article.url).text

    revision.publish()
    assert generation() != before
    assert "A draft nobody" in Client().get(article.url).text


def test_locking_and_a_new_draft_page_keep_the_cache(section, django_user_model):
    from wagtail.models import Page

    article = gated_article(section, 1, access="free")
    before = generation()
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw")
    article.locked, article.locked_by = True, editor
    article.save(update_fields=["locked", "locked_by"])
    from masthead.newsroom.models import ArticlePage

    draft = section.add_child(
        instance=ArticlePage(
            title="Not yet out",
            slug="not-yet-out",
            dek="Soon.",
            live=False,
            body=factories.paragraphs("x"),
        )
    )
    draft.save_revision()
    assert Page.objects.get(pk=draft.pk).live is False
    assert generation() == before


@pytest.mark.parametrize("change", ["unpublish", "move", "delete", "edit image"])
def test_what_readers_see_changing_empties_the_cache(change, home, section):
    article = gated_article(section, 1, access="free")
    image = factories.image()
    before = generation()
    if change == "unpublish":
        article.unpublish()
    elif change == "move":
        article.move(factories.section(home, "Elsewhere"), pos="last-child")
    elif change == "delete":
        article.delete()
    else:
        image.credit = "A new credit"
        image.save()
    assert generation() != before


def test_a_new_upload_keeps_the_cache(section):
    gated_article(section, 1, access="free")
    before = generation()
    factories.image()
    assert generation() == before


def test_the_article_renderer_serves_inside_every_other_page_hook():
    """Wagtail's view-restriction check is an ``on_serve_page`` hook too: ours
    replaces only ``page.serve``, so it must be the innermost (the last)."""
    from wagtail import hooks

    from masthead.newsroom import rendering

    assert hooks.get_hooks("on_serve_page")[-1] is rendering.serve_page


def test_no_cached_page_has_a_second_template_the_cache_key_would_not_tell_apart():
    """Wagtail serves ``ajax_template`` to requests with X-Requested-With; the
    cache keys do not carry that header, so no cached page may have one."""
    from masthead.newsroom.models import ArticlePage, SharedFront

    cached = [ArticlePage, *SharedFront.__subclasses__()]
    assert [model.__name__ for model in cached if model.ajax_template] == []


def test_signed_in_readers_of_one_kind_share_a_front_but_each_gets_their_own_header(
    section, django_user_model, django_assert_max_num_queries
):
    from masthead.members.models import ComplimentaryAccess

    article = gated_article(section, 1)
    first, second = (
        factories.reader("first-sub@example.com"),
        factories.reader("second-sub@example.com"),
    )
    for user in (first, second):
        ComplimentaryAccess.objects.create(user=user, reason="test")
    one, two = Client(), Client()
    one.force_login(first)
    two.force_login(second)
    two.get(article.url)  # a first article view makes the site's settings rows
    two.get(article.url)  # the second subscriber's standing is known from now on
    one.get(section.url)  # renders the shell for subscribers
    # The second subscriber's front comes from the first one's shell: session,
    # user, generation, and nothing that renders the page or asks again
    # whether they subscribe.
    with django_assert_max_num_queries(3):
        page = two.get(section.url).text
    assert "second-sub@example.com" in page and "first-sub@example.com" not in page
    # A registered reader is another variant: not the subscribers' shell.
    registered = Client()
    registered.force_login(factories.reader("plain-reader@example.com"))
    other = registered.get(section.url).text
    assert "plain-reader@example.com" in other and "first-sub@example.com" not in other


def test_the_generation_is_read_and_written_in_the_content_generation_table():
    from masthead.newsroom import freshness
    from masthead.newsroom.models import ContentGeneration

    assert ContentGeneration._meta.db_table == freshness.TABLE
