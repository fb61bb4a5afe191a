from anymail import urls as anymail_urls
from django.conf import settings
from django.urls import include, path

from masthead.newsletters import views


def webhooks():
    """The delivery webhook of each provider in use (``/anymail/<provider>/tracking/``),
    checked by django-anymail; none is served without its secret (config.py)."""
    wanted = {f"{provider}_tracking_webhook" for provider in settings.MASTHEAD_EMAIL_WEBHOOKS}
    return [pattern for pattern in anymail_urls.urlpatterns if pattern.name in wanted]


urlpatterns = [
    path("newsletters/", views.join, name="newsletters"),
    path("newsletters/confirm/<str:token>/", views.confirm, name="newsletter_confirm"),
    path("newsletters/unsubscribe/<str:token>/", views.unsubscribe, name="newsletter_unsubscribe"),
    path("newsletters/preferences/<str:token>/", views.preferences, name="newsletter_preferences"),
    path("anymail/", include((webhooks(), "anymail"))),
]
