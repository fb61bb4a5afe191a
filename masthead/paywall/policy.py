"""Who may read an article in full: one pure decision.

No I/O happens here. The gate gathers the facts (who the reader is, the
article's access level, what the meter said) and this module decides, so the
whole matrix can be tested exhaustively without a database or a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReaderStatus(StrEnum):
    ANONYMOUS = "anonymous"
    REGISTERED = "registered"
    SUBSCRIBER = "subscriber"
    CRAWLER = "crawler"  # a search engine crawler whose address was verified


class Access(StrEnum):
    FREE = "free"
    METERED = "metered"
    SUBSCRIBERS = "subscribers"


class MeterOutcome(StrEnum):
    COUNTED_NOW = "counted_now"  # first read of this article in the window, within allowance
    COUNTED_BEFORE = "counted_before"  # already read in this window: re-reading is free
    OVER_LIMIT = "over_limit"  # a new article, and the allowance is spent
    # A look that spends nothing (HEAD) at an article not counted in this
    # window: reading it would cost an article, so the look shows none of it.
    NOT_COUNTED = "not_counted"
    UNAVAILABLE = "unavailable"  # the meter store could not be reached


class Wall(StrEnum):
    REGISTER = "register"  # "create a free account to keep reading"
    SUBSCRIBE = "subscribe"


class Reason(StrEnum):
    FREE_ARTICLE = "free_article"
    SUBSCRIBER = "subscriber"
    VERIFIED_CRAWLER = "verified_crawler"
    WITHIN_ALLOWANCE = "within_allowance"
    ALREADY_READ = "already_read"
    ALLOWANCE_SPENT = "allowance_spent"
    SUBSCRIBERS_ONLY = "subscribers_only"
    METER_UNAVAILABLE = "meter_unavailable"
    NOTHING_SPENT = "nothing_spent"  # a look that spent nothing grants nothing new
    GIFT = "gift"  # a gift link this browser opened for this article
    GIFT_NEEDS_ACCOUNT = "gift_needs_account"  # the same, on a site that asks for an account first


# The reasons a page was opened by a gift: such a page is never indexed or
# kept by any cache, and names who gave it.
GIFT_REASONS = (Reason.GIFT, Reason.GIFT_NEEDS_ACCOUNT)


@dataclass(frozen=True)
class MeterState:
    outcome: MeterOutcome
    used: int = 0  # distinct articles counted in this window, after this request
    limit: int = 0


@dataclass(frozen=True)
class Rules:
    anonymous_allowance: int = 3
    registered_allowance: int = 5
    # When the meter store is down: False serves the teaser (never leak);
    # True lets metered articles through (never lose a reader).
    open_when_meter_unavailable: bool = False
    # A gift is read signed in: an anonymous recipient is asked to register
    # (free) first.
    gift_needs_account: bool = False


@dataclass(frozen=True)
class Decision:
    full_text: bool
    reason: Reason
    wall: Wall | None = None
    remaining: int | None = None  # free articles left in the window, for the banner

    @property
    def walled(self) -> bool:
        return not self.full_text


def needs_meter(status: ReaderStatus, access: Access, gifted: bool = False) -> bool:
    """Whether this read should be counted: only metered articles, only for
    metered readers, never a gifted read."""
    return (
        access == Access.METERED
        and status in (ReaderStatus.ANONYMOUS, ReaderStatus.REGISTERED)
        and not gifted
    )


def may_be_gifted(status: ReaderStatus, access: Access) -> bool:
    """Whether a gift could change this reader's page: a walled article, for
    a reader the wall is for."""
    return access != Access.FREE and status in (ReaderStatus.ANONYMOUS, ReaderStatus.REGISTERED)


def allowance(status: ReaderStatus, rules: Rules) -> int:
    if status == ReaderStatus.REGISTERED:
        return rules.registered_allowance
    return rules.anonymous_allowance


def wall_for(status: ReaderStatus, access: Access, rules: Rules) -> Wall:
    """Registering helps only an anonymous reader of a metered article, and only
    if registered readers are given more."""
    if (
        status == ReaderStatus.ANONYMOUS
        and access == Access.METERED
        and rules.registered_allowance > rules.anonymous_allowance
    ):
        return Wall.REGISTER
    return Wall.SUBSCRIBE


def decide(
    status: ReaderStatus,
    access: Access,
    meter: MeterState | None,
    rules: Rules,
    gifted: bool = False,
) -> Decision:
    """``gifted``: this browser opened a gift link for this very article, and
    the gift still stands (not expired, not revoked). A gifted read spends no
    meter, so ``meter`` is None for it."""
    if access == Access.FREE:
        return Decision(True, Reason.FREE_ARTICLE)
    if status == ReaderStatus.SUBSCRIBER:
        return Decision(True, Reason.SUBSCRIBER)
    if status == ReaderStatus.CRAWLER:
        return Decision(True, Reason.VERIFIED_CRAWLER)
    if gifted:
        if status == ReaderStatus.ANONYMOUS and rules.gift_needs_account:
            return Decision(False, Reason.GIFT_NEEDS_ACCOUNT, wall=Wall.REGISTER)
        return Decision(True, Reason.GIFT)
    if access == Access.SUBSCRIBERS:
        return Decision(False, Reason.SUBSCRIBERS_ONLY, wall=Wall.SUBSCRIBE)

    # A metered article for an anonymous or registered reader.
    if meter is None:
        raise ValueError("a metered read needs the meter's answer")
    if meter.outcome == MeterOutcome.UNAVAILABLE:
        if rules.open_when_meter_unavailable:
            return Decision(True, Reason.METER_UNAVAILABLE)
        return Decision(False, Reason.METER_UNAVAILABLE, wall=wall_for(status, access, rules))
    if meter.outcome == MeterOutcome.OVER_LIMIT:
        return Decision(
            False, Reason.ALLOWANCE_SPENT, wall=wall_for(status, access, rules), remaining=0
        )
    if meter.outcome == MeterOutcome.NOT_COUNTED:
        # Full text is only ever handed out for a read that was counted (or
        # had been): never for a look that left the meter where it was.
        return Decision(
            False,
            Reason.NOTHING_SPENT,
            wall=wall_for(status, access, rules),
            remaining=max(meter.limit - meter.used, 0),
        )
    remaining = max(meter.limit - meter.used, 0)
    reason = (
        Reason.WITHIN_ALLOWANCE
        if meter.outcome == MeterOutcome.COUNTED_NOW
        else Reason.ALREADY_READ
    )
    return Decision(True, reason, remaining=remaining)
