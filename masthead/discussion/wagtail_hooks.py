"""Moderation in the admin: reported comments first, hide/unhide/approve, bans."""

from django.db.models import Count, Q
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from masthead.discussion.models import Comment, CommentBan, CommentReport


class ReportViewSet(SnippetViewSet):
    """The queue: open reports, newest first. Mark one resolved once dealt with."""

    model = CommentReport
    icon = "warning"
    menu_label = "Reported comments"
    list_display = ["comment", "reason", "reporter", "created_at", "resolved"]
    list_filter = ["resolved"]
    copy_view_enabled = False
    inspect_view_enabled = True


class CommentViewSet(SnippetViewSet):
    """Every comment; change its status to hide, unhide or approve it."""

    model = Comment
    icon = "comment"
    menu_label = "Comments"
    list_display = [
        "text",
        "user",
        "article",
        "status",
        "created_at",
        # An annotation, not a field: the column says how to show and sort it.
        Column("open_reports", label="Open reports", sort_key="open_reports"),
    ]
    list_filter = ["status", "staff"]
    search_fields = ["text"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_queryset(self, request):
        return Comment.objects.select_related("user", "article").annotate(
            open_reports=Count("reports", filter=Q(reports__resolved=False))
        )


class BanViewSet(SnippetViewSet):
    model = CommentBan
    icon = "cross"
    menu_label = "Commenting bans"
    list_display = ["user", "reason", "created_at"]
    copy_view_enabled = False


class DiscussionGroup(SnippetViewSetGroup):
    items = (ReportViewSet, CommentViewSet, BanViewSet)
    menu_icon = "comment"
    menu_label = "Discussion"
    menu_order = 280


register_snippet(DiscussionGroup)
