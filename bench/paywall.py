#!/usr/bin/env python
"""Load benchmark for the article page, the paywall's hot path.

Starts the real server (gunicorn with production settings) on a fresh
database loaded with the demo, checks that each scenario really serves what
it claims (full text, the wall, a subscriber's page), then drives it with wrk.
In the same run it measures two reference points on the same machine: nginx
serving a saved copy of the page (the physical limit) and a bare Django view
returning those bytes through the same gunicorn configuration (the
framework's ceiling). Writes a Markdown table to bench/RESULTS.md.

    .venv/bin/python bench/paywall.py        # SQLite, plus PostgreSQL+Redis if reachable
    .venv/bin/python bench/paywall.py --backends sqlite --duration 5

Needs wrk and nginx (apt-get install -y wrk nginx-light).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "RESULTS.md"
SUBSCRIBER = ("bench-subscriber@example.com", "bench-password-not-secret")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def manage(env, *args, capture=False):
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout if capture else None


def backend_env(name: str, tmp: Path) -> dict | None:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "false",  # wrk speaks plain HTTP to the app server, as a TLS proxy would
        "SERVE_MEDIA": "true",
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if name == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return env
    try:
        import psycopg
        import redis

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS masthead_bench WITH (FORCE)")
            c.execute("CREATE DATABASE masthead_bench")
        redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        print(f"skipping postgres+redis: {exc}", file=sys.stderr)
        return None
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/masthead_bench"
    env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    return env


SETUP = """
import json
from django.contrib.auth import get_user_model
from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticlePage
from allauth.account.models import EmailAddress
user = get_user_model().objects.create_user("bench", "{email}", "{password}")
EmailAddress.objects.create(user=user, email="{email}", primary=True, verified=True)
ComplimentaryAccess.objects.create(user=user, reason="benchmark")
live = ArticlePage.objects.live().order_by("-date")
print(json.dumps({{
    "free": live.filter(access="free").first().url,
    "metered": [a.url for a in live.filter(access="metered")[:4]],
}}))
"""


class Session:
    """A browser-like client for loopback HTTP. It keeps cookies itself because the
    server marks them Secure (production settings), which a cookie jar would
    rightly refuse to send back over plain HTTP."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}

    def request(self, method, path, data=None) -> str:
        host = urllib.parse.urlsplit(self.base).netloc
        connection = http.client.HTTPConnection(host, timeout=10)
        headers = {"Cookie": self.cookie_header(), "Referer": self.base + path}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        text = response.read().decode()
        connection.close()
        return text

    def get(self, path) -> str:
        return self.request("GET", path)

    def post(self, path, data) -> str:
        return self.request("POST", path, data)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def scenarios(base: str, urls: dict) -> list[tuple[str, str, str]]:
    """(name, path, Cookie header), each checked to serve what its name says."""
    metered, others = urls["metered"][0], urls["metered"][1:]

    free = Session(base)
    page = free.get(urls["free"]).split("</head>")[1]
    assert 'class="wall"' not in page and "paywalled-content" not in page

    under = Session(base)
    under.get(metered)  # counted once; every later request is a re-read within the allowance
    assert 'class="paywalled-content"' in under.get(metered)

    over = Session(base)
    for path in others[:3]:
        over.get(path)
    page = over.get(metered)
    assert 'class="wall"' in page and 'class="paywalled-content"' not in page

    subscriber = Session(base)
    login_page = subscriber.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    subscriber.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": SUBSCRIBER[0], "password": SUBSCRIBER[1]},
    )
    page = subscriber.get(metered)
    assert 'class="wall"' not in page and "meter-banner" not in page

    return [
        ("free article, anonymous", urls["free"], ""),
        ("metered, under the limit", metered, under.cookie_header()),
        ("metered, over the limit (wall)", metered, over.cookie_header()),
        ("metered, subscriber", metered, subscriber.cookie_header()),
    ]


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


def gunicorn(env, port, app="masthead.wsgi:application"):
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), app, "--config", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process


def nginx(page: bytes, tmp: Path, port: int):
    # nginx's workers run as an unprivileged user: they need to reach the copy.
    tmp.chmod(0o755)
    root = tmp / "nginx"
    root.mkdir(mode=0o755, exist_ok=True)
    (root / "index.html").write_bytes(page)
    (root / "index.html").chmod(0o644)
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
  server {{
    listen 127.0.0.1:{port};
    location / {{ root {root}; try_files /index.html =404; default_type text/html; }}
  }}
}}
"""
    )
    return subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])


def run_backend(name, env, tmp, args, rows):
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    output = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        SETUP.format(email=SUBSCRIBER[0], password=SUBSCRIBER[1]),
        capture=True,
    )
    urls = json.loads(output.strip().splitlines()[-1])
    port = free_port()
    server = gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/")
        checked = scenarios(base, urls)
        for label, path, cookie in checked:
            wrk(base + path, cookie, 2, args.connections)  # warm caches and workers
            rows.append((name, label, wrk(base + path, cookie, args.duration, args.connections)))
            print(name, label, rows[-1][2], flush=True)
        return Session(base).get(urls["metered"][0]).encode()
    finally:
        server.terminate()
        server.wait(timeout=20)


def measure_reference(start, args) -> dict:
    """Start a reference server on a free port, load it with wrk, stop it."""
    port = free_port()
    server = start(port)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        return wrk(f"http://127.0.0.1:{port}/", "", args.duration, args.connections)
    finally:
        server.terminate()
        server.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres+redis")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed: apt-get install -y wrk nginx-light")

    rows, saved_page = [], None
    with tempfile.TemporaryDirectory(prefix="masthead-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for name in args.backends.split(","):
            env = backend_env(name, tmp)
            if env is not None:
                saved_page = run_backend(name, env, tmp, args, rows) or saved_page

        (tmp / "page.html").write_bytes(saved_page)
        bare_env = {
            **os.environ,
            "BENCH_PAGE": str(tmp / "page.html"),
            "GUNICORN_ACCESSLOG": "",
            "PYTHONPATH": str(ROOT / "bench"),
        }
        references = [
            ("nginx, static copy of the page", lambda port: nginx(saved_page, tmp, port)),
            (
                "bare Django view, same bytes, same gunicorn",
                lambda port: gunicorn(bare_env, port, app="bare_app:application"),
            ),
        ]
        for label, start in references:
            rows.append(("reference", label, measure_reference(start, args)))

    write_report(rows, args)


def write_report(rows, args):
    ceiling = next(r for b, label, r in rows if label.startswith("bare Django"))["rps"]
    lines = [
        "# Benchmark results",
        "",
        f"`bench/paywall.py --duration {args.duration} --connections {args.connections}`,"
        f" run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores"
        f" ({platform.processor() or platform.machine()}), wrk with 2 threads.",
        "",
        "| backend | scenario | requests/s | p50 ms | p99 ms | non-2xx | share of bare Django |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for backend, label, result in rows:
        lines.append(
            f"| {backend} | {label} | {result['rps']:,.0f} | {result['p50']:.2f}"
            f" | {result['p99']:.2f} | {result['errors']} | {result['rps'] / ceiling:.0%} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
