from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.members.models import ComplimentaryAccess


class ComplimentaryAccessViewSet(SnippetViewSet):
    model = ComplimentaryAccess
    icon = "user"
    menu_label = "Complimentary access"
    list_display = ["user", "reason", "starts_at", "ends_at"]
    add_to_admin_menu = True
    menu_order = 300


register_snippet(ComplimentaryAccessViewSet)
