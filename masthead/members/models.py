from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel


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
