from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def local_billing_in_production(app_configs, **kwargs):
    """`manage.py check --deploy` fails if readers could subscribe without paying."""
    if (
        "local" in settings.MASTHEAD_PAYMENT_PROVIDERS
        and not settings.DEBUG
        and settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION
    ):
        return [
            Error(
                "The local payment provider is enabled in production: readers can subscribe "
                "without paying.",
                hint="Unset LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION; take payments through "
                "a real payment provider.",
                id="masthead.billing.E001",
            )
        ]
    return []
