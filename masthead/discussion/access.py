"""Who may see, post, edit, delete and report comments: answered here and only here.

Readers are one of anonymous, registered (signed in, not entitled), subscriber
or staff, as ``paywall.readers`` says (``kind_of``). The site's policy decides what
each may do; a commenting ban, a closed discussion and the 15-minute edit
window narrow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from masthead.discussion.models import CommentBan, DiscussionSettings
from masthead.paywall import readers
from masthead.paywall.policy import ReaderStatus

EDIT_WINDOW = timedelta(minutes=15)
ANONYMOUS, REGISTERED, SUBSCRIBER, STAFF = "anonymous", "registered", "subscriber", "staff"


def kind_of(user) -> str:
    """The kind of an account, asked of ``paywall.readers`` like every answer
    about who a reader is."""
    return kind_of_reader(readers.for_account(user))


def kind_of_reader(reader: readers.Reader) -> str:
    if reader.status in (ReaderStatus.ANONYMOUS, ReaderStatus.CRAWLER):
        return ANONYMOUS
    if reader.status == ReaderStatus.REGISTERED:
        return REGISTERED
    return STAFF if reader.staff else SUBSCRIBER


def may_see(kind: str, policy: str) -> bool:
    """Who reads the discussion, under the site's policy: decided here only."""
    return (
        kind in (STAFF, SUBSCRIBER)
        or policy == DiscussionSettings.EVERYONE_READS
        or (policy == DiscussionSettings.REGISTERED and kind == REGISTERED)
    )


@dataclass(frozen=True)
class Abilities:
    kind: str
    see: bool
    post: bool
    closed: bool
    banned: bool


def is_closed(article, settings: DiscussionSettings, now: datetime) -> bool:
    if article.comments_closed:
        return True
    days = settings.close_after_days
    return bool(days) and article.date + timedelta(days=days) <= now


def abilities(user, article, settings: DiscussionSettings, now=None, kind=None) -> Abilities:
    now = now or timezone.now()
    kind = kind or kind_of(user)
    policy = settings.policy
    see = may_see(kind, policy)
    may_post = kind in (STAFF, SUBSCRIBER) or (
        policy == DiscussionSettings.REGISTERED and kind == REGISTERED
    )
    banned = kind != ANONYMOUS and CommentBan.objects.filter(user=user).exists()
    closed = is_closed(article, settings, now)
    return Abilities(
        kind=kind,
        see=see,
        post=see and may_post and not banned and (not closed or kind == STAFF),
        closed=closed,
        banned=banned,
    )


def can_edit(user, comment, able: Abilities, now=None) -> bool:
    now = now or timezone.now()
    return (
        able.post
        and comment.user_id == user.pk
        and not comment.is_deleted
        and now - comment.created_at <= EDIT_WINDOW
    )


def can_delete(user, comment) -> bool:
    """A reader may always take back what they wrote, subscribed or not."""
    return user.is_authenticated and comment.user_id == user.pk and not comment.is_deleted


def can_report(user, comment, able: Abilities) -> bool:
    return (
        able.see
        and able.kind != ANONYMOUS
        and comment.user_id != user.pk
        and not comment.is_deleted
    )
