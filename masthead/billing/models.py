from django.db import models


class WebhookEvent(models.Model):
    """A payment provider's event we have processed: each is applied once.

    The row is written in the same transaction as the changes the event made,
    so a replayed or duplicated delivery finds it and changes nothing, and an
    event whose processing failed leaves no row and is processed again when
    the provider retries.
    """

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    # The provider's time for the event, not when it reached us.
    created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_event")
        ]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"
