"""The discussion under an article, rendered per request into the page's
``discussion`` slot (see ``masthead.newsroom.rendering``).

A reader who may not see the comments gets the prompt, which holds no comment
text at all; it is the same for every such reader of an article, so it is
cached until the next comment or content change. A reader who may see them
gets the thread: rendered once per article, comment token (``comments_token``,
new on every change to a comment there) and view (readers, or staff, who also
see held and hidden comments), with markers where each reader's own controls
go — the compose form or why not, edit, delete and report, reply forms —
filled per request. A reader whose own comment awaits approval is the one
reader who sees it, so their thread is built for them alone.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.template.loader import render_to_string
from django.utils import timezone, translation

from masthead import locales
from masthead.cache import stored
from masthead.discussion import access
from masthead.discussion.models import Comment, DiscussionSettings
from masthead.localcache import LocalCache
from masthead.newsroom import freshness
from masthead.newsroom.models import ArticlePage
from masthead.paywall import readers
from masthead.security import csrf_token
from masthead.stencil import Stencil


def prompt_ttl() -> int:
    """Until the next comment when the cache is shared (Redis): a change clears it
    for every worker. A per-process cache is cleared only in the worker that saw
    the change, so there the count may lag by up to a minute."""
    from django.conf import settings

    shared = "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
    return 3600 if shared else 60


MESSAGE_TAG = "discussion"


def settings_for(request) -> DiscussionSettings:
    key = f"masthead:discussion-settings:v1:{freshness.current(request)}:{request.get_host()}"
    found = settings_cache.get(key)
    if found is None:
        found = DiscussionSettings.for_request(request)
        settings_cache.set(key, found)
    return found


def language() -> str:
    """The language a prompt, thread or control is rendered in: part of every
    key they are kept under, so no reader gets another language's copy."""
    return translation.get_language() or django_settings.LANGUAGE_CODE


def _prompt_key(generation: str, language_code: str, article_pk: int, kind: str) -> str:
    return f"masthead:discussion-prompt:v2:{generation}:{language_code}:{article_pk}:{kind}"


def prompt_key(request, article_pk: int, kind: str) -> str:
    return _prompt_key(freshness.current(request), locales.of(request), article_pk, kind)


def forget_prompts(article_pk: int) -> None:
    """After a comment changes: the next prompt shows the new count, in every
    language (in other workers, within PROMPT_LOCAL_SECONDS)."""
    local_prompts.clear()
    generation = freshness.current()
    languages = {django_settings.LANGUAGE_CODE, *(code for code, _ in django_settings.LANGUAGES)}
    cache.delete_many(
        [
            _prompt_key(generation, code, article_pk, kind)
            for code in sorted(languages)
            for kind in (access.ANONYMOUS, access.REGISTERED)
        ]
    )


def visible_count(article_pk: int) -> int:
    return Comment.objects.filter(
        article_id=article_pk, status=Comment.VISIBLE, deleted_at__isnull=True
    ).count()


def render(request, article_pk: int, reader: readers.Reader) -> str:
    """The discussion for ``reader``: the one the paywall identified for this
    request and decided the article for."""
    settings = settings_for(request)
    kind = reader.kind
    if not access.may_see(kind, settings.policy):
        return _prompt(request, article_pk, kind, settings)
    return _thread(request, article_pk, reader, settings)


# How long a worker reuses a prompt it has seen (the count may lag this long).
PROMPT_LOCAL_SECONDS = 5
# A per-process memo: it spares a shared-cache round trip on every page view,
# at the price of a comment count that may lag by that long in other workers.
local_prompts = LocalCache(1024, seconds=PROMPT_LOCAL_SECONDS)
# The site's discussion settings, per generation and host (like the renderer's
# shells: keyed by the generation, so a copy is never stale).
settings_cache = LocalCache(64, shared=True)


def _prompt(request, article_pk, kind, settings) -> str:
    key = prompt_key(request, article_pk, kind)
    html = local_prompts.get(key)
    if html is not None:
        return html
    html = cache.get(key)
    if html is None:
        article = ArticlePage.objects.only("url_path").get(pk=article_pk)
        html = render_to_string(
            "discussion/prompt.html",
            {
                "count": visible_count(article_pk),
                "settings": settings,
                "signed_in": kind != access.ANONYMOUS,
                "article_path": article.get_url(request),
            },
            request=None,  # the same for every reader of this kind: no CSRF token, no user
        )
        cache.set(key, html, prompt_ttl())
    local_prompts.set(key, html)
    return html


def thread(article_pk: int, kind: str, order: str, held_of: int | None = None):
    """Top-level comments (newest or oldest first), each with its replies (oldest
    first). Deleted comments with replies stay as placeholders; hidden and held
    ones are shown only to staff, and held ones to their writer (``held_of``)."""
    comments = Comment.objects.filter(article_id=article_pk).select_related("user")
    if kind != access.STAFF:
        shown = Q(status=Comment.VISIBLE)
        if held_of is not None:
            shown |= Q(user_id=held_of, status=Comment.HELD)
        comments = comments.filter(shown)
    replies = defaultdict(list)
    top = []
    for comment in comments:
        if comment.parent_id:
            if not comment.is_deleted:
                replies[comment.parent_id].append(comment)
        else:
            top.append(comment)
    shown = []
    for comment in top:
        comment.shown_replies = replies.get(comment.pk, [])
        if comment.is_deleted and not comment.shown_replies:
            continue
        shown.append(comment)
    if order == DiscussionSettings.NEWEST:
        shown.reverse()
    return shown


class Subject(NamedTuple):
    """What the discussion needs of its article (never its body)."""

    pk: int
    url: str
    date: datetime
    comments_closed: bool


class Shown(NamedTuple):
    """What a reader's controls on one shown comment depend on."""

    pk: int
    user_id: int | None
    created_at: datetime
    is_deleted: bool


class Thread(NamedTuple):
    """A thread as every reader of one view sees it: markup with a marker where
    each reader's own controls go, and what filling them needs."""

    subject: Subject
    html: str
    shown: dict[int, Shown]
    held_writers: frozenset[int]  # readers with a comment awaiting approval here


MARKER = re.compile(r"<!--mh:(compose|actions|reply)(?::(\d+))?-->")
# Stands for a comment's id while a control is rendered once for all comments.
SOME_COMMENT = 2_147_483_647
threads = LocalCache(256, shared=True)


def token_key(article_pk: int) -> str:
    return f"masthead:discussion-comments:{article_pk}"


def comments_token(article_pk: int, request=None) -> str:
    """Changes whenever anything under this article's comments changes. Asked
    of the cache once per request; a signed-in reader's request may have
    asked already, with its other early reads (``remember_token``)."""
    early = getattr(request, "_masthead_comment_tokens", None) or {}
    token = early.get(article_pk)
    if token is not None:
        return token
    key = token_key(article_pk)
    token = cache.get(key)
    if token is None:
        token = secrets.token_hex(6)
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
    return token


def remember_token(request, article_pk: int, token) -> None:
    """The token the cache gave at the start of this request
    (``members.prefetch``); absent, ``comments_token`` asks again."""
    if isinstance(token, str):
        request.__dict__.setdefault("_masthead_comment_tokens", {})[article_pk] = token


def comments_changed(article_pk: int) -> None:
    """A comment under this article changed: its thread and prompts are stale on
    every server. Called inside the change's transaction and again on commit,
    so no request can keep the old thread under the new token."""

    def forget():
        key = token_key(article_pk)
        if not stored(key, secrets.token_hex(6)):
            # Redis is away: the new token cannot reach the other workers, so
            # a new content generation (in the database) lets go of every
            # kept thread and prompt instead.
            freshness.bump()
        forget_prompts(article_pk)

    forget()
    transaction.on_commit(forget)


def _thread(request, article_pk, reader, settings) -> str:
    kind = reader.kind
    view = "staff" if kind == access.STAFF else "readers"
    key = ":".join(
        [
            "masthead:discussion-thread:v1",
            freshness.current(request),
            request.get_host(),
            language(),
            str(article_pk),
            comments_token(article_pk, request),
            view,
        ]
    )
    found = threads.get(key)  # this worker's copy, else the shared cache's
    if not isinstance(found, Thread):
        found = _build(request, article_pk, kind, settings)
        threads.set(key, found, THREAD_TTL)
    if kind != access.STAFF and reader.user_id in found.held_writers:
        # Their own comment awaits approval: only they see it, so theirs is
        # built for them alone.
        found = _build(request, article_pk, kind, settings, held_of=reader.user_id)
        key += f":held-of:{reader.user_id}"
    return _fill(request, found, reader, settings, key)


# How long a thread is kept when nothing changes (it changes with its token).
THREAD_TTL = 24 * 3600


def _build(request, article_pk, kind, settings, held_of=None) -> Thread:
    article = ArticlePage.objects.only(
        "pk", "title", "url_path", "path", "depth", "date", "comments_closed"
    ).get(pk=article_pk)
    subject = Subject(article.pk, article.get_url(request), article.date, article.comments_closed)
    comments = thread(article_pk, kind, settings.order, held_of=held_of)
    everything = [item for comment in comments for item in [comment, *comment.shown_replies]]
    held_writers = frozenset(
        Comment.objects.filter(article_id=article_pk, status=Comment.HELD)
        .exclude(user_id=None)
        .values_list("user_id", flat=True)
    )
    html = render_to_string(
        "discussion/section.html",
        {
            "comments": comments,
            "count": sum(
                (not c.is_deleted and c.status == Comment.VISIBLE)
                + sum(r.status == Comment.VISIBLE for r in c.shown_replies)
                for c in comments
            ),
        },
        request=None,  # shared by every reader of this view: no token, no user
    )
    shown = {c.pk: Shown(c.pk, c.user_id, c.created_at, c.is_deleted) for c in everything}
    return Thread(subject, html, shown, held_writers)


def _fill(request, found: Thread, reader, settings, key: str) -> str:
    """The thread with this reader's controls: the compose form or why not,
    edit, delete and report on each comment, a reply form under each thread.

    Readers whose controls are the same — the same abilities here and the
    same own comments with the same edit window — get the same filled thread,
    so it is filled once per worker for all of them (``filled``, keyed by the
    thread's key and all of that), with stand-ins for the CSRF and form
    tokens that each request replaces with its own. A reader just back from
    posting, with a notice to show, gets theirs filled for them alone."""
    now = timezone.now()
    able = access.abilities(reader, found.subject, settings, now=now)
    notices = [m for m in messages.get_messages(request) if MESSAGE_TAG in (m.extra_tags or "")]
    form_token = secrets.token_hex(16)
    if notices:
        html = _fill_each(request, found, able, settings, now, notices, form_token)
    else:
        own = tuple(
            (c.pk, access.can_edit(able, c, now), access.can_delete(able, c))
            for c in found.shown.values()
            if able.user_id is not None and c.user_id == able.user_id
        )
        signature = repr((key, able.kind, able.see, able.post, able.closed, able.banned))
        signature += repr((able.user_id is not None, settings.max_length, own))
        stencil = filled.get(signature)
        if stencil is None:
            html = _fill_each(request, found, able, settings, now, [], FORM_TOKEN_STAND_IN)
            stencil = Stencil.at_every(html, [CSRF_STAND_IN, FORM_TOKEN_STAND_IN])
            filled.set(signature, stencil)
        return stencil.fill({CSRF_STAND_IN: csrf_token(request), FORM_TOKEN_STAND_IN: form_token})
    return html.replace(CSRF_STAND_IN, csrf_token(request)).replace(FORM_TOKEN_STAND_IN, form_token)


# Filled threads, by everything a reader's controls depend on (see ``_fill``),
# cut at their stand-ins.
filled = LocalCache(128)


def _fill_each(request, found: Thread, able, settings, now, notices, form_token) -> str:
    """Each control is rendered once per worker for a stand-in comment
    (``control_html``), and given each comment's id here."""
    generation = freshness.current(request)
    # A page holds a control for nearly every comment, but only a handful of
    # different ones: each is made once.
    made = {}

    def made_once(template, **flags):
        key = (template, *flags.items())
        html = made.get(key)
        if html is None:
            html = made[key] = control_html(
                generation, template, found.subject, able, settings, **flags
            )
        return html

    def control(match):
        what, pk = match.group(1), match.group(2)
        if what == "compose":
            if notices:  # after the reader's own action: theirs alone
                context = {"article": found.subject, "able": able, "settings": settings}
                return render_to_string(
                    "discussion/compose.html",
                    {
                        **context,
                        "notices": notices,
                        "token": form_token,
                        "csrf_token": CSRF_STAND_IN,  # over the context processor's
                    },
                    request=request,
                )
            return made_once("discussion/compose.html")
        comment = found.shown.get(int(pk))
        if comment is None:
            return ""
        if what == "reply":
            html = made_once("discussion/reply.html") if able.post else ""
        else:
            html = made_once(
                "discussion/actions.html",
                may_edit=access.can_edit(able, comment, now),
                may_delete=access.can_delete(able, comment),
                may_report=access.can_report(able, comment),
            )
        return html.replace(str(SOME_COMMENT), pk)

    return MARKER.sub(control, found.html)


# What stands for the request's CSRF token and the form's double-submit token
# in a control rendered for every reader (neither can appear in a template's
# own output: the rest of a control is fixed markup and numbers).
# They are chosen afresh by each process, so no comment can hold one: the
# filled thread is replaced whole, comments and all.
CSRF_STAND_IN = f"masthead-csrf-{secrets.token_hex(12)}"
FORM_TOKEN_STAND_IN = f"masthead-form-{secrets.token_hex(12)}"
# Controls differ only by what their key names; keyed by the content
# generation too, so an article moved or a setting changed renders afresh.
controls = LocalCache(1024)


def control_html(generation, template, subject, able, settings, **flags) -> str:
    key = repr(
        (
            generation,
            language(),
            template,
            subject,
            able.see,
            able.post,
            able.closed,
            able.banned,
            able.user_id is not None,
            settings.max_length,
            sorted(flags.items()),
        )
    )
    html = controls.get(key)
    if html is None:
        html = render_to_string(
            template,
            {
                "article": subject,
                "able": able,
                "settings": settings,
                "comment": {"pk": SOME_COMMENT, **flags},
                "token": FORM_TOKEN_STAND_IN,
                "csrf_token": CSRF_STAND_IN,
            },
        )
        controls.set(key, html)
    return html


def connect() -> None:
    """Any change to a comment (a post, an edit, a deletion, a moderator hiding
    one) or to how its writer is named shows on the next page view."""

    def comment_changed(sender, instance, **kwargs):
        comments_changed(instance.article_id)

    def account_changed(sender, instance, update_fields=None, **kwargs):
        # Signing in saves last_login only; a name shown under comments did not change.
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            return
        for article_id in (
            Comment.objects.filter(user_id=instance.pk)
            .values_list("article_id", flat=True)
            .distinct()
        ):
            comments_changed(article_id)

    for signal in (post_save, post_delete):
        signal.connect(
            comment_changed,
            sender=Comment,
            dispatch_uid=f"discussion-comment-{signal is post_save}",
            weak=False,
        )
    post_save.connect(
        account_changed, sender=get_user_model(), dispatch_uid="discussion-names", weak=False
    )
    # An account deleted elsewhere than "delete my account" (which says so
    # itself): its kept comments lose their name, seen while they still have it.
    pre_delete.connect(
        account_changed, sender=get_user_model(), dispatch_uid="discussion-gone", weak=False
    )
