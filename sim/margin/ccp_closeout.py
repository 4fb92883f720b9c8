"""A CCP's close-out of a defaulted member's book: its loss over the liquidation horizon on the
simulated path (``sim.margin.horizon``) plus the market's price impact of the sale
(``sim.market.impact``, the square-root law the liquidation engine ``sim.market.liquidation``
uses). Pure numpy; dollars unless named ``_cents``.

The CCP holds exposures, not instruments: key-rate DV01s (dollars per bp, 5 columns) and, on
futures legs, the futures DV01 per basis family (``sim.margin.exposure.with_basis``). The sale is
in equal daily slices over ``days`` business days after the default mark (a close). Impact: each
day's slice is a DV01 flow per leg and family (CME's futures leg: the family columns; FICC's
cash leg: the key rates of the families' tenors, ``sim.market.impact.FAMILY_KEY_TENOR``; other
key rates trade without impact, like repo and bills in the engine); every dollar of DV01 sold pays
``cost_fraction x |impact bp|`` as in ``sim.market.liquidation.unit_cost_usd``.
"""

from __future__ import annotations

import numpy as np

from sim.margin.horizon import horizon_pnl
from sim.market.basis import FAMILIES
from sim.market.impact import CASH, FAMILY_KEY_TENOR, FUTURES, ImpactParams, leg_impact_bp
from sim.market.instruments import KEY_TENORS
from sim.market.liquidation import LiquidationMarket


def mark_loss_usd(exposure: np.ndarray, daily_bp: np.ndarray, start: int, days: int) -> float:
    """Loss (dollars, < 0 a gain) of the book ``exposure`` (n, K) frozen at the end of row
    ``start`` of ``daily_bp`` (T, K) over ``days`` rows (``horizon_pnl``); rows past the end
    count as no move (the run's end: the flat market of ``sim.market.liquidation``)."""
    daily = np.asarray(daily_bp, dtype=float)
    need = start + 1 + days - daily.shape[0]
    if need > 0:
        daily = np.vstack([daily, np.zeros((need, daily.shape[1]))])
    return float(-horizon_pnl(exposure, daily, np.array([start]), days).sum())


def sale_flow(exposure: np.ndarray, days: int, leg: str) -> np.ndarray:
    """Signed DV01 flow (dollars per bp, + buying) of selling the book ``exposure`` (n, 5 + F)
    of one ``leg`` (``futures``: the family columns; ``cash``: the key rates of the families'
    tenors) in ``days`` equal slices, netted by leg and family: (days, 2, F)."""
    e = np.asarray(exposure, dtype=float).sum(axis=0)
    flow = np.zeros((2, len(FAMILIES)))
    if leg == "futures":
        flow[FUTURES] = -e[5 : 5 + len(FAMILIES)]
    else:
        flow[CASH] = [-e[KEY_TENORS.index(FAMILY_KEY_TENOR[f])] for f in FAMILIES]
    return np.repeat(flow[None] / days, days, axis=0)


def impact_cost_usd(
    exposure: np.ndarray, leg: str, market: LiquidationMarket, params: ImpactParams, scale: float
) -> float:
    """Impact cost (dollars, >= 0) of selling ``exposure`` of ``leg`` over ``market.n_days``
    days."""
    days = market.n_days
    flow = sale_flow(exposure, days, leg)
    sigma, stressed = np.asarray(market.sigma_bp)[:days], np.asarray(market.stressed)[:days]
    bp = leg_impact_bp(flow, scale, sigma, params, stressed)
    return float(params.cost_fraction * (np.abs(bp) * np.abs(flow)).sum())
