"""A result's snippet: a window of the text the reader may read, terms marked."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

SNIPPET = 220


def snippet(text: str, dek: str, words: list[str]):
    """Up to SNIPPET characters around the first term found in ``text`` (which
    holds only what the reader may read), with the terms marked; the dek when
    no term is there."""
    lowered = text.lower()
    hits = [found for word in words if (found := lowered.find(word)) >= 0]
    if not hits:
        return escape(dek)
    start = max(0, min(hits) - SNIPPET // 3)
    marked = str(escape(text[start : start + SNIPPET]))
    for word in sorted(set(words), key=len, reverse=True):
        marked = re.sub(rf"(?i)\b({re.escape(escape(word))})", r"<mark>\1</mark>", marked)
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET < len(text) else ""
    return mark_safe(prefix + marked + suffix)  # escaped above; only <mark> added
