"""The futures-cash basis of the margin models' look-back: simulated, since no daily basis data
ship with the project.

Units: bp of yield; daily basis changes in bp per business day, shape (days, F), F =
``len(sim.market.basis.FAMILIES)``; sign convention of ``sim.market.basis`` (positive: futures
cheapen against cash; futures P&L ``-(futures DV01) x (basis change)``).

The look-back's basis is drawn from the basis model (``simulate_basis``, the same parameters as
the run days, ``market.basis``) on its **own** named stream ``BASIS_LOOKBACK_STREAM``, so that
drawing it (or changing a basis parameter) shifts no other component's draws (common random
numbers, ``sim.rng``). Each look-back day's calm/stressed volatility follows that day's regime,
taken causally from the yields:

- a synthetic look-back: the model's own regime chain, which drew the yields (a Markov chain run
  forward: no label depends on a later day);
- a real history: ``causal_stress_labels``, the calibration's rule (trailing 21-day volatility
  of the mean 2Y/5Y/10Y change above its 80th percentile) with the percentile taken over the
  days up to and including each day (an expanding window), not over the whole file, which
  would look ahead.

The basis level starts at 0 at the start of the look-back; the margin models use its daily
changes only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.market.basis import FAMILIES, BasisParams, simulate_basis
from sim.market.calibration import STRESS_QUANTILE, STRESS_TENORS, STRESS_WINDOW_DAYS
from sim.market.history import KEY_TENORS
from sim.rng import Streams

BASIS_LOOKBACK_STREAM = "market.basis_lookback"


def causal_stress_labels(changes_bp: np.ndarray) -> np.ndarray:
    """Regime (0 calm, 1 stressed; int64, (T,)) of each day of key-rate changes (bp, (T, 5) in
    ``KEY_TENORS`` order, oldest first), using only that day and the days before it: stressed
    when the trailing ``STRESS_WINDOW_DAYS``-day RMS of the mean 2Y/5Y/10Y change exceeds the
    ``STRESS_QUANTILE`` percentile of that RMS over all days so far (expanding window). Calm
    until the window is full and ``STRESS_WINDOW_DAYS`` RMS values have been seen."""
    cols = [KEY_TENORS.index(t) for t in STRESS_TENORS]
    level = pd.Series(np.asarray(changes_bp, dtype=float)[:, cols].mean(axis=1))
    rms = (level**2).rolling(STRESS_WINDOW_DAYS, min_periods=STRESS_WINDOW_DAYS).mean() ** 0.5
    threshold = rms.expanding(min_periods=STRESS_WINDOW_DAYS).quantile(STRESS_QUANTILE)
    return (rms > threshold).to_numpy().astype(np.int64)  # NaN compares False: calm


def lookback_basis_changes(
    regimes: np.ndarray, params: BasisParams, rng: np.random.Generator
) -> np.ndarray:
    """Daily basis changes (bp, (T, F)) of a look-back whose days have ``regimes`` (T,) (0 calm,
    1 stressed), drawn from the basis model with ``rng`` (the level starts at 0)."""
    levels = simulate_basis(regimes, len(FAMILIES), params, rng)
    return np.diff(levels, axis=0, prepend=np.zeros((1, len(FAMILIES))))


def seeded_basis_changes(regimes: np.ndarray, params: BasisParams, seed: int) -> np.ndarray:
    """``lookback_basis_changes`` on the ``BASIS_LOOKBACK_STREAM`` stream of root ``seed`` (the
    stream a run with that seed uses), for the ``margin`` and ``backtest`` commands."""
    return lookback_basis_changes(regimes, params, Streams(seed).get(BASIS_LOOKBACK_STREAM))


def margin_history(key_changes_bp: np.ndarray, basis_changes_bp: np.ndarray) -> np.ndarray:
    """The margin models' daily factor changes (bp, (T, 5 + F)): key rates then basis."""
    return np.hstack([np.asarray(key_changes_bp, float), np.asarray(basis_changes_bp, float)])
