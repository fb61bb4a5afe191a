"""The one entitlement question: is this reader a subscriber right now?

The paywall, ad slots and comments all ask here and nowhere else.
"""

from django.utils import timezone

from masthead.members.models import ComplimentaryAccess


def is_entitled(user, now=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    now = now or timezone.now()
    return ComplimentaryAccess.objects.current(now).filter(user=user).exists()
