"""Gift links: a key to one article's full text that a subscriber or an
editor hands to anyone.

A link's token is 32 URL-safe characters (192 bits) and is never stored: the
row keeps its SHA-256 (looked up on every opening) and a random nonce from
which the site's secret key derives the token again, so a subscriber can
copy their link later while a leaked database backup opens nothing.

A link opens one article, until it expires or is revoked, for at most
``max_browsers`` distinct browsers: each browser takes a place the first
time it opens the link (a conditional UPDATE, so twenty browsers at once
against ten places get exactly ten) and keeps it. The gate asks
``GiftLink.stands`` on every gifted request, so an expiry or a revocation
takes effect on the next request on every server.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from masthead import rows
from masthead.insights import record

TOKEN_SALT = "masthead.gifts.token"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def derive_token(nonce: str, secret: str | None = None) -> str:
    """The link's token, from its nonce and the site's secret key."""
    mac = salted_hmac(TOKEN_SALT, nonce, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def month_start(now: datetime) -> datetime:
    """The first moment of ``now``'s month in the newsroom's time zone: a
    subscriber's allowance of gifts starts again then."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def first_name_of(name: str | None) -> str:
    """The first name a gift's reader is told (never more of the account)."""
    words = (name or "").split()
    return words[0][:40] if words else ""


@dataclass(frozen=True)
class Gift:
    """A standing gift, as the gate hands it on: what the page says of it."""

    id: int
    by_editor: bool
    giver_name: str  # the giver's first name, if they allow it; else ""


class GiftLinkQuerySet(models.QuerySet):
    def standing(self, now: datetime | None = None):
        """Links that still open their article: not revoked, not expired."""
        return self.filter(revoked_at=None, expires_at__gt=now or timezone.now())


class GiftLink(models.Model):
    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="gift_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    nonce = models.CharField(max_length=43, editable=False)
    # A subscriber's gift (their allowance, their account page); an account
    # deleted takes its gifts with it.
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="gifts_given",
        editable=False,
    )
    # An editor's link (no monthly limit): the editor may leave, the link stays.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    show_name = models.BooleanField(
        default=True, help_text="Tell the reader the gift is from you (your first name only)."
    )
    label = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where the link goes, for your own list (e.g. 'Friday newsletter', "
        "'Partner: Harbour Radio'). Readers never see it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(help_text="After this, the link opens nothing more.")
    max_browsers = models.PositiveIntegerField(
        help_text="How many different browsers may read the article through this link."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    browsers = models.PositiveIntegerField(default=0, editable=False)
    reads = models.PositiveIntegerField(default=0, editable=False)

    objects = GiftLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["giver", "created_at"], name="gift_by_giver")]
        constraints = [
            models.CheckConstraint(
                condition=Q(browsers__lte=F("max_browsers")), name="gift_within_its_places"
            )
        ]

    def __str__(self):
        return f"Gift of “{self.article.title}”"

    def save(self, *args, **kwargs):
        if not self.nonce:  # a new link: a token of its own
            self.nonce = secrets.token_urlsafe(32)
            self.token_hash = hash_token(derive_token(self.nonce))
        super().save(*args, **kwargs)

    # -- finding ------------------------------------------------------------

    @classmethod
    def by_token(cls, token: str) -> GiftLink | None:
        """The link a token opens, or None for anything malformed or unknown."""
        if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
            return None
        return cls.objects.filter(token_hash=hash_token(token)).select_related("article").first()

    @property
    def token(self) -> str | None:
        """The token again, from the nonce: under the current secret key or one
        it replaced (``SECRET_KEY_FALLBACKS``); None if neither made it."""
        for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
            token = derive_token(self.nonce, secret)
            if hash_token(token) == self.token_hash:
                return token
        return None

    def path(self) -> str | None:
        token = self.token
        return reverse("gifts:open", args=[token]) if token else None

    # -- state --------------------------------------------------------------

    @classmethod
    def stands(cls, gift_id: int, article_id: int) -> Gift | None:
        """The gift, if it still opens this article; None if not. The gate
        asks on every gifted request (revoking or expiring a link ends it at
        once), and the same query brings what the page says of the giver."""
        # By statements compiled once per process (``masthead.rows``): the
        # ORM building this query anew cost more than all the rest of a page.
        link = rows.by_pk(cls, gift_id)
        if (
            link is None
            or link.article_id != article_id
            or link.revoked_at is not None
            or link.expires_at <= timezone.now()
        ):
            return None
        name = ""
        if link.giver_id is not None and link.show_name:
            giver = rows.by_pk(get_user_model(), link.giver_id)
            name = first_name_of(giver.first_name if giver else "")
        return Gift(gift_id, link.giver_id is None, name)

    def status(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.browsers >= self.max_browsers:
            return "used up"
        return "active"

    @admin.display(description="Status")
    def state(self) -> str:
        return self.status()

    @admin.display(description="Made by")
    def made_by(self) -> str:
        """Who made the link, as the admin lists it: an editor by name; a
        subscriber's gift without naming the subscriber (editors need not
        know who shares what)."""
        if self.giver_id:
            return "A subscriber"
        if self.created_by is None:
            return "An editor"
        return self.created_by.get_full_name() or self.created_by.get_username()

    @admin.display(description="Opened by")
    def opened(self) -> str:
        return f"{self.browsers} of {self.max_browsers} browsers ({self.reads} visits)"

    @admin.display(description="Gift link")
    def link(self) -> str:
        return self.path() or "(made under an earlier secret key: no longer shown)"

    def revoke(self) -> None:
        if self.revoked_at is None:
            GiftLink.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=timezone.now())
            self.refresh_from_db(fields=["revoked_at"])

    # -- opening ------------------------------------------------------------

    def open_for(self, visitor_id: str) -> bool:
        """This browser opens the link: True if it may read the article.

        A browser that opened it before keeps its place; a new one takes a
        place if one is left, in one conditional UPDATE that also checks
        the link still stands, so concurrent openings never take more places
        than there are and a revocation cannot be raced."""
        reader = record.digest(f"v:{visitor_id}")
        now = timezone.now()
        opened = GiftOpening.objects.filter(gift=self, reader=reader)
        standing = GiftLink.objects.standing(now).filter(pk=self.pk)
        with transaction.atomic():
            if opened.exists():
                if not standing.update(reads=F("reads") + 1):
                    return False
                opened.update(times=F("times") + 1, last_at=now)
                return True
            took = standing.filter(browsers__lt=F("max_browsers")).update(
                browsers=F("browsers") + 1, reads=F("reads") + 1
            )
            if not took:
                return False
            try:
                with transaction.atomic():
                    GiftOpening.objects.create(gift=self, reader=reader, opened_at=now, last_at=now)
            except IntegrityError:
                # The same browser twice at once: it holds one place, not two.
                GiftLink.objects.filter(pk=self.pk).update(browsers=F("browsers") - 1)
            return True


class GiftOpening(models.Model):
    """One browser that opened a gift link, by the keyed digest Insights
    names visitors with (so a registration or subscription that follows is
    attributed to the gift)."""

    gift = models.ForeignKey(GiftLink, on_delete=models.CASCADE, related_name="openings")
    reader = models.CharField(max_length=32)
    opened_at = models.DateTimeField()
    last_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gift", "reader"], name="one_opening_per_browser")
        ]
        indexes = [models.Index(fields=["reader", "opened_at"], name="gift_opening_by_reader")]

    def __str__(self):
        return f"Opening of gift {self.gift_id}"


def made_this_month(user, now: datetime | None = None) -> int:
    """Gift links this subscriber made this month: what their allowance counts.
    (Sharing a link again costs nothing; only a new link does.)"""
    since = month_start(now or timezone.now())
    return GiftLink.objects.filter(giver=user, created_at__gte=since).count()


def default_expiry(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(days=days)


def gift_opened_before(digests: list[str], at: datetime, window: timedelta) -> int | None:
    """The gift link these browsers (Insights' digests) opened last before
    ``at``, within ``window``: a registration or subscription that follows
    is attributed to it."""
    if not digests:
        return None
    return (
        GiftOpening.objects.filter(reader__in=digests, opened_at__lte=at, last_at__gte=at - window)
        .order_by("-last_at")
        .values_list("gift_id", flat=True)
        .first()
    )
