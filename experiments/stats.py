"""Statistics for experiment analysis, from ``scipy.stats``: Student-t critical values, plain
t-intervals of a mean, and intervals of a mean that respect the quantity's valid range.

``range_mean_ci`` chooses the interval by the range ``low..high`` (closed) and the data:

- ``bootstrap``: with 10 or more values and a seed, the percentile bootstrap of the mean
  (``scipy.stats.bootstrap``, 9,999 resamples); means of in-range values stay in range.
- ``log t``: range [0, inf) and a positive mean: the t-interval of log(mean), its standard error
  by the delta method (se / mean), back-transformed: ``mean * exp(-+ t se / mean)``. Positive,
  asymmetric, and it always contains the mean (an interval of the mean, not of the geometric
  mean, so zeros among the values are fine).
- ``logit t``: range [0, 1] and a mean strictly inside it: the t-interval of logit(mean), its
  standard error ``se / (mean (1 - mean))``, back-transformed with the logistic function.
- ``t`` / ``clipped t``: otherwise (other ranges; a mean on a bound, which for in-range values
  means every value is on it; values outside the range) the plain t-interval, clipped to the
  range (``clipped t`` when clipping moved a bound).

With one value the interval collapses to it (method ``single``), with none everything is NaN
(method ``none``), and with no spread the interval is the mean (method ``t``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import special, stats

CONFIDENCE = 0.95
BOOTSTRAP_MIN_N = 10  # the percentile bootstrap needs enough values to resample
BOOTSTRAP_RESAMPLES = 9_999


def t_quantile_975(df: int) -> float:
    """Two-sided 95% Student-t critical value for ``df`` degrees of freedom (df >= 1), from
    ``scipy.stats.t.ppf(0.975, df)``."""
    if isinstance(df, bool) or int(df) != df or df < 1:
        raise ValueError(f"degrees of freedom must be an integer >= 1, got {df!r}")
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, int(df)))


def _finite(values: Iterable[float]) -> np.ndarray:
    arr = np.asarray(list(values), dtype=float)
    return arr[~np.isnan(arr)]


def _half_width(arr: np.ndarray) -> float:
    """t critical value times the standard error of the mean (n >= 2)."""
    return t_quantile_975(arr.size - 1) * float(arr.std(ddof=1)) / math.sqrt(arr.size)


def mean_ci(values: Iterable[float]) -> tuple[float, float, float, int]:
    """Mean and two-sided 95% t-interval of ``values`` as ``(mean, ci_low, ci_high, n)``.

    NaNs are dropped and ``n`` counts what is left. With n = 1 the interval collapses to the
    mean; with n = 0 mean and interval are NaN.
    """
    arr = _finite(values)
    n = int(arr.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(arr.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = _half_width(arr)
    return mean, mean - half, mean + half, n


def _bootstrap(arr: np.ndarray, seed: int) -> tuple[float, float]:
    result = stats.bootstrap(
        (arr,),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _transformed(arr: np.ndarray, low: float, high: float) -> tuple[float, float, str] | None:
    """The log or logit t-interval of the mean when the range and the mean allow one."""
    mean, half = float(arr.mean()), _half_width(arr)
    if low == 0 and high == math.inf and mean > 0:
        step = math.exp(min(half / mean, 700.0))  # <= t for values >= 0; no overflow
        return mean / step, mean * step, "log t"
    if low == 0 and high == 1 and 0 < mean < 1:
        centre, step = float(special.logit(mean)), half / (mean * (1 - mean))
        return float(special.expit(centre - step)), float(special.expit(centre + step)), "logit t"
    return None


def _clipped(arr: np.ndarray, low: float, high: float) -> tuple[float, float, str]:
    mean, half = float(arr.mean()), _half_width(arr)
    lo, hi = max(mean - half, low), min(mean + half, high)
    return lo, hi, "t" if (lo, hi) == (mean - half, mean + half) else "clipped t"


def range_mean_ci(
    values: Iterable[float],
    low: float = -math.inf,
    high: float = math.inf,
    seed: int | None = None,
) -> tuple[float, float, float, int, str]:
    """Mean and 95% interval of ``values`` within the valid range ``low..high`` as
    ``(mean, ci_low, ci_high, n, method)``; the method is chosen as the module says (the
    bootstrap only with ``seed`` given and n >= 10). NaNs are dropped."""
    arr = _finite(values)
    mean, n = (float(arr.mean()) if arr.size else math.nan), int(arr.size)
    if n <= 1:
        return mean, mean, mean, n, "single" if n else "none"
    if float(arr.std(ddof=1)) == 0:
        return mean, mean, mean, n, "t"
    if seed is not None and n >= BOOTSTRAP_MIN_N:
        return mean, *_bootstrap(arr, seed), n, "bootstrap"
    lo, hi, method = _transformed(arr, low, high) or _clipped(arr, low, high)
    return mean, lo, hi, n, method
