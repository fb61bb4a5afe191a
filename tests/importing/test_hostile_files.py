"""Hostile and broken export files: a clear error naming the file or the item,
never a traceback, and nothing half-written."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page

from masthead.importing import ghost, wordpress
from masthead.importing.archive import ImportFileError
from masthead.importing.html import Converter
from masthead.newsroom.blocks import HTML_TAGS
from masthead.newsroom.models import ArticlePage
from tests.importing.conftest import GHOST, GHOST_MEMBERS, WORDPRESS, run, run_failing

pytestmark = pytest.mark.django_db

WXR_HEAD = (
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
    "<wp:wxr_version>1.2</wp:wxr_version><title>&lol9;</title></channel></rss>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;">]>'
    + WXR_HEAD
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol9 SYSTEM "file:///etc/passwd">]>' + WXR_HEAD
)
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://evil.example/x.dtd">' + WXR_HEAD


@pytest.mark.parametrize(
    "content, message",
    [
        (BILLION_LAUGHS, "declares a DTD or entities"),
        (EXTERNAL_ENTITY, "declares a DTD or entities"),
        (EXTERNAL_DTD, "declares a DTD or entities"),
        ("<rss><channel><item>", "is not well-formed XML"),
        ("<rss><channel><title>A blog</title></channel></rss>", "is not a WordPress export"),
        ("", "is not well-formed XML"),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "truncated", "not-wxr", "empty"],
)
def test_hostile_or_broken_xml_is_refused_before_anything_changes(home, tmp_path, content, message):
    export = tmp_path / "export.xml"
    export.write_text(content)
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=message):
        run("import_wordpress", export)
    assert Page.objects.count() == pages


def test_a_file_that_says_utf8_but_is_not(home, tmp_path):
    export = tmp_path / "latin1.xml"
    export.write_bytes(WORDPRESS.read_text().replace("Tug crews", "Tug crëws").encode("latin-1"))
    with pytest.raises(CommandError, match="is not well-formed XML"):
        run("import_wordpress", export)


def test_a_post_with_a_broken_id_fails_alone(home, tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(WORDPRESS.read_text().replace("<wp:post_id>23</wp:post_id>",
                                                    "<wp:post_id>2x3</wp:post_id>"))  # fmt: skip
    output = run_failing("import_wordpress", export)
    assert "its wp:post_id '2x3' is not a number" in output
    assert ArticlePage.objects.filter(imported_from__endswith=":21").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (GHOST.read_text()[:5000], "is not complete JSON"),
        ("[1, 2, 3]", "is not a Ghost export"),
        ('{"db": [{"meta": {}}]}', "is not a Ghost export"),
        ('{"data": {"posts": {"not": "a list"}}}', "data.posts is not a list"),
    ],
    ids=["truncated", "a-list", "no-data", "posts-not-a-list"],
)
def test_broken_ghost_exports_are_refused(home, tmp_path, content, message):
    export = tmp_path / "export.json"
    export.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("import_ghost", export)


def test_ghost_export_in_another_encoding(home, tmp_path):
    export = tmp_path / "export.json"
    export.write_bytes(GHOST.read_text().encode("utf-16"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        run("import_ghost", export)


def test_unknown_fields_and_odd_values_are_read_around(home, tmp_path):
    data = json.loads(GHOST.read_text())
    posts = data["db"][0]["data"]["posts"]
    posts[0]["a_field_from_ghost_9"] = {"anything": [1, 2]}
    posts[1]["mobiledoc"] = '{"sections": [[10, 99]]}'  # a card that is not there
    posts.append("not a post")
    posts.append({"id": "zzz", "title": "No body", "slug": "no-body", "status": "published"})
    export = tmp_path / "odd.json"
    export.write_text(json.dumps(data))
    output = run_failing("import_ghost", export)
    assert "Pier repairs begin [6650a1f0c2e4a10001a1b002]: cannot be read" in output
    assert "a post: is not an object" in output
    assert "No body [zzz]: its body is empty" in output
    assert ArticlePage.objects.filter(imported_from="ghost:6650a1f0c2e4a10001a1b001").exists()


def test_members_csv_that_is_not_one(home, tmp_path):
    wrong = tmp_path / "members.csv"
    wrong.write_text("name,phone\nA,1\n")
    with pytest.raises(CommandError, match="no email column"):
        run("import_ghost", GHOST, members=wrong)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(GHOST_MEMBERS.read_text().replace("Maggie", "Mäggie").encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        run("import_ghost", GHOST, members=latin)
    assert not ArticlePage.objects.filter(imported_from__startswith="ghost:").exists()


# --- generated hostile input ----------------------------------------------------

converter = Converter(resolve_link=lambda href: None, is_internal=lambda h: True,
                      image_for=lambda media: None)  # fmt: skip
FRAGMENTS = st.sampled_from([
    "<p>", "</p>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<iframe src=//evil.example>", "<table><tr><td>",
    "<figure class=wp-block-embed>", "<blockquote><cite>", "<h2>", "<ul><li>", "&lt;", "\x00",
    "<style>*{}</style>", "<svg onload=alert(1)>", "<!--", "-->", "[caption]", "<b><i>", " ",
    "text", "<a href='/?p=1'>", "<div onclick=x>", "<p style='x'>", "<math>", "<form>",
])  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=30))
def test_any_markup_becomes_blocks_that_carry_no_script(parts):
    result = converter.convert("".join(parts))
    for block in result.blocks:
        assert block["type"] in {"paragraph", "heading", "quote", "embed", "html", "image"}
        if block["type"] not in {"paragraph", "html"}:
            continue  # plain text, escaped by its template
        allowed = HTML_TAGS | {"ul", "ol", "li"}
        for tag in BeautifulSoup(block["value"], "html.parser").find_all(True):
            assert tag.name in allowed, block
            assert set(tag.attrs) <= {"href", "title", "rel", "colspan", "rowspan", "scope"}, block
            assert not tag.get("href", "").strip().lower().startswith(("javascript", "data")), block


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_lexical_or_mobiledoc_document_is_read_or_refused_by_name(document):
    for render in (ghost.lexical_html, ghost.mobiledoc_html):
        try:
            render(document)
        except ghost.UNREADABLE:
            pass  # the importer names the post and goes on


def test_wordpress_reader_refuses_binary_garbage(tmp_path):
    export = tmp_path / "garbage.xml"
    export.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFileError):
        wordpress.parse(export)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/wp-content/uploads/a.jpg",
        "http://localhost:8000/a.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/a.jpg",
        "http://[::1]/a.jpg",
        "file:///etc/passwd",
        "http:///no-host",
    ],
)
def test_fetching_media_never_reaches_this_machine_or_its_network(url):
    from masthead.importing.writer import public_address

    with pytest.raises(ValueError):
        public_address(url)


def test_fetch_media_reports_what_it_could_not_fetch(home, tmp_path):
    export = tmp_path / "local.xml"
    export.write_text(WORDPRESS.read_text().replace("https://harbourledger.example/wp-content",
                                                    "http://127.0.0.1:9/wp-content"))  # fmt: skip
    output = run("import_wordpress", export, fetch_media=True)
    assert "could not be fetched: 127.0.0.1 is not a public address" in output


@pytest.mark.parametrize(
    "query",
    ["p=%00", "p=" + "9" * 5000, "p[]=1", "p=1&p=2", "page_id=../../etc", "p=%ff%fe", "cat=-1"],
)
def test_old_query_addresses_take_any_value_without_an_error(imported_wordpress, client, query):
    for path in ("/", "/index.php"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in {200, 301, 400, 404}, (path, query)
