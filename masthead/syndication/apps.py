from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "masthead.syndication"
    label = "syndication"
    verbose_name = "Feeds and sitemaps"
    default_auto_field = "django.db.models.BigAutoField"
