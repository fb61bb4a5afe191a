"""The issue's own admin actions: preview per audience, a test to yourself,
send, and the send's progress. Looking needs the issue's "change"
permission; sending needs "Can send newsletter issues"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from masthead.newsletters import events, rendering, sending, tasks
from masthead.newsletters.models import Issue, Send
from masthead.paywall import readers

SEND_PERMISSION = "newsletters.send_issue"
CHANGE_PERMISSION = "newsletters.change_issue"


def _issue(request, pk: int, permission: str) -> Issue:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)


def may_read_whole(user) -> bool:
    """The subscriber's version shows whole articles: for whoever the site
    lets read them whole (the one reader question), and for those who may
    send the issue to subscribers (and so receive both versions as a test)."""
    reader = readers.for_account(user)
    return rendering.audience_of(reader) == rendering.FULL or user.has_perm(SEND_PERMISSION)


@require_safe
def preview(request, pk: int, audience: str):
    """The email as a free recipient or a subscriber would get it (links to
    unsubscribe are inert here)."""
    issue = _issue(request, pk, CHANGE_PERMISSION)
    if audience not in rendering.AUDIENCES:
        raise Http404("No such audience.")
    if audience == rendering.FULL and not may_read_whole(request.user):
        # Composing an issue is not a way round the wall.
        raise PermissionDenied
    html, _ = rendering.render(issue, audience).for_recipient("#unsubscribe", "#preferences")
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    # The email's own inline styles, in a frame of the admin's origin only.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    return response


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label="Send at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text="In the site's time zone.",
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise forms.ValidationError("Choose a time in the future, or send it now.")
        return when


def _article_waiting(issue: Issue):
    """The issue's one article, when it is not yet published (so the issue
    may wait for it), else None."""
    entries = list(issue.articles.select_related("article"))
    if len(entries) != 1 or entries[0].article.live:
        return None
    return entries[0].article


@require_safe
def detail(request, pk: int):
    return _page(request, pk)


def _page(request, pk: int, form=None, status=200):
    issue = _issue(request, pk, CHANGE_PERMISSION)
    return render(
        request,
        "newsletters/admin/issue.html",
        {
            "issue": issue,
            "page_title": issue.subject,
            "recipients": issue.newsletter.recipients.filter(status="active").count(),
            "sends": [(send, sending.progress(send)) for send in issue.sends.all()[:10]],
            "may_send": request.user.has_perm(SEND_PERMISSION),
            "may_read_whole": may_read_whole(request.user),
            "schedule_form": form or ScheduleForm(),
            "waiting_for": _article_waiting(issue),
            "open": issue.status in (Issue.DRAFT, Issue.SCHEDULED),
        },
        status=status,
    )


@require_POST
def send_test(request, pk: int):
    issue = _issue(request, pk, SEND_PERMISSION)
    if not request.user.email:
        messages.error(request, "Your account has no email address to send a test to.")
    else:
        tasks.begin(issue, test_to=request.user.email)
        messages.success(request, f"Both versions are on their way to {request.user.email}.")
    return redirect(reverse("newsletter_issue", args=[issue.pk]))


@require_POST
def send(request, pk: int):
    issue = _issue(request, pk, SEND_PERMISSION)
    # Two clicks, two editors, a schedule coming due: one send.
    started = tasks.launch(issue.pk)
    if started is None:
        messages.error(request, "This issue has been sent. Make a new issue to send again.")
        return redirect(reverse("newsletter_issue", args=[issue.pk]))
    messages.success(request, f"Sending to {started.total} recipients.")
    return redirect(reverse("newsletter_send", args=[started.pk]))


@require_POST
def schedule(request, pk: int):
    """Send at a time; or, for an issue of one unpublished article, when it
    is published; or (``action=unschedule``) back to a draft."""
    issue = _issue(request, pk, SEND_PERMISSION)
    if issue.status not in (Issue.DRAFT, Issue.SCHEDULED):
        messages.error(request, "This issue has been sent.")
        return redirect(reverse("newsletter_issue", args=[issue.pk]))
    action = request.POST.get("action", "")
    if action == "unschedule":
        tasks.unschedule(issue)
        messages.success(request, "No longer scheduled: the issue is a draft again.")
    elif action == "when-published":
        article = _article_waiting(issue)
        if article is None:
            messages.error(
                request,
                "Only an issue of one article that is not yet published can wait for it.",
            )
            return _page(request, pk, status=400)
        tasks.when_published(issue)
        messages.success(request, f"It will go to the list when “{article.title}” is published.")
    elif action == "at":
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return _page(request, pk, form=form, status=400)
        when = form.cleaned_data["when"]
        tasks.schedule(issue, when)
        messages.success(request, f"Scheduled for {timezone.localtime(when):%d %B %Y at %H:%M}.")
    else:
        return _page(request, pk, status=400)
    return redirect(reverse("newsletter_issue", args=[issue.pk]))


@require_safe
def progress(request, pk: int):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    found = get_object_or_404(Send.objects.select_related("issue__newsletter"), pk=pk)
    counts = sending.progress(found)
    return render(
        request,
        "newsletters/admin/progress.html",
        {
            "send": found,
            "counts": counts,
            "report": events.report(found),
            "page_title": f"Sending {found.issue.subject}",
            "running": found.status != Send.DONE,
        },
    )
