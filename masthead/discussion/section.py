"""The discussion under an article, rendered per request into the page's
``discussion`` slot (see ``masthead.newsroom.rendering``).

A reader who may not see the comments gets the prompt, which holds no comment
text at all; it is the same for every such reader of an article, so it is
cached until the next comment or content change. A reader who may see them
gets the thread, rendered fresh.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import get_random_string

from masthead.discussion import access
from masthead.discussion.models import Comment, DiscussionSettings
from masthead.localcache import LocalCache
from masthead.newsroom import freshness
from masthead.newsroom.models import ArticlePage
from masthead.paywall import readers


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


def prompt_key(request, article_pk: int, kind: str) -> str:
    return f"masthead:discussion-prompt:v1:{freshness.current(request)}:{article_pk}:{kind}"


def forget_prompts(article_pk: int) -> None:
    """After a comment changes: the next prompt shows the new count (in other
    workers, within PROMPT_LOCAL_SECONDS)."""
    local_prompts.clear()
    generation = freshness.current()
    cache.delete_many(
        [
            f"masthead:discussion-prompt:v1:{generation}:{article_pk}:{kind}"
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
    kind = access.kind_of_reader(reader)
    if not access.may_see(kind, settings.policy):
        return _prompt(request, article_pk, kind, settings)
    return _thread(request, article_pk, kind, settings)


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


def thread(article, viewer, kind: str, order: str):
    """Top-level comments (newest or oldest first), each with its replies (oldest
    first). Deleted comments with replies stay as placeholders; hidden and held
    ones are shown only to staff, and held ones to their writer."""
    comments = Comment.objects.filter(article=article).select_related("user")
    if kind != access.STAFF:
        mine = Q(user_id=viewer.pk, status=Comment.HELD) if viewer.is_authenticated else Q()
        comments = (
            comments.filter(Q(status=Comment.VISIBLE) | mine)
            if mine
            else comments.filter(status=Comment.VISIBLE)
        )
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


def _thread(request, article_pk, kind, settings) -> str:
    # What the discussion needs of the article, not its body.
    article = ArticlePage.objects.only(
        "pk", "title", "url_path", "path", "depth", "date", "comments_closed"
    ).get(pk=article_pk)
    now = timezone.now()
    able = access.abilities(request.user, article, settings, now=now, kind=kind)
    comments = thread(article, request.user, kind, settings.order)
    for comment in comments:
        for item in [comment, *comment.shown_replies]:
            item.may_edit = access.can_edit(request.user, item, able, now)
            item.may_delete = access.can_delete(request.user, item)
            item.may_report = access.can_report(request.user, item, able)
    notices = [m for m in messages.get_messages(request) if MESSAGE_TAG in (m.extra_tags or "")]
    return render_to_string(
        "discussion/section.html",
        {
            "article": article,
            "comments": comments,
            "count": sum(
                (not c.is_deleted and c.status == Comment.VISIBLE)
                + sum(r.status == Comment.VISIBLE for r in c.shown_replies)
                for c in comments
            ),
            "able": able,
            "settings": settings,
            "token": get_random_string(32),
            "notices": notices,
        },
        request=request,
    )
