"""A site made by importing all three exports: what is walled stays walled in
every output, and a crawl of the site finds no broken internal link."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from masthead.newsroom.models import ArticlePage
from tests.conftest import fresh
from tests.importing.conftest import GHOST, SUBSTACK, WORDPRESS, images, run, zip_folder

pytestmark = pytest.mark.django_db

# The words of each walled article that only its full text holds: its blocks
# past the teaser. (ref, access, words)
WALLED = [
    ("wordpress:https://harbourledger.example:21", "metered",
     ["Quayside ledger", "Brackwater", "tidewrack"]),
    ("wordpress:https://harbourledger.example:23", "metered", ["Saltmarsh", "ledgerwort"]),
    ("ghost:6650a1f0c2e4a10001a1b001", "metered", ["kestrelmoor", "quillhaven"]),
    ("ghost:6650a1f0c2e4a10001a1b003", "subscribers", ["marrowfen"]),
    ("substack:151000002", "subscribers", ["foxglimmer", "no money for relays"]),
    ("substack:151000003", "metered", ["brinelantern"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def site(module_db, tmp_path_factory):
    from tests import factories

    folder = tmp_path_factory.mktemp("imports")
    with module_db():
        factories.site()
        uploads = images(folder / "uploads", ("2026/03/berth-four-crane.jpg", (1200, 800)),
                         ("2026/03/tug-crews.png", (800, 533)))  # fmt: skip
        ghost_images = images(folder / "ghost", ("2026/04/ferry.jpg", (1200, 800)))
        run("import_wordpress", WORDPRESS, media_dir=uploads)
        run("import_ghost", GHOST, media_dir=ghost_images, site_url="https://firthpost.example")
        run("import_substack", zip_folder(SUBSTACK, folder / "substack.zip"),
            site_url="https://skerrylight.substack.com", author="Annag Sinclair")  # fmt: skip
        return {ref: ArticlePage.objects.get(imported_from=ref) for ref, _, _ in WALLED}


@pytest.fixture
def articles(db, site):
    return fresh(site)


def walled_reader(articles, target):
    """A fresh anonymous browser for which ``target`` is walled: for a metered
    article, three other metered articles read first."""
    reader = Client()
    if target.access == "metered":
        others = [a for a in articles.values() if a.access == "metered" and a.pk != target.pk]
        for other in others[:3]:
            reader.get(other.url)
    return reader


def outputs(article, word):
    section = article.get_parent()
    return [
        article.url,
        article.url + "?amp=1",
        "/",
        section.url,
        "/feed/",
        "/feed/atom/",
        f"/feed/section/{section.slug}/",
        f"/api/v1/articles/{article.pk}/",
        "/api/v1/articles/",
        f"/oembed/?url=http://testserver{article.url}",
        "/sitemap.xml",
        "/news-sitemap.xml",
    ]


@pytest.mark.parametrize(
    "ref, access, words",
    WALLED,
    ids=[w[0].split(":")[0] + "-" + w[1] + "-" + w[2][0].split()[0] for w in WALLED],
)
def test_imported_walled_text_never_leaves_for_a_reader_who_may_not_read_it(
    articles, ref, access, words
):
    article = articles[ref]
    assert article.access == access
    reader = walled_reader(articles, article)
    page = reader.get(article.url)
    assert page.status_code == 200 and b'class="wall' in page.content
    for word in words:
        for address in outputs(article, word):
            response = reader.get(address)
            assert response.status_code in {200, 301, 302, 404}, address
            assert word.encode() not in response.content, (address, word)
        # The search page repeats the query: what matters is what it lists.
        results = reader.get("/search/", {"q": word}).content.decode()
        listed = re.findall(r'class="search-result__headline"><a href="([^"]+)"', results)
        assert article.url not in listed, word


def test_a_subscriber_reads_imported_articles_whole(articles):
    from masthead.members.models import ComplimentaryAccess
    from tests import factories

    subscriber = factories.reader("imported-subscriber@example.com")
    ComplimentaryAccess.objects.create(user=subscriber, reason="test")
    client = Client()
    client.force_login(subscriber)
    for ref, _, words in WALLED:
        content = client.get(articles[ref].url).content.decode()
        assert all(word in content for word in words), ref
        results = client.get("/search/", {"q": words[-1]}).content.decode()
        listed = re.findall(r'class="search-result__headline"><a href="([^"]+)"', results)
        assert articles[ref].url in listed, ref


def test_a_crawl_of_the_imported_site_finds_no_broken_internal_link(articles):
    client = Client()
    seen, queue, broken = set(), ["/"], []
    while queue and len(seen) < 400:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.status_code != 200:
            broken.append((path, response.status_code))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != "testserver":
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            skip = ("/admin", "/accounts", "/account", "/static", "/media", "/billing",
                    "/subscribe", "/discussion", "/newsletters")  # fmt: skip
            if target.startswith("/") and not target.startswith(skip):
                queue.append(target.replace("&amp;", "&"))
    assert broken == []
    for article in articles.values():
        assert article.url in seen
