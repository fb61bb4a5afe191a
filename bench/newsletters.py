#!/usr/bin/env python
"""How fast a newsletter goes: 100,000 recipients rendered and handed to a
local SMTP server.

On a fresh database with the demo (its briefing issue: a metered and a free
article, so both the subscriber's and the free reader's versions are made;
one recipient in ten is a subscriber), starts an SMTP sink (aiosmtpd, in a
process of its own) and background workers (``manage.py db_worker``, the
production settings), starts the send, and times it from the send's start
to its last delivery written ``sent``. Reports messages per second over the
whole send and the messages the sink received. Writes
bench/RESULTS-newsletters.md.

    .venv/bin/python bench/newsletters.py                     # PostgreSQL, then SQLite
    .venv/bin/python bench/newsletters.py --backends postgres --recipients 20000

Needs PostgreSQL on its standard local port for ``postgres``. The target
(issue 17): 100,000 recipients in under 10 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    BIN,
    background_worker,
    create_shared_database,
    drop_shared_database,
    manage,
    production_env,
    shell,
    wait_until,
)
from tests.smtp_sink import _free  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-newsletters.md"
DATABASE = "masthead_bench_newsletters"

SEED = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from masthead.members.models import ComplimentaryAccess
from masthead.newsletters.models import Issue, Recipient
issue = Issue.objects.get(newsletter__slug="briefing")
User = get_user_model()
subscribers = {recipients} // 10
users = User.objects.bulk_create(
    User(username=f"sub{{n}}", email=f"sub{{n}}@bench.example") for n in range(subscribers)
)
ComplimentaryAccess.objects.bulk_create(
    ComplimentaryAccess(user=user, reason="bench") for user in users
)
Recipient.objects.bulk_create(
    [Recipient(newsletter=issue.newsletter, email=u.email, user=u, status="active") for u in users]
    + [
        Recipient(newsletter=issue.newsletter, email=f"reader{{n}}@bench.example", status="active")
        for n in range({recipients} - subscribers)
    ],
    batch_size=5000,
)
print(json.dumps({{"issue": issue.pk}}))
"""
START = """
import json
from masthead.newsletters import tasks
from masthead.newsletters.models import Issue
send = tasks.launch({issue})
print(json.dumps({{"send": send.pk, "total": send.total}}))
"""
LEFT = (
    "SELECT count(*) FROM newsletters_delivery WHERE send_id = {send} "
    "AND status IN ('pending', 'sending')"
)


def left(env: dict, send_id: int) -> int:
    """Messages still to go, asked of the database directly: a Django shell
    every few seconds would take a core's worth of the machine being timed."""
    url = env["DATABASE_URL"]
    sql = LEFT.format(send=int(send_id))
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as connection:
            return connection.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
        return connection.execute(sql).fetchone()[0]


SUMMARY = """
import json
from django.db.models import Count, Max
from masthead.newsletters.models import Send
send = Send.objects.get(pk={send})
last = send.deliveries.aggregate(last=Max("sent_at"))["last"]
def counted(field):
    return dict(send.deliveries.values_list(field).annotate(n=Count("pk")))
print(json.dumps({{
    "seconds": (last - send.created_at).total_seconds(),
    "statuses": counted("status"),
    "audiences": counted("audience"),
}}))
"""


def backend_env(name: str, tmp: Path, sink_port: int) -> dict | None:
    mail = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
        "INSIGHTS": "false",
    }
    if name == "sqlite":
        return production_env(f"sqlite:///{tmp / 'newsletters.sqlite3'}", **mail)
    try:
        url = create_shared_database(DATABASE)
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        print(f"skipping {name}: {exc}", file=sys.stderr)
        return None
    return production_env(url, **mail)


def run(name: str, env: dict, args, sink_log: Path) -> dict:
    manage(env, "migrate", "--noinput", timeout=600)
    manage(env, "load_demo", "--no-insights-history", timeout=600)
    issue = json.loads(shell(env, SEED.format(recipients=args.recipients), timeout=600))["issue"]
    workers = [background_worker(env, interval=0.2) for _ in range(args.workers)]
    try:
        time.sleep(3)  # the workers are up before the clock starts
        lines_before = sum(1 for _ in sink_log.open()) if sink_log.exists() else 0
        started = time.monotonic()
        send = json.loads(shell(env, START.format(issue=issue)))
        wait_until(
            lambda: left(env, send["send"]) == 0,
            seconds=3600,
            what="the send to finish",
            interval=2,
        )
        wall_seconds = time.monotonic() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    summary = json.loads(shell(env, SUMMARY.format(send=send["send"])))
    received = sum(1 for _ in sink_log.open()) - lines_before
    seconds = summary["seconds"]
    return {
        "backend": name,
        "recipients": send["total"],
        "seconds": seconds,
        "per_second": send["total"] / seconds,
        "wall_seconds": wall_seconds,
        "received": received,
        "statuses": summary["statuses"],
        "audiences": summary["audiences"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="masthead-bench-newsletters-") as tmp_name:
        tmp = Path(tmp_name)
        port = _free()
        sink_log = tmp / "sink.log"
        sink = subprocess.Popen(
            [str(BIN / "python"), "-m", "tests.smtp_sink", str(port), str(sink_log)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            sink.stdout.readline()  # "listening on …"
            for name in args.backends.split(","):
                env = backend_env(name, tmp, port)
                if env is None:
                    continue
                try:
                    results.append(run(name, env, args, sink_log))
                    print(results[-1], flush=True)
                finally:
                    if name != "sqlite":
                        drop_shared_database(DATABASE)
        finally:
            sink.terminate()
            sink.wait(timeout=30)
    lines = [
        "# Newsletters: how fast an issue goes",
        "",
        f"`bench/newsletters.py --backends {args.backends} --recipients {args.recipients}"
        f" --workers {args.workers}`, run"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores:"
        f" the demo's briefing (a metered and a free article) to {args.recipients:,} recipients,"
        " one in ten a subscriber (whole articles) and the rest free (teaser and offer),"
        f" by {args.workers} background workers (`db_worker`, production settings) to an SMTP"
        " server on the same machine (aiosmtpd, its own process). Timed from the send's start"
        " to its last message written `sent`. Target: under 10 minutes for 100,000.",
        "",
        "| database | recipients | minutes | messages/s | received by the SMTP server | statuses |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for result in results:
        lines.append(
            f"| {result['backend']} | {result['recipients']:,} | {result['seconds'] / 60:.1f}"
            f" | {result['per_second']:.0f} | {result['received']:,} | {result['statuses']} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
