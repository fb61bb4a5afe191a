"""Comment text: plain text in, safe HTML out.

Readers write plain text. It is stored as written (less invisible direction
controls) and rendered here: every character escaped, blank lines make
paragraphs, single newlines line breaks, and http(s) URLs become links with
rel="nofollow ugc noopener". The result then goes through nh3, which allows
only <p>, <br> and <a href> with http(s) URLs — so even a mistake in the
steps before cannot let active markup through.
"""

from __future__ import annotations

import re
import unicodedata

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Characters that reorder or hide text (bidi overrides, zero-width joiners used
# to disguise links) and C0/C1 controls other than newline and tab.
INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
TRAILING_PUNCTUATION = ".,;:!?)]}"


def clean_input(text: str) -> str:
    """What we store: normalised newlines and Unicode, no invisible controls."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = INVISIBLE.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _linkify(line: str) -> str:
    out, last = [], 0
    for match in URL.finditer(line):
        url = match.group(0)
        trail = ""
        while url and url[-1] in TRAILING_PUNCTUATION:
            trail = url[-1] + trail
            url = url[:-1]
        out.append(escape(line[last : match.start()]))
        out.append(f'<a href="{escape(url)}">{escape(url)}</a>{escape(trail)}')
        last = match.end()
    out.append(escape(line[last:]))
    return "".join(out)


def render(text: str) -> SafeString:
    paragraphs = [p for p in clean_input(text).split("\n\n") if p.strip()]
    html = "".join(
        "<p>" + "<br>".join(_linkify(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return mark_safe(
        nh3.clean(
            html,
            tags={"p", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"http", "https"},
            link_rel="nofollow ugc noopener",
            strip_comments=True,
        )
    )
