"""What Insights counts: the gate's decisions, as readers met them, and the
conversions that followed. Definitions of every figure: ``docs/insights.md``.

Raw rows (``Sighting``, ``Alias``) name a reader by a keyed digest of their
meter key and are deleted after ``RAW_DAYS``; the rolled-up rows
(``DayFigures``, ``ArticleDay``) and ``Conversion`` keep only counts and ids.
"""

from django.conf import settings
from django.db import models


class Sighting(models.Model):
    """One reader's views of one article on one day, as the gate decided them:
    the full text (``read``), or one of the two walls. ``times`` counts the
    views (impressions); the row itself is one unique reader."""

    READ, REGISTER_WALL, SUBSCRIBE_WALL = "read", "register", "subscribe"
    KINDS = [
        (READ, "Read"),
        (REGISTER_WALL, "Registration wall"),
        (SUBSCRIBE_WALL, "Subscribe wall"),
    ]
    WALLS = (REGISTER_WALL, SUBSCRIBE_WALL)

    day = models.DateField()
    reader = models.CharField(max_length=32)
    article_id = models.PositiveIntegerField()
    kind = models.CharField(max_length=9, choices=KINDS)
    times = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "reader", "article_id", "kind"], name="one_sighting_per_day"
            )
        ]
        indexes = [models.Index(fields=["reader", "last_at"], name="sighting_by_reader")]

    def __str__(self):
        return f"{self.day}: {self.kind} of article {self.article_id} ×{self.times}"


class Alias(models.Model):
    """A browser's visitor digest that signed in as an account: a wall met
    before signing in is attributed to what the account does next."""

    user_id = models.PositiveIntegerField()
    reader = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "reader"], name="one_alias")]

    def __str__(self):
        return f"A browser of account {self.user_id}"


class RolledDay(models.Model):
    """A day whose figures are kept rolled up (``DayFigures``, ``ArticleDay``);
    a day without one is counted from the raw sightings."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()
    demo = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.day} (rolled up)"


class DayFigures(models.Model):
    """One day's unique readers and impressions, for the whole site
    (``section_id`` 0) and for each section."""

    day = models.DateField()
    section_id = models.PositiveIntegerField()
    readers = models.PositiveIntegerField(default=0)
    walled_readers = models.PositiveIntegerField(default=0)
    register_wall_readers = models.PositiveIntegerField(default=0)
    register_wall_impressions = models.PositiveIntegerField(default=0)
    subscribe_wall_readers = models.PositiveIntegerField(default=0)
    subscribe_wall_impressions = models.PositiveIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "section_id"], name="one_figures_per_day")
        ]

    def __str__(self):
        return f"{self.day}, section {self.section_id or 'all'}: {self.readers} readers"


class ArticleDay(models.Model):
    """One article's day: unique readers, walled readers and wall impressions."""

    day = models.DateField()
    article_id = models.PositiveIntegerField()
    section_id = models.PositiveIntegerField()
    readers = models.PositiveIntegerField(default=0)
    walled_readers = models.PositiveIntegerField(default=0)
    wall_impressions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "article_id"], name="one_article_day")
        ]

    def __str__(self):
        return f"{self.day}, article {self.article_id}: {self.readers} readers"


class Conversion(models.Model):
    """A registration, a trial start or a paid start, with the wall it is
    attributed to: the last wall the reader met before it, within the longest
    window (30 days). Reports narrow that to the window the publisher picks."""

    REGISTRATION, TRIAL, PAID = "registration", "trial", "paid"
    NEWSLETTER = "newsletter"
    KINDS = [
        (REGISTRATION, "Registration"),
        (NEWSLETTER, "Newsletter sign-up"),
        (TRIAL, "Trial start"),
        (PAID, "Paid start"),
    ]
    # Counted whatever plan a report is narrowed to: they have none.
    WITHOUT_PLAN = (REGISTRATION, NEWSLETTER)

    kind = models.CharField(max_length=12, choices=KINDS)
    at = models.DateTimeField()
    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    event = models.OneToOneField(
        "members.SubscriptionEvent", null=True, blank=True, on_delete=models.SET_NULL
    )
    plan = models.ForeignKey("members.Plan", null=True, blank=True, on_delete=models.SET_NULL)
    article_id = models.PositiveIntegerField(null=True, blank=True)
    section_id = models.PositiveIntegerField(null=True, blank=True)
    wall_at = models.DateTimeField(null=True, blank=True)
    # The gift link the reader opened last before it (within the longest
    # window), if any: what gifts bring in.
    gift_id = models.PositiveIntegerField(null=True, blank=True)
    demo = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["day", "kind"], name="conversion_by_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="registration"),
                name="one_registration_per_account",
            )
        ]
        permissions = [("view_insights", "Can view Insights")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.day}"
