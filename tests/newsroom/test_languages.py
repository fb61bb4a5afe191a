"""The site in several languages: the address's prefix chooses (and nothing
else), each language has its own pages and words, and no cached page of one
language is served in another."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Locale, Site

from masthead import config
from masthead.newsroom import wording
from masthead.newsroom.languages import ensure_locales
from masthead.newsroom.models import PublicationSettings, Wording
from masthead.paywall.models import PaywallSettings
from tests import factories

pytestmark = pytest.mark.django_db


def site():
    return Site.objects.get(is_default_site=True)


def test_the_prefix_alone_chooses_the_language(client, home):
    factories.section(home, "World")
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="ar", HTTP_COOKIE="django_language=ar")
    assert english["Content-Language"] == "en"
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert "Accept-Language" not in english.get("Vary", "")
    arabic = client.get("/ar/", HTTP_ACCEPT_LANGUAGE="en")
    assert arabic["Content-Language"] == "ar"
    page = arabic.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    with translation.override("ar"):
        assert f">{gettext('Skip to content')}<" in page
    # The language menu names each language in itself, and leads to it.
    assert 'href="/fr/" lang="fr" hreflang="fr">français<' in page
    assert 'href="/" lang="en" hreflang="en">English<' in page
    assert '<link rel="alternate" hreflang="fr" href="http://testserver/fr/">' in page
    assert client.get("/de/").status_code == 404  # a language the site does not offer


def test_an_article_shell_is_kept_per_language(client, home):
    article = factories.article(factories.section(home, "World"), title="Harbour reopens")
    first = client.get(article.url).content.decode()
    again_in_arabic = client.get("/ar" + article.url).content.decode()
    assert 'dir="ltr"' in first and '<html lang="ar" dir="rtl">' in again_in_arabic
    # The English article listed and read on the Arabic site says it is English.
    assert '<article class="article" aria-labelledby="headline" lang="en" dir="ltr">' in (
        again_in_arabic
    )
    assert client.get(article.url).content.decode().count('dir="rtl"') == 0
    # Masthead's placeholder ad says its word in the page's language.
    with translation.override("ar"):
        assert f'ad-slot__placeholder">{gettext("Advertisement")}<' in again_in_arabic


def test_the_publishers_words_in_each_language(client, home):
    paywall = PaywallSettings.for_site(site())
    publication = PublicationSettings.for_site(site())
    assert publication.tagline == "News you can test"  # the publisher's own
    with translation.override("fr"):
        # A default in the catalogue comes translated; the publisher's own
        # words without a wording come as written.
        assert wording.words(paywall, "register_headline") == gettext("Register to keep reading")
        assert wording.words(paywall, "register_headline") != "Register to keep reading"
        assert wording.words(publication, "tagline") == "News you can test"
    Wording.objects.create(
        site=site(), language="fr", key="publicationsettings.tagline", text="Des nouvelles à tester"
    )
    with translation.override("fr"):
        assert wording.words(publication, "tagline") == "Des nouvelles à tester"
    with translation.override("en"):
        assert wording.words(publication, "tagline") == "News you can test"
    assert "Des nouvelles à tester" in client.get("/fr/").content.decode()
    assert "Des nouvelles à tester" not in client.get("/").content.decode()
    # Changed in the admin: the next page has it (the content generation).
    Wording.objects.filter(language="fr").update(text="placeholder")
    Wording.objects.get(language="fr").save()
    page = client.get("/fr/").content.decode()
    assert "Des nouvelles à tester" not in page


def test_every_offered_language_has_a_locale_and_an_old_regional_one_is_renamed(settings):
    Locale.objects.filter(language_code="fr").delete()
    ensure_locales()
    assert set(Locale.objects.values_list("language_code", flat=True)) >= {"en", "ar", "fr"}
    # An install made when the site's language was written en-us keeps its pages.
    english = Locale.objects.get(language_code="en")
    english.language_code = "en-us"
    english.save()
    ensure_locales()
    english.refresh_from_db()
    assert english.language_code == "en"


@pytest.mark.parametrize(
    "raw, languages",
    [
        (None, ["en"]),
        ("ar", ["ar"]),
        ("en, ar ,FR", ["en", "ar", "fr"]),
        ("pt-br,en", ["pt-br", "en"]),
    ],
)
def test_site_languages_are_read_from_the_environment(raw, languages, tmp_path):
    environ = {"DEBUG": "true"}
    if raw is not None:
        environ["SITE_LANGUAGES"] = raw
    assert config.load(environ, base_dir=tmp_path).languages == languages


@pytest.mark.parametrize("raw", ["klingon", "en,xx", "zh"])
def test_an_unknown_language_stops_the_site_at_start(raw, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SITE_LANGUAGES"):
        config.load({"DEBUG": "true", "SITE_LANGUAGES": raw}, base_dir=tmp_path)


def test_sitemaps_list_every_language_with_its_own(client, home):
    article = factories.article(factories.section(home, "World"), title="Harbour reopens")
    arabic = Locale.objects.get(language_code="ar")
    home.copy_for_translation(arabic).save_revision().publish()
    section = article.get_parent().specific
    if section.get_translation_or_none(arabic) is None:
        section.copy_for_translation(arabic).save_revision().publish()
    translated = article.copy_for_translation(arabic)
    translated.title = "الميناء يعيد فتح أبوابه"
    translated.save_revision().publish()
    translated.refresh_from_db()

    sitemap = client.get("/sitemap.xml").text
    assert f"{translated.url}</loc>" in sitemap and f"{article.url}</loc>" in sitemap
    assert translated.url.startswith("/ar/")
    news = client.get("/news-sitemap.xml").text
    assert "<news:language>ar</news:language>" in news
    assert "<news:language>en</news:language>" in news
    assert "الميناء يعيد فتح أبوابه" in news


def test_each_front_page_and_article_lists_its_own_languages_articles(client, home):
    """The Arabic front page leads with the Arabic translation of the lead
    story the English one names, and the newest Arabic article otherwise;
    an English article's "More from" lists English articles only."""
    section = factories.section(home, "World")
    lead = factories.article(section, title="Harbour reopens")
    other = factories.article(section, title="Convoy arrives")
    home.lead_story = lead
    home.save_revision().publish()
    arabic = Locale.objects.get(language_code="ar")
    arabic_home = home.copy_for_translation(arabic)
    arabic_home.save_revision().publish()
    section.copy_for_translation(arabic).save_revision().publish()
    translated = other.copy_for_translation(arabic)
    translated.title = "وصول القافلة"
    translated.save_revision().publish()

    front = client.get("/ar/").content.decode()
    assert "وصول القافلة" in front and "Harbour reopens" not in front
    lead_translation = lead.copy_for_translation(arabic)
    lead_translation.title = "الميناء يعيد فتح أبوابه"
    lead_translation.save_revision().publish()
    front = client.get("/ar/").content.decode()
    lead_card = front.split('class="card card--lead"', 1)[1].split("</article>", 1)[0]
    assert "الميناء يعيد فتح أبوابه" in lead_card

    english = client.get(lead.url).content.decode()
    assert "Convoy arrives" in english and "وصول القافلة" not in english
    # The feeds follow the address's language too.
    arabic_feed = client.get("/ar/feed/").content.decode()
    assert "<title>وصول القافلة</title>" in arabic_feed
    assert "<title>Convoy arrives</title>" not in arabic_feed
    assert "<title>Convoy arrives</title>" in client.get("/feed/").content.decode()
