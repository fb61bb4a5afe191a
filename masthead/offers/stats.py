"""The statistics of an offer experiment: a share of readers who did
something, with its 95 % interval, and the difference between two variants.

- A share's interval is Wilson's score interval: unlike the textbook
  ``p ± 1.96·√(p(1-p)/n)`` it stays inside 0–1 and is honest for the small
  counts a small newsroom has (a few trials among hundreds of readers).
- A difference's interval is Newcombe's hybrid score interval (method 10 of
  Newcombe, *Statistics in Medicine* 1998), built from the two Wilson
  intervals; its test is the two-sided two-proportion z-test with the
  pooled share.

``tests/offers/test_stats.py`` checks these against published cases and
against SciPy's own computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

LEVEL = 0.95
Z = NormalDist().inv_cdf(1 - (1 - LEVEL) / 2)  # 1.959963…


@dataclass(frozen=True)
class Share:
    count: int
    readers: int

    @property
    def rate(self) -> float | None:
        return self.count / self.readers if self.readers else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.count, self.readers)


def wilson(count: int, readers: int, z: float = Z) -> tuple[float, float] | None:
    """Wilson's score interval for ``count`` of ``readers``; None without readers."""
    if readers <= 0:
        return None
    if not 0 <= count <= readers:
        raise ValueError("a count is between 0 and the number of readers")
    p = count / readers
    z2 = z * z
    centre = (p + z2 / (2 * readers)) / (1 + z2 / readers)
    half = z * math.sqrt(p * (1 - p) / readers + z2 / (4 * readers * readers)) / (1 + z2 / readers)
    # At none or all the bound is exactly 0 or 1 (the arithmetic leaves a crumb).
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == readers else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Difference:
    """``variant`` − ``control``: the difference of the two shares, its
    interval, and the two-sided p-value of "no difference"."""

    difference: float
    low: float
    high: float
    z: float
    p: float


def difference(variant: Share, control: Share, z: float = Z) -> Difference | None:
    if not variant.readers or not control.readers:
        return None
    p1, p2 = variant.rate, control.rate
    low1, high1 = wilson(variant.count, variant.readers, z)
    low2, high2 = wilson(control.count, control.readers, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = d + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    statistic, p_value = z_test(variant, control)
    return Difference(d, max(low, -1.0), min(high, 1.0), statistic, p_value)


def z_test(variant: Share, control: Share) -> tuple[float, float]:
    """The pooled two-proportion z statistic and its two-sided p-value. With
    no difference possible to see (nobody, or everybody, did it in both),
    z is 0 and p is 1."""
    n1, n2 = variant.readers, control.readers
    pooled = (variant.count + control.count) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 0.0, 1.0
    statistic = (variant.rate - control.rate) / spread
    return statistic, math.erfc(abs(statistic) / math.sqrt(2))
