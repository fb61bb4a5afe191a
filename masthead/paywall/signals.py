"""Signing in does not reset the meter: what a visitor read in this window
counts toward their account's allowance."""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from masthead.paywall.meters import MeterUnavailable, get_store
from masthead.paywall.models import PaywallSettings
from masthead.paywall.readers import read_visitor_id
from masthead.paywall.windows import window_for

logger = logging.getLogger("masthead.paywall")


@receiver(user_logged_in, dispatch_uid="masthead.paywall.carry_meter")
def carry_visitor_meter_into_account(sender, request, user, **kwargs):
    if request is None:
        return
    visitor_id = read_visitor_id(request)
    if not visitor_id:
        return
    period = PaywallSettings.for_request(request).period
    window = window_for(timezone.now(), period, settings.TIME_ZONE)
    try:
        get_store().merge(f"v:{visitor_id}", f"u:{user.pk}", window)
    except MeterUnavailable as exc:
        logger.warning("could not carry the visitor's meter into the account: %s", exc)
