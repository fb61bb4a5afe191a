"""The sign-up form's newsletters (allauth's ``ACCOUNT_SIGNUP_FORM_CLASS``).

A new account may tick the newsletters offered at sign-up; the registration
wall's link ticks the ones it named. They start once the account's address
is confirmed (``signup.address_confirmed``): an address nobody has proved
is never mailed a newsletter.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from masthead.newsletters import signup
from masthead.newsletters.models import Newsletter


class SignupForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        Newsletter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Newsletters"),
        help_text=_("Sent to this address once you have confirmed it. Leave any at any time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = signup.offered_at_signup()
        if offered:
            self.fields["newsletters"].queryset = Newsletter.objects.filter(
                pk__in=[n.pk for n in offered]
            )
        else:
            del self.fields["newsletters"]

    def signup(self, request, user):
        chosen = self.cleaned_data.get("newsletters") or []
        if chosen:
            signup.join_at_signup(user, self.cleaned_data.get("email") or user.email, chosen)


def chosen_on_the_wall(raw: str | None) -> list[int]:
    """``?newsletters=briefing,weekly`` from the wall's link: the ids of those
    offered at sign-up (anything else is ignored)."""
    slugs = {slug.strip() for slug in (raw or "").split(",")[:20] if slug.strip()}
    return [n.pk for n in signup.offered_at_signup() if n.slug in slugs]
