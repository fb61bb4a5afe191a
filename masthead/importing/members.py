"""Members of the old site → accounts here.

A member becomes an account with its address verified or not as the source
says (they sign in by emailed code; no password comes across). Complimentary
members get complimentary access. Paid state is never taken from the export:
it is read from Stripe, where the payments are, and each Stripe subscription
found for a member (by customer id, else by the customer's email) is recorded
as it stands there through the same code as Stripe's webhooks
(``billing.stripe_provider.record``). Nothing is created at Stripe, so nobody
is charged again. Stripe subscriptions no member of the export matches are
listed before any account is touched.
"""

from __future__ import annotations

import logging

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from masthead.billing import stripe_provider
from masthead.billing.stripe_provider import _get as field
from masthead.billing.stripe_provider import _id as object_id
from masthead.importing import report as outcomes
from masthead.importing.archive import Archive, Member
from masthead.importing.report import Report
from masthead.members.models import ComplimentaryAccess, Subscription

logger = logging.getLogger(__name__)
LIVE = {"active", "trialing", "past_due"}


class MemberFailed(Exception):
    pass


def stripe_subscriptions() -> list:
    """Every subscription in the Stripe account, with its customer."""
    client = stripe_provider.client()
    listing = stripe_provider._call(
        "subscription listing",
        client.v1.subscriptions.list,
        params={"status": "all", "limit": 100, "expand": ["data.customer"]},
    )
    return list(listing.auto_paging_iter())


class Importer:
    def __init__(self, archive: Archive, report: Report, *, dry_run=False, progress=None, say=None):
        self.archive = archive
        self.report = report
        self.dry_run = dry_run
        self.progress = progress or (lambda items, total, label: items)
        self.say = say or report.warn
        self.origin = archive.origin.capitalize()

    def prepare(self) -> None:
        """Read Stripe (and list what matches no member) before anything changes."""
        self.by_customer, self.by_email = self.stripe()

    def run(self) -> Report:
        if not hasattr(self, "by_customer"):
            self.prepare()
        by_customer, by_email = self.by_customer, self.by_email
        try:
            with transaction.atomic():
                for member in self.progress(
                    self.archive.members, len(self.archive.members), "members"
                ):
                    self.one(member, by_customer, by_email)
                if self.dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        return self.report

    # --- Stripe ----------------------------------------------------------

    def stripe(self) -> tuple[dict, dict]:
        if not settings.MASTHEAD_STRIPE_SECRET_KEY:
            paid = sum(1 for m in self.archive.members if m.paid_in_export)
            if paid:
                self.say(
                    f"{paid} member(s) are paying in the export, but Stripe is not configured "
                    "(STRIPE_SECRET_KEY): paid state comes only from Stripe, so they are "
                    "imported as free accounts. Configure Stripe and run the import again."
                )
            return {}, {}
        by_customer: dict[str, list] = {}
        by_email: dict[str, list] = {}
        ids = {m.stripe_customer_id for m in self.archive.members if m.stripe_customer_id}
        emails = {m.email.strip().lower() for m in self.archive.members}
        for subscription in stripe_subscriptions():
            customer = field(subscription, "customer")
            customer_id = object_id(customer)
            email = str(field(customer, "email", "")).strip().lower()
            by_customer.setdefault(customer_id, []).append(subscription)
            if email:
                by_email.setdefault(email, []).append(subscription)
            status = field(subscription, "status")
            if status in LIVE and customer_id not in ids and email not in emails:
                self.say(
                    f"Stripe subscription {subscription['id']} ({status}, customer "
                    f"{customer_id}{', ' + email if email else ''}) matches no member in the "
                    "export: it is left alone."
                )
        return by_customer, by_email

    # --- one member --------------------------------------------------------

    def one(self, member: Member, by_customer: dict, by_email: dict) -> None:
        label = member.email or f"line {member.line}"
        try:
            with transaction.atomic():
                outcome, reason = self.write(member, by_customer, by_email)
        except MemberFailed as exc:
            self.report.add("members", outcomes.FAILED, label, str(exc))
            return
        except Exception as exc:
            logger.exception("Importing member %s failed", label)
            self.report.add("members", outcomes.FAILED, label, f"{type(exc).__name__}: {exc}")
            return
        self.report.add("members", outcome, label, reason)

    def write(self, member: Member, by_customer: dict, by_email: dict) -> tuple[str, str]:
        email = member.email.strip()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise MemberFailed(f"{email!r} is not an email address") from exc
        users = get_user_model()
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else users.objects.filter(email__iexact=email).first()
        changes = []
        created = user is None
        if created:
            local = email.split("@", 1)[0]
            user = users(
                username=get_adapter().generate_unique_username([email, local, "reader"]),
                email=email,
                first_name=member.name[:150],
            )
            user.set_unusable_password()
            if member.created:
                user.date_joined = member.created
            user.save()
        if address is None:
            address = EmailAddress.objects.create(
                user=user, email=email, primary=True, verified=member.verified
            )
        elif member.verified and not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
            changes.append("address verified")
        if (
            member.complimentary
            and not ComplimentaryAccess.objects.current().filter(user=user).exists()
        ):
            ComplimentaryAccess.objects.create(user=user, reason=f"Complimentary in {self.origin}")
            changes.append("complimentary access")
        paid = self.subscriptions(member, user, by_customer, by_email)
        changes.extend(paid)
        reason = ", ".join(changes)
        if created:
            return outcomes.CREATED, reason
        return (outcomes.UPDATED if changes else outcomes.UNCHANGED), reason

    def subscriptions(self, member, user, by_customer, by_email) -> list[str]:
        found = by_customer.get(member.stripe_customer_id, []) if member.stripe_customer_id else []
        if not found:
            found = by_email.get(member.email.strip().lower(), [])
        if not found:
            if member.paid_in_export and (by_customer or by_email):
                self.report.note(
                    member.email,
                    f"paying in {self.origin}'s export, but Stripe has no subscription for this "
                    "customer or address: imported as a free account",
                )
            return []
        changes = []
        for subscription in found:
            before = Subscription.objects.filter(
                provider=stripe_provider.PROVIDER, provider_subscription_id=subscription["id"]
            ).values_list("status", flat=True)
            before = before[0] if before else None
            state = stripe_provider.state_of(subscription)
            if state is not None and state.plan is None:
                raise MemberFailed(
                    f"Stripe subscription {subscription['id']} bills a price no plan here has; "
                    "add its price id to a plan (Plans in the admin) and run the import again"
                )
            row = stripe_provider.record(
                subscription,
                at=timezone.now().replace(microsecond=0),
                cause=f"imported from {self.origin}",
                fallback_user=user.pk,
            )
            if row is not None and row.user_id != user.pk:
                raise MemberFailed(
                    f"Stripe subscription {subscription['id']} already belongs to another account"
                )
            if row is not None and row.status != before:
                changes.append(f"Stripe subscription {subscription['id']} {row.status}")
        return changes


class _Rollback(Exception):
    pass
