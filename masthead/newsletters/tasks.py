"""The background jobs of a send (django.tasks, the ``background`` backend:
stored in the database, run by ``manage.py db_worker --backend background``)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task

from masthead.newsletters import sending


@task(backend="background", queue_name="newsletters")
def send_batch(batch_id: int) -> dict:
    return sending.send_batch(batch_id, base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/"))


@task(backend="background", queue_name="newsletters")
def reconcile() -> list[int]:
    """Abandoned batches: their untouched deliveries are sent again."""
    again = sending.reconcile()
    for batch_id in again:
        send_batch.enqueue(batch_id)
    return again


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
