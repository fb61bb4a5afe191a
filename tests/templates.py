"""Migrated databases, made once per test run and copied for each test database.

Running every migration costs about 20 s of one core (Django renders the
project's models again after most of them), and one `make test` used to pay
it seven times: once per test process on PostgreSQL and on SQLite, once for
the browser tests and once per real-server suite. Now each backend is
migrated once per run — by ``manage.py migrate --run-syncdb`` with the test
settings, as Django's own test database creation does — into a *template*:

- SQLite: a file, loaded into each process's in-memory test database with
  SQLite's backup API;
- PostgreSQL: a database on the server, copied by ``CREATE DATABASE …
  TEMPLATE`` (a file copy on the server).

Django then creates the test database as usual, only finding it migrated
(its ``migrate`` runs, and applies nothing). The templates live as long as
the directory named by ``MASTHEAD_TEST_TEMPLATES``: ``make test`` makes one
for its three passes and removes it (and the PostgreSQL template) at the end;
a plain ``pytest`` run makes one for itself (tests/conftest.py). Nothing is
kept from one run to the next, so a changed migration is always run.

Command line (the Makefile's): ``python -m tests.templates build DIR
[POSTGRES_URL…]`` builds the SQLite template and those PostgreSQL ones at
once; ``python -m tests.templates drop DIR`` drops what was built there.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = "MASTHEAD_TEST_TEMPLATES"
# The shared PostgreSQL the real-server suites use (tests/servers.py).
SHARED_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def directory() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


@contextmanager
def locked(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    """Every migration, as Django's test database creation runs them."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "masthead.settings_test",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--run-syncdb", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"migrating a template database failed:\n{result.stderr[-3000:]}")


# --- SQLite ----------------------------------------------------------------


def sqlite_template(where: Path) -> Path:
    """The migrated SQLite file in ``where``, made if this run has none yet."""
    template = where / "template.sqlite3"
    with locked(where / "sqlite.lock"):
        if not template.exists():
            building = where / f"building-{os.getpid()}.sqlite3"
            _migrate(f"sqlite:///{building}")
            # One self-contained file: the settings put SQLite in WAL mode.
            with sqlite3.connect(building) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.execute("PRAGMA journal_mode=DELETE")
            connection.close()
            building.rename(template)
    return template


def load_sqlite(template: Path, test_database_name: str, in_memory: bool):
    """Fill the test database with the template. For an in-memory database,
    the returned connection keeps it alive until it is closed."""
    if not in_memory:
        shutil.copyfile(template, test_database_name)
        return None
    keeper = sqlite3.connect(test_database_name, uri=True)
    source = sqlite3.connect(template)
    try:
        source.backup(keeper)
    finally:
        source.close()
    return keeper


# --- PostgreSQL -------------------------------------------------------------


def server_url(settings: dict) -> str:
    """postgresql://user:password@host:port of a Django database's settings."""
    user = urllib.parse.quote(settings.get("USER") or "", safe="")
    password = settings.get("PASSWORD") or ""
    auth = user + (":" + urllib.parse.quote(password, safe="") if password else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{auth + '@' if auth else ''}{host}:{port}"


def _server_key(server: str) -> str:
    parts = urllib.parse.urlsplit(server)
    return hashlib.sha1(f"{parts.hostname}:{parts.port or 5432}".encode()).hexdigest()[:10]


def postgres_template_name(where: Path) -> str:
    return "masthead_template_" + hashlib.sha1(str(where).encode()).hexdigest()[:12]


def _admin(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10)


def postgres_template(where: Path, server: str) -> str:
    """The name of the migrated template database on ``server``, made if this
    run has none there yet."""
    name = postgres_template_name(where)
    marker = where / f"postgres-{_server_key(server)}.built"
    with locked(where / f"postgres-{_server_key(server)}.lock"):
        if not marker.exists():
            with (where / "postgres-servers").open("a") as servers:
                servers.write(server + "\n")  # for `drop`, whatever happens next
            with _admin(server) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{name}"')
            _migrate(f"{server}/{name}")
            marker.touch()
    return name


def copy_postgres(server: str, template: str, name: str) -> None:
    """A fresh database ``name``: a copy of ``template``."""
    import psycopg

    with _admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(50):
            try:
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            except psycopg.errors.ObjectInUse:
                # Another process is copying the template at this instant.
                if attempt == 49:
                    raise
                time.sleep(0.2)


# --- Test databases -----------------------------------------------------------


def prepare_test_database(connection):
    """Put the template's contents where Django will create the test database
    of ``connection`` (with keepdb). None if there is no template to use; else
    a callable that frees what was taken, once the test database is gone."""
    where = directory()
    if where is None:
        return None
    creation = connection.creation
    name = creation._get_test_db_name()
    if connection.vendor == "sqlite":
        keeper = load_sqlite(sqlite_template(where), name, creation.is_in_memory_db(name))
        return keeper.close if keeper else (lambda: None)
    if connection.vendor == "postgresql":
        server = server_url(connection.settings_dict)
        copy_postgres(server, postgres_template(where, server), name)
        return lambda: None
    return None


# --- The run's directory ---------------------------------------------------


def make_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="masthead-templates-"))


def drop(where: Path) -> None:
    """Drop the PostgreSQL templates made in ``where`` and remove it."""
    listed = where / "postgres-servers"
    servers = set(listed.read_text().split()) if listed.exists() else set()
    for server in servers:
        try:
            with _admin(server) as connection:
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{postgres_template_name(where)}" WITH (FORCE)'
                )
        except Exception as exc:  # noqa: BLE001 - cleaning up, say so and go on
            print(f"could not drop the template database on {server}: {exc}", file=sys.stderr)
    shutil.rmtree(where, ignore_errors=True)


def build(where: Path, servers: list[str]) -> None:
    """Both templates at once (each build is a process of its own)."""
    failures = []

    def run(make, *args):
        try:
            make(where, *args)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(sqlite_template,))]
    threads += [threading.Thread(target=run, args=(postgres_template, s)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for failure in failures:
        # Not fatal: the test runs build what they lack, and report why.
        print(f"tests.templates: {failure}", file=sys.stderr)


def _reachable(server: str) -> bool:
    try:
        _admin(server).close()
    except Exception:  # noqa: BLE001
        return False
    return True


def main(argv: list[str]) -> int:
    command, where, *rest = argv
    where = Path(where)
    if command == "build":
        where.mkdir(parents=True, exist_ok=True)
        servers = []
        for url in rest:
            parts = urllib.parse.urlsplit(url)
            server = f"postgresql://{parts.netloc}"
            if server not in servers and _reachable(server):
                servers.append(server)
        build(where, servers)
        return 0
    if command == "drop":
        drop(where)
        return 0
    print("usage: python -m tests.templates build|drop DIR [POSTGRES_URL…]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
