"""Who may see, post, edit, delete and report comments: answered here and only here.

Readers are one of anonymous, registered (signed in, not entitled), subscriber
or staff, as ``paywall.readers`` says (``Reader.kind``), and carry whether a
moderator banned them (``Reader.comment_banned``). The site's policy decides what
each may do; a commenting ban, a closed discussion and the 15-minute edit
window narrow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from masthead.discussion.models import DiscussionSettings
from masthead.paywall import readers

EDIT_WINDOW = timedelta(minutes=15)
ANONYMOUS, REGISTERED, SUBSCRIBER, STAFF = (
    readers.ANONYMOUS,
    readers.REGISTERED,
    readers.SUBSCRIBER,
    readers.STAFF,
)


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
    user_id: int | None = None


def is_closed(article, settings: DiscussionSettings, now: datetime) -> bool:
    if article.comments_closed:
        return True
    days = settings.close_after_days
    return bool(days) and article.date + timedelta(days=days) <= now


def abilities(reader: readers.Reader, article, settings: DiscussionSettings, now=None) -> Abilities:
    """What this reader may do in this article's discussion, now."""
    now = now or timezone.now()
    kind = reader.kind
    policy = settings.policy
    see = may_see(kind, policy)
    may_post = kind in (STAFF, SUBSCRIBER) or (
        policy == DiscussionSettings.REGISTERED and kind == REGISTERED
    )
    banned = kind != ANONYMOUS and reader.comment_banned
    closed = is_closed(article, settings, now)
    return Abilities(
        kind=kind,
        see=see,
        post=see and may_post and not banned and (not closed or kind == STAFF),
        closed=closed,
        banned=banned,
        user_id=reader.user_id,
    )


def can_edit(able: Abilities, comment, now=None) -> bool:
    now = now or timezone.now()
    return (
        able.post
        and able.user_id is not None
        and comment.user_id == able.user_id
        and not comment.is_deleted
        and now - comment.created_at <= EDIT_WINDOW
    )


def can_delete(able: Abilities, comment) -> bool:
    """A reader may always take back what they wrote, subscribed or not."""
    return able.user_id is not None and comment.user_id == able.user_id and not comment.is_deleted


def can_report(able: Abilities, comment) -> bool:
    return (
        able.see
        and able.kind != ANONYMOUS
        and comment.user_id != able.user_id
        and not comment.is_deleted
    )
