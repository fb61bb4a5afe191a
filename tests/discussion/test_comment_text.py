"""How a comment's plain text becomes HTML: which addresses become links, where
a link ends, and that nothing a reader types becomes markup."""

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.discussion import text
from tests.discussion.test_comments import XSS, assert_inert


def links(html) -> list[tuple[str, str]]:
    soup = BeautifulSoup(str(html), "html.parser")
    return [(a["href"], a.get_text()) for a in soup.find_all("a")]


def shown(html) -> str:
    """What a reader sees, with <br> as a newline and paragraphs a blank line apart."""
    soup = BeautifulSoup(str(html), "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return "\n\n".join(p.get_text() for p in soup.find_all("p"))


def test_a_wikipedia_address_keeps_its_parentheses():
    url = "https://en.wikipedia.org/wiki/Foo_(bar)"
    html = text.render(f"See {url} for the background.")
    assert links(html) == [(url, url)]
    assert_inert(str(html))


@pytest.mark.parametrize(
    ("written", "url", "after"),
    [
        ("Read https://example.org/report.", "https://example.org/report", "."),
        ("Read https://example.org/report, then", "https://example.org/report", ","),
        ("(see https://example.org/report)", "https://example.org/report", ")"),
        ("(see https://example.org/report).", "https://example.org/report", ")."),
        ("(https://example.org/report), and", "https://example.org/report", "),"),
        ("[https://example.org/a_(b)]!", "https://example.org/a_(b)", "]!"),
    ],
)
def test_trailing_punctuation_stays_outside_the_link_and_is_kept(written, url, after):
    html = text.render(written)
    assert links(html) == [(url, url)]
    # Nothing the reader wrote is lost, whatever urlize trimmed.
    assert shown(html) == written
    assert str(html).split("</a>")[1].startswith(after.replace("&", "&amp;"))


@pytest.mark.parametrize(
    "written",
    [
        "javascript:alert(1)",
        "javascript://example.org/%0Aalert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.org/x",
        "see example.com or www.example.org",
        "//example.org/protocol-relative",
    ],
)
def test_only_http_and_https_addresses_become_links(written):
    html = text.render(written)
    assert links(html) == []
    assert shown(html) == written
    assert_inert(str(html))


@pytest.mark.parametrize("written", ["https://0\ufb18", "https://-", "http://[::1", "https://.."])
def test_an_address_with_no_host_stays_text(written):
    html = text.render(f"Odd: {written}.")
    assert links(html) == []
    assert shown(html) == f"Odd: {written}."


def test_an_email_address_stays_text_not_a_mailto_link():
    html = text.render("Write to letters@example.org, or reply here.")
    assert links(html) == []
    assert "mailto" not in str(html)
    assert shown(html) == "Write to letters@example.org, or reply here."


def test_every_link_is_nofollow_ugc_noopener_and_escaped():
    html = str(text.render('Compare https://a.example/?x=1&y=<2> and http://b.example/"q'))
    assert_inert(html)
    assert links(html) == [
        ("https://a.example/?x=1&y=", "https://a.example/?x=1&y="),
        ("http://b.example/", "http://b.example/"),
    ]
    assert "&lt;2&gt;" in html
    assert shown(html) == 'Compare https://a.example/?x=1&y=<2> and http://b.example/"q'


def test_hostile_payloads_wrapped_in_addresses_stay_inert():
    for payload in XSS:
        for written in (f"https://x.example/({payload})", f"({payload} https://x.example/)."):
            assert_inert(str(text.render(written)))


# Text a reader might write: words, punctuation, markup and addresses, mixed.
pieces = st.one_of(
    st.text(max_size=12),
    st.text(max_size=24).map(lambda rest: "https://" + rest),
    st.from_regex(
        r"https?://[a-z0-9.\-]{1,12}(/[\w()\[\].,;:!?&=%#'\"<>-]{0,16})?", fullmatch=True
    ),
    st.sampled_from(
        [
            " ",
            "\n",
            "\n\n",
            "(",
            ")",
            "[",
            "]",
            ".",
            ",",
            ";",
            "&",
            "&amp;",
            "&#x6a;",
            "<",
            ">",
            '"',
            "'",
            "https://",
            "http://",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            "javascript:",
            "mailto:",
            "a@b.example",
            "example.com",
            "www.",
            "<script>",
            "<a href=",
            "onerror=",
        ]
        + XSS
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join))
def test_any_text_renders_inert_and_shows_what_was_written(written):
    html = str(text.render(written))
    assert_inert(html)
    assert shown(html) == text.clean_input(written)
    for href, _ in links(html):
        assert href.startswith(("http://", "https://"))
