"""Offer experiments: what the wall says, tried on readers and measured.

An ``Experiment`` runs on one wall of one site (the registration wall or the
subscribe wall) with two to six ``Variant``\\s, each shown to its share of
readers. A variant may change the wall's words, the offer line, the plans
the plans page shows and the one it highlights, the trial button and the
allowance (within the publisher's bounds, ``PaywallSettings``) — never who
may read what beyond that allowance: the policy only ever sees a number of
free articles (``offers.arms``).

A reader's variant is decided on the server: for a browser, from a keyed
hash of its signed visitor id, so it is the same on every request and every
server without being stored; for an account, the browser's variant when it
first signs in (or reads) during the experiment, kept as an ``Assignment``
so the account keeps it on every device. ``Exposure`` counts each exposed
reader once per experiment (``insights.record`` writes them), and
``ExperimentConversion`` ties a registration, trial or paid start
(``insights.Conversion``) to the variant its reader was shown.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable, Site

from masthead.members.models import Plan

REGISTER, SUBSCRIBE = "register", "subscribe"
WALLS = [(REGISTER, "Registration wall"), (SUBSCRIBE, "Subscribe wall")]
MIN_VARIANTS, MAX_VARIANTS = 2, 6
# Shares are whole per cents; readers are placed in ten thousand buckets.
BUCKETS = 10_000


def new_seed() -> str:
    return secrets.token_hex(16)


class Experiment(ClusterableModel):
    DRAFT, RUNNING, ENDED = "draft", "running", "ended"
    STATUSES = [(DRAFT, "Draft"), (RUNNING, "Running"), (ENDED, "Ended")]
    REGISTRATION, TRIAL, PAID = "registration", "trial", "paid"
    GOALS = [
        (REGISTRATION, "Registrations"),
        (TRIAL, "Trial starts"),
        (PAID, "Paid starts"),
    ]

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    wall = models.CharField(max_length=9, choices=WALLS, default=SUBSCRIBE)
    goal = models.CharField(
        max_length=12,
        choices=GOALS,
        default=PAID,
        help_text="What makes a variant better: the share of its readers who do this.",
    )
    min_readers = models.PositiveIntegerField(
        "minimum readers per variant",
        default=1000,
        help_text="No variant is called better before every variant has been shown to "
        "this many readers.",
    )
    status = models.CharField(max_length=7, choices=STATUSES, default=DRAFT, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    winner = models.ForeignKey(
        "Variant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # The key of the hash that places browsers: its own per experiment, so
    # two experiments split readers independently.
    seed = models.CharField(max_length=32, default=new_seed, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(status="running"), name="one_running_experiment"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def started(self) -> bool:
        """Started once (running or ended): its split can no longer change."""
        return self.started_at is not None


class Variant(Orderable, ClusterableModel):
    experiment = ParentalKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=60, help_text="e.g. “Today's wall” or “Shorter pitch”.")
    share = models.PositiveSmallIntegerField(
        "share of readers (%)", default=50, help_text="Shares of all variants add up to 100."
    )
    headline = models.CharField(
        max_length=160,
        blank=True,
        help_text="The wall's headline for a reader whose free articles are spent (a "
        "subscribers-only article keeps the site's own).",
    )
    pitch = models.TextField(blank=True)
    offer_line = models.CharField(
        max_length=160, blank=True, help_text="Subscribe wall only: the offer under the pitch."
    )
    button_label = models.CharField(
        max_length=60, blank=True, help_text="The main button: Create a free account, Subscribe."
    )
    trial_label = models.CharField(
        max_length=60, blank=True, help_text="Subscribe wall only: the free-trial button."
    )
    plans = ParentalManyToManyField(
        Plan,
        blank=True,
        related_name="+",
        limit_choices_to={"active": True},  # plans on offer, which the plans page shows anyone
        help_text="Subscribe wall only: the plans the plans page offers (none chosen: all).",
    )
    highlighted_plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"active": True},
        help_text="Subscribe wall only: the plan the plans page recommends.",
    )
    anonymous_allowance = models.PositiveSmallIntegerField(
        "free articles without an account",
        null=True,
        blank=True,
        help_text="Empty: the site's. Within the bounds set in Settings → Paywall.",
    )
    registered_allowance = models.PositiveSmallIntegerField(
        "free articles with an account",
        null=True,
        blank=True,
        help_text="Empty: the site's. Within the bounds set in Settings → Paywall.",
    )

    def __str__(self):
        return self.name

    def clean(self):
        if self.share is not None and not 1 <= self.share <= 100:
            raise ValidationError({"share": "A share is 1 to 100 per cent."})


class Assignment(models.Model):
    """The variant an account was placed in: its first browser's, kept so the
    account sees it on every device until the experiment ends."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The reader the experiment counts: the digest of the browser the
    # variant came from (``insights.record.digest``), so a browser that
    # registers stays one exposed reader.
    reader = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "user"], name="one_assignment")
        ]

    def __str__(self):
        return f"An account in {self.variant}"


class Exposure(models.Model):
    """A reader shown an experiment: the first and last page the gate decided
    for them while it ran, the pages, and how often they met its wall."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    reader = models.CharField(max_length=32)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    pages = models.PositiveIntegerField(default=0)
    walls = models.PositiveIntegerField(default=0)  # impressions of the experiment's wall

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "reader"], name="one_exposure")
        ]

    def __str__(self):
        return f"A reader of {self.variant}"


class ExperimentConversion(models.Model):
    """A registration, trial or paid start by a reader an experiment exposed
    before it, in the variant that reader was shown."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    conversion = models.ForeignKey(
        "insights.Conversion", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12)
    reader = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "conversion"], name="one_conversion_per_experiment"
            )
        ]

    def __str__(self):
        return f"{self.kind} in {self.variant}"
