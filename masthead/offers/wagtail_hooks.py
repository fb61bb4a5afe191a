"""Offer experiments in the admin (Offer experiments in the menu): an editor
drafts an experiment, its two to six variants and their shares; starts,
stops and reads it from its report in Insights (``offers.views``)."""

from __future__ import annotations

from django import forms
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView

from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.offers import views
from masthead.offers.models import MAX_VARIANTS, MIN_VARIANTS, REGISTER, Experiment, Variant
from masthead.paywall.models import PaywallSettings

# What a variant can change, field by field, and what only the subscribe
# wall shows.
SUBSCRIBE_ONLY = {
    "offer_line": "The registration wall shows no offer line.",
    "trial_label": "The registration wall has no free-trial button.",
    "highlighted_plan": "Plans are the subscribe wall's.",
    "plans": "Plans are the subscribe wall's.",
}


class ExperimentForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.status == Experiment.ENDED:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        data = super().clean()
        experiment = self.instance
        if experiment.pk and experiment.status == Experiment.ENDED:
            raise forms.ValidationError("An ended experiment is kept as it ran.")
        formset = self.formsets.get("variants")
        if formset is None:
            return data
        kept = [
            form
            for form in formset.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not MIN_VARIANTS <= len(kept) <= MAX_VARIANTS:
            raise forms.ValidationError(
                f"An experiment has {MIN_VARIANTS} to {MAX_VARIANTS} variants."
            )
        shares = [form.cleaned_data.get("share") or 0 for form in kept]
        if sum(shares) != 100:
            raise forms.ValidationError(
                f"The variants' shares add up to {sum(shares)} %; they must add up to 100 %."
            )
        if experiment.pk and experiment.started:
            self._keep_split(experiment, kept)
        site = data.get("site")
        paywall = PaywallSettings.for_site(site) if site else None
        wall = data.get("wall")
        for form in kept:
            self._check_variant(form, wall, paywall)
        return data

    @staticmethod
    def _keep_split(experiment, kept):
        """Once readers were placed, the variants and their shares stay: a new
        split would move readers between variants and spoil both."""
        before = list(
            Variant.objects.filter(experiment=experiment)
            .order_by("sort_order", "pk")
            .values_list("pk", "share")
        )
        # In the order the form puts them: the first is the control, and the
        # order decides which readers each share's buckets take.
        ordered = sorted(kept, key=lambda form: form.cleaned_data.get("ORDER") or 0)
        after = [(form.instance.pk, form.cleaned_data.get("share")) for form in ordered]
        if before != after:
            raise forms.ValidationError(
                "This experiment has started: its variants, their order and their shares "
                "can no longer change (their words, plans and allowances can). Start a new "
                "experiment for a new split."
            )

    @staticmethod
    def _check_variant(form, wall, paywall):
        data = form.cleaned_data
        if wall == REGISTER:
            for name, message in SUBSCRIBE_ONLY.items():
                if data.get(name):
                    form.add_error(name, message)
        plans = list(data.get("plans") or [])
        highlighted = data.get("highlighted_plan")
        if highlighted is not None and plans and highlighted not in plans:
            form.add_error("highlighted_plan", "Highlight one of the plans this variant offers.")
        if paywall is None:
            return
        low, high = paywall.experiment_allowance_min, paywall.experiment_allowance_max
        for name in ("anonymous_allowance", "registered_allowance"):
            value = data.get(name)
            if value is not None and not low <= value <= high:
                form.add_error(
                    name, f"Between {low} and {high}, the bounds set in Settings → Paywall."
                )
        if wall == REGISTER:
            anonymous = data.get("anonymous_allowance")
            registered = data.get("registered_allowance")
            anonymous = paywall.anonymous_allowance if anonymous is None else anonymous
            registered = paywall.registered_allowance if registered is None else registered
            if anonymous >= registered:
                form.add_error(
                    "anonymous_allowance",
                    "Readers without an account must get fewer free articles than readers "
                    f"with one ({registered}), or the registration wall is never shown.",
                )


class ExperimentCreateView(CreateView):
    def get_initial(self):
        return {"site": PaywallSettings.for_request(self.request).site_id}

    def get_success_url(self):
        return reverse("offers:experiment_report", args=[self.object.pk])


class ExperimentEditView(EditView):
    def get_success_url(self):
        return reverse("offers:experiment_report", args=[self.object.pk])


class ExperimentViewSet(RoleScopedSnippetViewSet):
    model = Experiment
    icon = "resubmit"
    # In the menu as the list of experiments and their reports (below).
    add_to_admin_menu = False
    add_view_class = ExperimentCreateView
    edit_view_class = ExperimentEditView
    list_display = ["name", "wall", "status", "started_at", "ended_at"]
    list_filter = ["status", "wall"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("wall"), FieldPanel("goal")]),
            FieldRowPanel([FieldPanel("min_readers"), FieldPanel("site")]),
            InlinePanel(
                "variants",
                label="Variant",
                heading="Variants (the first is the one the others are compared with)",
                min_num=MIN_VARIANTS,
                max_num=MAX_VARIANTS,
                panels=[
                    FieldRowPanel([FieldPanel("name"), FieldPanel("share")]),
                    MultiFieldPanel(
                        [
                            FieldPanel("headline"),
                            FieldPanel("pitch"),
                            FieldPanel("button_label"),
                            FieldPanel("offer_line"),
                            FieldPanel("trial_label"),
                        ],
                        heading="Words (empty: the site's)",
                    ),
                    MultiFieldPanel(
                        [
                            FieldPanel("plans", widget=forms.CheckboxSelectMultiple),
                            FieldPanel("highlighted_plan"),
                        ],
                        heading="Plans",
                    ),
                    FieldRowPanel(
                        [FieldPanel("anonymous_allowance"), FieldPanel("registered_allowance")]
                    ),
                ],
            ),
        ],
        base_form_class=ExperimentForm,
    )


register_snippet(ExperimentViewSet)


class ExperimentsMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_read(request.user)


@hooks.register("register_admin_menu_item")
def menu_item():
    return ExperimentsMenuItem(
        "Offer experiments", reverse("offers:experiments"), icon_name="resubmit", order=155
    )


@hooks.register("register_admin_urls")
def urls():
    return [
        path("insights/experiments/", include((views.urlpatterns, "offers"), namespace="offers"))
    ]
