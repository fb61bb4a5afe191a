"""Template filters for reader-facing dates and money, written for the
reader's language by Babel (masthead/locales.py).

    {% load locale_tags %}
    {{ article.date|local_date }}          25 November 2026
    {{ link.expires_at|local_datetime }}   25 November 2026 at 14:05
    {{ link.expires_at|day_month }}        25 November
    {{ amount_minor|money:"EUR" }}         €19.99 / 19,99 €
    {{ count|local_number }}               1,234 / ١٬٢٣٤
"""

from django import template
from django.utils import translation
from django.utils.html import format_html

from masthead import locales
from masthead.newsroom import wording

register = template.Library()


@register.filter
def local_date(value, length="long"):
    return locales.date(value, length)


@register.filter
def local_datetime(value):
    return locales.date_time(value)


@register.filter
def day_month(value):
    return locales.day_and_month(value)


@register.filter
def money(minor, currency):
    if minor in (None, ""):
        return ""
    return locales.money(int(minor), str(currency))


@register.filter
def local_number(value):
    if value in (None, ""):
        return ""
    return locales.number(value)


@register.filter
def words(setting, field):
    """The publisher's words from a site setting, in the reader's language:
    ``{{ publication|words:"subscribe_label" }}`` (masthead/newsroom/wording.py)."""
    return wording.words(setting, field)


@register.filter
def other_language(page):
    """``lang="…" dir="…"`` for a page written in another language than
    the page around it (an English article listed on the Arabic site), so
    screen readers pronounce it in its own language; empty otherwise."""
    code = locales.language_of(getattr(page, "locale_id", None))
    if not code or code == translation.get_language():
        return ""
    direction = "rtl" if translation.get_language_info(code)["bidi"] else "ltr"
    return format_html(' lang="{}" dir="{}"', code, direction)
