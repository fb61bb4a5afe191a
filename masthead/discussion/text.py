"""Comment text: plain text in, safe HTML out.

Readers write plain text. It is stored as written (less invisible direction
controls) and rendered here: every character escaped, blank lines make
paragraphs, single newlines line breaks, and http(s) URLs become links with
rel="nofollow ugc noopener". Links are found by Django's urlize, which keeps
trailing punctuation out of a link and balanced parentheses in it
(https://en.wikipedia.org/wiki/Foo_(bar)). Only addresses written with
http:// or https:// are linked: not bare domains ("example.com"), which
prose is full of, and not email addresses, which stay text rather than
become mailto: links. The result then goes through nh3, which allows only
<p>, <br> and <a href> with http(s) URLs and sets every link's rel — so even
a mistake in the steps before cannot let active markup through.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import Urlizer, escape, smart_urlquote
from django.utils.safestring import SafeString, mark_safe

# Characters that reorder or hide text (bidi overrides, zero-width joiners used
# to disguise links) and C0/C1 controls other than newline and tab.
INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
LINK_REL = "nofollow ugc noopener"
_web_address = URLValidator(schemes=["http", "https"])


def _is_web_address(address: str) -> bool:
    try:
        _web_address(smart_urlquote(html.unescape(address)))
    except ValidationError:
        return False
    return True


class WebAddresses(Urlizer):
    """Django's urlize, linking http(s) addresses only."""

    # urlize also links "www.…" and words ending in .com, .org and the like
    # (as http://…), and email addresses (as mailto:). A pattern that matches
    # nothing and an email test that is never true turn both off; what is left
    # is its rule for explicit http:// and https:// addresses.
    simple_url_2_re = re.compile(r"(?!)")

    @staticmethod
    def is_email_simple(value):
        return False

    def handle_word(self, word, *, autoescape=False, **options):
        # "https://" followed by something that is not a host ("https://-", or
        # characters no host name may hold) would reach nh3 as a link it cannot
        # read, and it would drop the href and leave an <a> that goes nowhere:
        # such words stay text. Django's URLValidator decides what is a host.
        _lead, address, _trail = self.trim_punctuation(word)
        if self.simple_url_re.match(address) and not _is_web_address(address):
            return escape(word) if autoescape else word
        return super().handle_word(word, autoescape=autoescape, **options)

    def trim_punctuation(self, word):
        lead, middle, _trail = super().trim_punctuation(word)
        # urlize only ever cuts the word into an opening, the address and a
        # tail, but Django 5.2 can drop characters from the tail it collects
        # ("(https://a.example/x), and" loses the comma). The tail is whatever
        # follows the address, so it is taken from the word itself.
        return lead, middle, word[len(lead) + len(middle) :]


_linkify = WebAddresses()


def clean_input(text: str) -> str:
    """What we store: normalised newlines and Unicode, no invisible controls."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _line(line: str) -> str:
    # autoescape: everything that is not a link is escaped, and so are each
    # link's address and text. rel is left to nh3, which sets it on every link.
    return _linkify(line, autoescape=True)


def render(text: str) -> SafeString:
    paragraphs = [p for p in clean_input(text).split("\n\n") if p.strip()]
    markup = "".join(
        "<p>" + "<br>".join(_line(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return mark_safe(
        nh3.clean(
            markup,
            tags={"p", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"http", "https"},
            link_rel=LINK_REL,
            strip_comments=True,
        )
    )
