"""What a reader sees on an article page."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedNotFoundException

from tests import factories
from tests.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published(module_db):
    """The site, its section and its authors, made once for the module: each
    test's articles are rolled back after it."""
    with module_db():
        home = factories.site()
        index = factories.authors_index(home)
        return {
            "home": home,
            "section": factories.section(home, "Defense"),
            "reporter": factories.author(
                index, "Dana Field", role="Defense Correspondent", bio="<p>Dana covers budgets.</p>"
            ),
            "team": factories.author(
                index,
                "News Team",
                is_team=True,
                bio="<p>Edited by <b>Claire Desk</b> and <b>Reuben Wire</b>.</p>",
            ),
        }


@pytest.fixture
def home(db, published):
    return fresh(published["home"])


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


def get_soup(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return response, BeautifulSoup(response.content, "html.parser")


def test_article_reads_in_newsroom_order(client, newsroom):
    art = factories.image(credit="Ridgeline Graphics Desk")
    article = factories.article(
        newsroom["section"],
        "Shipyard backlog grows",
        authors=[newsroom["reporter"], newsroom["team"]],
        dek="Nine boats wait for a dry dock.",
        lead_image=art,
        source=factories.source(),
        original_url="https://harborledger.example/shipyards",
        body=factories.paragraphs("Opening sentence of the story.", "Second sentence."),
    )
    factories.article(newsroom["section"], "A neighbouring story", authors=[newsroom["team"]])
    response, soup = get_soup(client, article)
    text = soup.main.get_text(" ", strip=True)

    landmarks = [
        "Defense",
        "Shipyard backlog grows",
        "Nine boats wait for a dry dock.",
        "By Dana Field and News Team",
        "Image courtesy of Ridgeline Graphics Desk",
        "Opening sentence of the story.",
        "Read more at Harbor Ledger",
        "Dana covers budgets.",
        "Comments",
        "More from The Test Gazette",
    ]
    positions = [text.find(landmark) for landmark in landmarks]
    assert -1 not in positions, dict(zip(landmarks, positions, strict=True))
    assert positions == sorted(positions)


def test_syndicated_article_links_to_and_canonicalises_the_original(client, newsroom):
    article = factories.article(
        newsroom["section"],
        authors=[newsroom["reporter"]],
        source=factories.source("Plains Courier", "https://plainscourier.example/"),
        original_url="https://plainscourier.example/2026/shells",
    )
    _, soup = get_soup(client, article)

    assert soup.find("link", rel="canonical")["href"] == "https://plainscourier.example/2026/shells"
    read_more = soup.find(class_="read-more")
    assert read_more.get_text(" ", strip=True) == "Read more at Plains Courier"
    assert read_more.a["href"] == "https://plainscourier.example/2026/shells"
    assert (
        soup.find("meta", property="og:url")["content"]
        == "https://plainscourier.example/2026/shells"
    )


def test_own_article_is_its_own_canonical_and_has_no_read_more(client, newsroom):
    article = factories.article(newsroom["section"], authors=[newsroom["reporter"]])
    _, soup = get_soup(client, article)

    assert soup.find("link", rel="canonical")["href"] == f"http://localhost{article.url}"
    assert soup.find(class_="read-more") is None


def test_source_without_original_url_points_at_the_outlet_homepage(client, newsroom):
    article = factories.article(
        newsroom["section"], authors=[newsroom["reporter"]], source=factories.source()
    )
    _, soup = get_soup(client, article)

    assert soup.find(class_="read-more").a["href"] == "https://harborledger.example/"


def test_lead_and_body_images_show_their_credit_with_link(client, newsroom):
    lead = factories.image(credit="Harbor Ledger", credit_url="https://harborledger.example/photo")
    inline = factories.image(credit="Unit photographer")
    body = factories.paragraphs("One.") + [
        {"type": "image", "value": {"image": inline.pk, "caption": "Crew at work"}}
    ]
    article = factories.article(
        newsroom["section"], authors=[newsroom["reporter"]], lead_image=lead, body=body
    )
    _, soup = get_soup(client, article)

    credits = [credit.get_text(" ", strip=True) for credit in soup.select(".credit")]
    assert credits == ["Image courtesy of Harbor Ledger", "Image courtesy of Unit photographer"]
    assert (
        soup.select_one(".article__lead-image .credit a")["href"]
        == "https://harborledger.example/photo"
    )
    assert soup.select_one(".block-figure .credit a") is None


def test_image_without_credit_shows_no_courtesy_line(client, newsroom):
    article = factories.article(
        newsroom["section"], authors=[newsroom["reporter"]], lead_image=factories.image()
    )
    _, soup = get_soup(client, article)

    assert soup.select(".credit") == []
    assert "Image courtesy" not in soup.get_text()


def test_author_box_shows_bio_and_view_all_posts_for_each_byline(client, newsroom):
    article = factories.article(
        newsroom["section"], authors=[newsroom["team"], newsroom["reporter"]]
    )
    _, soup = get_soup(client, article)

    boxes = soup.select(".author-box")
    assert [box.select_one(".author-box__name").get_text(strip=True) for box in boxes] == [
        "News Team",
        "Dana Field",
    ]
    assert "Edited by Claire Desk and Reuben Wire." in " ".join(boxes[0].get_text().split())
    assert "author-box--team" in boxes[0]["class"]
    for box, author in zip(boxes, [newsroom["team"], newsroom["reporter"]], strict=True):
        link = box.find("a", string="View all posts")
        assert link["href"] == author.url


def test_share_metadata_and_json_ld_describe_the_article_without_its_text(client, newsroom):
    article = factories.article(
        newsroom["section"],
        "Allies weigh a new target",
        authors=[newsroom["reporter"], newsroom["team"]],
        dek="Twenty-one members meet the old one.",
        lead_image=factories.image(credit="Desk"),
        tags=["Alliances"],
        body=factories.paragraphs("A sentence that belongs to the body only."),
    )
    response, soup = get_soup(client, article)

    def meta(**attrs):
        return soup.find("meta", attrs=attrs)["content"]

    assert meta(property="og:title") == "Allies weigh a new target"
    assert meta(property="og:description") == "Twenty-one members meet the old one."
    assert meta(property="og:type") == "article"
    assert re.match(
        r"^http://testserver/media/images/.+\.fill-1200x675\.png$", meta(property="og:image")
    )
    assert meta(name="twitter:card") == "summary_large_image"
    assert meta(name="description") == "Twenty-one members meet the old one."

    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Allies weigh a new target"
    assert data["articleSection"] == "Defense"
    assert [(a["@type"], a["name"]) for a in data["author"]] == [
        ("Person", "Dana Field"),
        ("Organization", "News Team"),
    ]
    assert data["publisher"]["name"] == "The Test Gazette"
    assert data["keywords"] == ["Alliances"]
    assert "articleBody" not in data
    ld_text = soup.find("script", type="application/ld+json").string
    assert "belongs to the body only" not in ld_text


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client, newsroom):
    article = factories.article(
        newsroom["section"],
        "</script><script>alert(1)</script>",
        authors=[newsroom["reporter"]],
    )
    response, soup = get_soup(client, article)

    assert b"</script><script>alert(1)" not in response.content
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["headline"] == "</script><script>alert(1)</script>"


def test_updated_date_is_shown_only_when_set(client, newsroom):
    article = factories.article(newsroom["section"], authors=[newsroom["reporter"]])
    _, soup = get_soup(client, article)
    assert soup.select_one(".byline__updated") is None

    article.updated = timezone.now()
    article.save_revision().publish()
    _, soup = get_soup(client, article)
    assert soup.select_one(".byline__updated").get_text(strip=True).startswith("Updated")


def test_tags_link_to_their_archive(client, newsroom):
    article = factories.article(
        newsroom["section"], authors=[newsroom["reporter"]], tags=["Maritime security"]
    )
    _, soup = get_soup(client, article)

    link = soup.select_one(".tag-list a")
    assert link.get_text() == "Maritime security"
    assert client.get(link["href"]).status_code == 200


def test_failed_embed_degrades_to_a_plain_link(client, newsroom, monkeypatch):
    def refuse(*args, **kwargs):
        raise EmbedNotFoundException

    monkeypatch.setattr(embeds, "get_embed", refuse)
    body = [{"type": "embed", "value": "https://video.example/watch/123"}]
    article = factories.article(newsroom["section"], authors=[newsroom["reporter"]], body=body)
    _, soup = get_soup(client, article)

    assert soup.select_one(".block-embed a")["href"] == "https://video.example/watch/123"


def test_body_blocks_render_headings_and_quotes(client, newsroom):
    body = [
        {"type": "heading", "value": "What comes next"},
        {"type": "quote", "value": {"text": "Plumbing matters.", "attribution": "a negotiator"}},
    ]
    article = factories.article(newsroom["section"], authors=[newsroom["reporter"]], body=body)
    _, soup = get_soup(client, article)

    assert soup.select_one(".article__body h2").get_text() == "What comes next"
    quote = soup.select_one(".block-quote")
    assert quote.blockquote.get_text(strip=True) == "Plumbing matters."
    assert quote.figcaption.get_text(strip=True) == "a negotiator"


def test_a_draft_article_is_not_served(client, newsroom):
    article = factories.article(newsroom["section"], authors=[newsroom["reporter"]])
    article.unpublish()

    assert client.get(article.url or "/defense/" + article.slug + "/").status_code == 404
    assert re.search(r"find that page", client.get("/defense/" + article.slug + "/").text)
