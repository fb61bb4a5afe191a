"""Wagtail's locales follow SITE_LANGUAGES.

Each language the site offers needs a ``Locale`` row before an editor can
translate a page into it (Settings → Locales, or *Translate* on a page).
After every ``migrate`` the rows for the configured languages exist; an
install made when the site's language was still written ``en-us`` has its
locale renamed ``en``, keeping its pages.
"""

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale


def ensure_locales(**kwargs) -> None:
    using = kwargs.get("using", "default")
    locales = Locale.objects.using(using)
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        code = get_supported_content_language_variant(code)
        if locales.filter(language_code=code).exists():
            continue
        # The same language under a regional code from an earlier setting
        # (en-us): the same pages, under the code the site names now.
        regional = locales.filter(language_code__startswith=f"{code}-").first()
        if regional is not None and not any(
            known == regional.language_code for known, _ in settings.WAGTAIL_CONTENT_LANGUAGES
        ):
            regional.language_code = code
            regional.save(update_fields=["language_code"])
        else:
            locales.create(language_code=code)
