"""Small statistics for experiment analysis: Student-t critical values and t confidence intervals.

No scipy: the two-sided 95% critical value comes from the published table for df 1..30 and from
a Cornish-Fisher expansion in 1/df (Abramowitz and Stegun 26.7.5) beyond, which is accurate to
better than 1e-5 there and converges to the normal quantile 1.959964.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

# Two-sided 95% (one-sided 0.975) Student-t critical values for df = 1..30, published table.
_T_TABLE_975: tuple[float, ...] = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

# Standard normal 0.975 quantile.
Z_975 = 1.959963984540054


def _cornish_fisher_t(z: float, df: int) -> float:
    """Student-t quantile from the normal quantile ``z``, expanded to order 1/df**4."""
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    inv = 1.0 / df
    return z + inv * (g1 + inv * (g2 + inv * (g3 + inv * g4)))


def t_quantile_975(df: int) -> float:
    """Two-sided 95% Student-t critical value for ``df`` degrees of freedom (df >= 1)."""
    if isinstance(df, bool) or int(df) != df or df < 1:
        raise ValueError(f"degrees of freedom must be an integer >= 1, got {df!r}")
    df = int(df)
    if df <= len(_T_TABLE_975):
        return _T_TABLE_975[df - 1]
    return _cornish_fisher_t(Z_975, df)


def mean_ci(values: Iterable[float]) -> tuple[float, float, float, int]:
    """Mean and two-sided 95% t-interval of ``values`` as ``(mean, ci_low, ci_high, n)``.

    NaNs are dropped and ``n`` counts what is left. With n = 1 the interval collapses to the
    mean; with n = 0 mean and interval are NaN.
    """
    arr = np.asarray(list(values), dtype=float)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(arr.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = t_quantile_975(n - 1) * float(arr.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n
