import secrets

from django.conf import settings
from django.db import models


class FeedToken(models.Model):
    """A subscriber's private full-text feed address. Making a new one revokes the old.

    The token is a capability in a URL, like a private calendar feed: it is
    shown on the reader's account page, so it is stored as it is.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Feed address of {self.user}"

    @classmethod
    def renew(cls, user) -> "FeedToken":
        token, _ = cls.objects.update_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
        return token
