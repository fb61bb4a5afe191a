"""The thread is rendered once per article and comment change, and each reader's
own controls are filled per request: what a reader gets from the cache is what
a cold render gives them, whoever warmed it, and a change shows at once."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from masthead import localcache
from masthead.discussion.models import Comment
from tests.discussion import test_comments as matrix
from tests.discussion.test_comments import client_for, comment_by

pytestmark = pytest.mark.django_db
# The permission matrix's site, article and one reader of every kind.
home, article, people = matrix.home, matrix.article, matrix.people
made = matrix.made  # the module's shared data
HELD = "A remark of the other subscriber that waits for a moderator"
HIDDEN = "A remark a moderator hid from readers"


@pytest.fixture
def discussed(people, article):
    now = timezone.now()
    mine = comment_by(people["subscriber"], article, "Mine, written a minute ago")
    theirs = comment_by(people["other"], article, "Theirs, from an hour ago")
    Comment.objects.filter(pk=theirs.pk).update(created_at=now - timedelta(hours=1))
    comment_by(people["subscriber"], article, "My answer to theirs", parent=theirs)
    comment_by(people["other"], article, HELD, status=Comment.HELD)
    comment_by(people["banned"], article, HIDDEN, status=Comment.HIDDEN)
    gone = comment_by(people["registered"], article, "Taken back later")
    comment_by(people["other"], article, "An answer that outlives its parent", parent=gone)
    gone.deleted_at, gone.text = now, ""
    gone.save()
    return {"mine": mine, "theirs": theirs}


def discussion(user, article) -> str:
    """The reader's discussion section, with the per-request tokens blanked."""
    page = client_for(user).get(article.url)
    assert page.status_code == 200
    section = BeautifulSoup(page.content, "html.parser").find(id="comments")
    if section is None:
        return ""
    for field in section.find_all("input", attrs={"name": ["csrfmiddlewaretoken", "token"]}):
        field["value"] = "…"
    return str(section)


def cold():
    cache.clear()
    localcache.forget_all()


def test_every_reader_gets_from_a_warm_thread_what_a_cold_render_gives_them(
    people, article, discussed
):
    expected = {}
    for kind, user in people.items():
        cold()
        expected[kind] = discussion(user, article)
    for kind, user in people.items():
        for warmer, other in people.items():
            if warmer == kind:
                continue
            cold()
            discussion(other, article)
            assert discussion(user, article) == expected[kind], (kind, "after", warmer)
        assert discussion(user, article) == expected[kind], (kind, "warm")
    # What each one's controls are, so the comparison compares something.
    subscriber = expected["subscriber"]
    assert subscriber.count(">Edit<") == 2 and subscriber.count("Report comment") >= 2
    assert HELD not in subscriber and HIDDEN not in subscriber
    assert HELD in expected["other"] and ">Edit<" in expected["other"]
    assert HELD in expected["staff"] and HIDDEN in expected["staff"]
    assert "You can no longer post comments." in expected["banned"]
    assert "Delete" not in expected["lapsed"] and "Report comment" not in expected["lapsed"]


def test_edit_controls_close_with_the_window_while_the_thread_stays_cached(
    people, article, discussed
):
    assert discussion(people["subscriber"], article).count(">Edit<") == 2
    # Behind the signals' back: the thread's token does not change.
    Comment.objects.filter(user=people["subscriber"]).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )
    section = discussion(people["subscriber"], article)
    assert ">Edit<" not in section and "Delete" in section


def test_a_new_comment_an_edit_and_a_new_name_show_on_the_next_request(people, article, discussed):
    reader = people["other"]
    assert "Fresh words" not in discussion(reader, article)
    comment_by(people["subscriber"], article, "Fresh words under the story")
    assert "Fresh words under the story" in discussion(reader, article)

    discussed["theirs"].rewrite("Theirs, put better")
    assert "Theirs, put better" in discussion(reader, article)

    writer = people["subscriber"]
    writer.first_name, writer.last_name = "Marta", "Quill"
    writer.save()
    assert "Marta Quill" in discussion(reader, article)


def test_a_held_comment_reaches_its_writer_and_nobody_else_after_approval_everyone(
    people, article, discussed
):
    assert HELD not in discussion(people["subscriber"], article)
    assert HELD in discussion(people["other"], article)
    held = Comment.objects.get(text=HELD)
    held.status = Comment.VISIBLE  # a moderator approves it
    held.save()
    assert HELD in discussion(people["subscriber"], article)


def test_a_change_redis_could_not_record_lets_go_of_every_kept_thread(
    people, article, discussed, monkeypatch
):
    from masthead.discussion import section

    reader = people["other"]
    assert "Mine, written a minute ago" in discussion(reader, article)
    monkeypatch.setattr(section, "stored", lambda key, value, timeout=None: False)
    mine = discussed["mine"]
    mine.status = Comment.HIDDEN  # a moderator hides it while Redis is away
    mine.save()
    assert "Mine, written a minute ago" not in discussion(reader, article)


def test_a_post_from_an_account_deleted_on_the_way_changes_nothing(people, article, monkeypatch):
    from masthead.discussion import views

    writer = people["subscriber"]
    client = client_for(writer)

    def deleted_meanwhile(user, article):
        get_user_model().objects.filter(pk=user.pk).delete()
        return False

    monkeypatch.setattr(views, "is_newsroom", deleted_meanwhile)
    response = client.post(
        f"/discussion/articles/{article.pk}/comments/",
        {"text": "Sent as the account went", "token": "abcdefghijklmnop1234"},
    )
    assert response.status_code == 403
    assert not Comment.objects.filter(text="Sent as the account went").exists()


def test_readers_who_share_a_filled_thread_each_post_with_their_own_tokens(people, article):
    from masthead.discussion import section

    comment_by(people["lapsed"], article, "A remark worth answering")
    readers = [people["subscriber"], people["other"]]  # same abilities, no comments of theirs
    client_for(None).get(article.url)  # the site's settings are made on its first request
    cold()
    clients, pages = [], []
    for user in readers:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        clients.append(client)
        pages.append(client.get(article.url))
    assert len(section.filled.items) == 1, list(section.filled.items)  # one served both

    for user, client, page in zip(readers, clients, pages, strict=True):
        form = BeautifulSoup(page.content, "html.parser").select_one(".comment__reply form")
        data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
        data["text"] = f"An answer from {user.email}"
        response = client.post(form["action"], data)
        assert response.status_code == 302, response.content[:300]
        assert Comment.objects.filter(text=data["text"], user=user).exists()


def test_a_comment_that_looks_like_a_stand_in_is_shown_as_written(people, article):
    words = "masthead-csrf-stand-in masthead-form-token-stand-in masthead-csrf-"
    comment_by(people["lapsed"], article, words)
    for _ in range(2):  # filled, then from the filled thread
        assert words in discussion(people["subscriber"], article)
