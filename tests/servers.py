"""Real servers on this machine, for the deployment tests and the benchmarks.

- ``AppServer``: gunicorn with production settings (``DEBUG`` off) on a free
  loopback port, as it runs behind a TLS-terminating proxy;
- ``ThrowawayRedis`` and ``ThrowawayPostgres``: a private ``redis-server`` and
  a private PostgreSQL cluster (``initdb`` in a temporary directory, another
  port) that a fault test may stop and restart — never the machine's shared
  services on the standard ports;
- ``shared_postgres_database``: a fresh database on the shared PostgreSQL,
  for tests that only need a real server to talk to;
- ``Browser``: a cookie-keeping HTTP client (the server marks its cookies
  Secure, which a standard cookie jar would refuse to send over plain HTTP).
"""

from __future__ import annotations

import glob
import http.client
import http.cookies
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SHARED_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SECRET_KEY = "deployment-tests-only-" + "k" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, seconds: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds} s")
        time.sleep(interval)


def production_env(database_url: str, redis_url: str | None = None, **extra) -> dict:
    """The environment of a production app server, minus TLS (the proxy's job)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "false",
        "SERVE_MEDIA": "true",
        "DATABASE_URL": database_url,
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION": "true",
    }
    env.pop("REDIS_URL", None)
    env.pop("METER_STORE", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def background_worker(env: dict, output=subprocess.DEVNULL, interval: float = 0.1):
    """``manage.py db_worker`` for the newsletter queue, as production runs it
    (``docs/deploy.md``): a process of its own, to be stopped or killed."""
    return subprocess.Popen(
        [
            str(BIN / "python"),
            "manage.py",
            "db_worker",
            "--backend",
            "background",
            "--queue-name",
            "newsletters",
            "--interval",
            str(interval),
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output is not subprocess.DEVNULL else subprocess.DEVNULL,
    )


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def collect_static(env: dict) -> None:
    """``collectstatic`` into the checkout's STATIC_ROOT, once per test run.

    The app servers of every suite serve the same STATIC_ROOT; collecting
    again rewrites the manifest (deleted, then written), which a server of
    another xdist worker starting at that instant would miss. So the first
    suite of the run collects, under a lock, and the others find it done.
    Outside a run with a templates directory (tests/templates.py), it
    simply collects.
    """
    from tests import templates

    where = templates.directory()
    if where is None:
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        return
    with templates.locked(where / "static.lock"):
        done = where / "static.collected"
        if not done.exists():
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            done.touch()


def shell(env: dict, code: str, timeout: float = 300) -> str:
    """Run Python in Django's shell against the server's database; its last line."""
    lines = manage(env, "shell", "--no-imports", "-c", code, timeout=timeout).strip().splitlines()
    return lines[-1] if lines else ""


class AppServer:
    """gunicorn serving Masthead, as a process group this test owns."""

    def __init__(
        self,
        env: dict,
        *,
        workers: int | None = 2,
        log: Path | None = None,
        app: str = "masthead.wsgi:application",
    ):
        self.app = app
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        if workers:  # else gunicorn.conf.py's default: cores + 1
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> AppServer:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), self.app, "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        wait_until(self._answers, 60, f"gunicorn on port {self.port}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def workers(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        return [int(pid) for pid in found]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ThrowawayRedis:
    """A private redis-server that keeps nothing on disk, on a free port."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        return None if shutil.which("redis-server") else "redis-server is not installed"

    def start(self) -> ThrowawayRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, 20, f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temporary directory, on a free port.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` system user, as the machine's own cluster does.
    """

    def __init__(self):
        self.bin = _postgres_bin()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="masthead-pg-"))
        self.data = self.directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/masthead"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @staticmethod
    def available() -> str | None:
        if _postgres_bin() is None:
            return "PostgreSQL's server binaries (initdb) are not installed"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root with no postgres user to own a cluster"
        return None

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self.as_user, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def create(self) -> ThrowawayPostgres:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        self.start()
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", "masthead",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)


def shared_postgres_problem() -> str | None:
    import psycopg

    try:
        psycopg.connect(f"{SHARED_POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable ({str(exc).strip()[:200]})"
    return None


def create_shared_database(name: str, migrated: bool = False) -> str:
    """A fresh database on the shared PostgreSQL. ``migrated``: a copy of this
    run's migrated template (tests/templates.py) when there is one, so that the
    caller's ``manage.py migrate`` finds nothing left to apply."""
    import psycopg

    from tests import templates

    where = templates.directory()
    if migrated and where is not None:
        template = templates.postgres_template(where, SHARED_POSTGRES)
        templates.copy_postgres(SHARED_POSTGRES, template, name)
    else:
        with psycopg.connect(f"{SHARED_POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_shared_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SHARED_POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Response:
    status: int
    text: str
    headers: http.client.HTTPMessage

    @property
    def walled(self) -> bool:
        return 'class="wall"' in self.text and 'class="paywalled-content"' not in self.text

    @property
    def full_text(self) -> bool:
        return 'class="wall"' not in self.text


class Browser:
    """A reader's browser on loopback HTTP: keeps cookies, follows nothing."""

    def __init__(self, base: str | None = None):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request

    def request(self, method, url, data=None, headers=None, timeout=15) -> Response:
        if not url.startswith("http"):
            url = self.base + url
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        sent = {
            "Cookie": self.cookie_header(),
            "Referer": f"{parts.scheme}://{parts.netloc}/",
            **self.headers,
        }
        body = None
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = data
        sent.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie(header)
                self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
            text = response.read().decode(errors="replace")
            return Response(response.status, text, response.headers)
        finally:
            connection.close()

    def get(self, url, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url, data, **kwargs) -> Response:
        return self.request("POST", url, data, **kwargs)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf_token(self, url) -> str:
        page = self.get(url).text
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, email: str, password: str, via: str | None = None) -> None:
        base = via or self.base
        token = self.csrf_token(base + "/accounts/login/")
        response = self.post(
            base + "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": password},
        )
        assert response.status == 302, f"login failed: {response.status}"
