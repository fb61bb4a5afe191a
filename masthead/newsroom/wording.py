"""The publisher's words in the reader's language.

A setting's text (the tagline, the wall's headline, a button's label) is
read in three ways, by the language of the address:

- in the site's own language: as the publisher wrote it;
- in another language the site offers, with a ``Wording`` for it: that;
- otherwise: Masthead's default in the reader's language while the setting
  still holds the default (every default is in the catalogue), else the
  publisher's words as written.

Each worker keeps a site's wordings per language, keyed by the content
generation (a saved wording bumps it), so a page asks the database at most
once per change.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from masthead.localcache import LocalCache
from masthead.newsroom import freshness

_wordings = LocalCache(64)


def words(setting, field: str) -> str:
    """The text of ``setting.field`` (a site setting) for the reader's language."""
    value = getattr(setting, field, "") or ""
    language = translation.get_language()
    if language == settings.LANGUAGE_CODE:
        return value
    site_id = getattr(setting, "site_id", None)
    if site_id is not None:
        written = wordings(site_id, language).get(f"{setting._meta.model_name}.{field}")
        if written:
            return written
    return gettext(value) if value else value


def wordings(site_id: int, language: str) -> dict[str, str]:
    Wording = apps.get_model("newsroom", "Wording")
    key = f"wordings:{freshness.current()}:{site_id}:{language}"
    found = _wordings.get(key)
    if found is None:
        found = dict(
            Wording.objects.filter(site_id=site_id, language=language).values_list("key", "text")
        )
        _wordings.set(key, found)
    return found
