"""The site's address comes from BASE_URL: `set_site_address` (run by `make run`)
and `load_demo` give the default Wagtail Site its hostname and port, and every
absolute link the site writes follows."""

import json
import os
import shutil
import subprocess
import time
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models.signals import post_save
from django.test import Client
from wagtail.models import Site

from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def set_address(settings, base_url) -> str:
    settings.BASE_URL = base_url
    out = StringIO()
    call_command("set_site_address", stdout=out)
    return out.getvalue()


@pytest.fixture
def article():
    home = factories.site()
    return factories.article(factories.section(home, "World"), "Ceasefire talks", access="free")


def test_every_absolute_link_uses_base_url(settings, article):
    client = Client()
    client.get(article.url)  # rendered and cached under the old address first
    assert "now https://news.example.org" in set_address(settings, "https://news.example.org")
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == (
        "news.example.org",
        443,
        "https://news.example.org",
    )
    expected = f"https://news.example.org{article.url}"

    page = BeautifulSoup(client.get(article.url).text, "html.parser")
    assert page.find("link", rel="canonical")["href"] == expected
    assert page.find("meta", property="og:url")["content"] == expected
    ld = [json.loads(s.string) for s in page.find_all("script", type="application/ld+json")]
    assert any(item.get("mainEntityOfPage") == expected for item in ld)

    feed = client.get("/feed/").text
    assert f"<link>{expected}</link>" in feed
    assert "localhost" not in feed.split("<item>", 1)[1]
    sitemap = client.get("/sitemap.xml").text
    assert f"<loc>{expected}</loc>" in sitemap
    assert "http://localhost" not in sitemap


def test_a_port_other_than_80_or_443_is_kept(settings, article):
    out = set_address(settings, "http://127.0.0.1:8001")
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8001)
    assert "now http://127.0.0.1:8001" in out
    assert article.specific.full_url == f"http://127.0.0.1:8001{article.url}"


def test_running_it_again_changes_nothing(settings, article):
    set_address(settings, "http://127.0.0.1:8000")
    saved = []

    def record(sender, **kwargs):
        saved.append(sender)

    post_save.connect(record, sender=Site)
    try:
        out = set_address(settings, "http://127.0.0.1:8000")
    finally:
        post_save.disconnect(record, sender=Site)
    assert saved == []  # no save: cached pages stay fresh
    assert "as BASE_URL says" in out


@pytest.mark.parametrize(
    "base_url", ["https://news.example.org:8443", "http://news.example.org:443"]
)
def test_an_address_wagtail_cannot_write_is_a_clear_error(settings, article, base_url):
    with pytest.raises(CommandError, match="https on port 443"):
        set_address(settings, base_url)
    assert Site.objects.get(is_default_site=True).hostname == "localhost"


def test_an_address_another_site_has_is_a_clear_error(settings, article):
    Site.objects.create(hostname="news.example.org", port=443, root_page=article, site_name="Other")
    with pytest.raises(CommandError, match="Another site, 'Other'"):
        set_address(settings, "https://news.example.org")


def test_without_a_site_there_is_nothing_to_do(settings, db):
    Site.objects.all().delete()
    assert "No default site yet" in set_address(settings, "https://news.example.org")


def test_the_demo_is_loaded_at_base_url(settings):
    settings.BASE_URL = "http://127.0.0.1:8123"
    call_command("load_demo", stdout=StringIO())
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "http://127.0.0.1:8123"


def test_ensure_admin_prints_the_admin_at_base_url(settings, db):
    settings.BASE_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "http://127.0.0.1:8123/admin/" in out.getvalue()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("arguments", "environment", "expected"),
    [
        ([], {}, "http://127.0.0.1:8000"),
        (["HOST=localhost", "PORT=8080"], {}, "http://localhost:8080"),
        (["PORT=9000"], {"BASE_URL": "https://news.example.org"}, "https://news.example.org"),
    ],
)
def test_make_run_serves_where_base_url_says(tmp_path, arguments, environment, expected):
    """`make run` sets BASE_URL from its HOST and PORT unless given, and points
    the site there on every run (the demo database may already exist).

    The Makefile runs in a scratch directory whose .venv/bin/python only prints
    what it was asked to do, and with what BASE_URL: nothing is installed,
    migrated or served."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_text("")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    # The server stays up a moment, as a real one does, so that the worker
    # started beside it has said what it runs before make stops it.
    python.write_text(
        '#!/bin/sh\necho "BASE_URL=$BASE_URL: $*"\nif [ "$2" = runserver ]; then sleep 1; fi\n'
    )
    python.chmod(0o755)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.write_text("")
    os.utime(stamp, (time.time() + 60, time.time() + 60))  # installed after the pins

    ran = subprocess.run(
        ["make", "-s", "run", *arguments],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    commands = ran.stdout.splitlines()
    ran_in_order = [line.split(": ")[1].split()[1] for line in commands]
    assert ran_in_order[:4] == ["migrate", "load_demo", "set_site_address", "ensure_admin"]
    # Then the background worker and the server, side by side (in either order).
    assert sorted(ran_in_order[4:]) == ["db_worker", "runserver"]
    assert all(line.startswith(f"BASE_URL={expected}: ") for line in commands)
