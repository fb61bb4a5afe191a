"""Words from Django and allauth that Masthead translates itself.

Our catalogues come first (``LOCALE_PATHS``), so a message listed here reads
as we translate it, where a library's catalogue lacks it for a language we
ship or reads wrongly on a newsroom's site:

- Django's password-length error: its Arabic catalogue still has the wording
  before Django 5.2 changed it, so Arabic readers met it in English;
- allauth's "Sign Up": its Arabic is the word for subscribing, which on a
  site that sells subscriptions is the wrong promise for a free account.

Nothing imports this module; ``make messages`` reads it.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = (
    gettext_noop("Sign Up"),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "count",
    ),
)
