"""Comments under articles: who may read and post is a site setting, and the text a
reader may not see never reaches their page (see ``masthead.discussion.access``)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

DELETED_READER = gettext_noop("Deleted reader")


def public_name(user) -> str:
    """How a reader is named wherever others may see them — under comments and
    to moderators: their name, else the first part of their username; never
    their email. A comment kept after its writer left has no user."""
    if user is None:
        return gettext(DELETED_READER)
    return user.get_full_name() or user.get_username().split("@")[0]


@register_setting(icon="comment")
class DiscussionSettings(BaseSiteSetting):
    SUBSCRIBERS = "subscribers"
    REGISTERED = "registered"
    EVERYONE_READS = "everyone_reads"
    POLICIES = [
        (SUBSCRIBERS, "Subscribers read and post"),
        (REGISTERED, "Any logged-in reader reads and posts"),
        (EVERYONE_READS, "Everyone reads; subscribers post"),
    ]
    NEWEST, OLDEST = "newest", "oldest"
    KEEP_AS_DELETED_READER, REMOVE = "keep", "remove"

    policy = models.CharField(max_length=20, choices=POLICIES, default=SUBSCRIBERS)
    order = models.CharField(
        max_length=6, choices=[(NEWEST, "Newest first"), (OLDEST, "Oldest first")], default=NEWEST
    )
    close_after_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Close comments this many days after an article is published; 0 never closes.",
    )
    hold_first_comment = models.BooleanField(
        default=False,
        help_text="Hold a reader's first comment for approval before anyone else sees it.",
    )
    max_length = models.PositiveIntegerField(
        default=3000, validators=[MinValueValidator(100), MaxValueValidator(20000)]
    )
    per_minute = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="How many comments one reader may post per minute.",
    )
    prompt = models.CharField(
        max_length=200,
        # In the reader's language while it is this default (templates show it
        # through locale_tags' ``words``), as written once an editor changes it.
        default=gettext_noop(
            "You must become a subscriber or log in to view or post comments on this article."
        ),
    )
    on_account_deletion = models.CharField(
        "comments of a reader who deletes their account",
        max_length=6,
        choices=[
            (KEEP_AS_DELETED_READER, "Keep them, signed 'Deleted reader'"),
            (REMOVE, "Remove them"),
        ],
        default=KEEP_AS_DELETED_READER,
        help_text="Removed comments that others replied to stay as 'Comment deleted', "
        "so the replies keep their place. Readers are told which before they delete.",
    )

    panels = [
        FieldPanel("policy"),
        FieldPanel("order"),
        FieldPanel("prompt"),
        MultiFieldPanel(
            [
                FieldPanel("close_after_days"),
                FieldPanel("hold_first_comment"),
                FieldPanel("max_length"),
                FieldPanel("per_minute"),
                FieldPanel("on_account_deletion"),
            ],
            heading="Moderation",
        ),
    ]

    class Meta:
        verbose_name = "Discussion"


class CommentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status=Comment.VISIBLE)


class Comment(models.Model):
    VISIBLE, HIDDEN, HELD = "visible", "hidden", "held"
    STATUSES = [
        (VISIBLE, "Visible"),
        (HIDDEN, "Hidden by a moderator"),
        (HELD, "Held for approval"),
    ]

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="comments"
    )
    # Empty once the writer deleted their account and the site keeps their
    # comments (DiscussionSettings.on_account_deletion): shown as "Deleted reader".
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField()
    status = models.CharField(max_length=8, choices=STATUSES, default=VISIBLE)
    staff = models.BooleanField(default=False, help_text="Written by the newsroom.")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Once a moderator had to look at it (held, hidden — even if restored
    # later — or reported), an edit sends it back to the queue: approval was
    # for the text the moderator read. Set by ``save`` and never unset.
    was_held = models.BooleanField(default=False, editable=False)
    # The form's one-time token: a double submit creates one comment.
    token = models.CharField(max_length=40)

    objects = CommentQuerySet.as_manager()

    panels = [FieldPanel("status")]

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="one_comment_per_form")
        ]

    def __str__(self):
        return f"{public_name(self.user)} on {self.article_id}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        if self.status != self.VISIBLE and not self.was_held:
            self.was_held = True
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "was_held"}
        super().save(*args, **kwargs)

    @property
    def commenter(self) -> str:
        return public_name(self.user)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def moderated(self) -> bool:
        """Has a moderator had reason to look at this text?"""
        return self.was_held or self.status != self.VISIBLE or self.reports.exists()

    def rewrite(self, body, *, now=None):
        """The author's edit: the text before it is kept for moderators, and
        a comment a moderator looked at goes back to the queue."""
        if body == self.text:
            return False
        now = now or timezone.now()
        CommentRevision.objects.create(
            comment=self, text=self.text, written_at=self.edited_at or self.created_at
        )
        if self.moderated:
            self.status = self.HELD
        self.text, self.edited_at = body, now
        self.save(update_fields=["text", "edited_at", "status"])
        return True

    def history(self):
        """Every earlier text, oldest first, for moderators."""
        return self.revisions.order_by("written_at", "pk")


class CommentRevision(models.Model):
    """The text of a comment before one of its author's edits."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    written_at = models.DateTimeField(help_text="When this text was posted or last edited.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self):
        return f"Earlier text of comment {self.comment_id}"


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    panels = [FieldPanel("resolved")]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_reader")
        ]

    def __str__(self):
        return f"Report on comment {self.comment_id} by {public_name(self.reporter)}"


class CommentBan(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_ban"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("user"), FieldPanel("reason")]

    class Meta:
        verbose_name = "commenting ban"

    def __str__(self):
        return f"{public_name(self.user)} may not comment ({self.reason})"
