"""Site search over headline, dek, tags and body, with snippets drawn only from
text the reader may read.

The index covers whole articles (so a subscriber finds a phrase from deep in
a piece), but a result's snippet is cut from the dek and the blocks
``gate.body_for_output`` gives this reader: for a walled article, the teaser.
A match in text the reader may not read shows the dek instead — never the
matching sentence.
"""

from __future__ import annotations

import html
import re

from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from masthead.paywall import gate

MAX_QUERY = 200
SNIPPET = 220


def clean_query(raw: str) -> str:
    """The query as searched: printable, single-spaced, at most MAX_QUERY characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in raw or "")
    return " ".join(text.split())[:MAX_QUERY]


def terms(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:10]


def readable_text(article, entitled: bool) -> str:
    teaser, rest = gate.body_for_output(article, entitled=entitled)
    return " ".join(
        html.unescape(strip_tags(str(block.render()))) for block in teaser + rest
    ).strip()


def snippet(article, query: str, entitled: bool):
    """Up to SNIPPET characters around the first query term found in what this
    reader may read, with the terms marked; the dek when none is there."""
    words = terms(query)
    text = " ".join(readable_text(article, entitled).split())
    lowered = text.lower()
    hits = [lowered.find(w) for w in words if lowered.find(w) >= 0]
    if not hits:
        return escape(article.dek)
    start = max(0, min(hits) - SNIPPET // 3)
    window = text[start : start + SNIPPET]
    marked = escape(window)
    for word in sorted(set(words), key=len, reverse=True):
        marked = re.sub(rf"(?i)\b({re.escape(escape(word))})", r"<mark>\1</mark>", str(marked))
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET < len(text) else ""
    return mark_safe(prefix + marked + suffix)  # escaped above; only <mark> added
