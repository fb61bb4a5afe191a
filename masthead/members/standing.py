"""An account's standing — entitled or not, banned from commenting or not — kept
in the shared cache between its requests.

Every page a signed-in reader opens needs these answers, and they change only
when something happens to the account: a subscription event, a complimentary
grant, a ban, an edit of the account. So they are computed from the database
once and kept under a per-account *version* (as is the account row itself,
``members.backends``); every such change sets a new
version (``changed``), in the change's transaction and again when it commits,
so the next request on any server misses and asks the database afresh. A
request that read the database before a change commits can only store its
answer under the version it started with, which nobody reads any more.

Time changes entitlement too (a trial or period ends, a grace period runs
out, a grant starts or ends): a kept answer is trusted only until the
earliest such moment among the account's subscriptions and grants, and
never longer than ``LONGEST`` in case something changed the database behind
the models' backs.

With the cache unreachable every request asks the database. A change made
while Redis is away cannot set its new version there; it makes a new content
generation instead (in the database), which every kept standing, thread and
page is keyed by, so none of them outlives the outage.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from masthead.cache import stored
from masthead.discussion.models import CommentBan
from masthead.localcache import LocalCache
from masthead.members import entitlements
from masthead.members.models import ComplimentaryAccess, Subscription
from masthead.newsroom import freshness

LONGEST = timedelta(minutes=5)
# A worker's own copies: the key carries the version, so a copy is never out
# of date (and its ``until`` is checked like the shared one's).
kept_standings = LocalCache(4096, shared=True)
VERSION_KEY = "masthead:standing-version:{user_id}"
# With the content generation too: when a change could not be recorded in
# Redis, a new generation lets go of every standing kept before it.
STANDING_KEY = "masthead:standing:v1:{user_id}:{version}:{generation}"
# Versions read during the current request of this thread: one cache round
# trip per account and request. Only during a request (started and finished
# by Django's signals), and forgotten whenever this process sets one.
_this_request = threading.local()


@dataclass(frozen=True)
class Standing:
    entitled: bool
    comment_banned: bool
    until: datetime  # the earliest moment the clock alone may change ``entitled``


def of(user, now: datetime | None = None, generation: str | None = None) -> Standing:
    """The account's standing now, from the cache when it is still true.
    ``generation``: the content generation this request already read."""
    now = now or timezone.now()
    generation = generation or freshness.current()
    key = STANDING_KEY.format(user_id=user.pk, version=version_of(user.pk), generation=generation)
    kept = kept_standings.get(key)  # this worker's copy, else the shared cache's
    if isinstance(kept, Standing) and now < kept.until:
        return kept
    standing = read(user, now)
    kept_standings.set(key, standing, max(1, int((standing.until - now).total_seconds()) + 1))
    return standing


def version_of(user_id: int) -> str:
    """The account's version, asked of the cache once per request."""
    versions = getattr(_this_request, "versions", None)  # None outside a request
    version = versions.get(user_id) if versions is not None else None
    if version is None:
        version = cache.get(VERSION_KEY.format(user_id=user_id))
        if version is None:
            version = _new_version(user_id, only_if_missing=True)
        if versions is not None:
            versions[user_id] = version
    return version


def remember_version(user_id: int, version: str | None) -> None:
    """The version the cache gave for this account in the current request,
    read with its other early reads (``members.prefetch``)."""
    versions = getattr(_this_request, "versions", None)
    if versions is not None and isinstance(version, str):
        versions[user_id] = version


def _request_started(**_signal_kwargs) -> None:
    _this_request.versions = {}


def _forget_versions(**_signal_kwargs) -> None:
    """Outside a request (a task worker, a command) every question asks the
    cache: such a process may live for hours."""
    _this_request.__dict__.pop("versions", None)


def read(user, now: datetime) -> Standing:
    """The standing from the database (the one entitlement question, and the ban)."""
    moments = [now + LONGEST]
    for end, past_due_since in Subscription.objects.filter(user=user).values_list(
        "current_period_end", "past_due_since"
    ):
        moments.append(end)
        if past_due_since is not None:
            moments.append(past_due_since + entitlements.grace_period())
    for starts, ends in ComplimentaryAccess.objects.filter(user=user).values_list(
        "starts_at", "ends_at"
    ):
        moments += [starts, ends]
    return Standing(
        entitled=entitlements.is_entitled(user, now),
        comment_banned=CommentBan.objects.filter(user=user).exists(),
        until=min(moment for moment in moments if moment is not None and moment > now),
    )


def changed(user_id: int | None) -> None:
    """Something about this account changed: its next request, on any server,
    reads its standing from the database. Call it inside the change's
    transaction; it repeats itself when that commits."""
    if user_id is None:
        return
    _new_version(user_id)
    transaction.on_commit(lambda: _new_version(user_id))


def _new_version(user_id: int, *, only_if_missing: bool = False) -> str:
    versions = getattr(_this_request, "versions", None)
    if versions is not None:
        versions.pop(user_id, None)
    key = VERSION_KEY.format(user_id=user_id)
    version = secrets.token_hex(6)
    if only_if_missing:
        if not cache.add(key, version, timeout=None):
            return cache.get(key) or version
        return version
    if not stored(key, version):
        # Redis is away: the change could not be recorded where every worker
        # looks, so every kept standing (and page) is let go instead.
        freshness.bump()
    return version


def connect() -> None:
    """Every change that can change an account's standing sets a new version."""

    def owner_changed(sender, instance, **kwargs):
        changed(instance.user_id)

    def owner_moving(sender, instance, raw=False, **kwargs):
        # A grant, subscription or ban given to another account in the admin:
        # the account it leaves changes too.
        if raw or instance.pk is None:
            return
        before = sender.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        if before is not None and before != instance.user_id:
            changed(before)

    def account_changed(sender, instance, **kwargs):
        # Any save, signing in's last_login too: each worker keeps the account
        # row itself under this version (``members.backends``).
        changed(instance.pk)

    for model in (Subscription, ComplimentaryAccess, CommentBan):
        pre_save.connect(
            owner_moving,
            sender=model,
            dispatch_uid=f"standing-move-{model._meta.label}",
            weak=False,
        )
        for signal in (post_save, post_delete):
            signal.connect(
                owner_changed,
                sender=model,
                dispatch_uid=f"standing-{signal is post_save}-{model._meta.label}",
                weak=False,
            )
    request_started.connect(_request_started, dispatch_uid="standing-request", weak=False)
    request_finished.connect(_forget_versions, dispatch_uid="standing-request-done", weak=False)
    user = get_user_model()
    post_save.connect(account_changed, sender=user, dispatch_uid="standing-account", weak=False)
    post_delete.connect(
        account_changed, sender=user, dispatch_uid="standing-account-gone", weak=False
    )
