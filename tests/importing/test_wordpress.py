"""A WordPress export (WXR 1.2, block-editor and classic posts, attachments, a
page, drafts, a custom post type and a menu item) into the page tree."""

import shutil

import pytest
from django.core.management.base import CommandError
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageLogEntry, Revision

from masthead.newsroom.models import ArticlePage, AuthorPage, CreditedImage, SectionPage
from tests.importing.conftest import WORDPRESS, run

pytestmark = pytest.mark.django_db
PREFIX = "wordpress:https://harbourledger.example:"


def article(post_id):
    return ArticlePage.objects.get(imported_from=f"{PREFIX}{post_id}")


def blocks(page):
    return [(b["type"], b["value"]) for b in page.body.raw_data]


def test_posts_pages_authors_and_categories_arrive(imported_wordpress):
    crane, dredging = article(21), article(23)
    assert crane.live and dredging.live
    assert crane.title == "A new crane at berth four – and a longer queue"
    assert (
        crane.dek == "The harbour board's crane arrived three weeks late; the hauliers paid for it."
    )
    assert crane.date.isoformat() == "2026-03-02T09:30:00+00:00"
    assert crane.updated.isoformat() == "2026-03-04T11:00:00+00:00"
    assert crane.access == "metered" and crane.teaser_blocks == 3
    # The first category is the section; the others are kept as tags.
    assert crane.get_parent().specific.title == "Shipping"
    assert sorted(t.name for t in crane.tags.all()) == ["Cranes", "Port Authority"]
    assert dredging.get_parent().specific.title == "Port Authority"
    assert [a.title for a in crane.authors()] == ["Ruth McAllister"]
    assert [a.title for a in dredging.authors()] == ["Tobias Varga"]
    shipping = SectionPage.objects.get(slug="shipping")
    assert shipping.intro == "Vessels in and out of the estuary."
    assert not SectionPage.objects.filter(slug="uncategorized").exists()
    about = article(2)
    assert about.access == "free" and about.get_parent().slug == "pages"
    # Live as a publish leaves a page, with the admin's history saying so.
    assert crane.first_published_at and not crane.has_unpublished_changes
    actions = set(PageLogEntry.objects.filter(page=crane).values_list("action", flat=True))
    assert {"wagtail.create", "wagtail.publish"} <= actions


def test_drafts_stay_drafts_and_other_types_are_skipped_with_reasons(home, wp_media):
    output = run("import_wordpress", WORDPRESS, media_dir=wp_media)
    draft, protected = article(25), article(27)
    assert not draft.live and draft.slug == "night-rota-for-the-quay"
    assert draft.has_unpublished_changes and draft.first_published_at is None
    assert draft.date.isoformat() == "2026-03-10T12:00:00+00:00"
    assert not protected.live
    assert "password-protected in WordPress: kept as a draft" in output
    assert "Pilot's almanac 2026 [30]: a product item, not a post or a page" in output
    assert "Main menu: Home [31]: a nav_menu_item item, not a post or a page" in output
    assert "An old rumour [26]: its status is trash" in output
    assert not ArticlePage.objects.filter(imported_from=f"{PREFIX}30").exists()
    assert not Redirect.objects.filter(old_path="/?p=25").exists()


def test_block_editor_content_becomes_body_blocks(imported_wordpress):
    body = blocks(article(21))
    kinds = [kind for kind, _ in body]
    assert kinds == [
        "paragraph", "paragraph", "image", "heading", "paragraph", "paragraph", "quote",
        "embed", "html", "paragraph", "html",
    ]  # fmt: skip
    assert body[0][1].startswith("<p>The port's <b>new gantry crane</b>")
    assert "<i>harbour board</i>" in body[0][1]
    assert body[3][1] == "What the board promised"
    assert body[5][1].startswith("<ul><li>Two more cranes")
    assert body[6][1] == {
        "text": "Brackwater pilots counted every idle hour of the delay.",
        "attribution": "Mairead Quinn, harbour pilot",
    }
    assert body[7][1] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert body[8][1].startswith("<table>") and "tidewrack" in body[8][1]
    # The custom HTML block's script is gone, its text kept; no handler survives.
    assert "script" not in str(body) and "onclick" not in str(body) and "tracker" not in str(body)
    assert body[9][1] == "<p>Vote in our quay poll</p>"
    assert body[10][1] == "<pre><code>berth=4 lifts=91</code></pre>"


def test_classic_content_gets_its_paragraphs_captions_and_embeds(imported_wordpress):
    body = blocks(article(23))
    kinds = [kind for kind, _ in body]
    assert kinds == [
        "paragraph", "paragraph", "image", "paragraph", "embed", "heading", "paragraph",
        "image", "image",
    ]  # fmt: skip
    assert body[3][1] == (
        "<p>Saltmarsh soundings show the channel silting a hand's width each month.<br>\n"
        "Every tide brings more of it back.</p>"
    )
    assert body[4][1] == "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    assert body[2][1]["caption"] == "Two tugs hold a bulk carrier off the quay."
    # The excerpt was empty: the summary is the first paragraph of the teaser.
    assert article(23).dek.startswith("The dredger Marlow Reach began its second pass")


def test_images_are_credited_images_found_once_and_missing_ones_reported(home, wp_media):
    output = run("import_wordpress", WORDPRESS, media_dir=wp_media)
    crane = article(21)
    figure = dict(blocks(crane))["image"]
    image = CreditedImage.objects.get(pk=figure["image"])
    # The inline copy (berth-four-crane-1024x683.jpg) and the featured image
    # are one image, taken from the original file.
    assert crane.lead_image_id == image.pk
    assert (image.width, image.height) == (1200, 800)
    assert image.title == "Berth four crane at dawn"
    assert figure["caption"] == "The crane at first light on Monday."
    assert CreditedImage.objects.filter(imported_from__startswith="wordpress:").count() == 2
    assert "missing-chart.jpg is missing, so it was left out" in output


def test_without_media_every_image_is_listed_as_missing(home):
    output = run("import_wordpress", WORDPRESS)
    assert "berth-four-crane-1024x683.jpg is missing" in output
    assert "lead image https://harbourledger.example/wp-content/uploads/2026/03/" in output
    assert article(21).lead_image_id is None


def test_internal_links_lead_to_the_new_pages_backwards_and_forwards(imported_wordpress):
    crane, dredging = article(21), article(23)
    # The crane story (earlier) links forward to the dredging story (later).
    assert f'<a linktype="page" id="{dredging.pk}">dredging the channel</a>' in str(
        blocks(crane)[1][1]
    )
    assert f'<a linktype="page" id="{crane.pk}">the new crane</a>' in str(blocks(dredging)[1][1])
    # A link to a draft is not turned into a page link readers would meet as a 404.
    assert 'href="/?p=25"' in str(blocks(crane)[5][1])


@pytest.mark.parametrize(
    "old, new",
    [
        ("/2026/03/02/new-crane-at-berth-four/", "/shipping/new-crane-at-berth-four/"),
        ("/2026/03/02/new-crane-at-berth-four", "/shipping/new-crane-at-berth-four/"),
        ("/?p=21", "/shipping/new-crane-at-berth-four/"),
        ("/index.php?p=23", "/port-authority/dredging-the-channel/"),
        ("/?p=23&utm_source=mail", "/port-authority/dredging-the-channel/"),
        ("/?page_id=2", "/pages/about/"),
        ("/about/", "/pages/about/"),
        ("/category/shipping/", "/shipping/"),
        ("/author/ruthmc/", "/people/ruthmc/"),
    ],
)
def test_every_old_address_answers_301_to_the_new_page(imported_wordpress, client, old, new):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new
    assert client.get(response["Location"]).status_code == 200


def test_the_home_page_without_an_old_key_is_still_the_home_page(imported_wordpress, client):
    assert client.get("/").status_code == 200
    assert client.get("/?p=999").status_code == 200  # no such post: the home page


def test_a_second_run_changes_nothing(imported_wordpress, wp_media):
    counts = (Page.objects.count(), Revision.objects.count(), CreditedImage.objects.count(),
              Redirect.objects.count())  # fmt: skip
    output = run("import_wordpress", WORDPRESS, media_dir=wp_media)
    assert "articles: 5 unchanged" in output
    assert "created" not in output and "updated" not in output
    after = (Page.objects.count(), Revision.objects.count(), CreditedImage.objects.count(),
             Redirect.objects.count())  # fmt: skip
    assert after == counts


def test_a_second_run_updates_what_changed(imported_wordpress, wp_media, tmp_path):
    changed = tmp_path / "changed.xml"
    text = WORDPRESS.read_text()
    text = text.replace(
        "<![CDATA[Dredging the channel]]>", "<![CDATA[Dredging the outer channel]]>"
    )
    text = text.replace("<wp:status><![CDATA[draft]]></wp:status>",
                        "<wp:status><![CDATA[publish]]></wp:status>")  # fmt: skip
    changed.write_text(text)
    pages = Page.objects.count()
    output = run("import_wordpress", changed, media_dir=wp_media)
    # The crane story's link to the rota now leads to it: three updated.
    assert "articles: 3 updated, 2 unchanged" in output
    assert article(23).title == "Dredging the outer channel"
    assert article(25).live
    assert f'<a linktype="page" id="{article(25).pk}">the new rota</a>' in str(blocks(article(21)))
    assert Page.objects.count() == pages
    assert Redirect.objects.get(old_path="/?p=25").redirect_page_id == article(25).pk


def test_an_editors_changes_survive_a_second_run_of_an_unchanged_export(
    imported_wordpress, wp_media, tmp_path
):
    crane = article(21)
    crane.title = "A new crane at berth four, three weeks late"
    crane.save_revision().publish()
    output = run("import_wordpress", WORDPRESS, media_dir=wp_media)
    assert "articles: 5 unchanged" in output
    assert article(21).title == "A new crane at berth four, three weeks late"
    # When the source itself changes, the import's version wins for that item.
    changed = tmp_path / "changed.xml"
    changed.write_text(
        WORDPRESS.read_text().replace("three weeks later than", "a month later than")
    )
    output = run("import_wordpress", changed, media_dir=wp_media)
    assert "articles: 1 updated, 4 unchanged" in output
    assert article(21).title == "A new crane at berth four – and a longer queue"


def test_dry_run_reports_and_changes_nothing(home, wp_media):
    pages, redirects = Page.objects.count(), Redirect.objects.count()
    output = run("import_wordpress", WORDPRESS, media_dir=wp_media, dry_run=True)
    assert output.splitlines()[1].startswith("Dry run: nothing was changed.")
    assert "articles: 5 would be created" in output
    assert "images: 2 would be created" in output
    assert "Pilot's almanac 2026 [30]: a product item" in output
    assert (Page.objects.count(), Redirect.objects.count()) == (pages, redirects)
    assert not CreditedImage.objects.exists()


def test_section_map_and_existing_sections(home, wp_media):
    from tests import factories

    factories.section(home, "Maritime")
    run("import_wordpress", WORDPRESS, media_dir=wp_media,
        section_map=["shipping=maritime", "port-authority=port"])  # fmt: skip
    assert article(21).get_parent().slug == "maritime"
    assert article(23).get_parent().slug == "port"
    assert not SectionPage.objects.filter(slug="shipping").exists()
    with pytest.raises(CommandError, match="OLD=NEW"):
        run("import_wordpress", WORDPRESS, section_map=["shipping"])


def test_author_bios_from_a_csv(home, tmp_path):
    bios = tmp_path / "authors.csv"
    bios.write_text(
        "login,display_name,bio,role\n"
        'ruthmc,Ruth McAllister,"Ruth covers the docks. <script>x()</script><b>Since 2019.</b>",'
        "Docks correspondent\n"
    )
    run("import_wordpress", WORDPRESS, authors=bios)
    ruth = AuthorPage.objects.get(imported_from=f"{PREFIX}author:ruthmc")
    assert ruth.role == "Docks correspondent"
    assert ruth.bio == "<p>Ruth covers the docks. <b>Since 2019.</b></p>"


def test_a_post_that_fails_leaves_nothing_and_the_rest_goes_in(home, tmp_path):
    broken = tmp_path / "broken.xml"
    text = WORDPRESS.read_text()
    # The dredging story's author is not in the file: it cannot have a byline.
    guid = '\n\t\t<guid isPermaLink="false">https://harbourledger.example/?p=23'
    text = text.replace(f"<dc:creator><![CDATA[tobiasv]]></dc:creator>{guid}",
                        f"<dc:creator><![CDATA[nobody]]></dc:creator>{guid}")  # fmt: skip
    broken.write_text(text)
    with pytest.raises(CommandError, match="1 item"):
        run("import_wordpress", broken)
    assert not ArticlePage.objects.filter(imported_from=f"{PREFIX}23").exists()
    assert not Redirect.objects.filter(old_path="/?p=23").exists()
    assert article(21).live


def test_the_export_file_itself_is_checked(home, tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run("import_wordpress", tmp_path / "nothing.xml")
    copy = tmp_path / "copy.xml"
    shutil.copy(WORDPRESS, copy)
    with pytest.raises(CommandError, match="is not a folder"):
        run("import_wordpress", copy, media_dir=tmp_path / "no-such-folder")
