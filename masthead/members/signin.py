"""One way in, for readers and editors alike: allauth's sign-in.

allauth is where verification (a new address proves itself with an emailed
code) and the rate limits on logins, codes and resets live. Any other door —
Wagtail's admin login form, its front-end login under ``/_util/``, Django's
admin, a shared-password form for a private page or document — would skip
them, so none is mounted: the admin's login address sends editors to
allauth's, and the routes below are filtered out of what Wagtail offers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from wagtail.models import CollectionViewRestriction, PageViewRestriction

from masthead import inputs


def without_password_forms(patterns) -> list:
    """Wagtail's URL patterns minus its shared-password forms."""
    return [p for p in patterns if "authenticate_with_password" not in (p.name or "")]


@require_safe
def admin_login(request):
    """Where Wagtail sends someone who is not signed in to the admin.

    A signed-in account without admin access is told so, rather than sent
    round again (allauth would return it to the admin, which would send it here).
    """
    following = inputs.next_path(request, default=reverse("wagtailadmin_home"))
    if request.user.is_authenticated:
        if request.user.has_perm("wagtailadmin.access_admin"):
            return redirect(following)
        return render(request, "members/no_admin_access.html", status=403)
    return redirect(f"{reverse('account_login')}?{urlencode({'next': following})}")


@receiver(pre_save, sender=PageViewRestriction, dispatch_uid="masthead.no_shared_page_passwords")
@receiver(
    pre_save, sender=CollectionViewRestriction, dispatch_uid="masthead.no_shared_doc_passwords"
)
def refuse_shared_passwords(sender, instance, **kwargs):
    """The admin no longer offers shared passwords; nor may code (an import, a
    script) create one, since serving it would need a password form."""
    if instance.restriction_type == PageViewRestriction.PASSWORD:
        raise ValidationError(
            "Shared passwords are not offered: restrict to signed-in readers or to groups."
        )
