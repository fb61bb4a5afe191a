"""The language a reader's emails are written in.

Emails sent while the reader waits (a sign-in code, a newsletter's
confirmation) are written in the language of the page they came from.
Emails sent later, by ``process_subscriptions`` or a provider's webhook, are
written in the language the reader last signed up or in with
(``ReaderLanguage``), or the site's when we never saw them choose one.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation

from masthead.members.models import ReaderLanguage


def offered(code: str | None) -> bool:
    return bool(code) and code in {language for language, _ in settings.LANGUAGES}


def remember(sender=None, request=None, user=None, **kwargs) -> None:
    """``user_logged_in`` / ``user_signed_up``: keep the request's language.
    The site's own language is kept too: a reader who moves back to it
    gets their emails in it again."""
    code = getattr(request, "LANGUAGE_CODE", None)
    if user is None or user.pk is None or not offered(code):
        return
    ReaderLanguage.objects.update_or_create(user=user, defaults={"code": code})


def language_of(user) -> str:
    """The language to write to ``user`` in."""
    code = (
        ReaderLanguage.objects.filter(user=user).values_list("code", flat=True).first()
        if user is not None and user.pk is not None
        else None
    )
    return code if offered(code) else settings.LANGUAGE_CODE


@contextmanager
def writing_to(user):
    """Render an email to ``user`` in their language."""
    with translation.override(language_of(user)):
        yield
