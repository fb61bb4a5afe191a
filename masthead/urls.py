from allauth.account import views as allauth_views
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from masthead import health, media
from masthead.members import signin
from masthead.newsletters import views as newsletters_views
from masthead.newsroom import views as newsroom_views

handler500 = "masthead.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # One way in: the editors' admin signs in through allauth like everyone
    # else (verification, rate limits). Wagtail's own login form, its
    # front-end login under /_util/ and shared-password forms are not mounted.
    path("admin/login/", signin.admin_login, name="wagtailadmin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(signin.without_password_forms(wagtaildocs_urls.urlpatterns))),
    path("api/v1/", include("masthead.api.urls")),
]

# Static files are WhiteNoise's, in development too (`make run` starts the
# development server with --nostatic): one way to serve them everywhere.
if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            media.serve_media,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

# What readers read, in the site's language at its own address and in each
# other language the site offers under /<code>/ (LANGUAGES; the prefix alone
# chooses, see masthead.locales.AddressLanguage). The admin, the API, feeds'
# and health checks keep one address.
urlpatterns += i18n_patterns(
    # allauth's sign-up, ticking the newsletters the registration wall named.
    path("accounts/signup/", newsletters_views.signup_view, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    # Wagtail reverses this name for pages restricted to signed-in readers
    # (even with WAGTAIL_FRONTEND_LOGIN_URL set): it is allauth's login page.
    path("accounts/login/", allauth_views.login, name="wagtailcore_login"),
    path("billing/", include("masthead.billing.urls")),
    path("discussion/", include("masthead.discussion.urls")),
    path("", include("masthead.syndication.urls")),
    path("", include("masthead.members.urls")),
    path("", include("masthead.gifts.urls")),
    path("", include("masthead.newsletters.urls")),
    path("", include("masthead.search.urls")),
    path("", include("masthead.newsroom.urls")),
    # Wagtail serves everything not matched above; it must come last. Its
    # page view is wrapped by newsroom's, which answers article pages from
    # cache. Of its other front-end routes (a login form, a shared-password
    # form) none is kept. Each language's pages are its own tree in Wagtail.
    re_path(wagtail_urls.serve_pattern, newsroom_views.serve, name="wagtail_serve"),
    prefix_default_language=False,
)
