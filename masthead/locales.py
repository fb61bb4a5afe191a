"""Dates, times and money as the reader's language writes them (Babel).

Django translates the words; Babel knows how each locale writes a date
("25 novembre 2026", "٢٥ نوفمبر ٢٠٢٦"), a price ("19,99 €", "US$ 5.00") and
the digits it uses. Every reader-facing date and amount goes through here,
for the language active on the request (or the email's recipient).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import wagtail
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils import timezone, translation

# Currencies without a minor unit; the rest have two decimal places here.
ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX"}


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def current() -> Locale:
    """The Babel locale of the language active now (the site's by default)."""
    return _locale(translation.get_language() or settings.LANGUAGE_CODE)


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date(value, length: str = "long") -> str:
    """A date (or the day of a datetime, in the site's time zone): ``long``
    is "25 November 2026" in English, "٢٥ نوفمبر ٢٠٢٦" in Arabic."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return babel_dates.format_date(value, format=length, locale=current())


def date_time(value) -> str:
    """A date with its time of day, in the site's time zone: "25 November
    2026 at 14:05" in English, the locale's own joining elsewhere."""
    if value in (None, ""):
        return ""
    value = _local(value)
    locale = current()
    pattern = str(locale.datetime_formats["long"]).replace("'", "")
    return pattern.replace(
        "{0}", babel_dates.format_time(value, format="short", tzinfo=value.tzinfo, locale=locale)
    ).replace("{1}", babel_dates.format_date(value, format="long", locale=locale))


def day_and_month(value) -> str:
    """A day within the year: "25 November"."""
    if value in (None, ""):
        return ""
    value = _local(value)
    return babel_dates.format_skeleton("MMMMd", value, locale=current())


def money(minor: int, currency: str) -> str:
    """An amount in the currency's minor unit, written for the locale:
    ``money(1999, "EUR")`` is "€19.99" in English, "19,99 €" in French."""
    currency = currency.upper()
    amount = Decimal(minor) if currency in ZERO_DECIMAL else Decimal(minor) / 100
    return babel_numbers.format_currency(amount, currency, locale=current())


def number(value) -> str:
    """A count with the locale's grouping and digits."""
    return babel_numbers.format_decimal(value, locale=current())


def wagtail_admin_languages() -> set[str]:
    """The languages Wagtail's admin ships translations for: an editor may
    pick any of them for the admin, whatever languages the site offers."""
    root = Path(wagtail.__file__).parent / "locale"
    return {
        path.parent.parent.name.lower().replace("_", "-")
        for path in root.glob("*/LC_MESSAGES/django.mo")
    }


class AddressLanguage:
    """The language of a request is the one its address names: ``/ar/…`` is
    Arabic, an address without a prefix the site's own (``LANGUAGE_CODE``).
    Unlike Django's LocaleMiddleware, never the browser's Accept-Language or a
    cookie: one address is one page in one language, for every reader and
    every cache, so nothing varies on the request's headers. The prefix is
    matched exactly (``/ar/``, or ``/ar`` alone, which Django then redirects
    to ``/ar/``); anything else is the site's language and routes as such."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = {code: code for code, _ in settings.LANGUAGES[1:]}

    def __call__(self, request):
        path = request.path_info
        end = path.find("/", 1)
        language = self.prefixes.get(path[1:end] if end > 0 else path[1:], settings.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def of(request) -> str:
    """The language of ``request`` (``AddressLanguage`` set it), without a
    trip through Django's thread-local translation state."""
    language = getattr(request, "LANGUAGE_CODE", None)
    return language or translation.get_language() or settings.LANGUAGE_CODE


_locale_codes: dict[int, str] = {}


def language_of(locale_id: int | None) -> str:
    """The language code of a Wagtail locale, by its id (kept per process:
    locales are few and their codes do not change under a running site)."""
    if locale_id is None:
        return ""
    code = _locale_codes.get(locale_id)
    if code is None:
        from wagtail.models import Locale

        code = Locale.objects.filter(pk=locale_id).values_list("language_code", flat=True).first()
        code = _locale_codes[locale_id] = code or ""
    return code
