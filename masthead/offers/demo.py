"""The demo's offer experiment: a draft on the subscribe wall, ready to be
started from its report (Offer experiments in the admin), so that whoever
tries the demo sees two browsers meet two different walls."""

from __future__ import annotations

from collections import Counter

from wagtail.models import Site

from masthead.members.models import Plan
from masthead.offers.models import Experiment, Variant

NAME = "Demo: a plainer pitch against today's wall"


def load() -> Counter:
    created = Counter()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None or Experiment.objects.filter(name=NAME).exists():
        return created
    experiment = Experiment.objects.create(
        site=site,
        name=NAME,
        wall="subscribe",
        goal=Experiment.TRIAL,
        min_readers=500,
    )
    Variant.objects.create(experiment=experiment, name="Today's wall", share=50, sort_order=0)
    yearly = Plan.objects.filter(active=True, interval=Plan.YEAR).order_by("price_minor").first()
    Variant.objects.create(
        experiment=experiment,
        name="Plainer pitch",
        share=50,
        sort_order=1,
        headline="You have read your free articles for today",
        pitch="We report from where decisions are made, and readers pay for it. "
        "Join them and read every story, without ads.",
        trial_label="Read free for 14 days",
        highlighted_plan=yearly,
    )
    created["offer experiments"] += 1
    return created
