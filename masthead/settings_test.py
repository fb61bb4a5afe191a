"""Test settings: the real settings, made fast and hermetic.

Everything that matters (database from DATABASE_URL, installed apps,
middleware) comes from settings.py unchanged.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("HTTPS", "false")  # the test client and live server speak HTTP
# The demo's languages: English, and Arabic and French under /ar/ and /fr/.
os.environ.setdefault("SITE_LANGUAGES", "en,ar,fr")

from masthead.settings import *  # noqa: E402,F403
from masthead.settings import BASE_DIR, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    # The manifest needs collectstatic; tests render templates without it.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps, as in development: no collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"
SERVE_MEDIA = True
# Wagtail's own search index serves only the admin's search box, which no test
# uses; keeping it up to date costs a quarter of every page publish.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "masthead.search.admin_backend", "AUTO_UPDATE": False}
}
# Each test process keeps its cache in memory, emptied around every test; the
# shared database cache production uses without Redis is exercised by the
# tests that start real servers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The suite signs in thousands of times; the floor's own test sets it.
MASTHEAD_ACCOUNT_ANSWER_FLOOR_MS = 0
# Counts of walls and reads are written when a test says so
# (``insights.record.flush``), never by a thread behind its back.
MASTHEAD_INSIGHTS_FLUSH_SECONDS = None
# Background jobs run at once, in the test's own process.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []},
}
# Two providers' delivery webhooks, checked as in production: Mailgun by its
# signing key (and the shared secret), Postmark by the shared secret alone.
ANYMAIL = {
    "WEBHOOK_SECRET": "hooks:test-webhook-secret",
    "MAILGUN_WEBHOOK_SIGNING_KEY": "test-mailgun-signing-key",
}
MASTHEAD_EMAIL_WEBHOOKS = ["mailgun", "postmark"]
