"""Margin maths: pure, vectorised numpy.

Conventions. Exposures are DV01s in dollars per bp, shape (accounts, K): the dollar gain for a
1bp fall in each risk factor. Scenarios are factor changes in bp, shape (scenarios, K), positive =
yields rise. The P&L of account a in scenario s is ``-exposure[a] @ scenario[s]`` dollars. VaR is
reported as a positive dollar loss.

Risk factors (columns): the ``N_KEY`` = 5 key rates (3M, 2Y, 5Y, 10Y, 30Y), optionally followed
by one futures-cash basis factor per futures family (``sim.market.basis.FAMILIES``), so K = 5 or
5 + F. A futures position's exposure on its family's basis column is its futures DV01
(``sim.margin.exposure.with_basis``): with P&L ``-exposure @ change`` that is the basis P&L
``-(futures DV01) x (basis change)`` of ``sim.market.basis``. A model that does not see the basis
(``VarModel.sees_basis`` false) uses the key-rate columns only, so its requirement is exactly the
key-rate-only one. The stressed window and the floor are always taken on the key rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

N_KEY = 5  # key-rate columns (sim.market.instruments.KEY_TENORS), first in every matrix
VAR_BLOCK_ROWS = 2048  # accounts per block: 2,048 x 2,520 scenarios x 8 bytes = 41 MB


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
    k = var_rank(scenarios_bp.shape[0], confidence)
    out = np.empty(exposure.shape[0])
    for start in range(0, exposure.shape[0], VAR_BLOCK_ROWS):  # bounded memory
        pnl = exposure[start : start + VAR_BLOCK_ROWS] @ scenarios_bp.T  # minus the P&L
        k_top = pnl.shape[1] - 1 - k  # the k-th smallest P&L is the k-th largest loss
        pnl.partition(k_top, axis=1)
        out[start : start + VAR_BLOCK_ROWS] = pnl[:, k_top]
    return np.maximum(out, 0.0)


def ewma_variance(daily_bp: np.ndarray, lam: float, seed_days: int = 250) -> np.ndarray:
    """Conditional variance (bp^2) of each day's change given the days before it, shape (T+1, K).

    ``var[t] = lam * var[t-1] + (1 - lam) * daily[t-1]**2``, seeded with the mean square of the
    first ``seed_days`` changes; the last row is the variance for the next, not yet seen, day.
    Computed in blocks with a rescaled cumulative sum (no Python loop over days).
    """
    sq = daily_bp**2
    out = np.empty((sq.shape[0] + 1, sq.shape[1]))
    out[0] = sq[:seed_days].mean(axis=0)
    block = 500  # lam**-500 stays far inside float64 for lam >= 0.5
    for start in range(0, sq.shape[0], block):
        chunk = sq[start : start + block]
        powers = lam ** -np.arange(1, chunk.shape[0] + 1)[:, None]
        csum = np.cumsum(chunk * powers, axis=0)
        decay = lam ** np.arange(1, chunk.shape[0] + 1)[:, None]
        out[start + 1 : start + 1 + chunk.shape[0]] = decay * (out[start] + (1 - lam) * csum)
    return out


def filtered_changes(daily_bp: np.ndarray, lam: float) -> np.ndarray:
    """Filtered historical simulation: each daily change rescaled by current / then volatility
    (EWMA, per key rate), so that the scenarios carry today's volatility. bp, shape (T, K)."""
    var = np.maximum(ewma_variance(daily_bp, lam), 1e-12)
    return daily_bp * np.sqrt(var[-1] / var[:-1])


def stressed_window(daily_bp: np.ndarray, days: int) -> np.ndarray:
    """The ``days`` consecutive daily changes with the largest mean square move (averaged over
    the key rates, the first ``N_KEY`` columns; basis columns ride along): the most volatile
    period of the history, used as the stressed period."""
    if daily_bp.shape[0] <= days:
        return daily_bp
    energy = np.concatenate([[0.0], np.cumsum((daily_bp[:, :N_KEY] ** 2).mean(axis=1))])
    start = int(np.argmax(energy[days:] - energy[:-days]))
    return daily_bp[start : start + days]


def liquidity_addon(exposure: np.ndarray, threshold_dv01: float, cost_bp: float) -> np.ndarray:
    """Liquidity/concentration add-on (dollars, (n,)): ``cost_bp`` (bp of yield, the extra move
    a close-out of a large position costs) times each key-rate DV01 in excess of
    ``threshold_dv01`` (dollars per bp), summed over the key rates: CME SPAN 2's liquidity and
    concentration components and FICC's Margin Liquidity Adjustment charge positions too large
    to close out at the model's prices; a linear stand-in, since neither formula is public."""
    excess = np.maximum(np.abs(exposure[:, :N_KEY]) - threshold_dv01, 0.0)
    return cost_bp * excess.sum(axis=1)


@dataclass(frozen=True)
class VarModel:
    """A CCP's historical-VaR margin model. Requirements in dollars.

    - ``confidence``: one-tailed level; ``mpor_days``: liquidation horizon in days;
      ``lookback_days``: the last daily changes used (the look-back grows with the run).
    - ``ewma_lambda``: when set below 1, filtered historical simulation (CME-style volatility
      scaling); None or 1: the plain changes (at 1 the EWMA variance never moves).
    - ``stress_weight`` w and ``stress_window_days``: the stressed period is the most volatile
      window of the whole available history; IM = max(VaR, (1-w) VaR + w VaR_stressed).
    - ``floor_bp``: minimum margin ``floor_bp`` x sum over key rates of |DV01| (FICC-style floor).
    - ``multiplier``: e.g. CME speculator IM at 110% of maintenance.
    - ``apc_buffer``: anti-procyclicality buffer, IM x (1 + buffer) (EMIR-style 25% buffer).
    - ``sees_basis``: whether the scenarios carry the basis columns of the exposures and history
      given to ``requirement``; false keeps the first ``N_KEY`` (key-rate) columns only.
    - ``liquidity_threshold_dv01``, ``liquidity_cost_bp``: the ``liquidity_addon`` (off at 0).
    """

    confidence: float
    mpor_days: int
    lookback_days: int
    multiplier: float = 1.0
    ewma_lambda: float | None = None
    stress_weight: float = 0.0
    stress_window_days: int = 250
    floor_bp: float = 0.0
    apc_buffer: float = 0.0
    sees_basis: bool = False
    liquidity_threshold_dv01: float = 0.0
    liquidity_cost_bp: float = 0.0

    def factors(self, exposure: np.ndarray, daily_bp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The exposure (dollars per bp) and history (bp) columns this model sees: all of the
        exposure's columns if it sees the basis, else the key rates. A key-rate-only exposure
        (K = 5) on a history with basis columns is margined on the key rates alone."""
        k = exposure.shape[1] if self.sees_basis else min(N_KEY, exposure.shape[1])
        if daily_bp.shape[1] < k:
            raise ValueError(f"history has {daily_bp.shape[1]} factor columns, exposure needs {k}")
        if k == daily_bp.shape[1] == exposure.shape[1]:
            return exposure, daily_bp
        return np.ascontiguousarray(exposure[:, :k]), np.ascontiguousarray(daily_bp[:, :k])

    def scenarios(self, daily_bp: np.ndarray) -> np.ndarray:
        """The model's scenario set from a daily-change history (oldest first)."""
        recent = daily_bp[-self.lookback_days :]
        if self.ewma_lambda is not None and self.ewma_lambda < 1.0:
            recent = filtered_changes(recent, self.ewma_lambda)
        return horizon_changes(recent, self.mpor_days)

    def stressed_scenarios(self, daily_bp: np.ndarray) -> np.ndarray:
        window = stressed_window(daily_bp, self.stress_window_days)
        return horizon_changes(window, self.mpor_days)

    def requirement(self, exposure: np.ndarray, daily_bp: np.ndarray) -> np.ndarray:
        """Initial margin (dollars) of each exposure row (dollars per bp, (n, K)) on the daily
        factor changes ``daily_bp`` (bp, (T, >= K), oldest first; see the module docstring)."""
        exposure, daily_bp = self.factors(exposure, daily_bp)
        var = historical_var(exposure, self.scenarios(daily_bp), self.confidence)
        if self.stress_weight > 0:
            stressed = historical_var(exposure, self.stressed_scenarios(daily_bp), self.confidence)
            var = np.maximum(var, (1 - self.stress_weight) * var + self.stress_weight * stressed)
        if self.floor_bp > 0:
            var = np.maximum(var, self.floor_bp * np.abs(exposure[:, :N_KEY]).sum(axis=1))
        if self.liquidity_cost_bp > 0:
            var = var + liquidity_addon(
                exposure, self.liquidity_threshold_dv01, self.liquidity_cost_bp
            )
        return var * self.multiplier * (1.0 + self.apc_buffer)
