#!/usr/bin/env python
"""How fast Insights answers with a year's worth of a busy small site.

Starts the real server (gunicorn, production settings) on a fresh database
with the demo's articles, then records 1,000,000 reads and walls over the
last 90 days (as raw sightings: 700,000 reads and 300,000 wall impressions
from 120,000 readers, by an audience that doubles over the quarter, so that
today holds about 15,000) and 10,000 subscriptions over the last year (trials,
payments, upgrades, failed payments and cancellations: about 25,000
events), and times the dashboard as an editor opens it, one request after
another: the last 30 days, the last 90 days, one section, one plan, and a
CSV. First with every day still raw (before the scheduled roll-up has run
once), then after ``roll_up_insights``. Writes bench/RESULTS-insights.md.

    .venv/bin/python bench/insights.py                     # SQLite and PostgreSQL
    .venv/bin/python bench/insights.py --backends sqlite --requests 10

Needs PostgreSQL on its standard local port for ``postgres``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    AppServer,
    Browser,
    create_shared_database,
    drop_shared_database,
    manage,
    production_env,
    shell,
)

RESULTS = ROOT / "bench" / "RESULTS-insights.md"
DATABASE = "masthead_bench_insights"
EDITOR = ("bench-analyst@example.com", "bench-password-not-secret")

SEED = """
import json, random
from datetime import datetime, time, timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from masthead.insights import record
from masthead.insights.conversions import sync
from masthead.insights.figures import article_sections
from masthead.members.models import Plan, Subscription as S, SubscriptionEvent

rng = random.Random(7)
now = timezone.now()
today = timezone.localdate()
User = get_user_model()
editor = User.objects.create_user("analyst", "{email}", "{password}")
EmailAddress.objects.create(user=editor, email="{email}", primary=True, verified=True)
group = Group.objects.create(name="Analysts")
group.permissions.set(Permission.objects.filter(codename__in=["access_admin", "view_insights"]))
editor.groups.add(group)

articles = list(article_sections())
sql = record._UPSERT_SQL()
rows = []
for n in range({reads}):
    # An audience that doubles over the quarter: today has twice the first day's readers.
    day = today - timedelta(days=89 - int(90 * ((1 + 3 * rng.random()) ** 0.5 - 1)))
    kind = "read" if n % 10 < 7 else rng.choice(["register", "subscribe"])
    reader = record.digest(f"v:{{rng.randrange(120000)}}")
    at = timezone.make_aware(datetime.combine(day, time(12)))
    rows.append((day, reader, rng.choice(articles), kind, 1, at, at))
with transaction.atomic(), connection.cursor() as cursor:
    for start in range(0, len(rows), 5000):
        cursor.executemany(sql, [record._adapt(row) for row in rows[start:start + 5000]])

plans = list(Plan.objects.all())
users = User.objects.bulk_create(
    User(username=f"bench-reader-{{n}}", email=f"r{{n}}@bench.invalid", password="!")
    for n in range({subscriptions})
)
subscriptions, events = [], []
for user in users:
    plan = rng.choice(plans)
    started = now - timedelta(days=rng.uniform(1, 365))
    subscriptions.append(S(user=user, plan=plan, status=S.ACTIVE, provider="bench",
                           current_period_start=started,
                           current_period_end=started + timedelta(days=30)))
S.objects.bulk_create(subscriptions)
for sub in subscriptions:
    at = sub.current_period_start
    steps = [("", S.TRIALING)] if rng.random() < 0.3 else []
    steps.append((steps[-1][1] if steps else "", S.ACTIVE))
    fate = rng.random()
    if fate < 0.1:
        steps += [(S.ACTIVE, S.PAST_DUE), (S.PAST_DUE, S.EXPIRED)]
    elif fate < 0.3:
        steps += [(S.ACTIVE, S.CANCELED), (S.CANCELED, S.EXPIRED)]
    elif fate < 0.4:
        steps.append((S.ACTIVE, S.ACTIVE))  # a change of plan
    for from_status, to_status in steps:
        at = min(at + timedelta(days=rng.uniform(1, 40)), now)
        plan = sub.plan if from_status != to_status else rng.choice(plans)
        events.append(SubscriptionEvent(subscription=sub, from_status=from_status,
                                        to_status=to_status, cause="bench", occurred_at=at,
                                        plan=plan, price_minor=plan.price_minor,
                                        currency=plan.currency, interval=plan.interval))
SubscriptionEvent.objects.bulk_create(events)
written = sync()
print(json.dumps({{"reads": len(rows), "subscriptions": len(subscriptions),
                  "events": len(events), "conversions": written}}))
"""

FACTS = """
import json
from masthead.members.models import Plan
from masthead.newsroom.models import SectionPage
print(json.dumps({"section": SectionPage.objects.order_by("pk").first().pk,
                  "plan": Plan.objects.order_by("pk").first().pk}))
"""


def backend_env(name: str, tmp: Path) -> dict | None:
    if name == "sqlite":
        return production_env(f"sqlite:///{tmp / 'insights.sqlite3'}", LOG_LEVEL="WARNING")
    try:
        url = create_shared_database(DATABASE)
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        print(f"skipping {name}: {exc}", file=sys.stderr)
        return None
    return production_env(url, LOG_LEVEL="WARNING")


def pages() -> list[tuple[str, str]]:
    return [
        ("the last 30 days", "/admin/insights/"),
        ("the last 90 days", "/admin/insights/?since={since}"),
        (
            "90 days, one section, 30-day window",
            "/admin/insights/?since={since}&section={section}&window=30",
        ),
        ("90 days, one plan", "/admin/insights/?since={since}&plan={plan}"),
        ("90 days of the funnel as CSV", "/admin/insights/funnel.csv?since={since}"),
    ]


def time_page(browser: Browser, path: str, requests: int) -> dict:
    browser.get(path)  # the first request of a worker loads templates
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = browser.get(path, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "max": times[-1],
    }


def run(name: str, env: dict, args, rows: list) -> dict:
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--no-insights-history")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    started = time.monotonic()
    seed = SEED.format(
        email=EDITOR[0], password=EDITOR[1], reads=args.reads, subscriptions=args.subscriptions
    )
    seeded = json.loads(shell(env, seed, timeout=7200).strip().splitlines()[-1])
    seeded["seconds"] = round(time.monotonic() - started)
    print(name, "seeded", seeded, flush=True)
    facts = json.loads(shell(env, FACTS))
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 89 * 86400))
    with AppServer(env, workers=None) as server:
        browser = Browser(server.base)
        browser.log_in(*EDITOR)
        for stage in ("every day raw", "after roll_up_insights"):
            if stage != "every day raw":
                started = time.monotonic()
                print(manage(env, "roll_up_insights", timeout=7200).strip(), flush=True)
                seeded["rollup_seconds"] = round(time.monotonic() - started)
            for label, template in pages():
                path = template.format(since=since, **facts)
                result = time_page(browser, path, args.requests)
                rows.append((name, stage, label, result))
                print(name, stage, label, result, flush=True)
    return seeded


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--reads", type=int, default=1_000_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    args = parser.parse_args()
    rows, seeded = [], {}
    with tempfile.TemporaryDirectory(prefix="masthead-bench-insights-") as tmp_name:
        for name in args.backends.split(","):
            env = backend_env(name, Path(tmp_name))
            if env is None:
                continue
            try:
                seeded[name] = run(name, env, args, rows)
            finally:
                if name != "sqlite":
                    drop_shared_database(DATABASE)
    lines = [
        "# Insights: how fast the dashboard answers",
        "",
        f"`bench/insights.py --requests {args.requests}`, run"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: one gunicorn server"
        " (cores + 1 workers, production settings), an editor's requests one after"
        f" another. Recorded: {args.reads:,} reads and walls over 90 days, {args.subscriptions:,}"
        " subscriptions over a year.",
        "",
        *[f"- {name}: seeded {facts}" for name, facts in seeded.items()],
        "",
        "| database | stage | page | p50 ms | p95 ms | slowest ms |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name, stage, label, result in rows:
        lines.append(
            f"| {name} | {stage} | {label} | {result['p50']:.0f} | {result['p95']:.0f}"
            f" | {result['max']:.0f} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
