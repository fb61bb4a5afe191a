"""The experiments' statistics against published cases and against SciPy's
own computation of the same intervals and test."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest, chi2_contingency, norm

from masthead.offers.stats import Share, difference, wilson, z_test


def test_wilsons_interval_matches_the_published_cases():
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 and 15/148.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson(15, 148)
    assert (round(low, 4), round(high, 4)) == (0.0624, 0.1605)
    # Nothing and everything stay inside 0–1.
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) is None


def test_newcombes_interval_for_a_difference_matches_the_published_case():
    # Newcombe (1998), Statistics in Medicine 17:873-890, example (a):
    # 56/70 − 48/80, method 10 (hybrid score): 0.0524 to 0.3339.
    found = difference(Share(56, 70), Share(48, 80))
    assert round(found.difference, 4) == 0.2
    assert (round(found.low, 4), round(found.high, 4)) == (0.0524, 0.3339)
    # Example (b): 9/10 − 3/10: 0.1705 to 0.8090.
    found = difference(Share(9, 10), Share(3, 10))
    assert (round(found.low, 4), round(found.high, 4)) == (0.1705, 0.8090)


def test_the_z_test_matches_a_worked_case():
    # 56/70 against 48/80: pooled share 104/150, z = 2.650, two-sided p = 0.0080.
    z, p = z_test(Share(56, 70), Share(48, 80))
    assert round(z, 3) == 2.650 and round(p, 4) == 0.0080


counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts)
def test_wilsons_interval_agrees_with_scipy(case):
    count, readers = case
    expected = binomtest(count, readers).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson(count, readers)
    assert math.isclose(low, expected.low, abs_tol=1e-9)
    assert math.isclose(high, expected.high, abs_tol=1e-9)


@given(counts, counts)
def test_the_two_proportion_test_agrees_with_scipys_chi_square(first, second):
    (x1, n1), (x2, n2) = first, second
    z, p = z_test(Share(x1, n1), Share(x2, n2))
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    if (x1 + x2) in (0, n1 + n2):
        assert (z, p) == (0.0, 1.0)  # nobody (or everybody) did it: nothing to see
        return
    # For a 2×2 table, Pearson's chi-square without continuity correction is z².
    chi2, expected_p, _, _ = chi2_contingency(table, correction=False)
    assert math.isclose(z * z, chi2, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(p, expected_p, rel_tol=1e-6, abs_tol=1e-12)
    assert math.isclose(p, 2 * norm.sf(abs(z)), rel_tol=1e-6, abs_tol=1e-12)


@given(counts, counts)
def test_newcombes_interval_is_built_from_scipys_wilson_intervals(first, second):
    (x1, n1), (x2, n2) = first, second
    found = difference(Share(x1, n1), Share(x2, n2))
    one = binomtest(x1, n1).proportion_ci(method="wilson")
    two = binomtest(x2, n2).proportion_ci(method="wilson")
    p1, p2 = x1 / n1, x2 / n2
    low = p1 - p2 - math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2)
    high = p1 - p2 + math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2)
    assert math.isclose(found.low, max(low, -1), abs_tol=1e-9)
    assert math.isclose(found.high, min(high, 1), abs_tol=1e-9)
    assert found.low <= found.difference <= found.high


def test_a_share_without_readers_has_no_rate_nor_difference():
    assert Share(0, 0).rate is None and Share(0, 0).interval is None
    assert difference(Share(0, 0), Share(1, 2)) is None
    with pytest.raises(ValueError):
        wilson(3, 2)
