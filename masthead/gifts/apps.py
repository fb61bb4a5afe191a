from django.apps import AppConfig


class GiftsConfig(AppConfig):
    name = "masthead.gifts"
    label = "gifts"
    verbose_name = "Gift articles"
    default_auto_field = "django.db.models.BigAutoField"
