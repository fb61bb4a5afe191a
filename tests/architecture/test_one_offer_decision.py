"""An offer experiment changes the wall's words and the allowance, nothing else.

Which variant a reader is shown is decided in one place (``offers.arms``,
asked by ``paywall.gate`` for the article page and by the plans page); the
policy sees a variant only as the allowance in ``Rules``, put there by the
gate alone (``Arm.rules``). And whatever allowance a variant carries, the
policy never opens a subscribers-only article to a reader the wall is for,
nor a metered one past its allowance: checked here for every decision.
"""

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from masthead.offers.arms import Arm
from masthead.paywall.policy import (
    Access,
    MeterOutcome,
    MeterState,
    ReaderStatus,
    Rules,
    decide,
)
from tests.architecture.source import python_files

APPLIES_RULES = {Path("paywall/gate.py")}
PLACES = {Path("paywall/gate.py"), Path("offers/arms.py"), Path("members/views.py")}


def offences(relative, tree):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = getattr(owner, "attr", getattr(owner, "id", ""))
        if node.func.attr == "rules" and owner_name == "arm" and relative not in APPLIES_RULES:
            yield node.lineno, "applies a variant's rules"
        placing = node.func.attr == "for_browser" or (
            owner_name == "arms" and node.func.attr in ("place", "for_request")
        )
        if placing and relative not in PLACES:
            yield node.lineno, f"places a reader ({node.func.attr})"


def test_only_the_gate_gives_the_policy_a_variant_and_only_arms_place_readers():
    found = [
        f"{relative}:{line}: {what}"
        for relative, tree in python_files()
        for line, what in offences(relative, tree)
    ]
    assert found == []


def test_the_check_sees_what_it_forbids():
    tree = ast.parse(
        "placed.arm.rules(rules)\narms.place(request, reader, 1)\nrunning.for_browser('v')\n"
    )
    assert {what for _, what in offences(Path("newsroom/views.py"), tree)} == {
        "applies a variant's rules",
        "places a reader (place)",
        "places a reader (for_browser)",
    }


allowances = st.one_of(st.none(), st.integers(min_value=0, max_value=1000))


@given(
    anonymous=allowances,
    registered=allowances,
    status=st.sampled_from([ReaderStatus.ANONYMOUS, ReaderStatus.REGISTERED]),
    outcome=st.sampled_from(list(MeterOutcome)),
    used=st.integers(min_value=0, max_value=1000),
)
def test_no_variant_opens_what_the_wall_keeps(anonymous, registered, status, outcome, used):
    arm = Arm(
        1, 1, "subscribe", "any", anonymous_allowance=anonymous, registered_allowance=registered
    )
    rules = arm.rules(Rules())
    meter = MeterState(outcome, used, 0)
    # Subscribers-only stays shut, whatever the allowance.
    assert not decide(status, Access.SUBSCRIBERS, None, rules).full_text
    # A metered article opens only for a read the meter counted (now or before).
    opened = decide(status, Access.METERED, meter, rules).full_text
    counted = outcome in (MeterOutcome.COUNTED_NOW, MeterOutcome.COUNTED_BEFORE)
    assert opened == counted or (
        outcome == MeterOutcome.UNAVAILABLE and rules.open_when_meter_unavailable
    )
    # The rest of the rules are the site's.
    assert (rules.open_when_meter_unavailable, rules.gift_needs_account) == (False, False)
