"""Posting, editing, deleting and reporting comments: plain forms, no JavaScript needed.

Every action answers with a redirect to the article's discussion, or with a
page that says what was wrong (and keeps what the reader wrote). Nothing is
written unless everything checks out.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from masthead import inputs, locales
from masthead.discussion import access, section, text
from masthead.discussion.models import Comment, CommentReport
from masthead.newsroom.models import ArticlePage
from masthead.paywall import readers

TAG = section.MESSAGE_TAG


def _article_and_abilities(request, article_pk):
    article = get_object_or_404(ArticlePage.objects.live().public(), pk=article_pk)
    settings = section.settings_for(request)
    return article, settings, access.abilities(readers.identify(request), article, settings)


def _back(article, request, anchor="comments"):
    return redirect(f"{article.get_url(request)}#{anchor}")


def _problem(request, article, message, status, draft=""):
    return render(
        request,
        "discussion/problem.html",
        {"article": article, "message": message, "draft": draft},
        status=status,
    )


def _too_long(limit: int, length: int) -> str:
    """Why a comment was refused for its length: the limit, and how long it is."""
    return ngettext(
        "Comments are limited to %(limit)s character; yours has %(length)s.",
        "Comments are limited to %(limit)s characters; yours has %(length)s.",
        limit,
    ) % {"limit": locales.number(limit), "length": locales.number(length)}


def is_newsroom(user, article) -> bool:
    """Editors, and the article's own authors, reply with a staff badge."""
    if readers.for_account(user).staff:
        return True
    return article.article_authors.filter(author__account=user).exists()


@login_required
@require_POST
def post(request, article_pk):
    article, settings, able = _article_and_abilities(request, article_pk)
    raw = request.POST.get("text", "")
    if not able.post:
        reason = (
            _("You may not comment: your commenting privileges have been withdrawn.")
            if able.banned
            else _("Comments on this article are closed.")
            if able.closed and able.see
            else _("Only subscribers may comment on this article.")
        )
        return _problem(request, article, reason, 403, raw)
    body = text.clean_input(raw)
    if not body:
        return _problem(request, article, _("Your comment is empty."), 400, raw)
    if len(body) > settings.max_length:
        return _problem(
            request,
            article,
            _too_long(settings.max_length, len(body)),
            400,
            raw,
        )
    token = request.POST.get("token", "")
    if not (16 <= len(token) <= 40 and token.isalnum()):
        return _problem(request, article, _("This form has expired; please try again."), 400, raw)
    parent = None
    parent_id = request.POST.get("parent", "")
    if parent_id:
        parent = Comment.objects.filter(
            pk=inputs.object_id(parent_id) or 0,
            article=article,
            parent__isnull=True,
            status=Comment.VISIBLE,
            deleted_at__isnull=True,
        ).first()
        if parent is None:
            return _problem(
                request, article, _("That comment can no longer be replied to."), 400, raw
            )

    staff = is_newsroom(request.user, article)
    with transaction.atomic():
        # One post at a time per account: the row lock makes "count the last
        # minute's comments, then add one" atomic, so parallel posts cannot
        # all slip under the limit (SQLite's write lock does the same there).
        if not get_user_model().objects.select_for_update().filter(pk=request.user.pk).exists():
            # The account was deleted while this post was on its way.
            return _problem(request, article, _("This account no longer exists."), 403, raw)
        existing = Comment.objects.filter(user=request.user, token=token).first()
        if existing is not None:  # the same form submitted twice
            return _back(article, request, f"comment-{existing.pk}")
        now = timezone.now()
        recent = Comment.objects.filter(
            user=request.user, created_at__gt=now - timedelta(minutes=1)
        )
        if recent.count() >= settings.per_minute:
            return _problem(
                request,
                article,
                ngettext(
                    "You can post %(count)s comment a minute. Please wait a moment "
                    "and send it again.",
                    "You can post %(count)s comments a minute. Please wait a moment "
                    "and send it again.",
                    settings.per_minute,
                )
                % {"count": locales.number(settings.per_minute)},
                429,
                raw,
            )
        held = (
            settings.hold_first_comment
            and able.kind != access.STAFF
            and not Comment.objects.filter(user=request.user, status=Comment.VISIBLE).exists()
        )
        comment = Comment.objects.create(
            article=article,
            user=request.user,
            parent=parent,
            text=body,
            token=token,
            status=Comment.HELD if held else Comment.VISIBLE,
            was_held=held,
            staff=staff,
            created_at=now,
        )
    if held:
        messages.info(
            request, _("Thanks! Your first comment will appear once a moderator approves it."), TAG
        )
    return _back(article, request, f"comment-{comment.pk}")


def _own_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    return comment, comment.article.specific


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk):
    comment, article = _own_comment(request, pk)
    settings = section.settings_for(request)
    able = access.abilities(readers.identify(request), article, settings)
    if not access.can_edit(able, comment):
        return _problem(
            request,
            article,
            _("You can edit your own comments for 15 minutes after posting them."),
            403,
        )
    if request.method == "POST":
        body = text.clean_input(request.POST.get("text", ""))
        if not body or len(body) > settings.max_length:
            return render(
                request,
                "discussion/edit.html",
                {
                    "comment": comment,
                    "article": article,
                    "draft": request.POST.get("text", ""),
                    "error": ngettext(
                        "A comment has 1 to %(limit)s character.",
                        "A comment has 1 to %(limit)s characters.",
                        settings.max_length,
                    )
                    % {"limit": locales.number(settings.max_length)},
                },
                status=400,
            )
        with transaction.atomic():
            locked = Comment.objects.select_for_update().get(pk=comment.pk)
            if locked.rewrite(body) and locked.status == Comment.HELD:
                messages.info(
                    request, _("Thanks! Your edit will appear once a moderator approves it."), TAG
                )
        return _back(article, request, f"comment-{comment.pk}")
    return render(
        request,
        "discussion/edit.html",
        {"comment": comment, "article": article, "draft": comment.text},
    )


@login_required
@require_POST
def delete(request, pk):
    comment, article = _own_comment(request, pk)
    able = access.abilities(readers.identify(request), article, section.settings_for(request))
    if not access.can_delete(able, comment):
        return HttpResponseForbidden(_("You can delete only your own comments."))
    with transaction.atomic():
        comment.deleted_at = timezone.now()
        comment.text = ""  # taken back means gone, not hidden: earlier texts too
        comment.save(update_fields=["deleted_at", "text"])
        comment.revisions.all().delete()
    messages.success(request, _("Your comment was deleted."), TAG)
    return _back(article, request)


@login_required
@require_POST
def report(request, pk):
    comment, article = _own_comment(request, pk)
    able = access.abilities(readers.identify(request), article, section.settings_for(request))
    if comment.status != Comment.VISIBLE or not access.can_report(able, comment):
        return HttpResponseForbidden(_("You cannot report this comment."))
    reason = request.POST.get("reason", "").strip()[:300]
    CommentReport.objects.get_or_create(
        comment=comment, reporter=request.user, defaults={"reason": reason}
    )
    messages.success(request, _("Thank you. A moderator will look at this comment."), TAG)
    return _back(article, request, f"comment-{comment.pk}")
