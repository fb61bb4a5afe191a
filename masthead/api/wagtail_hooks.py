"""API keys in the admin: made with the key shown once, revoked for good.

The new key is shown in the answer to the form that made it — a page marked
``private, no-store`` — and nowhere else: not in a message (Django's messages
travel in a signed, not encrypted, cookie and are shown on the next page), not
on any later page. Only its digest is stored.

Whether a key reads whole articles is chosen when it is made, by someone with
the ``api.grant_full_text`` permission, after giving their password again;
the creation form of anyone else has
no such box, and a key's edit form shows it without letting it change. A
revoked key stays revoked: the box cannot be unticked (the form refuses it,
and so does ``ApiKey.save``).
"""

from allauth.account.decorators import reauthentication_required
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView

from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.api.models import ApiKey

GRANT_FULL_TEXT = "api.grant_full_text"


def may_grant_full_text(user) -> bool:
    return user is not None and user.has_perm(GRANT_FULL_TEXT)


class ApiKeyForm(WagtailAdminModelForm):
    """Making a key: its name, and full text for those who may grant it.
    Editing one: its name, and revoking it; full text is shown, not editable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        making = self.instance.pk is None
        if making:
            self.fields.pop("revoked", None)  # a key is made to be used
            if not may_grant_full_text(self.for_user):
                self.fields.pop("full_text", None)
        elif "full_text" in self.fields:
            self.fields["full_text"].disabled = True  # the posted value is ignored

    def clean_full_text(self):
        full_text = self.cleaned_data.get("full_text")
        if self.instance.pk is None and full_text and not may_grant_full_text(self.for_user):
            raise ValidationError("You may not make keys that read whole articles.")
        return full_text

    def clean_revoked(self):
        revoked = self.cleaned_data.get("revoked")
        # The instance still holds what is stored: the form's values come later.
        if self.instance.revoked and not revoked:
            raise ValidationError("A revoked key stays revoked. Make a new key instead.")
        return revoked


class ApiKeyCreateView(CreateView):
    key_template_name = "api/admin/key_created.html"

    @method_decorator(reauthentication_required)
    def post(self, request, *args, **kwargs):
        """A key reads the API for whoever holds it, long after this session:
        making one asks for the password again (allauth keeps the form while
        it asks, then makes the key)."""
        return super().post(request, *args, **kwargs)

    def save_action(self):
        """The new key, in the answer to the POST that made it, never cached."""
        context = self.get_context_data(key=self.object.new_key, object=self.object)
        context["page_title"] = context["header_title"] = "API key created"
        response = TemplateResponse(self.request, self.key_template_name, context)
        patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
        return response


class ApiKeyViewSet(RoleScopedSnippetViewSet):
    model = ApiKey
    icon = "key"
    menu_label = "API keys"
    list_display = ["name", "prefix", "full_text", "revoked", "created_at", "last_used_at"]
    add_to_admin_menu = True
    menu_order = 310
    copy_view_enabled = False
    add_view_class = ApiKeyCreateView
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("full_text"), FieldPanel("revoked")],
        base_form_class=ApiKeyForm,
    )


register_snippet(ApiKeyViewSet)
