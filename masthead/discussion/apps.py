from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "masthead.discussion"
    label = "discussion"
    verbose_name = "Discussion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from masthead.discussion import section

        section.connect()
