from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import pgettext, pgettext_lazy
from wagtail.admin.panels import FieldPanel

from masthead.members.money import format_money


class ComplimentaryAccessQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now)
        )


class ComplimentaryAccess(models.Model):
    """Full access granted by staff, without payment: for contributors, partners, press.

    It is one of the answers to "is this reader a subscriber right now?"; paid
    subscriptions are the other.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complimentary_access"
    )
    reason = models.CharField(max_length=200, help_text="Why, for the record: e.g. 'Contributor'.")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty for no end date.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ComplimentaryAccessQuerySet.as_manager()

    panels = [
        FieldPanel("user"),
        FieldPanel("reason"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
    ]

    class Meta:
        verbose_name = "complimentary access"
        verbose_name_plural = "complimentary access"
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.user} ({self.reason})"

    def clean(self):
        if self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must come after the start."})


class Plan(models.Model):
    """Something a reader can buy: a price per interval, perhaps with a free trial."""

    WEEK, MONTH, YEAR = "week", "month", "year"
    INTERVALS = [(WEEK, "Week"), (MONTH, "Month"), (YEAR, "Year")]

    name = models.CharField(max_length=80)
    slug = models.SlugField(unique=True)
    price_minor = models.PositiveIntegerField(
        help_text="Price per interval in the currency's minor unit: 50 is $0.50."
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD.")
    interval = models.CharField(max_length=5, choices=INTERVALS, default=MONTH)
    trial_days = models.PositiveSmallIntegerField(
        default=0, help_text="Free days before the first payment; 0 for none."
    )
    active = models.BooleanField(default=True, help_text="Offered to new subscribers.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    stripe_price_id = models.CharField(
        max_length=100, blank=True, help_text="The Stripe Price this plan bills (price_…)."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("price_minor"),
        FieldPanel("currency"),
        FieldPanel("interval"),
        FieldPanel("trial_days"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
        FieldPanel("stripe_price_id"),
    ]

    class Meta:
        ordering = ["sort_order", "price_minor"]

    def __str__(self):
        return f"{self.name} ({self.price_label})"

    def clean(self):
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError({"currency": "Use a three-letter ISO 4217 code, e.g. USD."})
        self.currency = self.currency.upper()

    @property
    def price_label(self) -> str:
        price = format_money(self.price_minor, self.currency)
        if self.interval == self.WEEK:
            return pgettext("price per interval", "%(price)s/week") % {"price": price}
        if self.interval == self.YEAR:
            return pgettext("price per interval", "%(price)s/year") % {"price": price}
        return pgettext("price per interval", "%(price)s/month") % {"price": price}


class Subscription(models.Model):
    """A reader's paid (or trial) access, with an explicit lifecycle.

    trialing → active → past_due → canceled (at period end) → expired. Every
    change of status is a ``SubscriptionEvent`` row saying why; see
    ``masthead.members.lifecycle``, the only code that changes ``status``.
    """

    TRIALING, ACTIVE, PAST_DUE, CANCELED, EXPIRED = (
        "trialing",
        "active",
        "past_due",
        "canceled",
        "expired",
    )
    # Readers see these on their account page.
    STATUSES = [
        (TRIALING, pgettext_lazy("subscription status", "Trialing")),
        (ACTIVE, pgettext_lazy("subscription status", "Active")),
        (PAST_DUE, pgettext_lazy("subscription status", "Past due")),
        (CANCELED, pgettext_lazy("subscription status", "Canceled (at period end)")),
        (EXPIRED, pgettext_lazy("subscription status", "Expired")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=STATUSES)
    provider = models.CharField(max_length=20)
    provider_subscription_id = models.CharField(max_length=100, blank=True)
    provider_customer_id = models.CharField(max_length=100, blank=True)
    had_trial = models.BooleanField(default=False)
    trial_end = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    past_due_since = models.DateTimeField(null=True, blank=True)
    # The provider's own timestamp of the state we hold: older news is ignored.
    provider_state_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One free trial per account, ever: enforced by the database.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(had_trial=True), name="one_trial_per_account"
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"],
                condition=~models.Q(provider_subscription_id=""),
                name="one_row_per_provider_subscription",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.plan.name} ({self.get_status_display()})"


class SubscriptionEvent(models.Model):
    """One change to a subscription and its cause. Append-only."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    cause = models.CharField(max_length=200)
    # A provider's event id (e.g. Stripe's evt_…): the same event is applied once.
    provider_event_id = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    recorded_at = models.DateTimeField(auto_now_add=True)
    # What the subscription was billed from this event on, as it was then
    # (a plan's price may change later): revenue history reads these.
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_minor = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    interval = models.CharField(max_length=5, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}: {self.cause}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.price_minor is None and self.subscription_id:
            plan = self.subscription.plan
            self.plan, self.price_minor = plan, plan.price_minor
            self.currency, self.interval = plan.currency, plan.interval
        super().save(*args, **kwargs)


class Notification(models.Model):
    """One email to a reader about their subscription, queued with its cause.

    ``key`` names the event (e.g. ``receipt:stripe:in_…``): one email per event.
    See ``masthead.members.notifications``.
    """

    WELCOME = "welcome"
    TRIAL_ENDING = "trial_ending"
    PAYMENT_FAILED = "payment_failed"
    CANCELED = "canceled"
    RECEIPT = "receipt"
    KINDS = [
        (WELCOME, "Welcome"),
        (TRIAL_ENDING, "Trial ends soon"),
        (PAYMENT_FAILED, "Payment failed"),
        (CANCELED, "Subscription canceled"),
        (RECEIPT, "Receipt"),
    ]

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=KINDS)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.user} ({'sent' if self.sent_at else 'queued'})"


class SpentTrial(models.Model):
    """An address whose account had its free trial and was then deleted.

    One free trial per person is the rule; deleting an account and signing up
    again with the same address must not reset it. The address itself is
    gone with the account: what stays is a keyed digest (HMAC with the site's
    secret key), enough to recognise the address when it comes back and
    useless to anyone who reads the table without the key.
    """

    digest = models.CharField(max_length=64, unique=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "free trial of a deleted account"

    def __str__(self):
        return f"A trial spent by a deleted account ({self.recorded_at:%Y-%m-%d})"

    @staticmethod
    def digest_of(email: str) -> str:
        return salted_hmac(
            "masthead.members.spent_trial", email.strip().lower(), algorithm="sha256"
        ).hexdigest()

    @classmethod
    def digests_for(cls, user) -> set[str]:
        from allauth.account.models import EmailAddress

        addresses = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
        if user.email:
            addresses.add(user.email)
        return {cls.digest_of(address) for address in addresses}


class ReaderLanguage(models.Model):
    """The language a reader last used the site in (the address's prefix
    when they signed up or in): the emails sent to them later, away from any
    request — receipts, trial reminders, a failed payment — are written in it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="reading_language",
    )
    code = models.CharField(max_length=15)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user_id}: {self.code}"
