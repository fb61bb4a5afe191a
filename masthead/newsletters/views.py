"""A recipient's own controls, reached from any message without signing in:
one-click unsubscribe (RFC 8058) and a preferences page. Each link carries a
signed token (``sending.UNSUBSCRIBE_SALT``, ``PREFERENCES_SALT``); a token
that does not verify is a 404, and changes nothing."""

from __future__ import annotations

from allauth.account import views as allauth_views
from django import forms
from django.core import signing
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from masthead.newsletters import events, signup
from masthead.newsletters import forms as forms_module
from masthead.newsletters.models import Newsletter, Recipient
from masthead.newsletters.sending import PREFERENCES_SALT, UNSUBSCRIBE_SALT
from masthead.paywall import readers
from masthead.security import private_page


def _unsigned(token: str, salt: str):
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature as exc:
        raise Http404("This link is not one of ours, or it was changed.") from exc


@csrf_exempt  # a mail provider's one-click POST carries no cookie, and needs none
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET: a page with one button (link scanners follow links; they must
    not unsubscribe anyone). POST, from that button or a mail client's
    one-click (``List-Unsubscribe=One-Click``): unsubscribed."""
    found = _unsigned(token, UNSUBSCRIBE_SALT)
    # [recipient, the message it came from]; a bare recipient id from
    # messages sent before the message was named.
    if isinstance(found, int) and not isinstance(found, bool):
        recipient_id, delivery_id = found, None
    elif (
        isinstance(found, list)
        and len(found) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in found)
    ):
        recipient_id, delivery_id = found
    else:
        raise Http404("This link is not one of ours.")
    recipient = Recipient.objects.select_related("newsletter").filter(pk=recipient_id).first()
    if request.method == "POST" and recipient is not None:
        with transaction.atomic():
            left = Recipient.objects.filter(
                pk=recipient.pk, status__in=[Recipient.ACTIVE, Recipient.PENDING]
            ).update(status=Recipient.UNSUBSCRIBED)
            if left:
                events.unsubscribed_here(delivery_id, recipient)
        recipient.refresh_from_db()
    return private_page(
        render(
            request,
            "newsletters/unsubscribe.html",
            {
                "recipient": recipient,
                "done": request.method == "POST",
                "preferences": signing.dumps(recipient.email, salt=PREFERENCES_SALT)
                if recipient
                else "",
            },
        )
    )


class PreferencesForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        Newsletter.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].queryset = offered
        self.fields["newsletters"].label = _("Send me")


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    """Which newsletters this address receives, among those it is on the
    list of (an address cannot add itself to a list it never joined here:
    that needs the confirmation a sign-up sends)."""
    email = _unsigned(token, PREFERENCES_SALT)
    if not isinstance(email, str):
        raise Http404("This link is not one of ours.")
    rows = Recipient.objects.filter(email=email).exclude(status=Recipient.SUPPRESSED)
    offered = Newsletter.objects.filter(pk__in=rows.values("newsletter_id"))
    receiving = rows.filter(status=Recipient.ACTIVE).values_list("newsletter_id", flat=True)
    form = PreferencesForm(
        request.POST or None, offered=offered, initial={"newsletters": list(receiving)}
    )
    saved = False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = {n.pk for n in form.cleaned_data["newsletters"]}
            with transaction.atomic():
                rows.filter(newsletter_id__in=chosen, status=Recipient.UNSUBSCRIBED).update(
                    status=Recipient.ACTIVE
                )
                rows.exclude(newsletter_id__in=chosen).filter(
                    status__in=[Recipient.ACTIVE, Recipient.PENDING]
                ).update(status=Recipient.UNSUBSCRIBED)
            saved = True
        else:
            status = 400
    response = render(
        request,
        "newsletters/preferences.html",
        {"form": form, "email": email, "saved": saved},
        status=status,
    )
    return private_page(response)


class JoinForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"), required=False, max_length=254
    )

    def clean_email(self):
        email = self.cleaned_data.get("email") or ""
        if email and email.rsplit("@", 1)[-1].startswith("["):
            # A bare IP address for a domain: valid in the RFC, never a reader's inbox.
            raise forms.ValidationError(
                _("Enter an address at a mail domain, like you@example.org.")
            )
        return email

    newsletters = forms.ModelMultipleChoiceField(
        Newsletter.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Newsletters"),
    )

    def __init__(self, *args, offered, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].queryset = Newsletter.objects.filter(
            pk__in=[n.pk for n in offered]
        )
        self.fields["newsletters"].error_messages["required"] = _("Choose at least one newsletter.")
        if signed_in:
            # An account chooses exactly what it receives: none is a choice.
            del self.fields["email"]
            self.fields["newsletters"].required = False
        else:
            self.fields["email"].required = True


@require_http_methods(["GET", "HEAD", "POST"])
def join(request):
    """The newsletters a reader may join, and joining them."""
    reader = readers.identify(request)
    offered = signup.offered_to(reader)
    signed_in = reader.signed_in
    initial = {"newsletters": list(signup.receiving(request.user))} if signed_in else {}
    form = JoinForm(
        request.POST if request.method == "POST" else None,
        offered=offered,
        signed_in=signed_in,
        initial=initial,
    )
    outcome, status = None, 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif signed_in:
            chosen = list(form.cleaned_data["newsletters"])
            done = signup.choose_signed_in(request, request.user, reader, offered, chosen)
            outcome = "unverified" if done is None else "saved"
        else:
            signup.ask_to_confirm(
                form.cleaned_data["email"], form.cleaned_data["newsletters"], "newsletters page"
            )
            outcome = "check-inbox"  # the same answer whatever the address is
    response = render(
        request,
        "newsletters/join.html",
        {"form": form, "offered": offered, "outcome": outcome, "signed_in": signed_in},
        status=status,
    )
    return private_page(response)


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, with the newsletters the registration wall's link
    named already ticked."""

    def get_initial(self):
        initial = super().get_initial()
        chosen = forms_module.chosen_on_the_wall(self.request.GET.get("newsletters"))
        if chosen:
            initial["newsletters"] = chosen
        return initial


signup_view = require_http_methods(["GET", "HEAD", "POST"])(SignupView.as_view())


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """GET: one button (link scanners must not subscribe anyone). POST: confirmed."""
    if request.method != "POST":
        valid = signup.confirm_is_valid(token)
        return private_page(
            render(
                request,
                "newsletters/confirm.html",
                {"valid": valid, "done": False},
                status=200 if valid else 404,
            )
        )
    found = signup.confirm(token, request)
    if found is None:
        return private_page(
            render(request, "newsletters/confirm.html", {"valid": False}, status=404)
        )
    email, joined = found
    return private_page(
        render(
            request,
            "newsletters/confirm.html",
            {"valid": True, "done": True, "email": email, "joined": joined},
        )
    )
