"""Which variant of the running experiment a reader is shown: decided on the
server, the same on every request and every server.

- A browser's variant comes from a keyed hash (BLAKE2b, keyed by the
  experiment's own seed) of its visitor id, which ``paywall.readers`` read
  from the signed visitor cookie: nothing is stored, nothing is asked of the
  browser, and a forged cookie is only a new visitor with a fresh meter.
- An account keeps the variant of the browser it first signed in (or read)
  with while the experiment ran (``Assignment``), on every device.

The running experiment of a site is read once per content generation (any
change to an experiment, a variant or a plan makes a new one), so a change
reaches every server with the generation, like any setting.

An ``Arm`` is what the gate needs of a variant: its words for the wall (the
template shows them only on the experiment's own wall, and the cached
wall's key names the arm), its plans, and the two allowances, already held
within the publisher's bounds. ``rules`` is the only change it makes to the
policy's input: a number of free articles. Who may read a subscribers-only
article, or past a teaser, is never the variant's to say.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from masthead.insights import record
from masthead.localcache import LocalCache
from masthead.newsroom import freshness
from masthead.offers.models import BUCKETS, REGISTER, Assignment, Experiment
from masthead.paywall.models import PaywallSettings
from masthead.paywall.policy import ReaderStatus, Rules
from masthead.paywall.readers import identify, read_visitor_id

# The readers an experiment is for: those the walls are for.
OFFERED = (ReaderStatus.ANONYMOUS, ReaderStatus.REGISTERED)


@dataclass(frozen=True)
class PlanOffer:
    slug: str
    name: str
    price_label: str
    trial_days: int


@dataclass(frozen=True)
class Arm:
    experiment_id: int
    variant_id: int
    wall: str  # the wall whose words it changes: "register" or "subscribe"
    name: str
    headline: str = ""
    pitch: str = ""
    offer_line: str = ""
    button_label: str = ""
    trial_label: str = ""
    plan_slugs: tuple[str, ...] = ()  # the plans page's plans; empty: every plan on offer
    highlighted: str = ""  # the recommended plan's slug
    anonymous_allowance: int | None = None
    registered_allowance: int | None = None

    @property
    def key(self) -> str:
        """Names the arm in a cached wall's key."""
        return f"x{self.experiment_id}v{self.variant_id}"

    def rules(self, rules: Rules) -> Rules:
        """The site's rules with this variant's allowances: the one change a
        variant makes to who reads what."""
        changes = {}
        if self.anonymous_allowance is not None:
            changes["anonymous_allowance"] = self.anonymous_allowance
        if self.registered_allowance is not None:
            changes["registered_allowance"] = self.registered_allowance
        return replace(rules, **changes) if changes else rules


@dataclass(frozen=True)
class Running:
    """A site's running experiment, as the gate needs it."""

    experiment_id: int
    wall: str
    seed: bytes
    arms: tuple[Arm, ...]
    upper: tuple[int, ...]  # each arm's last bucket + 1, in order

    def bucket(self, visitor_id: str) -> int:
        digest = hashlib.blake2b(visitor_id.encode(), key=self.seed, digest_size=8).digest()
        return int.from_bytes(digest, "big") % BUCKETS

    def for_browser(self, visitor_id: str) -> Arm:
        bucket = self.bucket(visitor_id)
        for arm, upper in zip(self.arms, self.upper, strict=True):
            if bucket < upper:
                return arm
        return self.arms[-1]

    def arm(self, variant_id: int) -> Arm | None:
        for arm in self.arms:
            if arm.variant_id == variant_id:
                return arm
        return None


@dataclass(frozen=True)
class Placed:
    """A reader's arm, and the reader the experiment counts them as."""

    arm: Arm
    reader: str  # "v:<visitor id>" (a browser), or an account's kept digest


def exposes(placed: Placed, status: ReaderStatus) -> bool:
    """Whether a reader of this kind is one the experiment counts: one who
    can meet its wall (the registration wall is only ever shown to readers
    without an account)."""
    return status == ReaderStatus.ANONYMOUS or placed.arm.wall != REGISTER


# Per content generation and site: the running experiment, or NONE.
NONE = "none"
_running = LocalCache(64)


def running(request, site_id: int) -> Running | None:
    key = f"{freshness.current(request)}:{site_id}"
    found = _running.get(key)
    if found is None:
        found = load(site_id) or NONE
        _running.set(key, found)
    return None if found is NONE else found


def load(site_id: int) -> Running | None:
    experiment = (
        Experiment.objects.filter(site_id=site_id, status=Experiment.RUNNING)
        .prefetch_related("variants__plans", "variants__highlighted_plan")
        .first()
    )
    if experiment is None:
        return None
    variants = list(experiment.variants.all())
    if not variants:
        return None
    paywall = PaywallSettings.for_site(experiment.site)
    arms, upper, total = [], [], 0
    for variant in variants:
        arms.append(arm_of(experiment, variant, paywall))
        total += variant.share * BUCKETS // 100
        upper.append(total)
    return Running(
        experiment.pk, experiment.wall, bytes.fromhex(experiment.seed), tuple(arms), tuple(upper)
    )


def within(value: int | None, paywall) -> int | None:
    """An allowance held within the publisher's bounds (None stays None: the site's)."""
    if value is None:
        return None
    return min(max(value, paywall.experiment_allowance_min), paywall.experiment_allowance_max)


def arm_of(experiment, variant, paywall) -> Arm:
    highlighted = variant.highlighted_plan
    return Arm(
        experiment_id=experiment.pk,
        variant_id=variant.pk,
        wall=experiment.wall,
        name=variant.name,
        headline=variant.headline,
        pitch=variant.pitch,
        offer_line=variant.offer_line,
        button_label=variant.button_label,
        trial_label=variant.trial_label,
        plan_slugs=tuple(
            plan.slug
            for plan in sorted(variant.plans.all(), key=lambda p: (p.sort_order, p.price_minor))
        ),
        highlighted=highlighted.slug if highlighted is not None else "",
        anonymous_allowance=within(variant.anonymous_allowance, paywall),
        registered_allowance=within(variant.registered_allowance, paywall),
    )


def for_request(request) -> Arm | None:
    """The arm this request's reader is shown on this site, for a page
    beyond the article (the plans page)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    placed = place(request, identify(request), site.pk)
    return placed.arm if placed is not None else None


def place(request, reader, site_id: int) -> Placed | None:
    """The arm this reader is shown, or None (no experiment running, or a
    reader the walls are not for: a subscriber, an editor, a crawler)."""
    if reader.status not in OFFERED or not reader.visitor_id:
        return None
    experiment = running(request, site_id)
    if experiment is None:
        return None
    if reader.user_id is None:
        return Placed(experiment.for_browser(reader.visitor_id), f"v:{reader.visitor_id}")
    return account_placed(
        experiment, reader.user_id, reader.visitor_id, keep=request.method == "GET"
    )


# (experiment, account) → (variant id, reader): an assignment never changes
# while its experiment runs, so each worker keeps the ones it has read.
_assigned = LocalCache(50_000)


def account_placed(experiment: Running, user_id: int, visitor_id: str, keep: bool) -> Placed:
    key = f"{experiment.experiment_id}:{user_id}"
    found = _assigned.get(key)
    if found is None:
        found = (
            Assignment.objects.filter(experiment_id=experiment.experiment_id, user_id=user_id)
            .values_list("variant_id", "reader")
            .first()
        )
        if found is None:
            arm = experiment.for_browser(visitor_id)
            found = (arm.variant_id, record.digest(f"v:{visitor_id}"))
            if not keep:  # a look (HEAD) stores nothing
                return Placed(arm, found[1])
            found = _assign(experiment.experiment_id, user_id, *found)
        _assigned.set(key, found)
    variant_id, reader = found
    arm = experiment.arm(variant_id) or experiment.for_browser(visitor_id)
    return Placed(arm, reader)


def _assign(experiment_id: int, user_id: int, variant_id: int, reader: str) -> tuple[int, str]:
    """Keep an account's variant; the first of two racing requests wins."""
    try:
        with transaction.atomic():
            Assignment.objects.create(
                experiment_id=experiment_id,
                user_id=user_id,
                variant_id=variant_id,
                reader=reader,
                at=timezone.now(),
            )
    except IntegrityError:
        return (
            Assignment.objects.filter(experiment_id=experiment_id, user_id=user_id)
            .values_list("variant_id", "reader")
            .get()
        )
    return variant_id, reader


def signed_in(sender=None, request=None, user=None, **kwargs) -> None:
    """A browser signing in (or signing up) takes its variant into the
    account, unless the account has one already."""
    if request is None or user is None:
        return
    visitor_id = read_visitor_id(request)
    if not visitor_id:
        return
    site = Site.find_for_request(request)
    if site is None:
        return
    experiment = running(request, site.pk)
    if experiment is not None:
        account_placed(experiment, user.pk, visitor_id, keep=True)
