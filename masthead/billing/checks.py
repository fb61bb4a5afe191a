from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Stripe keys that charge real cards: secret and restricted keys in live mode.
LIVE_STRIPE_KEYS = ("sk_live_", "rk_live_")


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


def _why_checkout_takes_no_money() -> list[str]:
    """What stops the checkout provider (the first in PAYMENT_PROVIDERS) from
    charging a real card; empty when it can."""
    providers = settings.MASTHEAD_PAYMENT_PROVIDERS
    if not providers:
        return ["PAYMENT_PROVIDERS names no provider"]
    if providers[0] != "stripe":
        return [f"readers check out with the {providers[0]} provider, which takes no payment"]
    reasons = []
    key = settings.MASTHEAD_STRIPE_SECRET_KEY
    if not key:
        reasons.append("STRIPE_SECRET_KEY is not set")
    elif not key.startswith(LIVE_STRIPE_KEYS):
        reasons.append("STRIPE_SECRET_KEY is not a live key (sk_live_… or rk_live_…)")
    if not settings.MASTHEAD_STRIPE_WEBHOOK_SECRET:
        reasons.append("STRIPE_WEBHOOK_SECRET is not set, so payments would never be recorded")
    return reasons


@register(Tags.security, deploy=True)
def checkout_takes_money(app_configs, **kwargs):
    """`manage.py check --deploy` fails unless, with DEBUG off, new subscriptions
    are paid for with real money.

    LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION does not silence this: it lets
    test servers (tests/deployment, bench) run the local provider with DEBUG off,
    and such a server is not one to deploy. gunicorn does not run deploy checks,
    so those servers still start.
    """
    if settings.DEBUG:
        return []
    reasons = _why_checkout_takes_no_money()
    if not reasons:
        return []
    providers = ",".join(settings.MASTHEAD_PAYMENT_PROVIDERS)
    return [
        Error(
            f"No payment provider can take real money (PAYMENT_PROVIDERS={providers}): "
            + "; ".join(reasons)
            + ".",
            hint="Set PAYMENT_PROVIDERS=stripe (first, if more than one), STRIPE_SECRET_KEY "
            "to a live key (sk_live_…) and STRIPE_WEBHOOK_SECRET to the signing secret "
            "(whsec_…) of the endpoint https://<your site>/billing/stripe/webhook/.",
            id="masthead.billing.E004",
        )
    ]
