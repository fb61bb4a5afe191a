"""The public path's page serving: ``rendering.serve_page`` renders articles
(per paywall decision, kept) and keeps fronts. Wagtail runs ``on_serve_page``
hooks only for pages it routes on the public path, never for previews.

It must be the innermost of those hooks — in place of ``page.serve``, inside
Wagtail's own view-restriction check and any other hook — so it is
registered last in order (Wagtail wraps the first hook outermost).
tests/newsroom/test_cached_pages.py checks it stays there.
"""

from wagtail import hooks

from masthead.newsroom import rendering

INNERMOST = 10_000

hooks.register("on_serve_page", rendering.serve_page, order=INNERMOST)
