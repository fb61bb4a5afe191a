"""The background jobs of a send (django.tasks, the ``background`` backend:
stored in the database, run by ``manage.py db_worker --backend background``),
and the ways an issue starts: now, at a time, or when its article is published.

Every way goes through ``launch``, which locks the issue's row and starts it
only from ``draft`` or ``scheduled``: a scheduled job, the chore that
catches a late one, a publish and an editor's click can all meet, and the
issue is still sent once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from masthead.newsletters import sending
from masthead.newsletters.models import Issue, Send

logger = logging.getLogger("masthead.newsletters")


@task(backend="background", queue_name="newsletters")
def send_batch(batch_id: int) -> dict:
    counts = sending.send_batch(batch_id, base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/"))
    if counts.get("released") and send_batch.get_backend().supports_defer:
        # No mail server answered: try again in a minute (``reconcile_sends``
        # also picks it up, should this job be lost).
        later = timezone.now() + sending.RETRY_RELEASED
        send_batch.using(run_after=later).enqueue(batch_id)
    return counts


@task(backend="background", queue_name="newsletters")
def reconcile() -> list[int]:
    """Abandoned batches: their untouched deliveries are sent again."""
    again = sending.reconcile()
    for batch_id in again:
        send_batch.enqueue(batch_id)
    return again


@task(backend="background", queue_name="newsletters")
def send_scheduled(issue_id: int, when: str) -> int | None:
    """A scheduled issue's time has come; a job for a time since changed, or
    for an issue since sent or unscheduled, does nothing."""
    issue = Issue.objects.filter(pk=issue_id, status=Issue.SCHEDULED).first()
    if issue is None or issue.scheduled_for is None or issue.scheduled_for.isoformat() != when:
        return None
    started = launch(issue_id, scheduled=True)
    return started.pk if started else None


def begin(issue, *, test_to: str = ""):
    """Start a send (``sending.start``) and, once that has committed, queue
    one background job per batch; workers take them in any order."""
    with transaction.atomic():
        send = sending.start(issue, test_to=test_to)
        transaction.on_commit(lambda: enqueue(send))
    return send


def enqueue(send) -> None:
    for batch_id in send.batches.filter(status="pending").values_list("pk", flat=True):
        send_batch.enqueue(batch_id)
    if not send.total:
        sending.finish_if_done(send)


def launch(issue_id: int, *, scheduled: bool = False) -> Send | None:
    """Send the issue to its list now, once: None if it has been sent (or,
    for a scheduled start, if it is no longer scheduled)."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().select_related("newsletter").get(pk=issue_id)
        allowed = {Issue.SCHEDULED} if scheduled else {Issue.DRAFT, Issue.SCHEDULED}
        if issue.status not in allowed or issue.sends.filter(test_to="").exists():
            return None
        started = begin(issue)
        Issue.objects.filter(pk=issue.pk).update(status=Issue.SENDING)
    return started


def schedule(issue: Issue, when: datetime) -> None:
    """Send at ``when``: a job that waits until then (the database backend
    keeps it), and ``start_due`` as the chore that catches one a stopped
    worker missed."""
    with transaction.atomic():
        Issue.objects.filter(pk=issue.pk, status__in=[Issue.DRAFT, Issue.SCHEDULED]).update(
            status=Issue.SCHEDULED, scheduled_for=when, send_when_published=False
        )
        issue.refresh_from_db()
        if issue.status != Issue.SCHEDULED:
            return
        if send_scheduled.get_backend().supports_defer:
            job = send_scheduled.using(run_after=when)
            transaction.on_commit(lambda: job.enqueue(issue.pk, when.isoformat()))


def when_published(issue: Issue) -> None:
    """Send as soon as the issue's article is published."""
    Issue.objects.filter(pk=issue.pk, status__in=[Issue.DRAFT, Issue.SCHEDULED]).update(
        status=Issue.SCHEDULED, scheduled_for=None, send_when_published=True
    )


def unschedule(issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk, status=Issue.SCHEDULED).update(
        status=Issue.DRAFT, scheduled_for=None, send_when_published=False
    )


def start_due(now: datetime | None = None) -> list[int]:
    """Scheduled issues whose time has passed: started (the chore's half of
    scheduling). Returns the sends started."""
    now = now or timezone.now()
    started = []
    for issue_id in Issue.objects.filter(
        status=Issue.SCHEDULED, scheduled_for__lte=now
    ).values_list("pk", flat=True):
        send = launch(issue_id, scheduled=True)
        if send is not None:
            started.append(send.pk)
    return started


def article_published(sender, instance, **kwargs) -> None:
    """Wagtail's ``page_published``: issues waiting for this article go."""
    waiting = Issue.objects.filter(
        status=Issue.SCHEDULED, send_when_published=True, articles__article_id=instance.pk
    ).values_list("pk", flat=True)
    for issue_id in list(waiting):
        # After the publish has committed: the render reads the live article.
        transaction.on_commit(lambda issue_id=issue_id: _launch_logged(issue_id))


def _launch_logged(issue_id: int) -> None:
    started = launch(issue_id, scheduled=True)
    if started is not None:
        logger.info("issue %s sending on its article's publication (%s)", issue_id, started.total)
