"""The gate counts what each reader met, for Insights: reads and walls of
readers the wall is for, on GET, and nothing for anyone else."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from wagtail.models import GroupPagePermission

from masthead.insights import record
from masthead.insights.models import Alias, Sighting
from masthead.members.models import ComplimentaryAccess
from tests import factories
from tests.paywall.helpers import gated_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    section = factories.section(factories.site(), "World")
    free = factories.article(section, "Free for all", access="free")
    return free, [gated_article(section, n) for n in range(1, 6)]


def counted():
    record.flush()
    return sorted(
        (row.reader, row.article_id, row.kind, row.times) for row in Sighting.objects.all()
    )


def test_an_anonymous_reader_s_reads_and_wall_are_counted(client, articles):
    free, metered = articles
    client.get(free.url)
    for article in metered[:3]:  # the allowance: three
        client.get(article.url)
    client.get(metered[0].url)  # a re-read is a second view of a counted read
    client.get(metered[3].url)
    client.get(metered[3].url)
    rows = counted()
    readers = {reader for reader, *_ in rows}
    assert len(readers) == 1 and len(next(iter(readers))) == 32  # a digest, not the cookie
    assert [(a, kind, times) for _, a, kind, times in rows] == sorted(
        [
            (metered[0].pk, "read", 2),
            (metered[1].pk, "read", 1),
            (metered[2].pk, "read", 1),
            (metered[3].pk, "register", 2),
        ]
    )
    visitor = client.cookies["mh_visitor"].value
    assert visitor.split(":")[0] not in str(rows)


def test_looks_that_spend_nothing_are_not_counted(client, articles):
    _, metered = articles
    assert client.head(metered[0].url).status_code == 200
    client.options(metered[0].url)
    client.post(metered[0].url)
    assert counted() == []


def test_subscribers_and_editors_are_not_the_wall_s_readers(articles):
    _, metered = articles
    subscriber = factories.reader("paid@example.com")
    ComplimentaryAccess.objects.create(user=subscriber, reason="test")
    editor = get_user_model().objects.create_user("ed", "ed@example.com", "x", is_staff=True)
    for user in (subscriber, editor):
        client = Client()
        client.force_login(user)
        assert client.get(metered[0].url).status_code == 200
    assert counted() == []
    registered = Client()
    registered.force_login(factories.reader("free@example.com"))
    registered.get(metered[0].url)
    assert [kind for _, _, kind, _ in counted()] == ["read"]


@pytest.mark.django_db(transaction=True)
def test_a_process_writes_its_counts_within_the_interval(settings):
    """Outside the tests each process holds its counts for at most
    ``MASTHEAD_INSIGHTS_FLUSH_SECONDS`` before a thread writes them (in its
    own connection: so this test commits, and needs no page tree)."""
    settings.MASTHEAD_INSIGHTS_FLUSH_SECONDS = 0.2
    record._flusher_pid = None
    record.saw("v:a-visitor", 12345, record.READ)
    assert any(t.name == "insights-flush" for t in threading.enumerate())
    deadline = time.monotonic() + 5
    while not Sighting.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Sighting.objects.get().kind == "read"
    assert record.pending() == 0
    settings.MASTHEAD_INSIGHTS_FLUSH_SECONDS = None  # the thread stops after its next wake


def test_counts_that_cannot_be_written_wait_for_the_next_flush(articles, monkeypatch):
    _, metered = articles
    Client().get(metered[0].url)
    monkeypatch.setattr(record, "_UPSERT_SQL", lambda: ("INSERT INTO no_such_table", ""))
    assert record.flush() == 0
    assert record.pending() == 1
    monkeypatch.undo()
    assert record.flush() == 1 and Sighting.objects.count() == 1


def test_deleting_an_account_deletes_its_raw_rows(articles):
    _, metered = articles
    reader = factories.reader("leaving@example.com")
    client = Client()
    client.get(metered[0].url)  # a browser, which then signs in
    signed_in = client.post(
        "/accounts/login/", {"login": reader.email, "password": "a-long-test-password"}
    )
    assert signed_in.status_code == 302
    client.get(metered[1].url)
    record.flush()
    assert Alias.objects.filter(user_id=reader.pk).exists()
    assert Sighting.objects.filter(reader=record.digest(f"u:{reader.pk}")).exists()
    reader.delete()
    assert not Alias.objects.exists()
    assert Sighting.objects.count() == 1  # the browser's own, from before it signed in


def test_an_editor_s_preview_is_not_a_reader(articles, django_user_model):
    _, metered = articles
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "x")
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin"]))
    GroupPagePermission.objects.create(
        group=Group.objects.get_or_create(name="Preview")[0],
        page=metered[0].get_parent(),
        permission=Permission.objects.get(codename="change_page"),
    )
    editor.groups.add(Group.objects.get(name="Preview"))
    client = Client()
    client.force_login(editor)
    assert client.get(f"/admin/pages/{metered[0].pk}/view_draft/").status_code == 200
    assert counted() == []
