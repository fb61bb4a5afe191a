"""The Insights area of the admin: ``/admin/insights/`` and its CSV files.

Only staff with the "Can view Insights" permission (``insights.view_insights``,
given to a group in Settings → Groups) may open it; everyone else gets 403.
"""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.defaults import permission_denied

from masthead.insights import charts, figures
from masthead.members.models import Plan
from masthead.members.money import format_money

PERMISSION = "insights.view_insights"
DEFAULT_DAYS = 30


class FilterForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    section = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    plan = forms.ModelChoiceField(Plan.objects.all(), required=False, empty_label="All plans")
    window = forms.TypedChoiceField(
        coerce=int,
        choices=[(1, "1 day"), (7, "7 days"), (30, "30 days")],
        initial=7,
        required=False,
        empty_value=7,
        label="Attribution window",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from masthead.newsroom.models import SectionPage

        self.fields["section"].choices = [("", "All sections")] + [
            (section.pk, section.title) for section in SectionPage.objects.order_by("title")
        ]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        until = data.get("until") or today
        default = timedelta(days=DEFAULT_DAYS - 1)
        since = data.get("since") or (
            until - default if until - figures.EARLIEST > default else figures.EARLIEST
        )
        try:
            data["filters"] = figures.Filters(
                since=since,
                until=until,
                section_id=data.get("section"),
                plan_id=data["plan"].pk if data.get("plan") else None,
                window=data.get("window") or 7,
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


def _refused(request):
    """A 403 for staff without the permission. (Raising PermissionDenied in
    the admin would send them to its front page with a message instead.)"""
    if request.user.has_perm(PERMISSION):
        return None
    return permission_denied(
        request, PermissionDenied("Insights needs the “Can view Insights” permission.")
    )


def _filters(request):
    """The form and the filters it gives; without a query, the last 30 days."""
    if not request.GET:
        today = timezone.localdate()
        since = today - timedelta(days=DEFAULT_DAYS - 1)
        form = FilterForm(initial={"since": since, "until": today, "window": 7})
        return form, figures.Filters(since, today)
    form = FilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["filters"]


@require_safe
def dashboard(request):
    if refused := _refused(request):
        return refused
    form, filters = _filters(request)
    context = {"page_title": "Insights", "header_icon": "chart-line", "form": form}
    if filters is None:
        return render(request, "insights/dashboard.html", context, status=400)
    funnel = figures.funnel(filters)
    money = figures.revenue(filters)
    converts = figures.what_converts(filters)
    labels = [day.strftime("%b %-d") for day in filters.days]
    context.update(
        filters=filters,
        query=request.GET.urlencode(),
        funnel=funnel,
        money=money,
        converts={name: rows[:25] for name, rows in converts.items()},
        gifts=figures.gifts(filters),
        times=figures.trial_to_paid_times(filters),
        readers_chart=charts.line_chart(
            "Readers and walled readers per day",
            labels,
            [
                charts.Series("Readers", [row["readers"] for row in funnel.days]),
                charts.Series("Walled readers", [row["walled_readers"] for row in funnel.days]),
            ],
            "Daily unique readers of metered articles and readers who met a wall; "
            "the table below has every number.",
        ),
        starts_chart=charts.line_chart(
            "Registrations, trial starts and paid starts per day",
            labels,
            [
                charts.Series("Registrations", [row["registrations"] for row in funnel.days]),
                charts.Series("Trial starts", [row["trial_starts"] for row in funnel.days]),
                charts.Series("Paid starts", [row["paid_starts"] for row in funnel.days]),
            ],
            "Daily registrations, trial starts and paid starts; the table below has every number.",
        ),
        mrr_chart=charts.line_chart(
            "Monthly recurring revenue",
            labels,
            [
                charts.Series(
                    f"MRR ({currency})",
                    [row["mrr"].get(currency, 0) / 100 for row in money.daily],
                )
                for currency in money.currencies
            ],
            "MRR at the end of each day, per currency, in whole units.",
        ),
        subscribers_chart=charts.line_chart(
            "Paying subscribers and trials",
            labels,
            [
                charts.Series("Paying subscribers", [row["subscribers"] for row in money.daily]),
                charts.Series("Trials", [row["trials"] for row in money.daily]),
            ],
            "Paying subscribers and running trials at the end of each day.",
        ),
        movement_chart=charts.bar_chart(
            "MRR movements per month",
            [period["first"].strftime("%b %Y") for period in money.periods],
            [
                charts.Series(
                    f"{name.capitalize()} ({currency})",
                    [period[name].get(currency, 0) / 100 for period in money.periods],
                )
                for currency in money.currencies
                for name in ("new", "reactivated", "expansion", "contraction", "churned")
            ],
            "New, reactivated, expansion, contraction and churned MRR per month and currency.",
        ),
        money_rows=_money_rows(money),
    )
    return render(request, "insights/dashboard.html", context)


def _money_rows(money):
    rows = []
    for period in money.periods:
        row = {"period": period, "amounts": {}}
        for currency in money.currencies:
            row["amounts"][currency] = {
                name: format_money(period[name].get(currency, 0), currency)
                for name in (
                    "mrr_start",
                    "new",
                    "reactivated",
                    "expansion",
                    "contraction",
                    "churned",
                    "mrr_end",
                )
            }
            row["amounts"][currency]["revenue_churn"] = period["revenue_churn"].get(currency)
        rows.append(row)
    return rows


# ------------------------------------------------------------------- CSV


def _funnel_rows(filters):
    funnel = figures.funnel(filters)
    names = [
        "day",
        *figures.READER_FIELDS,
        "wall_impressions",
        "registrations",
        "newsletter_signups",
        "trial_starts",
        "paid_starts",
        "meter_stop_rate",
        "paid_stop_conversion",
    ]
    yield names
    for row in funnel.days:
        yield [row[name] for name in names]
    yield ["total", *[funnel.totals.get(name, "") for name in names[1:]]]


def _revenue_rows(filters):
    money = figures.revenue(filters)
    yield ["day", "subscribers", "trials", *[f"mrr_{c}_minor" for c in money.currencies]]
    for row in money.daily:
        yield [
            row["day"],
            row["subscribers"],
            row["trials"],
            *[row["mrr"].get(c, 0) for c in money.currencies],
        ]


def _movement_rows(filters):
    money = figures.revenue(filters)
    names = ["mrr_start", "new", "reactivated", "expansion", "contraction", "churned", "mrr_end"]
    yield [
        "first_day",
        "last_day",
        "currency",
        *[f"{name}_minor" for name in names],
        "revenue_churn",
        "subscribers_start",
        "subscribers_lost",
        "logo_churn",
        "cancellations",
        "voluntary",
        "involuntary",
    ]
    for period in money.periods:
        for currency in money.currencies or [""]:
            yield [
                period["first"],
                period["last"],
                currency,
                *[period[name].get(currency, 0) for name in names],
                period["revenue_churn"].get(currency, ""),
                period["subscribers_start"],
                period["subscribers_lost"],
                period["logo_churn"],
                period["cancellations"],
                period["voluntary"],
                period["involuntary"],
            ]


def _cohort_rows(filters):
    money = figures.revenue(filters)
    yield ["start_month", "size", *[f"month_{k + 1}" for k in range(money.cohort_months)]]
    for cohort in money.cohorts:
        yield [cohort["month"].strftime("%Y-%m"), cohort["size"], *cohort["retained"]]


def _converts_rows(name):
    def rows(filters):
        found = figures.what_converts(filters)[name]
        key = "article_id" if name == "articles" else "section_id"
        fields = [key, "title", *figures.CONVERTS_FIELDS]
        yield fields
        for row in found:
            yield [row[field] for field in fields]

    return rows


def _gift_rows(filters):
    fields = ["article_id", "title", *figures.GIFT_FIELDS]
    yield fields
    for row in figures.gifts(filters)["articles"]:
        yield [row[field] for field in fields]


TABLES = {
    "gifts": _gift_rows,
    "funnel": _funnel_rows,
    "revenue": _revenue_rows,
    "movements": _movement_rows,
    "cohorts": _cohort_rows,
    "articles": _converts_rows("articles"),
    "sections": _converts_rows("sections"),
}


@require_safe
def download(request, table: str):
    if refused := _refused(request):
        return refused
    rows = TABLES.get(table)
    if rows is None:
        raise Http404("No such table.")
    form, filters = _filters(request)
    if filters is None:
        return HttpResponse(
            "Invalid filters: " + "; ".join(e for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="insights-{table}-{filters.since}-{filters.until}.csv"'
    )
    writer = csv.writer(response)
    for row in rows(filters):
        writer.writerow([_cell(value) for value in row])
    return response


def _cell(value):
    """Text a spreadsheet would run as a formula is quoted (CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
