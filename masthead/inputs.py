"""What a client sends, read strictly: ids, numbers, page numbers, where to go next.

Every value a reader (or an attacker) controls that must be a number or a
place on this site is read here and nowhere else, so the rule is the same
everywhere: ASCII digits only (``"²"``, ``"١٢٣"`` and ``"𝟙"`` are digits to
``str.isdigit`` but not to a database), within the range the database can
hold, no leading zeros where a value names a page (``"01"`` is not a second
name for page 1), and ``next`` only as a path on this site with no control
characters. A value that fails is ``None`` (or the default), and the caller
answers with a clear 400 or 404 — it never reaches a query, a URL parser or
a redirect header.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

# The largest id a 64-bit signed integer column holds (PostgreSQL bigint, SQLite).
MAX_ID = 2**63 - 1
MAX_PAGE = 99_999

_DIGITS = re.compile(r"[0-9]{1,19}")
_PAGE = re.compile(r"[1-9][0-9]{0,4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def whole_number(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` as an int if it is ASCII digits and within [low, high]."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def object_id(raw: str | None) -> int | None:
    """A database id: 1 to MAX_ID."""
    return whole_number(raw, low=1)


def page_number(raw: str | None) -> int | None:
    """``?page=``: 1 when absent; "1" to "99999" as written; anything else None."""
    if raw is None:
        return 1
    return int(raw) if _PAGE.fullmatch(raw) else None


def is_local_path(url: str) -> bool:
    """A path on this site ("/world/?page=2"): no scheme, no host, no "//" or
    "/\\" (which browsers read as another host), no control characters."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and not _CONTROL.search(url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def is_link(url: str) -> bool:
    """A link a publisher may set (a button's address): an http(s) URL, or a
    path on this site. Never ``javascript:``, ``data:`` or a control character."""
    if not url or _CONTROL.search(url):
        return False
    if url.startswith("/"):
        return is_local_path(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate_link(url: str) -> None:
    if url and not is_link(url):
        raise ValidationError(
            "Give an address starting with https:// (or http://), "
            "or a path on this site starting with /."
        )


def next_path(request, default: str = "") -> str:
    """``next`` from the form or the query, if it is a path on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if is_local_path(candidate) else default


class IdConverter:
    """``<id:pk>`` in a URL: a database id, or no match (a 404), never an
    integer too large for the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = object_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not an id")
        return number

    def to_url(self, value) -> str:
        return str(value)
