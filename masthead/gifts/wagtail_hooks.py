"""Gift links in the admin (Snippets → Gift links): editors make links for
newsletters, social posts and partners, with their own expiry and number of
browsers and no monthly limit, and revoke any link, a subscriber's too."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, InspectView

from masthead import inputs
from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.gifts.models import GiftLink, default_expiry
from masthead.newsroom.models import Access, ArticlePage
from masthead.paywall.models import PaywallSettings


class GiftLinkForm(WagtailAdminModelForm):
    revoked = forms.BooleanField(
        required=False, help_text="A revoked link opens nothing, from the next request on."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = ArticlePage.objects.live().exclude(access=Access.FREE)
        if self.instance.pk:
            self.fields["article"].disabled = True  # a link keeps the article it was made for
            self.fields["revoked"].initial = self.instance.revoked_at is not None

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at and not self.instance.pk and expires_at <= timezone.now():
            raise forms.ValidationError("A new link must open the article for a while.")
        return expires_at

    def clean_max_browsers(self):
        value = self.cleaned_data["max_browsers"]
        if value is not None and value < 1:
            raise forms.ValidationError("At least one browser.")
        if value is not None and self.instance.pk and value < self.instance.browsers:
            raise forms.ValidationError(
                f"{self.instance.browsers} browsers have opened it already."
            )
        return value

    def save(self, commit=True):
        link = super().save(commit=False)
        revoked = self.cleaned_data.get("revoked")
        if revoked and link.revoked_at is None:
            link.revoked_at = timezone.now()
        elif not revoked:
            link.revoked_at = None
        if commit:
            link.save()
        return link


class GiftCreateView(CreateView):
    def get_initial(self):
        site = PaywallSettings.for_request(self.request)
        initial = {
            "expires_at": default_expiry(site.gift_days),
            "max_browsers": site.gift_browsers,
            "show_name": False,
        }
        article_id = inputs.object_id(self.request.GET.get("article"))
        if article_id is not None:
            initial["article"] = article_id
        return initial

    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()

    def get_success_url(self):
        """The new link's own page, where its address is shown to copy."""
        return reverse("wagtailsnippets_gifts_giftlink:inspect", args=[self.object.pk])


class GiftInspectView(InspectView):
    def get_link_display_value(self):
        path = self.object.path()
        return self.request.build_absolute_uri(path) if path else self.object.link()


class GiftLinkViewSet(RoleScopedSnippetViewSet):
    model = GiftLink
    icon = "link"
    menu_label = "Gift links"
    add_to_admin_menu = True
    menu_order = 260
    add_view_class = GiftCreateView
    inspect_view_class = GiftInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "article",
        "link",
        "label",
        "made_by",
        "state",
        "opened",
        "created_at",
        "expires_at",
    ]
    list_display = ["article", "label", "made_by", "state", "opened", "expires_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("article"),
            FieldPanel("label"),
            FieldPanel("expires_at"),
            FieldPanel("max_browsers"),
            FieldPanel("revoked"),
        ],
        base_form_class=GiftLinkForm,
    )


register_snippet(GiftLinkViewSet)
