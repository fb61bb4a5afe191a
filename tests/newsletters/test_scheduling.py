"""An issue scheduled for a time, or to go when its article is published:
it goes once, whichever of the job, the chore, a publish or a click comes
first; an unscheduled or rescheduled issue's old job does nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks.backends.dummy import DummyBackend

from masthead.newsletters import tasks
from masthead.newsletters.models import Issue, Send
from tests import factories
from tests.newsletters.test_sending import on_list

pytestmark = pytest.mark.django_db


def sender():
    return factories.admin_client("sender", "change_issue", "send_issue")


def test_a_scheduled_issue_goes_at_its_time_once(issue, django_capture_on_commit_callbacks):
    on_list(issue, "reader@example.com")
    when = timezone.now() + timedelta(hours=2)
    tasks.schedule(issue, when)
    issue.refresh_from_db()
    assert issue.status == Issue.SCHEDULED and issue.scheduled_for == when
    assert tasks.start_due() == []  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        started = tasks.start_due(now=when + timedelta(seconds=1))
    assert len(started) == 1 and len(mail.outbox) == 1
    # The job that was waiting for the same moment finds it sent.
    assert tasks.send_scheduled.call(issue.pk, when.isoformat()) is None
    assert tasks.start_due(now=when + timedelta(minutes=5)) == []
    assert Send.objects.count() == 1 and len(mail.outbox) == 1


def test_a_rescheduled_or_unscheduled_issue_s_old_job_does_nothing(issue):
    on_list(issue, "reader@example.com")
    first = timezone.now() + timedelta(hours=1)
    tasks.schedule(issue, first)
    tasks.schedule(issue, first + timedelta(hours=1))
    assert tasks.send_scheduled.call(issue.pk, first.isoformat()) is None
    tasks.unschedule(issue)
    issue.refresh_from_db()
    assert issue.status == Issue.DRAFT and issue.scheduled_for is None
    assert tasks.start_due(now=first + timedelta(days=1)) == []
    assert not Send.objects.exists()


def test_scheduling_queues_a_job_that_waits_for_its_time(
    issue, settings, django_capture_on_commit_callbacks
):
    # The database backend keeps a job until its time; the dummy one keeps
    # what it was given, so the test can read it.
    settings.TASKS = {
        **settings.TASKS,
        "background": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []},
    }
    when = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue, when)
    backend = tasks.send_scheduled.get_backend()
    assert isinstance(backend, DummyBackend)
    [job] = backend.results
    assert job.task.run_after == when and job.args == [issue.pk, when.isoformat()]


def test_an_issue_waits_for_its_article_and_goes_when_it_is_published(
    issue, django_capture_on_commit_callbacks
):
    on_list(issue, "reader@example.com")
    article = issue.articles.get().article
    article.unpublish()
    client = sender()
    page = client.get(f"/admin/newsletters/issue/{issue.pk}/")
    assert f"Send when “{article.title}” is published" in page.text
    response = client.post(
        f"/admin/newsletters/issue/{issue.pk}/schedule/", {"action": "when-published"}
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.SCHEDULED and issue.send_when_published
    assert tasks.start_due(now=timezone.now() + timedelta(days=365)) == []
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    issue.refresh_from_db()
    assert issue.status in (Issue.SENDING, Issue.SENT)
    assert [m.to for m in mail.outbox] == [["reader@example.com"]]
    assert article.title in mail.outbox[0].body
    # Publishing again (a correction) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert len(mail.outbox) == 1 and Send.objects.count() == 1


def test_only_an_issue_of_one_unpublished_article_may_wait_for_it(issue):
    client = sender()
    response = client.post(
        f"/admin/newsletters/issue/{issue.pk}/schedule/", {"action": "when-published"}
    )
    assert response.status_code == 400  # its article is live already
    issue.refresh_from_db()
    assert issue.status == Issue.DRAFT


@pytest.mark.parametrize(
    "data",
    [
        {"action": "at", "when": "yesterday"},
        {"action": "at", "when": "2001-01-01T09:00"},
        {"action": "at"},
        {"action": "launch-missiles"},
        {},
    ],
    ids=["not-a-time", "past", "no-time", "unknown-action", "nothing"],
)
def test_a_schedule_it_cannot_use_is_a_400_that_changes_nothing(issue, data):
    response = sender().post(f"/admin/newsletters/issue/{issue.pk}/schedule/", data)
    assert response.status_code == 400
    issue.refresh_from_db()
    assert issue.status == Issue.DRAFT and issue.scheduled_for is None


def test_an_editor_schedules_and_the_issue_page_says_when(issue):
    client = sender()
    when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(
        f"/admin/newsletters/issue/{issue.pk}/schedule/",
        {"action": "at", "when": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.scheduled_for == when
    page = client.get(f"/admin/newsletters/issue/{issue.pk}/")
    assert 'data-issue-status="scheduled"' in page.text and "Unschedule" in page.text
    # Only those who may send may schedule.
    composer = factories.admin_client("composer", "change_issue")
    composed = composer.post(
        f"/admin/newsletters/issue/{issue.pk}/schedule/", {"action": "unschedule"}
    )
    assert composed.status_code in (302, 403)
    issue.refresh_from_db()
    assert issue.status == Issue.SCHEDULED
    # Sending a scheduled issue now is one send; the schedule is spent.
    client.post(f"/admin/newsletters/issue/{issue.pk}/send/")
    assert tasks.start_due(now=when + timedelta(minutes=1)) == []
    assert Send.objects.filter(test_to="").count() == 1
