"""A recipient's own controls, reached from any message without signing in:
one-click unsubscribe (RFC 8058) and a preferences page. Each link carries a
signed token (``sending.UNSUBSCRIBE_SALT``, ``PREFERENCES_SALT``); a token
that does not verify is a 404, and changes nothing."""

from __future__ import annotations

from django import forms
from django.core import signing
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from masthead.newsletters.models import Newsletter, Recipient
from masthead.newsletters.sending import PREFERENCES_SALT, UNSUBSCRIBE_SALT


def _unsigned(token: str, salt: str):
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature as exc:
        raise Http404("This link is not one of ours, or it was changed.") from exc


def private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # a mail provider's one-click POST carries no cookie, and needs none
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET: a page with one button (link scanners follow links; they must
    not unsubscribe anyone). POST, from that button or a mail client's
    one-click (``List-Unsubscribe=One-Click``): unsubscribed."""
    recipient_id = _unsigned(token, UNSUBSCRIBE_SALT)
    if not isinstance(recipient_id, int):
        raise Http404("This link is not one of ours.")
    recipient = Recipient.objects.select_related("newsletter").filter(pk=recipient_id).first()
    if request.method == "POST" and recipient is not None:
        with transaction.atomic():
            Recipient.objects.filter(
                pk=recipient.pk, status__in=[Recipient.ACTIVE, Recipient.PENDING]
            ).update(status=Recipient.UNSUBSCRIBED)
        recipient.refresh_from_db()
    return private(
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
        self.fields["newsletters"].label = "Send me"


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
    return private(response)
