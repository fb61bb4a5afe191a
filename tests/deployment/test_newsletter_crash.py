"""A 10,000-recipient send to a real SMTP server while its worker is killed
(SIGKILL) twenty times at random moments: every recipient ends ``sent``,
``failed`` or ``unknown``; none gets the issue twice; none is silently
missing; every ``sent`` message arrived."""

from __future__ import annotations

import json
import random
import signal
import time
from collections import Counter

import psycopg
import pytest

from tests.servers import background_worker, production_env, shell, wait_until
from tests.smtp_sink import Sink

pytestmark = [pytest.mark.servers, pytest.mark.crash]
RECIPIENTS = 10_000
KILLS = 20

START = """
import json
from masthead.newsletters import sending, tasks
from masthead.newsletters.models import Issue, Recipient
issue = Issue.objects.get(newsletter__slug="briefing")
Recipient.objects.bulk_create(
    Recipient(newsletter=issue.newsletter, email=f"reader{{n}}@crash.example", status="active")
    for n in range({recipients})
)
send = sending.start(issue)
tasks.enqueue(send)
print(json.dumps({{"send": send.pk, "total": send.total}}))
"""
# What the chore does, as if its ten minutes had passed.
RECONCILE = """
from datetime import timedelta
from django.utils import timezone
from masthead.newsletters import sending, tasks
again = sending.reconcile(now=timezone.now() + timedelta(hours=1))
for batch_id in again:
    tasks.send_batch.enqueue(batch_id)
print(len(again))
"""


def rows(url, sql, params=()):
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
        return connection.execute(sql, params).fetchall()


def test_killing_the_worker_twenty_times_sends_no_one_twice_and_loses_no_one(database, tmp_path):
    rng = random.Random(17)
    with Sink() as sink, open(tmp_path / "worker.log", "w") as log:
        env = production_env(
            database,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            LOG_LEVEL="ERROR",
        )
        started = json.loads(shell(env, START.format(recipients=RECIPIENTS)))
        send_id = started["send"]
        total = started["total"]
        assert total == RECIPIENTS + 2  # the demo's two readers too

        def left() -> int:
            return rows(
                database,
                "SELECT count(*) FROM newsletters_delivery WHERE send_id = %s "
                "AND status IN ('pending', 'sending')",
                (send_id,),
            )[0][0]

        kills = 0
        while kills < KILLS:
            process = background_worker(env, log)
            time.sleep(rng.uniform(1.5, 4.0))  # Django starts in ~1 s; then it sends
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            if kills % 5 == 0:
                shell(env, RECONCILE)
            if not left():
                break
        # After the last kill: the chore, and one worker that is left alone.
        shell(env, RECONCILE)
        process = background_worker(env, log)
        try:
            wait_until(lambda: left() == 0, seconds=600, what="the send to finish")
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        received = sink.received

    statuses = dict(
        rows(
            database,
            "SELECT status, count(*) FROM newsletters_delivery WHERE send_id = %s GROUP BY status",
            (send_id,),
        )
    )
    assert set(statuses) <= {"sent", "failed", "unknown"}, statuses
    assert sum(statuses.values()) == total  # none silently missing
    # At most one message is in flight when a worker dies.
    assert statuses.get("unknown", 0) <= kills, statuses
    by_recipient = Counter(recipient for _, recipient, _ in received)
    twice = [address for address, times in by_recipient.items() if times > 1]
    assert twice == []
    deliveries = dict(
        rows(
            database,
            "SELECT message_id, status FROM newsletters_delivery WHERE send_id = %s",
            (send_id,),
        )
    )
    arrived = {message_id for message_id, _, _ in received}
    # Every message that arrived is one the send wrote down before it went…
    assert all(deliveries.get(message_id) in ("sent", "unknown") for message_id in arrived)
    # …and every one it calls sent arrived.
    sent = {message_id for message_id, status in deliveries.items() if status == "sent"}
    assert sent <= arrived
    print(f"{kills} kills; {statuses}; {len(received)} messages arrived")
