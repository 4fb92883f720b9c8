"""The market's response to the simulated population's trades: the basis impact of one run.

Yields stay exogenous (history or model); the futures-cash basis is endogenous. Forced sales of
cash against futures cheapen cash (the basis falls, ``sim.market.basis`` sign convention) and
the move decays at the basis model's mean reversion ``kappa`` (per business day).

Two impact models (``market.impact.model``):

- ``per_bn`` (legacy): ``price_impact_bp_per_bn`` bp of basis per $1bn of cash face sold, in
  absolute dollars, whatever ``population.scale``; the sale's family only.
- ``depth``: the square-root law against market depth (``sim.market.impact``). The sample's
  flows of each business day (dollars of DV01 per bp, by leg and family) are summed, and each
  sale adds the impact of the day's total minus that of the flow before it
  (``incremental_basis_bp``), with the flow divided by the population scale: the sample trades
  as the market it stands for would, so duplicating every user at twice the scale moves the
  basis exactly as before.

Units: bp of yield; DV01 in dollars per bp; days are run business days (0-based).
"""

from __future__ import annotations

import numpy as np

from sim.market.basis import FAMILIES
from sim.market.impact import ImpactParams, family_sigma_bp, incremental_basis_bp, leg_impact_bp
from sim.market.liquidation import LiquidationMarket, market_window


class MarketFeedback:
    """Basis impact per run day and family (bp, (D, F)) and the day's sample flow (D, 2, F).

    ``changes_bp`` (D, 5) and ``basis_bp`` (D, F) are the run days of the market path;
    ``regimes`` (D,) their regimes (1 stressed); ``vol_bp_by_regime`` (2, 5) the market model's
    key-rate volatilities; ``scale`` the population's share of the market."""

    def __init__(
        self,
        changes_bp: np.ndarray,
        basis_bp: np.ndarray,
        regimes: np.ndarray,
        vol_bp_by_regime: np.ndarray,
        kappa: float,
        params: ImpactParams,
        scale: float,
    ) -> None:
        self.changes_bp, self.basis_bp = changes_bp, basis_bp
        self.stressed = np.asarray(regimes) == 1
        self.sigma_bp = family_sigma_bp(vol_bp_by_regime, regimes)
        self.kappa, self.params, self.scale = kappa, params, scale
        self.impact_bp = np.zeros_like(basis_bp, dtype=float)
        self.flow_dv01 = np.zeros((len(basis_bp), 2, len(FAMILIES)))
        self.crowds: dict[str, np.ndarray] = {}  # whole-book sale flow (2, F) per user type

    def level(self, day: int) -> np.ndarray:
        """The basis (bp, (F,)) at the close of ``day``, impact included."""
        return self.basis_bp[day] + self.impact_bp[day]

    def add_decaying(self, day: int, bp: np.ndarray) -> None:
        """Move the basis by ``bp`` ((F,) or scalar) from ``day`` on, decaying at ``kappa``."""
        steps = np.arange(self.impact_bp.shape[0] - day)
        self.impact_bp[day:] += np.outer((1.0 - self.kappa) ** steps, np.ones(len(FAMILIES))) * bp

    def leg_bp(self, day: int, flow_dv01: np.ndarray) -> np.ndarray:
        """Signed impact (bp, (2, F)) of a sample flow (2, F) on ``day``'s depth and volatility."""
        return leg_impact_bp(
            flow_dv01, self.scale, self.sigma_bp[day], self.params, self.stressed[day]
        )

    def trade(self, day: int, flow_dv01: np.ndarray) -> np.ndarray:
        """Add the sample flow ``flow_dv01`` (2, F; + buying) on ``day``; returns the basis move
        (bp, (F,)) it made, now in the path."""
        day = min(max(day, 0), len(self.flow_dv01) - 1)
        before = self.flow_dv01[day].copy()
        bp = incremental_basis_bp(
            before, flow_dv01, self.scale, self.sigma_bp[day], self.params, self.stressed[day]
        )
        self.flow_dv01[day] = before + flow_dv01
        self.add_decaying(day, bp)
        return bp

    def window(self, day: int, days: int) -> LiquidationMarket:
        """The market of the ``days`` business days after the close of ``day`` (-1: before the
        run), impact so far included, for the liquidation engine."""
        levels = self.basis_bp + self.impact_bp
        return market_window(self.changes_bp, levels, self.sigma_bp, self.stressed, day, days)
