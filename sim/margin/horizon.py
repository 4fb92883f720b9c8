"""P&L of frozen positions over a liquidation horizon, and what covers it: pure, vectorised
numpy, the one place the backtest (``sim.margin.backtest``), coverage in runs
(``sim.metrics.coverage``) and, later, close-outs take a horizon loss from.

Conventions of ``sim.margin.var``: exposures are dollars per bp, key rates then (optionally) one
basis column per futures family (``sim.margin.exposure.with_basis``); daily changes are bp,
shape (T, K), row t the change over day t, positive = yields (basis) rise; P&L is
``-exposure @ change`` dollars (+ = gain). A position taken at the close of day t and held
for ``h`` days earns the changes of rows t+1 .. t+h.

Sharing between the two CCPs (``shared_cover``): what is left of one CCP's IM after its own
leg's loss (its *excess*) helps cover the other CCP's shortfall on the same XM account. Until
the default-management rules say otherwise the excess is shared **pro rata to IM**
(``SHARING_RULE``): a CCP receives ``IM_own / (IM_own + IM_other)`` of the other's excess,
the other CCP keeps the rest. This is an assumption, stated as such in the metric meanings.
"""

from __future__ import annotations

import numpy as np

SHARING_RULE = "pro_rata_im"


def horizon_moves(daily_bp: np.ndarray, start: np.ndarray, horizon_days: int) -> np.ndarray:
    """Factor changes (bp, (len(start), K)) from the end of row ``start[i]`` over the next
    ``horizon_days`` rows: ``sum(daily_bp[start + 1 : start + 1 + horizon_days])``. Every
    ``start + horizon_days`` must be a row of ``daily_bp`` (a full horizon)."""
    daily_bp = np.asarray(daily_bp, dtype=float)
    start = np.asarray(start, dtype=np.int64)
    if horizon_days < 1:
        raise ValueError("horizon_days must be >= 1")
    if start.size and (start.min() < -1 or start.max() + horizon_days >= daily_bp.shape[0]):
        raise ValueError("every start needs a full horizon of rows after it")
    csum = np.vstack([np.zeros((1, daily_bp.shape[1])), np.cumsum(daily_bp, axis=0)])
    return csum[start + 1 + horizon_days] - csum[start + 1]


def horizon_pnl(
    exposure: np.ndarray, daily_bp: np.ndarray, start: np.ndarray, horizon_days: int
) -> np.ndarray:
    """P&L (dollars, + = gain) of the books ``exposure`` (dollars per bp, (n, K)) frozen at the
    end of each row ``start`` over ``horizon_days`` days (``horizon_moves``), on every factor
    column, key rates and basis: shape (len(start), n). ``daily_bp`` has the same K columns."""
    exposure = np.atleast_2d(np.asarray(exposure, dtype=float))
    moves = horizon_moves(daily_bp, start, horizon_days)
    if exposure.shape[1] != moves.shape[1]:
        raise ValueError(f"exposure has {exposure.shape[1]} columns, history {moves.shape[1]}")
    return -(moves @ exposure.T)


def paired_horizon_pnl(
    exposure: np.ndarray, daily_bp: np.ndarray, start: np.ndarray, horizon_days: int
) -> np.ndarray:
    """``horizon_pnl`` with one book per start (an account-day): row i of ``exposure`` (dollars
    per bp, (m, K)) frozen at the end of row ``start[i]``; P&L dollars, shape (m,)."""
    exposure = np.asarray(exposure, dtype=float)
    moves = horizon_moves(daily_bp, start, horizon_days)
    if exposure.shape != moves.shape:
        raise ValueError(f"exposure {exposure.shape} and moves {moves.shape} differ")
    return -np.einsum("ik,ik->i", exposure, moves)


def shared_cover(im: np.ndarray, im_other: np.ndarray, loss_other: np.ndarray) -> np.ndarray:
    """What covers a CCP's leg loss (dollars): its own IM plus its pro-rata-to-IM share of the
    other CCP's excess ``max(im_other - loss_other, 0)`` (``SHARING_RULE``). All arguments are
    dollars, arrays of one value per XM account-day; ``loss_other`` is a positive dollar loss
    (negative: a gain, which adds to the other's excess)."""
    total = im + im_other
    share = np.divide(im, total, out=np.zeros(np.shape(total)), where=total > 0)
    return im + share * np.maximum(im_other - loss_other, 0.0)
