from django.apps import AppConfig


class PaywallConfig(AppConfig):
    name = "masthead.paywall"
    label = "paywall"
    verbose_name = "Paywall"

    def ready(self):
        from masthead.paywall import signals  # noqa: F401  (connects the login hook)
