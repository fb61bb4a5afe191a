"""Content-Security-Policy: strict on the public site, what Wagtail needs in the admin.

The public pages run no JavaScript and no inline styles, so their policy
(``config._csp``) allows the site's own files only; an injected ``<script>``
— say, through a comment that got past sanitising — would not run. Wagtail's
editor still uses inline scripts and styles, data: and blob: images and frames
its own previews, so pages under the admin prefixes get those
allowances on top, and nothing from other origins.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware

ADMIN_PREFIXES = ("/admin/",)
ADMIN_ALLOWANCES = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
    "font-src": ["data:"],
    "frame-src": ["'self'"],
}


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {**ADMIN_ALLOWANCES, **(parts.update or {})}
        return parts
