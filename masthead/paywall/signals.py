"""The meter belongs to the browser as well as the account.

Signing in does not reset it: what the visitor read in this window counts
toward the account's allowance. Signing out does not reset it either: the
browser keeps its visitor cookie, and what it read while signed in is added to
that visitor's window — logging out is not a way to a fresh allowance.
"""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from masthead.paywall.meters import MeterUnavailable, get_store
from masthead.paywall.models import PaywallSettings
from masthead.paywall.readers import read_visitor_id
from masthead.paywall.windows import window_for

logger = logging.getLogger("masthead.paywall")


@receiver(user_logged_in, dispatch_uid="masthead.paywall.carry_meter")
def carry_visitor_meter_into_account(sender, request, user, **kwargs):
    _merge(request, user, into_account=True)


@receiver(user_logged_out, dispatch_uid="masthead.paywall.keep_meter")
def keep_accounts_reads_in_the_browser(sender, request, user, **kwargs):
    _merge(request, user, into_account=False)


def _merge(request, user, *, into_account: bool) -> None:
    if request is None or user is None:
        return
    visitor_id = read_visitor_id(request)
    if not visitor_id:
        return
    period = PaywallSettings.for_request(request).period
    window = window_for(timezone.now(), period, settings.TIME_ZONE)
    visitor, account = f"v:{visitor_id}", f"u:{user.pk}"
    source, target = (visitor, account) if into_account else (account, visitor)
    try:
        get_store().merge(source, target, window)
    except MeterUnavailable as exc:
        logger.warning("could not carry the meter between browser and account: %s", exc)
