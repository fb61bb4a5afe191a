"""`manage.py check --deploy` fails when, with DEBUG off, readers could not pay
real money for a subscription (masthead.billing.E004)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from masthead.billing.checks import checkout_takes_money

LIVE = {"key": "sk_live_example", "webhook": "whsec_example"}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.MASTHEAD_PAYMENT_PROVIDERS = ["stripe"]
    settings.MASTHEAD_STRIPE_SECRET_KEY = LIVE["key"]
    settings.MASTHEAD_STRIPE_WEBHOOK_SECRET = LIVE["webhook"]
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = False
    return settings


def e004():
    found = [m for m in checkout_takes_money(None) if m.id == "masthead.billing.E004"]
    assert len(found) <= 1
    return found[0] if found else None


def test_live_stripe_as_the_checkout_passes(production):
    assert checkout_takes_money(None) == []
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert not {i for i in ids if i.startswith("masthead.billing.")}
    production.MASTHEAD_STRIPE_SECRET_KEY = "rk_live_restricted"  # a restricted live key
    assert checkout_takes_money(None) == []


def test_only_the_local_provider_is_an_error_with_a_way_out(production):
    production.MASTHEAD_PAYMENT_PROVIDERS = ["local"]
    error = e004()
    assert error is not None and error.is_serious()
    assert "PAYMENT_PROVIDERS=local" in error.msg and "takes no payment" in error.msg
    assert "PAYMENT_PROVIDERS=stripe" in error.hint and "sk_live_" in error.hint
    assert "STRIPE_WEBHOOK_SECRET" in error.hint


def test_the_test_server_flag_does_not_silence_it(production):
    """LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION lets a test server run the local
    provider with DEBUG off; such a server is still not one to deploy."""
    production.MASTHEAD_PAYMENT_PROVIDERS = ["local"]
    production.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True
    assert e004() is not None
    with pytest.raises(SystemCheckError) as caught:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert "masthead.billing.E004" in str(caught.value)
    assert "masthead.billing.E001" in str(caught.value)


def test_local_first_is_an_error_even_with_stripe_configured_second(production):
    production.MASTHEAD_PAYMENT_PROVIDERS = ["local", "stripe"]
    assert "check out with the local provider" in e004().msg
    production.MASTHEAD_PAYMENT_PROVIDERS = ["stripe", "local"]  # local kept for old subscriptions
    assert e004() is None


@pytest.mark.parametrize(
    ("key", "webhook", "reason"),
    [
        ("", LIVE["webhook"], "STRIPE_SECRET_KEY is not set"),
        ("sk_test_abc", LIVE["webhook"], "not a live key"),
        ("rk_test_abc", LIVE["webhook"], "not a live key"),
        (LIVE["key"], "", "STRIPE_WEBHOOK_SECRET is not set"),
    ],
)
def test_stripe_that_cannot_charge_a_real_card_is_an_error(production, key, webhook, reason):
    production.MASTHEAD_STRIPE_SECRET_KEY = key
    production.MASTHEAD_STRIPE_WEBHOOK_SECRET = webhook
    error = e004()
    assert error is not None and reason in error.msg
    with pytest.raises(SystemCheckError, match="masthead.billing.E004"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_no_provider_at_all_is_an_error(production):
    production.MASTHEAD_PAYMENT_PROVIDERS = []
    assert "names no provider" in e004().msg


def test_the_demo_and_plain_checks_are_left_alone(production):
    production.MASTHEAD_PAYMENT_PROVIDERS = ["local"]
    ids = {m.id for m in run_checks(include_deployment_checks=False)}
    assert "masthead.billing.E004" not in ids  # only `check --deploy` asks
    production.DEBUG = True
    assert checkout_takes_money(None) == []


def test_a_test_server_still_starts_but_check_deploy_fails():
    """What tests/deployment and bench run: DEBUG off, the local provider forced on.
    `manage.py check` (what starting a server runs) passes; `check --deploy` fails."""
    leave_out = {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in leave_out}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "test-server-" + "k9" * 30,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION": "true",
        }
    )
    env.pop("PAYMENT_PROVIDERS", None)
    root = Path(__file__).resolve().parents[2]

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], env=env, cwd=root, capture_output=True, text=True
        )

    plain = manage("check")
    assert plain.returncode == 0, plain.stderr
    deploy = manage("check", "--deploy")
    assert deploy.returncode != 0
    assert "masthead.billing.E004" in deploy.stderr
