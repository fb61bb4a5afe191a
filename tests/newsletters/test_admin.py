"""An editor previews an issue per audience, sends a test to themselves and
the issue, and watches it go; only those allowed may send."""

import pytest
from django.core import mail
from django.test import Client

from masthead.newsletters.models import Issue, Recipient, Send
from tests import factories
from tests.newsletters.test_sending import on_list, subscriber
from tests.paywall.helpers import secrets_in

pytestmark = pytest.mark.django_db


def test_an_editor_previews_each_audience(issue):
    editor = factories.admin_client("editor", "change_issue", "send_issue")
    free = editor.get(f"/admin/newsletters/issue/{issue.pk}/preview/free/")
    full = editor.get(f"/admin/newsletters/issue/{issue.pk}/preview/full/")
    assert free.status_code == full.status_code == 200
    assert secrets_in(free.text, 1) == [] and len(secrets_in(full.text, 1)) == 3
    assert editor.get(f"/admin/newsletters/issue/{issue.pk}/preview/everyone/").status_code == 404


def test_composing_an_issue_is_no_way_round_the_wall(issue):
    """One who may compose but neither send nor read whole articles sees the
    free version only (found by an outside attack: the subscriber's preview
    showed a subscribers-only article to a composer)."""
    composer = factories.admin_client("composer", "change_issue")
    base = f"/admin/newsletters/issue/{issue.pk}"
    assert composer.get(f"{base}/preview/free/").status_code == 200
    full = composer.get(f"{base}/preview/full/")
    assert full.status_code in (302, 403) and secrets_in(full.content.decode(), 1) == []
    page = composer.get(f"{base}/")
    assert page.status_code == 200 and "Send to" not in page.text  # may not send
    assert "preview/full" not in page.text
    # A composer the site lets read whole articles (a subscriber) may.
    from django.contrib.auth import get_user_model

    from masthead.members.models import ComplimentaryAccess

    ComplimentaryAccess.objects.create(
        user=get_user_model().objects.get(username="composer"), reason="t"
    )
    full = composer.get(f"{base}/preview/full/")
    assert full.status_code == 200 and len(secrets_in(full.text, 1)) == 3


def test_sending_needs_its_own_permission_and_happens_once(
    issue,
    django_capture_on_commit_callbacks,
):
    on_list(issue, "free@example.com")
    on_list(issue, "paid@example.com", user=subscriber("paid@example.com"))
    composer = factories.admin_client("composer", "change_issue")
    assert composer.post(f"/admin/newsletters/issue/{issue.pk}/send/").status_code in (302, 403)
    assert not Send.objects.exists()
    sender = factories.admin_client("sender", "change_issue", "send_issue")
    with django_capture_on_commit_callbacks(execute=True):
        tested = sender.post(f"/admin/newsletters/issue/{issue.pk}/send-test/")
    assert tested.status_code == 302
    assert [m.to for m in mail.outbox] == [["sender@newsroom.example"]] * 2
    with django_capture_on_commit_callbacks(execute=True):
        sent = sender.post(f"/admin/newsletters/issue/{issue.pk}/send/")
    assert sent.status_code == 302
    progress = sender.get(sent["Location"])
    assert 'data-count="sent">2<' in progress.text and 'data-send-status="done"' in progress.text
    issue.refresh_from_db()
    assert issue.status == Issue.SENT
    again = sender.post(f"/admin/newsletters/issue/{issue.pk}/send/")
    assert again.status_code == 302 and Send.objects.filter(test_to="").count() == 1
    assert len(mail.outbox) == 4
    assert sender.get(f"/admin/newsletters/issue/{issue.pk}/send/").status_code == 405


def test_no_one_outside_the_admin_reaches_an_issue(issue):
    for path in (
        f"/admin/newsletters/issue/{issue.pk}/",
        f"/admin/newsletters/issue/{issue.pk}/preview/full/",
    ):
        response = Client().get(path)
        assert response.status_code == 302 and "login" in response["Location"]
    assert Recipient.objects.count() == 0
