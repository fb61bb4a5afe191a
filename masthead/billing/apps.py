from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "masthead.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self):
        from masthead.billing import checks  # noqa: F401  (registers the deploy check)
