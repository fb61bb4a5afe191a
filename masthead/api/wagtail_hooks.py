from django.contrib import messages
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.api.models import ApiKey


class ApiKeyViewSet(SnippetViewSet):
    model = ApiKey
    icon = "key"
    menu_label = "API keys"
    list_display = ["name", "prefix", "full_text", "revoked", "created_at", "last_used_at"]
    add_to_admin_menu = True
    menu_order = 310
    copy_view_enabled = False


register_snippet(ApiKeyViewSet)


@hooks.register("after_create_snippet")
def show_new_key_once(request, instance):
    if isinstance(instance, ApiKey) and getattr(instance, "new_key", None):
        messages.warning(
            request,
            f"The key for {instance.name} is {instance.new_key} — copy it now: it is not "
            "stored and cannot be shown again.",
        )
