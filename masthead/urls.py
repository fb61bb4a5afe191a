from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from masthead import health
from masthead.newsroom import views as newsroom_views

handler500 = "masthead.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("billing/", include("masthead.billing.urls")),
    path("discussion/", include("masthead.discussion.urls")),
    path("", include("masthead.syndication.urls")),
    path("api/v1/", include("masthead.api.urls")),
    path("", include("masthead.members.urls")),
    path("", include("masthead.newsroom.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

if settings.SERVE_MEDIA:
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

# Wagtail serves everything not matched above; it must come last. Its page
# view is wrapped by newsroom's, which answers article pages from cache.
urlpatterns += [
    pattern for pattern in wagtail_urls.urlpatterns if pattern.name != "wagtail_serve"
] + [re_path(wagtail_urls.serve_pattern, newsroom_views.serve, name="wagtail_serve")]
