import hashlib
import secrets

from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel

KEY_PREFIX = "mh_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """A key for the content API, for a publisher's own apps and partners.

    Only a SHA-256 digest of the key is stored; the key itself is shown once,
    when it is made. Revoking is immediate.
    """

    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. 'iOS app'.")
    full_text = models.BooleanField(
        default=False,
        help_text="Whole articles, including metered and subscribers-only ones. Without it "
        "the key gets what anonymous readers get: the teaser.",
    )
    prefix = models.CharField(max_length=12, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False, help_text="Stop accepting this key at once.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [FieldPanel("name"), FieldPanel("full_text"), FieldPanel("revoked")]

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        state = "revoked" if self.revoked else ("full text" if self.full_text else "teaser")
        return f"{self.name} ({self.prefix}…, {state})"

    def save(self, *args, **kwargs):
        if not self.key_digest:
            key = KEY_PREFIX + secrets.token_urlsafe(32)
            self.prefix = key[:8]
            self.key_digest = digest(key)
            self.new_key = key  # shown once by the admin hook, never stored
        if self.revoked and not self.revoked_at:
            self.revoked_at = timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def find(cls, key: str):
        """The live key matching ``key``, or None."""
        if not key.startswith(KEY_PREFIX):
            return None
        return cls.objects.filter(key_digest=digest(key), revoked=False).first()


class RateWindow(models.Model):
    """Requests counted for one caller in one minute, when there is no Redis.

    ``hits`` is only ever raised by an ``UPDATE … SET hits = hits + 1``, so
    every request is counted exactly once, whichever worker answers it.
    """

    key = models.CharField(max_length=120, unique=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.hits}"
