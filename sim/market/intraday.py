"""Intraday key-rate marks between closes, the trading-day clock, and a futures-cash basis factor.

Units: key-rate marks and basis levels are in **basis points** of yield; volatilities are bp per
(trading) day; clock times are minutes after midnight, Eastern Time (ET).

Intraday marks (``intraday_marks``, ``intraday_paths``). Between two closes the cumulative
key-rate change since the previous close is a multivariate **Brownian bridge**: 0 at fraction 0
(the previous close), the day's close-to-close change at fraction 1 (this close), Gaussian in
between with the regime's daily covariance ``Sigma = diag(vol) corr diag(vol)``. At fraction
``f`` its mean is ``f * change`` and its covariance ``f (1 - f) Sigma``; between fractions
``f <= g`` the covariance is ``f (1 - g) Sigma``. Choices and evidence:

- A bridge, not a free Brownian path, because the margin models' look-back holds the daily
  close-to-close changes of ``MarketPath``: marks drawn as a bridge end exactly at the close the
  look-back will record, so intraday calls (FICC about noon, CME 13:30, DESIGN.md section 2)
  and the end-of-day run see one consistent market path, and the close-to-close law fitted in
  ``sim.market.calibration`` is left untouched.
- Gaussian given the change. The daily change is a Student-t (a normal scale mixture); the
  bridge uses the regime's covariance (which already includes the t scaling, since ``vol_bp``
  is the sample standard deviation) rather than the day's unobserved mixing scale. Intraday
  tails therefore come from the pinned end and the regime, not from an intraday jump model.
- The whole close-to-close variance is spread evenly over the trading-day fraction (see
  ``fraction_of_day``); overnight moves are not modelled separately, so the mark at the open
  equals the previous close and variance accrues linearly in clock time until the settlement.

Clock (``fraction_of_day``): 08:00 to 15:00 ET by default; 15:00 ET is the Treasury futures
settlement time (13:59:30-14:00 CT, DESIGN.md section 2), the close the daily changes refer to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.market.calibration import REGIMES

OPEN_CLOCK = 8 * 60
SETTLEMENT_CLOCK = 15 * 60


def _check_fractions(fractions: np.ndarray) -> np.ndarray:
    """Fractions as a 1-D float array, each in [0, 1] (0: previous close, 1: this close)."""
    f = np.asarray(fractions, dtype=float)
    if f.ndim != 1:
        raise ValueError(f"fractions must be 1-D, got shape {f.shape}")
    if not np.all((f >= 0.0) & (f <= 1.0)):
        raise ValueError("fractions must lie in [0, 1]")
    return f


def _bridge(
    change_bp: np.ndarray, fractions: np.ndarray, factor: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Bridges (D, M, K) bp from 0 to ``change_bp`` (D, K); ``factor`` (D, K, K): L L' = Sigma.

    Draws a Brownian path W with daily covariance Sigma at the sorted fractions and at 1, and
    returns ``f * change + W(f) - f W(1)``, exact at f = 0 and f = 1. The draws follow the
    sorted fractions, so permuting ``fractions`` permutes the marks alike (same seed).
    """
    f = _check_fractions(fractions)
    order = np.argsort(f, kind="stable")
    grid = f[order]
    steps = np.diff(np.append(grid, 1.0), prepend=0.0)
    z = rng.standard_normal((change_bp.shape[0], grid.size + 1, change_bp.shape[1]))
    increments = np.einsum("dij,dmj->dmi", factor, z) * np.sqrt(steps)[None, :, None]
    walk = np.cumsum(increments, axis=1)
    noise = walk[:, :-1] - grid[None, :, None] * walk[:, -1:]
    out = np.empty_like(noise)
    out[:, order] = grid[None, :, None] * change_bp[:, None, :] + noise
    return out


def covariance_factor(vol_bp: np.ndarray, corr: np.ndarray) -> np.ndarray:
    """``diag(vol) chol(corr)`` (K, K): its outer product is the daily covariance (bp^2)."""
    vol = np.asarray(vol_bp, dtype=float)
    return np.linalg.cholesky(np.asarray(corr, dtype=float)) * vol[:, None]


def intraday_marks(
    prev_close_bp: np.ndarray,
    change_bp: np.ndarray,
    fractions: np.ndarray,
    vol_bp: np.ndarray,
    corr: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Cumulative key-rate change (bp) since the previous close at each fraction: (M, K).

    ``prev_close_bp`` (K,) fixes the number of key rates (its values do not enter: marks are
    changes from it); ``change_bp`` (K,) is the close-to-close change; ``fractions`` (M,) in
    [0, 1]; ``vol_bp`` (K,) bp/day and ``corr`` (K, K) give the day's covariance. Mean at f is
    ``f * change``, covariance ``f (1 - f) Sigma`` (module docstring).
    """
    change = np.asarray(change_bp, dtype=float)
    if change.shape != np.shape(prev_close_bp):
        raise ValueError(f"change_bp {change.shape} and prev_close_bp shapes differ")
    factor = covariance_factor(vol_bp, corr)
    return _bridge(change[None, :], fractions, factor[None], rng)[0]


def regime_factors(params: dict[str, Any]) -> np.ndarray:
    """Covariance factors (2, K, K) of the calm and stressed regimes of a market model."""
    regimes = [params["regimes"][name] for name in REGIMES]
    return np.array([covariance_factor(r["vol_bp"], r["corr"]) for r in regimes])


def intraday_paths(
    changes_bp: np.ndarray,
    regimes: np.ndarray,
    fractions: np.ndarray,
    params: dict[str, Any],
    rng: np.random.Generator,
) -> np.ndarray:
    """Bridges (D, M, K) bp for D days at once, each with its regime's covariance.

    ``changes_bp`` (D, K) close-to-close changes; ``regimes`` (D,) 0 calm / 1 stressed;
    ``params`` a ``sim.market.calibration`` market model. Marks at fraction 1 equal the changes.
    """
    changes = np.atleast_2d(np.asarray(changes_bp, dtype=float))
    states = np.asarray(regimes, dtype=np.int64)
    if states.shape != (changes.shape[0],):
        raise ValueError(f"regimes {states.shape} must be one per day of changes {changes.shape}")
    if not np.all((states == 0) | (states == 1)):
        raise ValueError("regimes must be 0 (calm) or 1 (stressed)")
    return _bridge(changes, fractions, regime_factors(params)[states], rng)


def fraction_of_day(
    clock_minutes: int, open_clock: int = OPEN_CLOCK, close_clock: int = SETTLEMENT_CLOCK
) -> float:
    """Fraction of the trading day at an ET clock time (minutes after midnight), in [0, 1].

    Linear from ``open_clock`` (08:00 ET) to ``close_clock`` (15:00 ET, the Treasury futures
    settlement); clipped outside. E.g. 12:00 -> 240 / 420 = 4/7.
    """
    if close_clock <= open_clock:
        raise ValueError(f"close_clock {close_clock} must be after open_clock {open_clock}")
    frac = (clock_minutes - open_clock) / (close_clock - open_clock)
    return float(min(max(frac, 0.0), 1.0))
