"""Order statistics used by every metric: ONE definition of median and percentile.

Definition (numpy's default "linear" method, Hyndman & Fan type 7): sort the n values, take rank
r = q·(n−1) and interpolate linearly between the values at floor(r) and ceil(r). The median is
percentile(0.5): the middle value for odd n, the mean of the two middle values for even n. p75 is
percentile(0.75). An empty sample gives None (NULL), never 0; the sample size is always stored
beside the statistic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) of the non-null values, linear interpolation; None if empty."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    rank = q * (len(xs) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo)


def median(values: Iterable[float | None]) -> float | None:
    """The median (mean of the two middle values for an even count); None if empty."""
    return percentile(values, 0.5)


def p75(values: Iterable[float | None]) -> float | None:
    """The 75th percentile, same interpolation as `median`; None if empty."""
    return percentile(values, 0.75)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, None (NULL) when the denominator is zero."""
    return None if denominator == 0 else numerator / denominator
