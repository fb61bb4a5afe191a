#!/usr/bin/env python
"""Load benchmark for the article page, the paywall's hot path.

Starts the real server (gunicorn with production settings) on a fresh
database loaded with the demo, checks that each scenario really serves what
it claims (full text, the wall, a subscriber's page), then drives it with wrk.
Deployments measured, each on its own fresh database:

- ``sqlite``: one app server on SQLite (the demo's setup);
- ``postgres+redis``: one app server on PostgreSQL with Redis;
- ``two-servers``: two app servers sharing PostgreSQL and Redis behind an
  nginx load balancer, as docs/deploy.md sets them up.

On each one-server deployment, the metered-anonymous pages (a read and a
wall) are measured again from a server started with ``INSIGHTS=false``: the
difference is what counting them for Insights costs.

Then a growth check on PostgreSQL + Redis: the same pages with 100 and with
10,000 articles, and with 1,000 and 1,000,000 distinct metered visitors in
Redis (with Redis's memory per visitor). Two reference points on the same
machine: nginx serving a saved copy of the page (the physical limit) and a
bare Django view returning those bytes through the same gunicorn
configuration (the framework's ceiling), measured before the first scenario
and after every one, so that each scenario's share of it is of the reference
measured around it (``Ceiling``). Writes bench/RESULTS.md.

    .venv/bin/python bench/paywall.py        # everything; about 30 minutes
    .venv/bin/python bench/paywall.py --backends sqlite --no-growth --duration 5

Needs wrk and nginx (apt-get install -y wrk nginx-light); PostgreSQL and
Redis on their standard local ports for all but ``sqlite``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    AppServer,
    Browser,
    create_shared_database,
    drop_shared_database,
    free_port,
    manage,
    production_env,
    shell,
    wait_until,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
SUBSCRIBER = ("bench-subscriber@example.com", "bench-password-not-secret")
REGISTERED = ("bench-registered@example.com", "bench-password-not-secret")
# A real subscriber's article carries a discussion: 25 comments, each answered.
COMMENTS = 50
REDIS = "redis://127.0.0.1:6379/14"
DATABASE = "masthead_bench"
LOGS = Path(tempfile.gettempdir()) / "masthead-bench-logs"

SETUP = """
import json
from django.contrib.auth import get_user_model
from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticlePage
from allauth.account.models import EmailAddress
user = get_user_model().objects.create_user("bench", "{email}", "{password}")
EmailAddress.objects.create(user=user, email="{email}", primary=True, verified=True)
ComplimentaryAccess.objects.create(user=user, reason="benchmark")
registered = get_user_model().objects.create_user("bench-registered", "{registered}", "{password}")
EmailAddress.objects.create(user=registered, email="{registered}", primary=True, verified=True)
live = ArticlePage.objects.live().order_by("-date")
metered = live.filter(access="metered")
from masthead.discussion.models import Comment
voices = []
for n in range(10):
    voice = get_user_model().objects.create_user(
        f"bench-voice-{{n}}", f"voice{{n}}@example.com", "x"
    )
    voice.first_name = f"Reader {{n}}"
    voice.save()
    voices.append(voice)
discussed = metered.first()
for n in range({comments} // 2):
    top = Comment.objects.create(
        article=discussed, user=voices[n % 10], token=f"top-{{n}}",
        text=f"A first thought, number {{n}}, on how the story was told.",
    )
    Comment.objects.create(
        article=discussed, user=voices[(n + 3) % 10], parent=top, token=f"reply-{{n}}",
        text=f"An answer to thought {{n}}: there is more to it than that.",
    )
from datetime import timedelta
from django.utils import timezone
from masthead.gifts.models import GiftLink
gift = GiftLink.objects.create(article=discussed, expires_at=timezone.now() + timedelta(days=1),
                               max_browsers=10)
print(json.dumps({{
    "gift": gift.token,
    "free": live.filter(access="free").first().url,
    "metered": [a.url for a in metered[:4]],
    "section": metered.first().get_parent().url,
}}))
"""

# Adds metered articles (copies of a demo article's body, dated in the past so
# the fronts keep their demo stories) until there are {total}. They are left out
# of the search and reference indexes, which would triple the time to add them
# and play no part in serving pages.
GROW = """
from datetime import timedelta
from django.db import transaction
from django.db.models.signals import post_save
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update
from masthead.newsroom.models import ArticlePage, SectionPage
post_save.disconnect(post_save_signal_handler, sender=ArticlePage)
model = ArticlePage.objects.live().filter(access="metered").order_by("date").first()
sections = list(SectionPage.objects.live())
have = ArticlePage.objects.count()
for start in range(have, {total}, 500):
    with transaction.atomic(), disable_reference_index_auto_update():
        for n in range(start, min(start + 500, {total})):
            sections[n % len(sections)].add_child(instance=ArticlePage(
                title=f"Archive dispatch {{n}}", slug=f"archive-dispatch-{{n}}", dek=model.dek,
                date=model.date - timedelta(hours=n), body=model.body.raw_data,
                access="metered", teaser_blocks=model.teaser_blocks, live=True,
            ))
print(ArticlePage.objects.count())
"""

# Fills the meter store with {count} visitors who have read two articles today,
# exactly as the paywall stores them, and reports Redis's memory before and after.
VISITORS = """
import json
from django.conf import settings
from django.utils import timezone
from masthead.paywall.meters import get_store
from masthead.paywall.models import PaywallSettings
from masthead.paywall.windows import window_for
from wagtail.models import Site
store = get_store()
period = PaywallSettings.for_site(Site.objects.get(is_default_site=True)).period
window = window_for(timezone.now(), period, settings.TIME_ZONE)
client = store.client
for key in client.scan_iter(match=store._key("v:bench-*", window), count=10000):
    client.delete(key)
before = client.info("memory")["used_memory"]
expiry = int(window.ends_at.timestamp()) + 3600
for start in range(0, {count}, 10000):
    with client.pipeline(transaction=False) as pipe:
        for n in range(start, min(start + 10000, {count})):
            key = store._key(f"v:bench-{{n:08d}}", window)
            pipe.sadd(key, 1, 2)
            pipe.expireat(key, expiry)
        pipe.execute()
after = client.info("memory")["used_memory"]
print(json.dumps({{"bytes_per_visitor": (after - before) / {count}, "used_memory": after}}))
"""


def backend_env(name: str, tmp: Path) -> dict | None:
    # Logging as in production: a JSON line per request and per paywall decision.
    if name == "sqlite":
        return production_env(f"sqlite:///{tmp / 'bench.sqlite3'}", LOG_LEVEL="INFO")
    try:
        import redis

        url = create_shared_database(DATABASE)
        redis.Redis.from_url(REDIS).flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        print(f"skipping {name}: {exc}", file=sys.stderr)
        return None
    return production_env(url, REDIS, LOG_LEVEL="INFO")


def prepare(env) -> dict:
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    setup = SETUP.format(
        email=SUBSCRIBER[0], password=SUBSCRIBER[1], registered=REGISTERED[0], comments=COMMENTS
    )
    return json.loads(shell(env, setup))


def scenarios(base: str, urls: dict) -> list[tuple[str, str, str]]:
    """(name, path, Cookie header), each checked to serve what its name says."""
    metered, others = urls["metered"][0], urls["metered"][1:]

    free = Browser(base)
    page = free.get(urls["free"]).text.split("</head>")[1]
    assert 'class="wall"' not in page and "paywalled-content" not in page

    under = Browser(base)
    under.get(metered)  # counted once; every later request is a re-read within the allowance
    assert 'class="paywalled-content"' in under.get(metered).text

    over = Browser(base)
    for path in others[:3]:
        over.get(path)
    assert over.get(metered).walled

    subscriber = Browser(base)
    subscriber.log_in(*SUBSCRIBER)
    page = subscriber.get(metered).text
    assert 'class="wall"' not in page and "meter-banner" not in page
    # The discussion is there, whole: every comment of the thread.
    assert page.count('id="comment-') >= COMMENTS

    registered = Browser(base)
    registered.log_in(*REGISTERED)
    registered.get(metered)  # counted once, then re-read within the allowance
    page = registered.get(metered).text
    assert 'class="paywalled-content"' in page and 'class="wall"' not in page

    # Over the limit, holding a gift link for the article: whole, never counted.
    gifted = Browser(base)
    for path in others[:3]:
        gifted.get(path)
    assert gifted.get(f"/gift/{urls['gift']}/").status == 302
    page = gifted.get(metered).text
    assert 'class="paywalled-content"' in page and 'class="gift-note"' in page

    return [
        ("free article, anonymous", urls["free"], ""),
        ("metered, under the limit", metered, under.cookie_header()),
        ("metered, over the limit (wall)", metered, over.cookie_header()),
        (f"metered, subscriber, {COMMENTS} comments", metered, subscriber.cookie_header()),
        ("metered, registered under the limit", metered, registered.cookie_header()),
        ("metered, over the limit, holding a gift", metered, gifted.cookie_header()),
        ("home page, subscriber", "/", subscriber.cookie_header()),
        ("section front, subscriber", urls["section"], subscriber.cookie_header()),
    ]


# An offer experiment on the subscribe wall, started (or, with "stop", ended):
# two variants with their own words, so every metered page goes through the
# variant's placing and the wall through its words.
EXPERIMENT = """
from django.utils import timezone
from wagtail.models import Site
from masthead.offers.models import Experiment, Variant
Experiment.objects.filter(status="running").update(status="ended", ended_at=timezone.now())
from masthead.newsroom import freshness
freshness.bump()
if "{action}" == "start":
    made = Experiment.objects.create(site=Site.objects.get(is_default_site=True),
                                     name="Bench", wall="{wall}", status="running",
                                     started_at=timezone.now())
    for order, name in enumerate(("A", "B")):
        Variant.objects.create(experiment=made, name=name, share=50, sort_order=order,
                               headline=f"Bench headline {{name}}", pitch=f"Bench pitch {{name}}.",
                               button_label=f"Bench button {{name}}")
"""


def run_experiment(name, env, server, measured, args, results, ceiling) -> None:
    """What running an offer experiment costs the metered pages of readers
    the wall is for: each page measured with no experiment and with one,
    alternately, ``--experiment-rounds`` times, each beside the bare-Django
    reference (this machine drifts by a third over a run; a page's share of
    the reference measured around it does not)."""
    chosen = measured[1:3]  # metered under the limit, and over it (the wall)
    wall = "register"  # the anonymous reader over the limit meets the registration wall
    off = {label: [] for label, _, _ in chosen}
    on = {label: [] for label, _, _ in chosen}
    for _ in range(args.experiment_rounds):
        for running, store in (("stop", off), ("start", on)):
            shell(env, EXPERIMENT.format(action=running, wall=wall))
            time.sleep(1.5)  # every worker reads the new generation within a second
            if running == "start":
                walled = Browser(server.base)
                walled.headers = {"Cookie": chosen[1][2]}
                page = walled.get(chosen[1][1]).text
                assert "Bench pitch" in page, "the experiment's words are not on the wall"
            for label, path, cookie in chosen:
                store[label].append(ceiling.beside(measure(server.base, path, cookie, args)))
    shell(env, EXPERIMENT.format(action="stop", wall=wall))
    for label, _, _ in chosen:
        results.append((name, label, off[label], on[label]))
        print(name, label, "experiment cost", experiment_cost(off[label], on[label]), flush=True)


def experiment_cost(off: list[dict], on: list[dict]) -> float:
    """1 − the page's mean share of the reference with an experiment ÷ without."""
    share = lambda runs: sum(run["rps"] / run["ceiling"] for run in runs) / len(runs)  # noqa: E731
    return 1 - share(on) / share(off)


def wrk(url: str, cookie: str, duration: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(percentiles["50"]),
        "p99": to_ms(percentiles["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def measure(base, path, cookie, args) -> dict:
    wrk(base + path, cookie, 2, args.connections)  # warm caches and workers
    return wrk(base + path, cookie, args.duration, args.connections)


class Ceiling:
    """The bare-Django reference, measured alongside every scenario.

    This machine's speed drifts by a third over a run (other tenants of the
    host); a reference measured once, at the end, made a scenario's share of
    it swing by as much between two runs of the same code. So the bare view
    runs beside the app servers from the first page on (idle while they are
    measured), is measured once before the first scenario and again after
    each, and every scenario's share is of the mean of the measurements just
    before and just after it."""

    def __init__(self, tmp: Path, args):
        self.tmp, self.args = tmp, args
        self.server: AppServer | None = None
        self.measured: list[dict] = []

    def start(self, page: bytes) -> None:
        if self.server is not None:
            return
        (self.tmp / "page.html").write_bytes(page)
        env = {
            **os.environ,
            "BENCH_PAGE": str(self.tmp / "page.html"),
            "GUNICORN_ACCESSLOG": "",
            "PYTHONPATH": str(ROOT / "bench"),
        }
        self.server = AppServer(env, workers=None, app="bare_app:application").start()
        self.measure()

    def measure(self) -> dict:
        url = self.server.base + "/"
        wrk(url, "", 1, self.args.connections)
        self.measured.append(wrk(url, "", self.args.duration, self.args.connections))
        return self.measured[-1]

    def beside(self, result: dict) -> dict:
        """``result`` (just measured) with the reference around it."""
        before = self.measured[-1]["rps"]
        after = self.measure()["rps"]
        return {**result, "ceiling": (before + after) / 2}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def summary(self) -> dict:
        """The reference's row: its mean over the run."""
        runs = self.measured
        return {key: sum(run[key] for run in runs) / len(runs) for key in ("rps", "p50", "p99")} | {
            "errors": sum(run["errors"] for run in runs),
            "ceiling": None,
            "runs": runs,
        }


def nginx(tmp: Path, port: int, *, page: bytes | None = None, upstreams=()):
    """nginx serving a saved page, or balancing ``upstreams`` as in docs/deploy.md."""
    # nginx's workers run as an unprivileged user: they need to reach the copy.
    tmp.chmod(0o755)
    root = tmp / f"nginx-{port}"
    root.mkdir(mode=0o755, exist_ok=True)
    if page is not None:
        (root / "index.html").write_bytes(page)
        (root / "index.html").chmod(0o644)
        site = f"location / {{ root {root}; try_files /index.html =404; default_type text/html; }}"
        balancer = ""
    else:
        servers = "".join(f"server 127.0.0.1:{p}; " for p in upstreams)
        balancer = f"upstream masthead {{ {servers} keepalive 32; }}"
        site = """location / {
          proxy_pass http://masthead;
          proxy_http_version 1.1;
          proxy_set_header Connection "";
          proxy_set_header Host $host;
          proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
          proxy_set_header X-Forwarded-Proto $scheme;
          proxy_set_header X-Request-ID $request_id;
        }"""
    conf = root / "nginx.conf"
    conf.write_text(
        f"""
worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {root};
  proxy_temp_path {root};
  fastcgi_temp_path {root};
  uwsgi_temp_path {root};
  scgi_temp_path {root};
  {balancer}
  server {{
    listen 127.0.0.1:{port};
    {site}
  }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 20, "nginx")
    return process


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=20)


def run_one_server(name, env, args, rows, growth, ceiling: Ceiling, experiments) -> bytes:
    urls = prepare(env)
    with AppServer(env, workers=None, log=LOGS / f"{name}.log") as server:
        page = Browser(server.base).get(urls["metered"][0]).text.encode()
        ceiling.start(page)  # the first backend's page, as an anonymous reader gets it
        measured = scenarios(server.base, urls)
        # --experiment-only: the two pages an experiment changes, nothing else.
        for label, path, cookie in measured[1:3] if args.experiment_only else measured:
            rows.append((name, label, ceiling.beside(measure(server.base, path, cookie, args))))
            print(name, label, rows[-1][2], flush=True)
        run_experiment(name, env, server, measured, args, experiments, ceiling)
        if args.experiment_only:
            return page
        if growth is not None:
            run_growth(env, server, urls, args, growth)
    # What counting reads and walls for Insights costs: the same pages from a
    # server that does not count (INSIGHTS=false), measured right after.
    quiet = {**env, "INSIGHTS": "false"}
    with AppServer(quiet, workers=None, log=LOGS / f"{name}-insights-off.log") as server:
        for label, path, cookie in measured[1:3]:
            result = ceiling.beside(measure(server.base, path, cookie, args))
            rows.append((name, f"{label}, Insights not counting", result))
            print(name, rows[-1][1], result, flush=True)
    return page


def run_two_servers(env, tmp, args, rows, ceiling: Ceiling) -> bytes:
    urls = prepare(env)
    env = {**env, "TRUSTED_PROXIES": "127.0.0.1"}
    # The same cores split between two servers: 2 workers each (one server has 3).
    with (
        AppServer(env, workers=2, log=LOGS / "two-servers-1.log") as first,
        AppServer(env, workers=2, log=LOGS / "two-servers-2.log") as second,
    ):
        port = free_port()
        balancer = nginx(tmp, port, upstreams=(first.port, second.port))
        base = f"http://127.0.0.1:{port}"
        try:
            page = Browser(base).get(urls["metered"][0]).text.encode()
            ceiling.start(page)
            for label, path, cookie in scenarios(base, urls):
                result = ceiling.beside(measure(base, path, cookie, args))
                rows.append(("two servers (nginx)", label, result))
                print("two servers", label, rows[-1][2], flush=True)
            return page
        finally:
            stop(balancer)


def run_growth(env, server, urls, args, growth: list) -> None:
    """Throughput as the archive and the audience grow (PostgreSQL + Redis)."""
    under = scenarios(server.base, urls)[1][2]
    for total in args.articles:
        count = int(shell(env, GROW.format(total=total), timeout=3600))
        for label, path, cookie in (
            ("metered, under the limit", urls["metered"][0], under),
            ("section front", urls["section"], ""),
        ):
            result = measure(server.base, path, cookie, args)
            growth.append((f"{count:,} articles", label, result, None))
            print(count, "articles", label, result, flush=True)
    for visitors in args.visitors:
        started = time.monotonic()
        filled = json.loads(shell(env, VISITORS.format(count=visitors), timeout=3600))
        print(f"{visitors:,} visitors stored in {time.monotonic() - started:.0f} s", flush=True)
        for label, cookie in (
            ("metered, under the limit", under),
            ("metered, a new visitor every request", ""),
        ):
            result = measure(server.base, urls["metered"][0], cookie, args)
            growth.append((f"{visitors:,} visitors in Redis", label, result, filled))
            print(visitors, "visitors", label, result, flush=True)


def measure_reference(start, args) -> dict:
    url, shut_down = start()
    try:
        return {**wrk(url, "", args.duration, args.connections), "ceiling": None}
    finally:
        shut_down()


def static_copy(tmp: Path, page: bytes):
    port = free_port()
    server = nginx(tmp, port, page=page)
    return f"http://127.0.0.1:{port}/", lambda: stop(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres+redis,two-servers")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-growth", dest="growth", action="store_false")
    parser.add_argument("--articles", default="100,10000", type=_numbers)
    parser.add_argument("--visitors", default="1000,1000000", type=_numbers)
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="the report (default bench/RESULTS.md)"
    )
    parser.add_argument(
        "--experiment-rounds",
        type=int,
        default=4,
        help="times each page is measured without and with an offer experiment",
    )
    parser.add_argument(
        "--experiment-only",
        action="store_true",
        help="only the metered pages, without and with an offer experiment (no growth)",
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed: apt-get install -y wrk nginx-light")

    rows, growth, experiments, saved_page = [], [], [], None
    LOGS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="masthead-bench-") as tmp_name:
        tmp = Path(tmp_name)
        ceiling = Ceiling(tmp, args)
        try:
            for name in args.backends.split(","):
                env = backend_env(name, tmp)
                if env is None:
                    continue
                try:
                    if name == "two-servers":
                        saved_page = run_two_servers(env, tmp, args, rows, ceiling) or saved_page
                    else:
                        wanted = (
                            growth
                            if args.growth and name == "postgres+redis" and not args.experiment_only
                            else None
                        )
                        saved_page = (
                            run_one_server(name, env, args, rows, wanted, ceiling, experiments)
                            or saved_page
                        )
                finally:
                    if name != "sqlite":
                        drop_shared_database(DATABASE)
            static = measure_reference(lambda: static_copy(tmp, saved_page), args)
            rows.append(("reference", "nginx, static copy of the page", static))
            rows.append(("reference", BARE, ceiling.summary()))
        finally:
            ceiling.stop()

    write_report(rows, growth, args, experiments)


def _numbers(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part]


BARE = "bare Django view, same bytes, same gunicorn"


def write_report(rows, growth, args, experiments=()):
    bare = next(r for b, label, r in rows if label == BARE)
    spread = [run["rps"] for run in bare["runs"]]
    lines = [
        "# Benchmark results",
        "",
        f"`bench/paywall.py --backends {args.backends} --duration {args.duration}"
        f" --connections {args.connections}{'' if args.growth else ' --no-growth'}"
        f"{' --experiment-only' if args.experiment_only else ''}"
        f" --experiment-rounds {args.experiment_rounds}`,"
        f" run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores"
        f" ({platform.processor() or platform.machine()}), wrk with 2 threads. One server runs"
        " cores + 1 gunicorn workers; the two servers run 2 each behind nginx, all on this"
        " one machine.",
        "",
        "Each share is of the bare-Django reference measured just before and just after"
        " that scenario (the mean of the two, in the last column but one): this machine's"
        " speed drifts over a run, and the reference drifts with it. Over this run it"
        f" measured {min(spread):,.0f} to {max(spread):,.0f} requests/s ({len(spread)} times;"
        " its row gives the mean). The nginx row's share is of that mean.",
        "",
        "| deployment | scenario | requests/s | p50 ms | p99 ms | non-2xx"
        " | bare Django alongside | share of bare Django |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, label, result in rows:
        ceiling = result["ceiling"] or bare["rps"]
        alongside = f"{result['ceiling']:,.0f}" if result["ceiling"] else ""
        lines.append(
            f"| {backend} | {label} | {result['rps']:,.0f} | {result['p50']:.2f}"
            f" | {result['p99']:.2f} | {result['errors']} | {alongside}"
            f" | {result['rps'] / ceiling:.0%} |"
        )
    if growth:
        lines += [
            "",
            "## Growth (one server, PostgreSQL + Redis)",
            "",
            "| size | scenario | requests/s | p50 ms | p99 ms | non-2xx"
            " | Redis bytes per visitor |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for size, label, result, memory in growth:
            per_visitor = f"{memory['bytes_per_visitor']:.0f}" if memory else ""
            lines.append(
                f"| {size} | {label} | {result['rps']:,.0f} | {result['p50']:.2f}"
                f" | {result['p99']:.2f} | {result['errors']} | {per_visitor} |"
            )
    if experiments:
        lines += [
            "",
            "## An offer experiment running (one server)",
            "",
            f"Each page measured {args.experiment_rounds} times with no experiment and as many"
            " times with one running (two variants of the registration wall, each with its own"
            " words), alternately, each beside the bare-Django reference; the cost is"
            " 1 − (mean share of the reference with) ÷ (mean share without).",
            "",
            "| deployment | page | requests/s without | requests/s with | share without"
            " | share with | cost | p99 ms without | p99 ms with |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for backend, label, off, on in experiments:
            mean = lambda runs, key: sum(run[key] for run in runs) / len(runs)  # noqa: E731
            share = lambda runs: sum(r["rps"] / r["ceiling"] for r in runs) / len(runs)  # noqa: E731
            lines.append(
                f"| {backend} | {label} | {mean(off, 'rps'):,.0f} | {mean(on, 'rps'):,.0f}"
                f" | {share(off):.0%} | {share(on):.0%} | {experiment_cost(off, on):.1%}"
                f" | {mean(off, 'p99'):.2f} | {mean(on, 'p99'):.2f} |"
            )
    args.output.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
