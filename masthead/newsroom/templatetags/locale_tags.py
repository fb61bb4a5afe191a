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

from masthead import locales

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
