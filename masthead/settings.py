"""Django settings for Masthead, read from the environment (see config.py).

The defaults serve the demo on SQLite; README.md lists every variable.
"""

import os
from pathlib import Path

from django.conf.locale import LANG_INFO

from masthead import config
from masthead.locales import wagtail_admin_languages

PROJECT_DIR = Path(__file__).resolve().parent
BASE_DIR = PROJECT_DIR.parent

CONFIG = config.load(os.environ, base_dir=BASE_DIR)

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "masthead.newsroom",
    "masthead.paywall",
    "masthead.members",
    "masthead.billing",
    "masthead.discussion",
    "masthead.syndication",
    "masthead.api",
    "masthead.search",
    "masthead.insights",
    "masthead.newsletters",
    "masthead.gifts",
    "masthead.offers",
    "masthead.importing",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "wagtail.contrib.settings",
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "masthead.security.ForwardedProtoFromProxiesOnly",
    "masthead.logs.RequestIdMiddleware",
    "masthead.errors.UnreadableValues",
    "django.middleware.security.SecurityMiddleware",
    "masthead.security.PrivateResponses",
    "masthead.security.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language, from the address's prefix (/ar/…) alone.
    "masthead.locales.AddressLanguage",
    "masthead.members.prefetch.Prefetch",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "masthead.members.sessions.Authentication",
    "django.contrib.messages.middleware.MessageMiddleware",
    "masthead.members.sessions.SessionLifetime",
    "masthead.members.timing.EvenAnswers",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # /?p=123 and its kind: old WordPress addresses the home page would answer.
    "masthead.importing.legacy.OldQueryAddresses",
    # Innermost: a page this worker already serves from cache skips URL routing.
    "masthead.newsroom.rendering.CachedPages",
]

ROOT_URLCONF = "masthead.urls"
WSGI_APPLICATION = "masthead.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's language and the others a publication offers (SITE_LANGUAGES,
# the site's own first): the site's is served without a prefix, the others
# under /<code>/ (masthead/urls.py), each with its own tree of pages in
# Wagtail (translated articles). Our own words are in masthead/locale/;
# Django, Wagtail and allauth bring theirs.
LANGUAGE_CODE = CONFIG.languages[0]
LANGUAGES = [(code, LANG_INFO[code]["name_local"]) for code in CONFIG.languages]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Editors choose the admin's language in their account settings, whatever
# the site's: every language Wagtail's admin is translated into.
WAGTAILADMIN_PERMITTED_LANGUAGES = [
    (code, LANG_INFO[code]["name_local"])
    for code in sorted(wagtail_admin_languages())
    if code in LANG_INFO and "fallback" not in LANG_INFO[code]
]
TIME_ZONE = CONFIG.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
SERVE_MEDIA = CONFIG.serve_media
STORAGES = {
    # Local disk (media/), or an S3-compatible bucket with MEDIA_STORAGE=s3.
    "default": CONFIG.media_storage,
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; the demo server
        # (DEBUG on) serves the source files directly instead.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

if CONFIG.redis_url:
    CACHES = {
        "default": {
            # Django's Redis cache, but an unreachable Redis is a miss, not a
            # 500 (masthead/cache.py).
            "BACKEND": "masthead.cache.ResilientRedisCache",
            "LOCATION": CONFIG.redis_url,
            "KEY_PREFIX": "masthead",
        }
    }
else:
    # Without Redis the cache lives in the database, so every worker shares
    # it: rate limits (allauth's logins and codes, the API's) count once for
    # the site, not once per process. Rendered pages are read from a small
    # per-process copy first (newsroom/rendering.py), so this costs a query
    # only when a worker meets a page for the first time.
    CACHES = {
        "default": {
            # Django's, with a leaner get_many (masthead/cache.py).
            "BACKEND": "masthead.cache.DatabaseCache",
            "LOCATION": "masthead_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Sessions read from the shared cache (Redis, or the database cache without
# it), written through to the database: a signed-in request then reads its
# session, its standing version and its comment token in one round trip
# (members/prefetch.py). Only with a shared cache: with per-process memory, a
# logout on one worker would leave the session alive in the others.
SESSION_ENGINE = "masthead.members.session_store"

# Written to files under EMAIL_FILE_PATH with DEBUG on, SMTP otherwise, or any
# provider django-anymail knows (EMAIL_PROVIDER, credentials as ANYMAIL_*).
EMAIL_BACKEND = CONFIG.email["backend"]
EMAIL_FILE_PATH = CONFIG.email["file_path"]
ANYMAIL = CONFIG.email["anymail"]
# The providers whose delivery webhooks are served (see masthead/urls.py).
MASTHEAD_EMAIL_WEBHOOKS = CONFIG.email["webhooks"]
EMAIL_HOST = CONFIG.email["host"]
EMAIL_PORT = CONFIG.email["port"]
EMAIL_HOST_USER = CONFIG.email["user"]
EMAIL_HOST_PASSWORD = CONFIG.email["password"]
EMAIL_USE_TLS = CONFIG.email["use_tls"]
EMAIL_USE_SSL = CONFIG.email["use_ssl"]
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = CONFIG.email["from"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# HTTPS only in production (HTTPS=false to serve plain HTTP, e.g. on a private
# network). Behind a proxy listed in TRUSTED_PROXIES, its X-Forwarded-Proto says
# whether the reader's connection was HTTPS; the proxy must set that header.
SECURE_SSL_REDIRECT = CONFIG.https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.trusted_proxies else None
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_include_subdomains
SECURE_HSTS_PRELOAD = CONFIG.hsts_preload
# Asking browsers to hard-code the site as HTTPS-only (the preload list) is a
# commitment that is slow to undo, so it is opt-in (HSTS_PRELOAD=true) and
# `check --deploy` does not nag about it.
SILENCED_SYSTEM_CHECKS = [] if CONFIG.hsts_preload else ["security.W021"]
# SAMEORIGIN rather than DENY on purpose (below): Wagtail's editor frames
# the site's own pages. Other origins are still refused, here and by the CSP.
SILENCED_SYSTEM_CHECKS.append("security.W019")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Only the site itself may frame its pages: Wagtail's editor shows previews
# and runs its checks on pages in frames.
X_FRAME_OPTIONS = "SAMEORIGIN"
# Content-Security-Policy (django-csp): see masthead/security.py and config._csp.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CONFIG.csp}

# LOG_FORMAT=json (the default with DEBUG off) writes one JSON object per line
# with the request id; text is for reading in a terminal.
LOG_FORMAT = CONFIG.log_format
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "masthead.logs.RequestIdFilter"},
        "expected_refusal": {"()": "masthead.logs.ExpectedRefusal"},
    },
    "formatters": {
        "json": {"()": "masthead.logs.JsonFormatter"},
        "text": {
            "()": "masthead.logs.TextFormatter",
            "format": "%(levelname)s %(request_id)s %(name)s: %(message)s",
        },
        # runserver's own line per request, masked like the rest.
        "server": {"()": "masthead.logs.TextFormatter", "format": "[%(asctime)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        # Wagtail logs every page action and django-tasks every background
        # task at INFO; the audit log in the admin already records the former.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # One line per request with its id, status and time (runserver logs its own).
        "masthead.request": {"level": "WARNING" if DEBUG else "INFO"},
        # Django's defaults give these loggers handlers of their own (a DEBUG
        # console, runserver's access lines) that would write URLs unmasked:
        # Django's lines reach ours through the root, runserver's its own.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # A forged or unsigned provider webhook: refused (400), and a warning.
        "django.security.AnymailWebhookValidationFailure": {"filters": ["expected_refusal"]},
    },
}

# Django sets a maximum of 1000 fields per form; Wagtail's page editor with a
# long StreamField body can exceed it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Masthead"
# No Gravatar: editors' email hashes stay here, and the admin loads nothing
# from other origins (its Content-Security-Policy would block it anyway).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does the dashboard ask wagtail.org for new releases: upgrades are a
# pinned dependency change here, not an editor's prompt.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The site's public address (BASE_URL): admin emails' links, and the default
# Site's hostname and port (`manage.py set_site_address`), from which canonical
# links, feeds, sitemaps and JSON-LD are written.
BASE_URL = CONFIG.base_url
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAILIMAGES_IMAGE_MODEL = "newsroom.CreditedImage"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "masthead.search.admin_backend"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Passwords are set, changed and reset in one place, allauth's pages, with its
# rate limits: not in the admin's account page, its reset flow or its user
# forms. Private pages and documents are for signed-in readers or groups; a
# shared password would be another login form beside allauth's.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# Nor does Wagtail's account page change an editor's email: that skips
# allauth's reauthentication and the notice to the old address, and allauth
# signs in and resets by that field. Addresses change on /accounts/email/.
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

# Readers and editors sign in the same way, through allauth (by email, with
# its verification and rate limits); its backend also answers Django's
# permission checks. No other login form is mounted (masthead/members/signin.py).
# Ours is allauth's with a cheaper read of the account on each request
# (masthead/members/backends.py).
AUTHENTICATION_BACKENDS = ["masthead.members.backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Signed-in sessions end after an idle timeout or a lifetime from sign-in,
# shorter for accounts that open the admin (masthead/members/sessions.py).
MASTHEAD_SESSIONS = CONFIG.sessions
SESSION_COOKIE_AGE = CONFIG.sessions["reader_lifetime"]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# A reader proves the address is theirs with a code we email before the account
# can sign in (one free trial per account means little with made-up addresses).
# EMAIL_VERIFICATION=optional lets unverified readers in (the email still goes).
ACCOUNT_EMAIL_VERIFICATION = CONFIG.email_verification
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# "Email me a sign-in code" on the login page: no password needed.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False  # reset by emailed link
# allauth's default rate limits (sign-up, login, failed logins, codes, reset
# emails) stay on; they count per client address, which the account adapter
# reads with the paywall's one trusted-proxy rule (paywall.readers.client_ip).
ACCOUNT_RATE_LIMITS = {}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# A session alone does not change what keeps the account: adding, removing or
# making an address primary asks for the password again (changing the
# password asks for the old one), as do a private feed address and an API key.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The account's addresses hear of every such change; when the primary address
# changes, the old one is told, and a removed address is told it was removed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Anyone may add an authenticator app (and recovery codes) under
# /accounts/2fa/. An emailed code alone never opens the admin.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Sign-up, login, login-code and reset POSTs answer no sooner than this, so
# a registered address and an unknown one take the same time
# (masthead/members/timing.py; bench/accounts.py measures it).
MASTHEAD_ACCOUNT_ANSWER_FLOOR_MS = CONFIG.account_answer_floor_ms
ACCOUNT_ADAPTER = "masthead.members.adapter.AccountAdapter"
# The newsletters a new account may tick (started once its address is confirmed).
ACCOUNT_SIGNUP_FORM_CLASS = "masthead.newsletters.forms.SignupForm"

# Paywall.
MASTHEAD_METER_STORE = CONFIG.meter_store
MASTHEAD_METER_REDIS_URL = CONFIG.redis_url
MASTHEAD_VISITOR_COOKIE = "mh_visitor"
# A browser's gifts (``readers.grant_gift``): which gift links it opened, for
# how long each lets it read without the link in the address bar.
MASTHEAD_GIFT_COOKIE = "mh_gift"
MASTHEAD_GIFT_GRANT_SECONDS = 24 * 3600
MASTHEAD_TRUSTED_PROXIES = CONFIG.trusted_proxies
MASTHEAD_CRAWLER_RESOLVER = "masthead.paywall.crawlers.SocketResolver"

# Newsroom presentation.
MASTHEAD_ARTICLES_PER_PAGE = 12
MASTHEAD_RELATED_ARTICLES = 4

# The content API: requests a minute per key, and per address without one.
MASTHEAD_API_RATE_PER_KEY = CONFIG.api_rate_per_key
MASTHEAD_API_RATE_PER_ADDRESS = CONFIG.api_rate_per_address

# Reader revenue.
# A subscription whose payment failed keeps access this long (hours).
MASTHEAD_PAST_DUE_GRACE_HOURS = CONFIG.billing["past_due_grace_hours"]
# Payment providers readers can use; the first is the default.
MASTHEAD_PAYMENT_PROVIDERS = CONFIG.billing["providers"]
# The local provider starts subscriptions without taking any payment. It is for
# demos and development, and refuses to run with DEBUG off unless this is set.
MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = CONFIG.billing[
    "local_without_payment_in_production"
]
# Stripe (PAYMENT_PROVIDERS=stripe): the secret API key, and the signing
# secret of the webhook endpoint https://<your site>/billing/stripe/webhook/.
# Each plan's Stripe price id is set on the plan in the admin.
MASTHEAD_STRIPE_SECRET_KEY = CONFIG.billing["stripe_secret_key"]
MASTHEAD_STRIPE_WEBHOOK_SECRET = CONFIG.billing["stripe_webhook_secret"]
# A dotted path to a stripe.HTTPClient class; None uses the library's own.
# The tests put a fake here: Stripe's API is never called from the suite.
MASTHEAD_STRIPE_HTTP_CLIENT = None
# Ad markup shown to readers who are not subscribers (empty: no ads).
MASTHEAD_AD_SLOT_HTML = CONFIG.ad_slot_html
# How long a worker may reuse the content generation it last read (see
# masthead/newsroom/freshness.py): the most an edit can take to reach every worker.
MASTHEAD_FRESHNESS_SECONDS = 1.0
# Whether the gate counts reads and walls for Insights (``INSIGHTS=false`` stops it).
MASTHEAD_INSIGHTS_RECORDING = CONFIG.insights
# Background jobs (django.tasks): Wagtail's own run at once, in the request
# ("default"); newsletter sends are stored in the database and run by
# `manage.py db_worker --backend background` (`make run` starts one).
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["newsletters"]},
}
# How often each process writes the wall and read counts it holds (``insights.record``).
MASTHEAD_INSIGHTS_FLUSH_SECONDS = 10.0
# How long raw sightings (readers by keyed digest) are kept: the longest
# attribution window plus a day.
MASTHEAD_INSIGHTS_RAW_DAYS = 31
