import json

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.safestring import mark_safe
from wagtail.models import Locale, Page, Site

from masthead.newsroom import rendering
from masthead.newsroom.models import SectionPage

register = template.Library()

# Characters that could end a <script> element or open an HTML comment are
# written as JSON escapes, which parse to the same string.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@register.filter
def json_ld(data):
    """Serialise ``data`` for a ``<script type="application/ld+json">`` element."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE))


@register.inclusion_tag("newsroom/includes/pagination.html", takes_context=True)
def pagination(context, page_obj):
    """Previous/next links that keep the rest of the query string."""
    request = context["request"]

    def url_for(number):
        query = request.GET.copy()
        query["page"] = number
        return "?" + query.urlencode()

    return {
        "page_obj": page_obj,
        "previous_url": url_for(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next_url": url_for(page_obj.next_page_number()) if page_obj.has_next() else "",
    }


@register.inclusion_tag("newsroom/includes/section_nav.html", takes_context=True)
def section_nav(context):
    """The site's live sections, in the editor's tree order, for the header."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    sections = SectionPage.objects.none()
    if site is not None:
        # The sections of the tree in the reader's language (the site's own
        # tree when that language has none).
        sections = SectionPage.objects.live().public().child_of(site.root_page.localized)
    current_path = getattr(context.get("page"), "path", "")
    return {"sections": [(section, current_path.startswith(section.path)) for section in sections]}


@register.simple_tag
def slot(name: str):
    """Where a cached shell leaves room for a per-request part
    (``rendering.SLOTS``), filled by ``rendering.fill_slots``."""
    if name not in rendering.SLOTS:
        raise template.TemplateSyntaxError(f"No slot {name!r}; the slots are {rendering.SLOTS}.")
    return mark_safe(rendering.SLOT.format(name))  # noqa: S308 - a fixed HTML comment


@register.simple_tag(takes_context=True)
def language_links(context):
    """This page in the site's other languages (LANGUAGES), as (code, name
    in that language, address): a page's translation where an editor made
    one, else that language's front page; any other address under the
    language's prefix. For the footer's menu and the head's alternates."""
    request = context.get("request")
    if request is None or len(settings.LANGUAGES) < 2:
        return []
    current = translation.get_language()
    page = context.get("page")
    links = []
    for code, name in settings.LANGUAGES:
        if code != current:
            links.append((code, name, _address_in(request, page, code)))
    return links


def _address_in(request, page, code: str) -> str:
    if isinstance(page, Page):
        locale = Locale.objects.filter(language_code=code).first()
        other = page.get_translation_or_none(locale) if locale is not None else None
        if other is not None and other.live:
            return other.get_url(request) or "/"
        with translation.override(code):
            return reverse("wagtail_serve", args=[""])
    return translate_url(request.path, code)
