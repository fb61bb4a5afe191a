"""Newsletters, who receives them, and their issues.

A publication has several newsletters (a daily briefing, a weekly digest),
each for an audience: anyone signed up with an address, registered readers,
or subscribers. An issue is made from one article, a list of articles, or
written for email only; what each recipient reads of an article is what the
paywall's gate gives them (``newsletters.rendering``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable


class Newsletter(models.Model):
    ANYONE, REGISTERED, SUBSCRIBERS = "anyone", "registered", "subscribers"
    AUDIENCES = [
        (ANYONE, "Anyone who signs up with an email address"),
        (REGISTERED, "Registered readers (an account)"),
        (SUBSCRIBERS, "Subscribers only"),
    ]

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(
        blank=True, help_text="What it is and how often it comes, as readers see it."
    )
    sender_name = models.CharField(max_length=120, help_text="Shown as the sender, e.g. the desk.")
    sender_email = models.EmailField(
        blank=True, help_text="The From address; empty for the site's DEFAULT_FROM_EMAIL."
    )
    audience = models.CharField(max_length=11, choices=AUDIENCES, default=ANYONE)
    active = models.BooleanField(default=True, help_text="Offered to readers and sendable.")
    offered_on_wall = models.BooleanField(
        default=False, help_text="Offered on the registration wall and at sign-up."
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        MultiFieldPanel([FieldPanel("sender_name"), FieldPanel("sender_email")], heading="Sender"),
        FieldPanel("audience"),
        FieldPanel("active"),
        FieldPanel("offered_on_wall"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def from_address(self) -> str:
        address = self.sender_email or settings.DEFAULT_FROM_EMAIL
        if "<" in address:  # DEFAULT_FROM_EMAIL may carry its own name
            address = address.split("<", 1)[1].rstrip(">").strip()
        name = self.sender_name.replace('"', "'")
        return f'"{name}" <{address}>'


class Recipient(models.Model):
    """An address on a newsletter's list, and where it stands.

    ``pending`` until the address is confirmed (double opt-in, for an address
    given without an account), then ``active``; ``unsubscribed`` by the
    reader; ``suppressed`` after a hard bounce or a complaint (never mailed
    again, whatever anyone asks)."""

    PENDING, ACTIVE, UNSUBSCRIBED, SUPPRESSED = "pending", "active", "unsubscribed", "suppressed"
    STATUSES = [
        (PENDING, "Awaiting confirmation"),
        (ACTIVE, "Receiving"),
        (UNSUBSCRIBED, "Unsubscribed"),
        (SUPPRESSED, "Suppressed (bounced or complained)"),
    ]

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="recipients")
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletter_recipients",
    )
    status = models.CharField(max_length=12, choices=STATUSES, default=PENDING)
    source = models.CharField(max_length=20, blank=True, help_text="Where they signed up.")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the last confirmation link went: at most one an hour, and a link
    # confirms only the rows it was sent for, once.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email"], name="one_recipient_per_list")
        ]
        indexes = [models.Index(fields=["newsletter", "status"], name="recipients_by_status")]

    def __str__(self):
        return f"{self.email} on {self.newsletter} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        self.email = normalise(self.email)
        super().save(*args, **kwargs)


def normalise(email: str) -> str:
    """One address, one row: the domain is case-insensitive, and so in
    practice is the local part at every mail provider readers use."""
    return email.strip().lower()


def one_line(value: str) -> None:
    """A subject is one line of text: an email header cannot hold the rest."""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise ValidationError("Write the subject on one line, without control characters.")


class Issue(ClusterableModel):
    """One send of a newsletter: from articles, or written for email only."""

    FROM_ARTICLES, EMAIL_ONLY = "articles", "email"
    KINDS = [(FROM_ARTICLES, "From articles"), (EMAIL_ONLY, "Written for email only")]
    DRAFT, SCHEDULED, SENDING, SENT = "draft", "scheduled", "sending", "sent"
    STATUSES = [(DRAFT, "Draft"), (SCHEDULED, "Scheduled"), (SENDING, "Sending"), (SENT, "Sent")]

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    subject = models.CharField(max_length=200, validators=[one_line])
    kind = models.CharField(max_length=8, choices=KINDS, default=FROM_ARTICLES)
    intro = RichTextField(
        blank=True, features=["bold", "italic", "link"], help_text="A note above the articles."
    )
    text = RichTextField(
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text="The issue itself, when it is written for email only.",
    )
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT, editable=False)
    # Scheduled: sent at ``scheduled_for``, or when its one article is
    # published (``send_when_published``), whichever the editor chose.
    scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    send_when_published = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("newsletter"),
        FieldPanel("subject"),
        FieldPanel("kind"),
        FieldPanel("intro"),
        InlinePanel("articles", label="Articles", heading="Articles, in order"),
        FieldPanel("text"),
    ]

    class Meta:
        ordering = ["-created_at"]
        permissions = [("send_issue", "Can send newsletter issues")]

    def __str__(self):
        return f"{self.newsletter}: {self.subject}"

    def clean(self):
        if self.kind == self.EMAIL_ONLY and not self.text:
            raise ValidationError({"text": "Write the issue, or make it from articles."})


class IssueArticle(Orderable):
    issue = ParentalKey(Issue, on_delete=models.CASCADE, related_name="articles")
    article = models.ForeignKey("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+")

    panels = [PageChooserPanel("article", "newsroom.ArticlePage")]

    def __str__(self):
        return str(self.article)


class Send(models.Model):
    """An issue on its way to its list: recipients fixed when it starts, split
    into batches, each recipient one ``Delivery`` (so none is sent twice)."""

    QUEUED, SENDING, DONE = "queued", "sending", "done"
    STATUSES = [(QUEUED, "Queued"), (SENDING, "Sending"), (DONE, "Done")]

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="sends")
    status = models.CharField(max_length=8, choices=STATUSES, default=QUEUED)
    test_to = models.EmailField(blank=True, help_text="A test send goes to this address only.")
    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.issue} ({self.get_status_display()})"


class Batch(models.Model):
    """Up to ``sending.BATCH_SIZE`` deliveries, claimed by one worker under a
    row lock. A worker that dies leaves it ``sending``; the reconciler
    (``sending.reconcile``) makes its in-flight deliveries ``unknown`` and
    hands back the rest, never sending a message twice."""

    PENDING, SENDING, SENT = "pending", "sending", "sent"
    STATUSES = [(PENDING, "Pending"), (SENDING, "Sending"), (SENT, "Sent")]

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "number"], name="one_batch_number_per_send")
        ]

    def __str__(self):
        return f"Batch {self.number} of {self.send} ({self.status})"


class Delivery(models.Model):
    """One message to one address.

    ``pending`` → ``sending`` (written before the message goes) → ``sent``
    or ``failed`` (the server refused it). A message whose fate is not known
    — the worker died after ``sending``, or the server did not answer — is
    ``unknown``, and is settled by the provider's events, never by sending
    it again."""

    PENDING, SENDING, SENT, FAILED, UNKNOWN = "pending", "sending", "sent", "failed", "unknown"
    SKIPPED = "skipped"
    STATUSES = [
        (PENDING, "Pending"),
        (SENDING, "Sending"),
        (SENT, "Sent"),
        (FAILED, "Failed"),
        (UNKNOWN, "Unknown (the worker stopped mid-send)"),
        (SKIPPED, "Skipped (left the list before it went)"),
    ]

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(Recipient, null=True, on_delete=models.SET_NULL)
    email = models.EmailField()
    audience = models.CharField(max_length=4)
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    message_id = models.CharField(max_length=200, blank=True)
    # The provider's own id for the message (django-anymail's), which its
    # delivery events name.
    provider_id = models.CharField(max_length=200, blank=True, db_index=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One per address (a test send's two versions go to one address).
            models.UniqueConstraint(
                fields=["send", "email", "audience"], name="one_message_per_address"
            )
        ]
        indexes = [models.Index(fields=["batch", "status"], name="deliveries_by_batch")]

    def __str__(self):
        return f"{self.email}: {self.status}"


class DeliveryEvent(models.Model):
    """What became of a message: from the provider's webhooks (delivered,
    bounced, complained, opened, clicked, unsubscribed, …), or a reader's
    one-click unsubscribe from it. An event the provider names is stored once
    (``event_id``), so a replayed webhook counts nothing twice."""

    DELIVERED, BOUNCED, COMPLAINED = "delivered", "bounced", "complained"
    OPENED, CLICKED, UNSUBSCRIBED = "opened", "clicked", "unsubscribed"
    REJECTED, FAILED, DEFERRED, ACCEPTED = "rejected", "failed", "deferred", "accepted"
    KINDS = [
        (DELIVERED, "Delivered"),
        (BOUNCED, "Bounced"),
        (COMPLAINED, "Marked as spam"),
        (OPENED, "Opened"),
        (CLICKED, "Clicked"),
        (UNSUBSCRIBED, "Unsubscribed"),
        (REJECTED, "Rejected by the provider"),
        (FAILED, "Failed"),
        (DEFERRED, "Deferred"),
        (ACCEPTED, "Accepted by the provider"),
    ]

    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    send = models.ForeignKey(
        Send, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=12, choices=KINDS)
    at = models.DateTimeField()
    url = models.URLField(max_length=2000, blank=True)
    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=~models.Q(event_id=""),
                name="one_row_per_provider_event",
            )
        ]
        indexes = [models.Index(fields=["send", "kind"], name="events_by_send")]

    def __str__(self):
        return f"{self.email}: {self.kind}"
