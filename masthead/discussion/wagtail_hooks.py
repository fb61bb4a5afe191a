"""Moderation in the admin: reported comments first, hide/unhide/approve, bans."""

from django.db.models import Count, Q
from django.utils.html import format_html_join
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import InspectView, SnippetViewSetGroup

from masthead.account_fields import AccountModelForm, AccountPanel
from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.discussion.models import Comment, CommentBan, CommentReport, public_name


class PublicNames:
    """Moderators see readers by the name their comments carry
    (``public_name``), never by username (an email's first part)."""

    NAMED = {"user": "Commenter", "reporter": "Reporter"}

    def get_field_label(self, field_name, field):
        if field_name in self.NAMED:
            return self.NAMED[field_name]
        return super().get_field_label(field_name, field)

    def get_user_display_value(self):
        return public_name(self.object.user)

    def get_reporter_display_value(self):
        return public_name(self.object.reporter)


class ReportInspectView(PublicNames, InspectView):
    pass


class ReportViewSet(RoleScopedSnippetViewSet):
    """The queue: open reports, newest first. Mark one resolved once dealt with."""

    model = CommentReport
    icon = "warning"
    menu_label = "Reported comments"
    list_display = [
        "comment",
        "reason",
        Column("reporter", label="Reporter", accessor=lambda r: public_name(r.reporter)),
        "created_at",
        "resolved",
    ]
    list_filter = ["resolved"]
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = ReportInspectView


class CommentInspectView(PublicNames, InspectView):
    """A comment, with the texts its author replaced by editing it."""

    def get_fields(self):
        return [*super().get_fields(), "revisions"]

    def get_field_label(self, field_name, field):
        if field_name == "revisions":
            return "Earlier texts"
        return super().get_field_label(field_name, field)

    def get_revisions_display_value(self):
        earlier = [(f"{r.written_at:%Y-%m-%d %H:%M}", r.text) for r in self.object.history()]
        return format_html_join("", "<p>{}: {}</p>", earlier) or "None"


class CommentViewSet(RoleScopedSnippetViewSet):
    """Every comment; change its status to hide, unhide or approve it."""

    model = Comment
    icon = "comment"
    menu_label = "Comments"
    list_display = [
        "text",
        Column("user", label="Commenter", accessor="commenter"),
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
    inspect_view_class = CommentInspectView

    def get_queryset(self, request):
        return Comment.objects.select_related("user", "article").annotate(
            open_reports=Count("reports", filter=Q(reports__resolved=False))
        )


def commenters() -> Q:
    return Q(pk__in=Comment.objects.exclude(user=None).values("user_id"))


def commenter_name(user) -> str:
    """The name the reader's comments are signed with, and the account's number."""

    return f"{public_name(user)} (account {user.pk})"


class BanForm(AccountModelForm):
    # Moderators ban people who comment: the picker offers commenters, by the
    # name their comments carry, to moderators who may not see accounts.
    account_fields = {"user": (commenters, commenter_name)}


class BanViewSet(RoleScopedSnippetViewSet):
    model = CommentBan
    icon = "cross"
    menu_label = "Commenting bans"
    list_display = [
        Column("user", label="Reader", accessor=lambda b: public_name(b.user)),
        "reason",
        "created_at",
    ]
    copy_view_enabled = False
    edit_handler = ObjectList([AccountPanel("user"), FieldPanel("reason")], base_form_class=BanForm)


class DiscussionGroup(SnippetViewSetGroup):
    items = (ReportViewSet, CommentViewSet, BanViewSet)
    menu_icon = "comment"
    menu_label = "Discussion"
    menu_order = 280


register_snippet(DiscussionGroup)
