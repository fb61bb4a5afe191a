"""Deployment checks for the publication's own address."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from masthead.config import DEMO_BASE_URL


@register(Tags.urls, deploy=True)
def base_url_is_set(app_configs, **kwargs):
    """With DEBUG off, links that leave the page (canonical, feeds, sitemaps,
    JSON-LD, admin emails) are written from BASE_URL: the demo's default
    would send every reader and crawler to 127.0.0.1."""
    if settings.DEBUG or settings.BASE_URL != DEMO_BASE_URL:
        return []
    return [
        Warning(
            f"BASE_URL is not set: links in feeds, sitemaps and emails point at {DEMO_BASE_URL}.",
            hint="Set BASE_URL to the publication's address (https://news.example.org), "
            "then run `manage.py set_site_address`.",
            id="masthead.W010",
        )
    ]
