"""An experiment's report in Insights, and what an editor does with it:
start, stop, and make a variant the site's default (which ends it).

``/admin/insights/experiments/`` lists them; ``<id>/`` is the report. The
report is for staff who may see Insights or the experiments; starting and
stopping need "Can change experiment"; making a variant the default changes
the site's paywall and publication settings (and may take plans off offer),
so it needs the permissions for those too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.defaults import permission_denied

from masthead import inputs
from masthead.admin_roles import may_list
from masthead.members.models import Plan
from masthead.newsroom import freshness
from masthead.newsroom.models import PublicationSettings
from masthead.offers import arms, results
from masthead.offers.models import REGISTER, Experiment, Variant
from masthead.paywall.models import PaywallSettings

CHANGE = "offers.change_experiment"
# Making a variant the default writes these too.
DEFAULT_NEEDS = (
    CHANGE,
    "paywall.change_paywallsettings",
    "newsroom.change_publicationsettings",
    "members.change_plan",
)


def may_read(user) -> bool:
    return user.has_perm("insights.view_insights") or may_list(user, Experiment)


def _refused(request, needs=None):
    """A 403 for staff without the permission (the admin's own PermissionDenied
    would redirect to its front page)."""
    allowed = may_read(request.user) if needs is None else request.user.has_perms(needs)
    if allowed:
        return None
    return permission_denied(
        request, PermissionDenied("This needs a permission your account does not have.")
    )


def _experiment(pk) -> Experiment:
    pk = inputs.object_id(pk)
    experiment = Experiment.objects.filter(pk=pk).select_related("site", "winner").first()
    if experiment is None:
        raise Http404("There is no such experiment.")
    return experiment


@require_safe
def index(request):
    if refused := _refused(request):
        return refused
    experiments = Experiment.objects.select_related("winner")
    return render(
        request,
        "offers/index.html",
        {
            "page_title": "Offer experiments",
            "header_icon": "resubmit",
            "experiments": experiments,
            "may_change": request.user.has_perm(CHANGE),
            "may_add": request.user.has_perm("offers.add_experiment"),
        },
    )


@require_safe
def report(request, pk):
    if refused := _refused(request):
        return refused
    experiment = _experiment(pk)
    found = results.report(experiment)
    return render(
        request,
        "offers/report.html",
        {
            "page_title": experiment.name,
            "header_icon": "resubmit",
            "experiment": experiment,
            "report": found,
            "goal": experiment.get_goal_display().lower(),
            "may_change": request.user.has_perm(CHANGE),
            "may_make_default": request.user.has_perms(DEFAULT_NEEDS),
        },
    )


@require_POST
def start(request, pk):
    if refused := _refused(request, (CHANGE,)):
        return refused
    experiment = _experiment(pk)
    if experiment.status != Experiment.DRAFT:
        messages.error(request, "Only a draft can be started.")
        return redirect("offers:experiment_report", experiment.pk)
    count = experiment.variants.count()
    if count < 2 or sum(experiment.variants.values_list("share", flat=True)) != 100:
        messages.error(request, "An experiment needs two to six variants whose shares add to 100.")
        return redirect("offers:experiment_report", experiment.pk)
    try:
        with transaction.atomic():
            # Conditional, so two editors starting it at once start it once.
            if Experiment.objects.filter(pk=experiment.pk, status=Experiment.DRAFT).update(
                status=Experiment.RUNNING, started_at=timezone.now()
            ):
                freshness.bump()  # every server shows its variants from the next generation
    except IntegrityError:
        messages.error(
            request,
            "Another experiment is running on this site: stop it first (one at a time, so "
            "that neither spoils the other's numbers).",
        )
        return redirect("offers:experiment_report", experiment.pk)
    messages.success(request, "Started: readers meet its variants from their next page.")
    return redirect("offers:experiment_report", experiment.pk)


@require_POST
def stop(request, pk):
    if refused := _refused(request, (CHANGE,)):
        return refused
    experiment = _experiment(pk)
    if experiment.status == Experiment.RUNNING:
        _end(experiment)
        messages.success(request, "Stopped: every reader meets the site's own wall again.")
    return redirect("offers:experiment_report", experiment.pk)


def _end(experiment: Experiment, winner: Variant | None = None) -> None:
    experiment.status, experiment.ended_at, experiment.winner = (
        Experiment.ENDED,
        timezone.now(),
        winner,
    )
    experiment.save(update_fields=["status", "ended_at", "winner"])


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def default_changes(experiment: Experiment, variant: Variant) -> list[Change]:
    """What making ``variant`` the default changes, setting by setting."""
    paywall = PaywallSettings.for_site(experiment.site)
    publication = PublicationSettings.for_site(experiment.site)
    found = []
    for label, owner, name, value in _targets(experiment, variant, paywall, publication):
        before = getattr(owner, name)
        if value not in (None, "") and value != before:
            found.append(Change(label, _shown(before), _shown(value)))
    for plan in _plans_dropped(variant):
        found.append(Change(f"Plan {plan.name}", "on offer", "no longer offered to new readers"))
    return found


def _targets(experiment, variant, paywall, publication):
    if experiment.wall == REGISTER:
        yield from [
            ("Registration wall headline", paywall, "register_headline", variant.headline),
            ("Registration wall pitch", paywall, "register_pitch", variant.pitch),
            ("Registration button", paywall, "register_label", variant.button_label),
        ]
    else:
        yield from [
            ("Subscribe wall headline", paywall, "wall_headline", variant.headline),
            ("Subscribe wall pitch", paywall, "wall_pitch", variant.pitch),
            ("Offer line", paywall, "offer_line", variant.offer_line),
            ("Subscribe button", publication, "subscribe_label", variant.button_label),
            ("Free-trial button", publication, "trial_label", variant.trial_label),
            ("Highlighted plan", paywall, "highlighted_plan", variant.highlighted_plan),
        ]
    yield from [
        (
            "Free articles without an account",
            paywall,
            "anonymous_allowance",
            arms.within(variant.anonymous_allowance, paywall),
        ),
        (
            "Free articles with an account",
            paywall,
            "registered_allowance",
            arms.within(variant.registered_allowance, paywall),
        ),
    ]


def _plans_dropped(variant) -> list[Plan]:
    """The plans on offer that the variant does not offer (none, when it
    offers every plan)."""
    offered = [plan.pk for plan in variant.plans.all()]
    if not offered:
        return []
    return list(Plan.objects.filter(active=True).exclude(pk__in=offered))


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


@require_http_methods(["GET", "HEAD", "POST"])
def make_default(request, pk, variant_pk):
    if refused := _refused(request, DEFAULT_NEEDS):
        return refused
    experiment = _experiment(pk)
    variant = experiment.variants.filter(pk=inputs.object_id(variant_pk)).first()
    if variant is None:
        raise Http404("This experiment has no such variant.")
    if experiment.status == Experiment.DRAFT or experiment.winner_id:
        messages.error(
            request, "Only a running or stopped experiment's variant can be made the default."
        )
        return redirect("offers:experiment_report", experiment.pk)
    if request.method == "POST":
        if _apply(experiment, variant):
            messages.success(
                request, f"“{variant.name}” is now the site's wall; the experiment has ended."
            )
        return redirect("offers:experiment_report", experiment.pk)
    return render(
        request,
        "offers/make_default.html",
        {
            "page_title": f"Make “{variant.name}” the default",
            "header_icon": "resubmit",
            "experiment": experiment,
            "variant": variant,
            "changes": default_changes(experiment, variant),
        },
    )


def _apply(experiment: Experiment, variant: Variant) -> bool:
    """Write the variant into the site's settings and end the experiment;
    False if another request made a winner first (the row is locked)."""
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().filter(pk=experiment.pk).first()
        if locked is None or locked.winner_id or locked.status == Experiment.DRAFT:
            return False
        paywall = PaywallSettings.for_site(experiment.site)
        publication = PublicationSettings.for_site(experiment.site)
        for _label, owner, name, value in _targets(experiment, variant, paywall, publication):
            if value not in (None, ""):
                setattr(owner, name, value)
        for plan in _plans_dropped(variant):
            plan.active = False
            plan.save(update_fields=["active"])
        paywall.save()
        publication.save()
        _end(experiment, winner=variant)
    return True


urlpatterns = [
    path("", index, name="experiments"),
    path("<str:pk>/", report, name="experiment_report"),
    path("<str:pk>/start/", start, name="experiment_start"),
    path("<str:pk>/stop/", stop, name="experiment_stop"),
    path("<str:pk>/default/<str:variant_pk>/", make_default, name="experiment_default"),
]
