"""policy.decide across the whole matrix: reader state × access level × meter state."""

import itertools

import pytest

from masthead.newsroom.models import Access as ArticleAccess
from masthead.paywall.policy import (
    Access,
    Decision,
    MeterOutcome,
    MeterState,
    ReaderStatus,
    Reason,
    Rules,
    Wall,
    decide,
    needs_meter,
)

A, R, S, C = (
    ReaderStatus.ANONYMOUS,
    ReaderStatus.REGISTERED,
    ReaderStatus.SUBSCRIBER,
    ReaderStatus.CRAWLER,
)
NOW, BEFORE, OVER, DOWN = (
    MeterOutcome.COUNTED_NOW,
    MeterOutcome.COUNTED_BEFORE,
    MeterOutcome.OVER_LIMIT,
    MeterOutcome.UNAVAILABLE,
)
RULES = Rules(anonymous_allowance=3, registered_allowance=5)

FULL = "full"
REGISTER_WALL = "register wall"
SUBSCRIBE_WALL = "subscribe wall"

# What each reader gets for a metered article, by meter outcome.
METERED = {
    (A, NOW): FULL,
    (A, BEFORE): FULL,
    (A, OVER): REGISTER_WALL,
    (A, DOWN): REGISTER_WALL,
    (A, MeterOutcome.NOT_COUNTED): REGISTER_WALL,
    (R, NOW): FULL,
    (R, BEFORE): FULL,
    (R, OVER): SUBSCRIBE_WALL,
    (R, DOWN): SUBSCRIBE_WALL,
    (R, MeterOutcome.NOT_COUNTED): SUBSCRIBE_WALL,
}


def expected(status, access, outcome):
    if access == Access.FREE or status in (S, C):
        return FULL
    if access == Access.SUBSCRIBERS:
        return SUBSCRIBE_WALL
    return METERED[(status, outcome)]


def observed(decision: Decision):
    if decision.full_text:
        return FULL
    return {Wall.REGISTER: REGISTER_WALL, Wall.SUBSCRIBE: SUBSCRIBE_WALL}[decision.wall]


@pytest.mark.parametrize(
    "status, access, outcome", list(itertools.product(ReaderStatus, Access, MeterOutcome))
)
def test_decision_matrix(status, access, outcome):
    meter = MeterState(outcome, used=2, limit=3)

    assert observed(decide(status, access, meter, RULES)) == expected(status, access, outcome)


@pytest.mark.parametrize("status, access", list(itertools.product(ReaderStatus, Access)))
def test_only_metered_reads_by_metered_readers_spend_the_meter(status, access):
    assert needs_meter(status, access) == (access == Access.METERED and status in (A, R))


@pytest.mark.parametrize(
    "status, access",
    [(s, a) for s, a in itertools.product(ReaderStatus, Access) if not needs_meter(s, a)],
)
def test_decisions_that_need_no_meter_do_not_ask_for_one(status, access):
    decide(status, access, None, RULES)


def test_a_metered_read_without_the_meters_answer_is_a_programming_error():
    with pytest.raises(ValueError):
        decide(A, Access.METERED, None, RULES)


@pytest.mark.parametrize("used, remaining", [(1, 2), (2, 1), (3, 0)])
def test_banner_counts_the_free_articles_left(used, remaining):
    decision = decide(A, Access.METERED, MeterState(NOW, used=used, limit=3), RULES)

    assert decision.full_text and decision.remaining == remaining
    assert decision.reason == Reason.WITHIN_ALLOWANCE


def test_rereading_is_free_and_says_why():
    decision = decide(R, Access.METERED, MeterState(BEFORE, used=5, limit=5), RULES)

    assert decision.full_text and decision.reason == Reason.ALREADY_READ
    assert decision.remaining == 0


def test_register_wall_only_when_registering_buys_more_articles():
    stingy = Rules(anonymous_allowance=3, registered_allowance=3)
    over = MeterState(OVER, used=3, limit=3)

    assert decide(A, Access.METERED, over, RULES).wall == Wall.REGISTER
    assert decide(A, Access.METERED, over, stingy).wall == Wall.SUBSCRIBE


def test_subscribers_only_article_never_offers_registration():
    assert decide(A, Access.SUBSCRIBERS, None, RULES).wall == Wall.SUBSCRIBE


@pytest.mark.parametrize("status", [A, R])
def test_a_look_that_spent_nothing_is_never_the_full_text(status):
    lenient = Rules(open_when_meter_unavailable=True)
    for rules in (RULES, lenient):
        decision = decide(status, Access.METERED, MeterState(MeterOutcome.NOT_COUNTED, 0, 3), rules)
        assert decision.walled and decision.reason == Reason.NOTHING_SPENT
        assert decision.remaining == 3


def test_a_meter_outage_can_be_configured_to_fail_open():
    lenient = Rules(open_when_meter_unavailable=True)
    decision = decide(A, Access.METERED, MeterState(DOWN), lenient)

    assert decision.full_text and decision.reason == Reason.METER_UNAVAILABLE
    assert decide(A, Access.SUBSCRIBERS, None, lenient).walled


def test_article_access_choices_match_the_policy():
    assert {choice.value for choice in ArticleAccess} == {access.value for access in Access}


# Gifts: a browser that opened a standing gift link for this very article.
GIFT_EXPECTED = {
    # (status, access, site asks for an account first) → what the reader gets
    **{(status, Access.FREE, ask): FULL for status in ReaderStatus for ask in (False, True)},
    **{(status, access, ask): FULL for status in (S, C) for access in Access
       for ask in (False, True)},
    **{(R, access, ask): FULL for access in (Access.METERED, Access.SUBSCRIBERS)
       for ask in (False, True)},
    (A, Access.METERED, False): FULL,
    (A, Access.SUBSCRIBERS, False): FULL,
    (A, Access.METERED, True): REGISTER_WALL,
    (A, Access.SUBSCRIBERS, True): REGISTER_WALL,
}  # fmt: skip


@pytest.mark.parametrize("status, access, ask", sorted(GIFT_EXPECTED, key=str))
def test_gift_matrix(status, access, ask):
    rules = Rules(anonymous_allowance=3, registered_allowance=5, gift_needs_account=ask)
    decision = decide(status, access, None, rules, gifted=True)

    assert observed(decision) == GIFT_EXPECTED[(status, access, ask)]
    if status in (A, R) and access != Access.FREE:
        assert decision.reason == (Reason.GIFT_NEEDS_ACCOUNT if decision.walled else Reason.GIFT)
        assert decision.remaining is None  # no banner: nothing was counted


@pytest.mark.parametrize("status, access", list(itertools.product(ReaderStatus, Access)))
def test_a_gifted_read_never_spends_the_meter(status, access):
    assert not needs_meter(status, access, gifted=True)


@pytest.mark.parametrize(
    "status, access, outcome", list(itertools.product(ReaderStatus, Access, MeterOutcome))
)
def test_without_a_gift_the_matrix_is_unchanged_whatever_the_site_asks(status, access, outcome):
    meter = MeterState(outcome, used=2, limit=3)
    asks = Rules(anonymous_allowance=3, registered_allowance=5, gift_needs_account=True)

    decision = decide(status, access, meter, asks, gifted=False)
    assert observed(decision) == expected(status, access, outcome)
    assert decision.reason not in (Reason.GIFT, Reason.GIFT_NEEDS_ACCOUNT)
