from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "masthead.search"
    label = "search"
    verbose_name = "Site search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from masthead.search import index

        index.connect(self)
