"""The issue's own admin actions: preview per audience, a test to yourself,
send, and the send's progress. Looking needs the issue's "change"
permission; sending needs "Can send newsletter issues"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from masthead.newsletters import rendering, sending, tasks
from masthead.newsletters.models import Issue, Send

SEND_PERMISSION = "newsletters.send_issue"
CHANGE_PERMISSION = "newsletters.change_issue"


def _issue(request, pk: int, permission: str) -> Issue:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)


@require_safe
def preview(request, pk: int, audience: str):
    """The email as a free recipient or a subscriber would get it (links to
    unsubscribe are inert here)."""
    issue = _issue(request, pk, CHANGE_PERMISSION)
    if audience not in rendering.AUDIENCES:
        raise Http404("No such audience.")
    html, _ = rendering.render(issue, audience).for_recipient("#unsubscribe", "#preferences")
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    # The email's own inline styles, in a frame of the admin's origin only.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    return response


@require_safe
def detail(request, pk: int):
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
        },
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
    with transaction.atomic():
        # Two clicks, two editors: one send.
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.status != Issue.DRAFT or locked.sends.filter(test_to="").exists():
            messages.error(request, "This issue has been sent. Make a new issue to send again.")
            return redirect(reverse("newsletter_issue", args=[issue.pk]))
        started = tasks.begin(locked)
        Issue.objects.filter(pk=issue.pk).update(status=Issue.SENDING)
    messages.success(request, f"Sending to {started.total} recipients.")
    return redirect(reverse("newsletter_send", args=[started.pk]))


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
            "page_title": f"Sending {found.issue.subject}",
            "running": found.status != Send.DONE,
        },
    )
