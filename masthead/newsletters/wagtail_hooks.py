from django.urls import path, reverse
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.newsletters import admin_views
from masthead.newsletters.models import Issue, Newsletter, Recipient


class NewsletterViewSet(RoleScopedSnippetViewSet):
    model = Newsletter
    icon = "mail"
    list_display = ["name", "audience", "active", "offered_on_wall"]


class IssueViewSet(RoleScopedSnippetViewSet):
    model = Issue
    icon = "doc-full"
    menu_label = "Issues"
    list_display = ["subject", "newsletter", "status", "created_at"]
    list_filter = ["newsletter", "status"]
    inspect_view_enabled = True


class RecipientViewSet(RoleScopedSnippetViewSet):
    model = Recipient
    icon = "user"
    list_display = ["email", "newsletter", "status", "created_at"]
    list_filter = ["newsletter", "status"]
    search_fields = ["email"]


class NewslettersGroup(SnippetViewSetGroup):
    items = (IssueViewSet, NewsletterViewSet, RecipientViewSet)
    menu_label = "Newsletters"
    menu_icon = "mail"
    menu_order = 250


register_snippet(NewslettersGroup)


@hooks.register("register_admin_urls")
def urls():
    return [
        path("newsletters/issue/<id:pk>/", admin_views.detail, name="newsletter_issue"),
        path(
            "newsletters/issue/<id:pk>/preview/<slug:audience>/",
            admin_views.preview,
            name="newsletter_preview",
        ),
        path(
            "newsletters/issue/<id:pk>/send-test/",
            admin_views.send_test,
            name="newsletter_send_test",
        ),
        path("newsletters/issue/<id:pk>/send/", admin_views.send, name="newsletter_send_issue"),
        path(
            "newsletters/issue/<id:pk>/schedule/",
            admin_views.schedule,
            name="newsletter_schedule_issue",
        ),
        path("newsletters/send/<id:pk>/", admin_views.progress, name="newsletter_send"),
    ]


@hooks.register("register_snippet_listing_buttons")
def issue_buttons(snippet, user, next_url=None):
    from wagtail.admin.widgets import ListingButton

    if isinstance(snippet, Issue):
        yield ListingButton(
            "Preview and send", reverse("newsletter_issue", args=[snippet.pk]), priority=5
        )
