import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

KEY_PREFIX = "mh_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def retired(key_digest: str) -> str:
    """What a revoked key's digest becomes. No key hashes to it, so nothing —
    not even un-ticking "revoked" in the database — makes the key valid again;
    whether a found key was this one can still be told: ``retired(digest(key))``."""
    return hashlib.sha256(f"revoked:{key_digest}".encode()).hexdigest()


class ApiKey(models.Model):
    """A key for the content API, for a publisher's own apps and partners.

    Only a SHA-256 digest of the key is stored; the key itself is shown once,
    when it is made, in the response to the form that made it. Revoking is
    immediate and for good: the digest is replaced (``retired``), so no key
    matches it again. Whether a key reads whole articles is chosen when it is
    made, by someone with the ``api.grant_full_text`` permission, and never
    changes: a key handed out as a teaser key stays one. To change either,
    make a new key. ``save()`` refuses both changes; the admin's forms do not
    offer them.
    """

    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. 'iOS app'.")
    full_text = models.BooleanField(
        default=False,
        help_text="Whole articles, including metered and subscribers-only ones. Without it "
        "the key gets what anonymous readers get: the teaser. Chosen when the key is made; "
        "to change it, make a new key.",
    )
    prefix = models.CharField(max_length=12, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(
        default=False,
        help_text="Stop accepting this key at once and for good: a revoked key is never "
        "valid again. Make a new key to replace it.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        permissions = [("grant_full_text", "Can make API keys that read whole articles")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked=False, revoked_at__isnull=True)
                | models.Q(revoked=True, revoked_at__isnull=False),
                name="api_key_revoked_has_a_time",
            )
        ]

    def __str__(self):
        state = "revoked" if self.revoked else ("full text" if self.full_text else "teaser")
        return f"{self.name} ({self.prefix}…, {state})"

    def save(self, *args, **kwargs):
        stored = self._stored() if self.pk is not None else None
        if stored is None and not self.key_digest:
            key = KEY_PREFIX + secrets.token_urlsafe(32)
            self.prefix = key[:8]
            self.key_digest = digest(key)
            self.new_key = key  # shown once by the admin's create view, never stored
        elif stored is not None:
            self._refuse_changes(stored)
            # What identifies the key is never changed by a save, stale or not.
            self.prefix, self.key_digest = stored["prefix"], stored["key_digest"]
        if not self.revoked:
            self.revoked_at = None
        elif stored is not None and stored["revoked"]:
            self.revoked_at = stored["revoked_at"]
        else:  # revoked now
            self.revoked_at = timezone.now()
            self.key_digest = retired(self.key_digest)
        super().save(*args, **kwargs)

    def clean(self):
        if self.pk is not None and (stored := self._stored()) is not None:
            self._refuse_changes(stored)

    def _stored(self):
        return (
            ApiKey.objects.filter(pk=self.pk)
            .values("revoked", "revoked_at", "full_text", "prefix", "key_digest")
            .first()
        )

    def _refuse_changes(self, stored):
        # Plain (non-field) errors: a form that leaves the field out still shows them.
        if stored["revoked"] and not self.revoked:
            raise ValidationError("A revoked key stays revoked. Make a new key instead.")
        if stored["full_text"] != self.full_text:
            raise ValidationError(
                "Whether a key reads whole articles is chosen when it is made. "
                "Make a new key instead."
            )

    def revoke(self):
        self.revoked = True
        self.save()

    @classmethod
    def find(cls, key: str):
        """The live key matching ``key``, or None."""
        if not key.startswith(KEY_PREFIX):
            return None
        return cls.objects.filter(
            key_digest=digest(key), revoked=False, revoked_at__isnull=True
        ).first()


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
