"""Experiments as an editor makes them, and browsers placed in a chosen variant."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from masthead.newsroom import freshness
from masthead.offers import arms
from masthead.offers.models import Experiment, Variant
from masthead.paywall import readers


def experiment(*variants: dict, wall="subscribe", start=True, **fields) -> Experiment:
    """An experiment with these variants (each a dict of Variant fields, with
    ``name`` and ``share``), started unless asked not to."""
    made = Experiment.objects.create(
        site=Site.objects.get(is_default_site=True), name="Test offers", wall=wall, **fields
    )
    for order, values in enumerate(variants):
        values = dict(values)
        plans = values.pop("plans", ())
        variant = Variant.objects.create(experiment=made, sort_order=order, **values)
        if plans:
            variant.plans.set(plans)
            variant.save()
    if start:
        made.status, made.started_at = Experiment.RUNNING, timezone.now()
        made.save()
    freshness.forget()
    return made


def visitor_in(made: Experiment, variant_name: str) -> str:
    """A visitor id whose hash places it in ``variant_name``."""
    running = arms.load(made.site_id)
    for _ in range(10_000):
        visitor = secrets.token_urlsafe(16)
        if running.for_browser(visitor).name == variant_name:
            return visitor
    raise AssertionError(f"no visitor lands in {variant_name}")


def browser(visitor_id: str, client: Client | None = None) -> Client:
    """A browser carrying this signed visitor id, as the site would have set it."""
    client = client or Client()
    response = HttpResponse()
    response.set_signed_cookie(
        settings.MASTHEAD_VISITOR_COOKIE, visitor_id, salt=readers.VISITOR_SALT
    )
    client.cookies[settings.MASTHEAD_VISITOR_COOKIE] = response.cookies[
        settings.MASTHEAD_VISITOR_COOKIE
    ].value
    return client


def browser_in(made: Experiment, variant_name: str, client: Client | None = None) -> Client:
    return browser(visitor_in(made, variant_name), client)
