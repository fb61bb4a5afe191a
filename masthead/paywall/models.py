from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.members.models import Plan
from masthead.newsroom import wording
from masthead.paywall.policy import Rules


class MeterWindow(models.Model):
    """One reader's allowance in one window (a day, week or month).

    ``used`` is the number of distinct articles counted. It is only ever
    raised by a conditional UPDATE (``used < limit``), which is what keeps the
    meter exact when many requests from one reader arrive at once.
    """

    key = models.CharField(max_length=80)  # "v:<visitor id>" or "u:<user id>"
    window = models.CharField(max_length=20)  # e.g. "day:2026-11-25"
    used = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="one_meter_per_window")
        ]

    def __str__(self):
        return f"{self.key} {self.window}: {self.used}"


class MeterEntry(models.Model):
    """An article counted in a window; re-reading it costs nothing."""

    meter = models.ForeignKey(MeterWindow, on_delete=models.CASCADE, related_name="entries")
    article_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meter", "article_id"], name="count_an_article_once")
        ]

    def __str__(self):
        return f"article {self.article_id} in {self.meter_id}"


@register_setting(icon="lock")
class PaywallSettings(BaseSiteSetting):
    """The meter's allowances and the wall's words, per site (Settings → Paywall)."""

    PERIODS = [("day", "Calendar day"), ("week", "Week (Monday to Sunday)"), ("month", "Month")]

    anonymous_allowance = models.PositiveSmallIntegerField(
        default=3, help_text="Free metered articles per period for readers without an account."
    )
    registered_allowance = models.PositiveSmallIntegerField(
        default=5, help_text="Free metered articles per period for signed-in readers."
    )
    period = models.CharField(max_length=5, choices=PERIODS, default="day")
    open_when_meter_unavailable = models.BooleanField(
        default=False,
        help_text=(
            "If the meter store cannot be reached, let readers through instead of showing "
            "the teaser. Off by default: an outage should not give away the archive."
        ),
    )
    wall_headline = models.CharField(
        max_length=160, default=gettext_noop("You've reached your daily free article limit")
    )
    wall_pitch = models.TextField(
        default=gettext_noop(
            "Subscribe and support our writing staff: independent reporting, no ads."
        )
    )
    offer_line = models.CharField(
        max_length=160,
        blank=True,
        default="",
        help_text="The offer under the pitch, e.g. 'Full ad-free access for $0.50/week'. "
        "Leave empty to build it from the cheapest plan on offer.",
    )
    subscribers_only_headline = models.CharField(
        max_length=160, default=gettext_noop("This article is for subscribers")
    )
    register_headline = models.CharField(
        max_length=160, default=gettext_noop("Register to keep reading")
    )
    register_pitch = models.TextField(
        default=gettext_noop(
            "Create a free account and keep reading: registered readers get more free "
            "articles, and everything you have read so far still counts."
        )
    )
    register_label = models.CharField(max_length=60, default=gettext_noop("Create a free account"))
    gifts_per_month = models.PositiveSmallIntegerField(
        default=10,
        help_text="Gift links each subscriber may make a month (re-sharing an article "
        "already gifted that month is free). 0 turns subscribers' gifts off; editors' "
        "links are never limited.",
    )
    gift_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1)],
        help_text="Days a gift link opens its article.",
    )
    gift_browsers = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Different browsers that may read the article through one gift link.",
    )
    gift_needs_account = models.BooleanField(
        default=False,
        help_text="Ask a gift's reader for an email address (a free account) before "
        "showing them the article.",
    )

    highlighted_plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"active": True},
        help_text="The plan the plans page recommends (none: no plan is singled out).",
    )
    experiment_allowance_min = models.PositiveSmallIntegerField(
        "fewest free articles",
        default=1,
        help_text="The fewest free articles per period an offer experiment may give a reader.",
    )
    experiment_allowance_max = models.PositiveSmallIntegerField(
        "most free articles",
        default=10,
        help_text="The most free articles per period an offer experiment may give a reader.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("anonymous_allowance"),
                FieldPanel("registered_allowance"),
                FieldPanel("period"),
                FieldPanel("open_when_meter_unavailable"),
            ],
            heading="Meter",
        ),
        MultiFieldPanel(
            [
                FieldPanel("wall_headline"),
                FieldPanel("subscribers_only_headline"),
                FieldPanel("wall_pitch"),
                FieldPanel("offer_line"),
                FieldPanel("highlighted_plan"),
            ],
            heading="Subscribe wall",
        ),
        MultiFieldPanel(
            [
                FieldPanel("register_headline"),
                FieldPanel("register_pitch"),
                FieldPanel("register_label"),
            ],
            heading="Register wall",
        ),
        MultiFieldPanel(
            [
                FieldPanel("gifts_per_month"),
                FieldPanel("gift_days"),
                FieldPanel("gift_browsers"),
                FieldPanel("gift_needs_account"),
            ],
            heading="Gift articles",
        ),
        MultiFieldPanel(
            [FieldPanel("experiment_allowance_min"), FieldPanel("experiment_allowance_max")],
            heading="Offer experiments",
        ),
    ]

    class Meta:
        verbose_name = "paywall"

    def clean(self):
        super().clean()
        if self.experiment_allowance_min > self.experiment_allowance_max:
            raise ValidationError(
                {"experiment_allowance_max": "The most can be no fewer than the fewest."}
            )

    @property
    def offer(self) -> str:
        """The offer line: the publisher's words, or the cheapest plan's price."""
        return self.offer_for(())

    def offer_for(self, plan_slugs) -> str:
        """The offer line for a reader offered ``plan_slugs`` (empty: every
        plan on offer): the publisher's words, or the cheapest plan's price."""
        if self.offer_line:
            return wording.words(self, "offer_line")
        plans = Plan.objects.filter(active=True)
        if plan_slugs:
            plans = plans.filter(slug__in=plan_slugs)
        cheapest = plans.order_by("price_minor").first()
        if cheapest is None:
            return ""
        return gettext("Full ad-free access for %(price)s") % {"price": cheapest.price_label}

    def rules(self) -> Rules:
        return Rules(
            anonymous_allowance=self.anonymous_allowance,
            registered_allowance=self.registered_allowance,
            open_when_meter_unavailable=self.open_when_meter_unavailable,
            gift_needs_account=self.gift_needs_account,
        )
