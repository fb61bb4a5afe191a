"""The public path's page serving: ``rendering.serve_page`` renders articles
(per paywall decision, kept) and keeps fronts. Wagtail runs ``on_serve_page``
hooks only for pages it routes on the public path, never for previews.

It must be the innermost of those hooks — in place of ``page.serve``, inside
Wagtail's own view-restriction check and any other hook — so it is
registered last in order (Wagtail wraps the first hook outermost).
tests/newsroom/test_cached_pages.py checks it stays there.
"""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.newsroom import rendering
from masthead.newsroom.models import Wording

INNERMOST = 10_000

hooks.register("on_serve_page", rendering.serve_page, order=INNERMOST)


class WordingViewSet(RoleScopedSnippetViewSet):
    """Settings → Words in other languages: the publisher's settings text
    (tagline, wall, buttons) written again for each other language the
    site offers (masthead/newsroom/wording.py)."""

    model = Wording
    icon = "globe"
    menu_label = "Words in other languages"
    add_to_settings_menu = True
    list_display = ["key", "language", "text", "site"]
    list_filter = ["language", "site"]


register_snippet(WordingViewSet)
