"""Margin maths: pure, vectorised numpy.

Conventions. Exposures are key-rate DV01s in dollars per bp, shape (accounts, 5): the dollar gain
for a 1bp fall in each key rate. Scenarios are key-rate yield changes in bp, shape
(scenarios, 5), positive = yields rise. The P&L of account a in scenario s is
``-exposure[a] @ scenario[s]`` dollars. VaR is reported as a positive dollar loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def horizon_changes(daily_bp: np.ndarray, mpor_days: int) -> np.ndarray:
    """Overlapping ``mpor_days``-day changes (bp) from daily changes (bp), shape (T-h+1, K)."""
    if mpor_days < 1:
        raise ValueError("mpor_days must be >= 1")
    csum = np.vstack([np.zeros((1, daily_bp.shape[1])), np.cumsum(daily_bp, axis=0)])
    return csum[mpor_days:] - csum[:-mpor_days]


def var_rank(n_scenarios: int, confidence: float) -> int:
    """0-based rank of the P&L order statistic used as VaR: the ceil(n(1-c))-th worst."""
    return max(math.ceil(round(n_scenarios * (1.0 - confidence), 9)) - 1, 0)


def historical_var(exposure: np.ndarray, scenarios_bp: np.ndarray, confidence: float) -> np.ndarray:
    """Historical VaR (dollars, >= 0) of each exposure row over the scenario rows.

    VaR is minus the ceil(n(1-c))-th smallest P&L, floored at zero. With 100 scenarios at 99%
    it is the single worst loss.
    """
    pnl = -(exposure @ scenarios_bp.T)
    k = var_rank(scenarios_bp.shape[0], confidence)
    worst = np.partition(pnl, k, axis=1)[:, k]
    return np.maximum(-worst, 0.0)


@dataclass(frozen=True)
class VarModel:
    """A CCP's historical-VaR model.

    ``mpor_days``: liquidation horizon in days; ``lookback_days``: daily changes used (the last
    ones up to the run date); ``confidence``: one-tailed level; ``multiplier``: scales the VaR
    (e.g. CME speculator initial margin at 110% of maintenance).
    """

    confidence: float
    mpor_days: int
    lookback_days: int
    multiplier: float = 1.0

    def scenarios(self, daily_bp: np.ndarray) -> np.ndarray:
        """The model's scenario set from a daily-change history (oldest first)."""
        return horizon_changes(daily_bp[-self.lookback_days :], self.mpor_days)

    def requirement(self, exposure: np.ndarray, daily_bp: np.ndarray) -> np.ndarray:
        """Initial margin (dollars) of each exposure row."""
        var = historical_var(exposure, self.scenarios(daily_bp), self.confidence)
        return var * self.multiplier


def reduction_factor(
    im_combined: np.ndarray, im_futures: np.ndarray, im_cash: np.ndarray
) -> np.ndarray:
    """One CCP's XM reduction factor ``1 - IM(combined) / (IM(futures) + IM(cash))``.

    Zero where the standalone sum is zero (nothing to reduce).
    """
    total = im_futures + im_cash
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(total > 0, 1.0 - im_combined / total, 0.0)
    return r


def applied_reduction(r_cme: np.ndarray, r_ficc: np.ndarray, cap: float) -> np.ndarray:
    """Rule ``min_cap``: both CCPs apply ``clip(min(r_cme, r_ficc), 0, cap)``."""
    return np.clip(np.minimum(r_cme, r_ficc), 0.0, cap)


def leg_requirements(
    model: VarModel, futures_exp: np.ndarray, cash_exp: np.ndarray, daily_bp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IM (dollars) of the futures leg, the cash leg and both combined, for every account.

    One matrix product over all accounts and legs at once.
    """
    n = futures_exp.shape[0]
    stacked = np.vstack([futures_exp, cash_exp, futures_exp + cash_exp])
    im = model.requirement(stacked, daily_bp)
    return im[:n], im[n : 2 * n], im[2 * n :]
