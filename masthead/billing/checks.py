from django.conf import settings
from django.core.checks import Error, Warning, register


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


@register(deploy=True)
def stripe_configured(app_configs, **kwargs):
    """With Stripe enabled, both its secrets must be set, and be live ones."""
    if "stripe" not in settings.MASTHEAD_PAYMENT_PROVIDERS:
        return []
    problems = []
    key = settings.MASTHEAD_STRIPE_SECRET_KEY
    if not key:
        problems.append(
            Error(
                "PAYMENT_PROVIDERS includes stripe but STRIPE_SECRET_KEY is not set.",
                hint="Copy the secret key (sk_live_…) from Stripe's dashboard: "
                "Developers → API keys.",
                id="masthead.billing.E002",
            )
        )
    if not settings.MASTHEAD_STRIPE_WEBHOOK_SECRET:
        problems.append(
            Error(
                "PAYMENT_PROVIDERS includes stripe but STRIPE_WEBHOOK_SECRET is not set: "
                "Masthead would never hear of payments.",
                hint="Add the endpoint https://<your site>/billing/stripe/webhook/ in Stripe's "
                "dashboard and copy its signing secret (whsec_…).",
                id="masthead.billing.E003",
            )
        )
    if key.startswith(("sk_test_", "rk_test_")) and not settings.DEBUG:
        problems.append(
            Warning(
                "STRIPE_SECRET_KEY is a test-mode key: no real payment will be taken.",
                id="masthead.billing.W001",
            )
        )
    return problems
