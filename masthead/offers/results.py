"""What an experiment found, per variant, and the conversions it is owed.

A reader is **exposed** when the gate decides a metered or subscribers-only
page for them while the experiment runs and they are a reader its wall can
be shown to (``arms.exposes``); every exposed reader counts, whether or not
they went on to meet the wall, so the variants are compared on everyone they
were shown to. Registrations, trial starts and paid starts count the exposed
readers who made one after their first exposure and before the experiment
ended, once each. Definitions: ``docs/insights.md``.

A variant is **called better** (or worse) than the first variant, the
control, on the experiment's goal only when every variant has at least the
experiment's minimum of exposed readers and the two-proportion test gives
p below 0.05 divided by the number of comparisons (Bonferroni): with six
variants, five looks at the same data would otherwise find a "winner" by
chance one time in five.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum

from masthead.offers.models import Assignment, Experiment, ExperimentConversion, Exposure
from masthead.offers.stats import Difference, Share, difference

KINDS = (Experiment.REGISTRATION, Experiment.TRIAL, Experiment.PAID)
ALPHA = 0.05


@dataclass
class VariantResult:
    variant: object
    readers: int = 0  # exposed readers
    walled_readers: int = 0
    impressions: int = 0  # wall impressions
    shares: dict[str, Share] = field(default_factory=dict)
    versus: dict[str, Difference | None] = field(default_factory=dict)  # vs the control
    verdict: str = ""  # "better", "worse" or "" on the goal

    @property
    def control(self) -> bool:
        return not self.versus


@dataclass
class Report:
    experiment: Experiment
    variants: list[VariantResult]
    threshold: float  # the p-value below which a difference is called
    enough: bool  # every variant has the minimum of readers

    @property
    def best(self) -> VariantResult | None:
        better = [result for result in self.variants if result.verdict == "better"]
        goal = self.experiment.goal
        return max(better, key=lambda result: result.shares[goal].rate, default=None)

    @property
    def fewest_readers(self) -> int:
        return min((result.readers for result in self.variants), default=0)


def report(experiment: Experiment) -> Report:
    variants = list(experiment.variants.all())
    results = {variant.pk: VariantResult(variant) for variant in variants}
    exposures = (
        Exposure.objects.filter(experiment=experiment)
        .values("variant_id")
        .annotate(
            readers=Count("pk"),
            walled=Count("pk", filter=Q(walls__gt=0)),
            impressions=Sum("walls"),
        )
    )
    for row in exposures:
        result = results.get(row["variant_id"])
        if result is not None:
            result.readers = row["readers"]
            result.walled_readers = row["walled"]
            result.impressions = row["impressions"] or 0
    converted: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        ExperimentConversion.objects.filter(experiment=experiment, kind__in=KINDS)
        .values("variant_id", "kind")
        .annotate(readers=Count("reader", distinct=True))
    )
    for row in rows:
        converted[row["variant_id"], row["kind"]] = row["readers"]
    for result in results.values():
        for kind in KINDS:
            result.shares[kind] = Share(
                min(converted[result.variant.pk, kind], result.readers), result.readers
            )
    ordered = [results[variant.pk] for variant in variants]
    comparisons = max(len(ordered) - 1, 1)
    threshold = ALPHA / comparisons
    enough = bool(ordered) and all(result.readers >= experiment.min_readers for result in ordered)
    if ordered:
        control = ordered[0]
        for result in ordered[1:]:
            for kind in KINDS:
                result.versus[kind] = difference(result.shares[kind], control.shares[kind])
            found = result.versus[experiment.goal]
            if enough and found is not None and found.p < threshold and found.difference:
                result.verdict = "better" if found.difference > 0 else "worse"
    return Report(experiment, ordered, threshold, enough)


def attribute(conversion, user_id: int | None, digests: list[str]) -> int:
    """Tie a new registration, trial or paid start to the variant of every
    experiment running at its moment that had exposed its reader before it:
    the account's kept variant if that reader was exposed, else the first
    exposure of any browser the reader is known by (``digests``). Runs in
    the conversion's own transaction, and again by the Insights chore for
    the last day's conversions (an exposure another worker still held in
    memory when the conversion was written is in the database by then).
    Returns how many it newly tied."""
    if conversion.kind not in KINDS:
        return 0
    at = conversion.at
    running = Experiment.objects.filter(started_at__lte=at).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=at)
    )
    tied = 0
    for experiment_id in running.values_list("pk", flat=True):
        exposures = Exposure.objects.filter(experiment_id=experiment_id, first_at__lte=at)
        found = None
        if user_id is not None:
            kept = Assignment.objects.filter(experiment_id=experiment_id, user_id=user_id)
            found = exposures.filter(reader__in=kept.values("reader")).first()
        if found is None and digests:
            found = exposures.filter(reader__in=digests).order_by("first_at", "pk").first()
        if found is None:
            continue
        with transaction.atomic():
            _, created = ExperimentConversion.objects.get_or_create(
                experiment_id=experiment_id,
                conversion=conversion,
                defaults={
                    "variant_id": found.variant_id,
                    "kind": conversion.kind,
                    "reader": found.reader,
                    "at": at,
                },
            )
        tied += created
    return tied
