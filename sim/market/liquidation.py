"""One liquidation engine: selling a book over business days on the simulated path, at prices
with impact (``sim.market.impact``), and the cash it raises.

Serves an end user deleveraging to meet a call (``fraction_to_raise``), a clearing firm closing
out a defaulted customer (``Liquidation.closeout_loss_usd``: value at the start mark minus
proceeds) and a CCP close-out (the same ``liquidate``).

Units: positions in dollars of face (cash, repo) or contracts (futures), signed (+ long); yields
and the basis in bp; money in USD; days are business days. Day 0 is the start mark (a close);
liquidation day ``t = 1..N`` sells its slice at the close of day ``t``, after that day's moves.

Prices. A position's value changes by ``-(key-rate DV01) . (cumulative yield change)`` and, for
Treasury futures, ``-(family DV01) x (cumulative basis change)`` (``sim.market.basis``), the
linear DV01 marks the CCPs' variation margin uses. Value at the start mark per unit:
``price0`` per dollar of face for notes, bonds and bills (par bonds at the reference yield:
1.0); 0 for futures and repo, which are marked to market (their gains and losses are variation
margin, not a price). A slice's proceeds are its value at the start mark plus its mark-to-market
gain to its sale day minus the impact cost; for futures that is the variation margin of the
closed contracts since the start mark, which the CCP pays or collects: a caller whose CCP already
settles that variation margin must not count it twice. Initial margin released by the sale is
the CCPs' to compute (``fraction_to_raise`` takes it as ``extra_per_fraction_usd``).

Identities (exact up to rounding): ``proceeds = start value + mark P&L - impact cost`` and
``realised P&L = proceeds - start value = mark P&L - impact cost`` per slice.

Impact. Each day's flows, the book's own plus ``other_flow_dv01`` (the rest of the sample's flow
that day, same units), are netted by leg and family; the day's impact on a leg follows the
square-root law on that net flow divided by the population scale. Every unit sold pays
``cost_fraction x |impact|`` of its DV01 (never a gain, even against the net flow). Impact of
one day does not carry into the next here: the caller adds ``basis_impact_bp`` to the run's
basis path, where it decays with the basis model's mean reversion, and passes that path in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.market.basis import FAMILIES
from sim.market.impact import FUTURES, NO_LEG, ImpactParams, basis_impact_bp, leg_impact_bp, legs
from sim.market.instruments import CATALOG, dv01_matrix


@dataclass(frozen=True)
class LiquidationMarket:
    """The market over the liquidation days 1..N after the start mark: key-rate par-yield
    changes (bp, (N, 5), close to close), basis changes by family (bp, (N, F), close to close,
    impact already in the path included), daily yield volatility by family (bp, (N, F),
    ``sim.market.impact.family_sigma_bp``) and whether each day is stressed ((N,) bool)."""

    changes_bp: np.ndarray
    basis_changes_bp: np.ndarray
    sigma_bp: np.ndarray
    stressed: np.ndarray

    @property
    def n_days(self) -> int:
        return int(np.asarray(self.changes_bp).shape[0])

    @classmethod
    def calm(cls, n_days: int, sigma_bp: float) -> LiquidationMarket:
        """A flat calm market: no moves, volatility ``sigma_bp`` for every family."""
        f = len(FAMILIES)
        sigma = np.full((n_days, f), sigma_bp)
        return cls(np.zeros((n_days, 5)), np.zeros((n_days, f)), sigma, np.zeros(n_days, bool))


def market_window(
    changes_bp: np.ndarray,
    basis_bp: np.ndarray,
    sigma_bp: np.ndarray,
    stressed: np.ndarray,
    start_day: int,
    days: int,
) -> LiquidationMarket:
    """The liquidation market of ``days`` days after the close of run day ``start_day`` (-1:
    before the first day) from a run's daily arrays: key-rate changes (bp, (D, 5), the run days
    of ``MarketPath.changes_bp``), basis levels (bp, (D, F), with any impact already added:
    ``Run.basis_level``; 0 before the run), daily volatility (bp, (D, F)) and stressed days
    ((D,) bool). Days past the run's end are flat (no moves), with the last day's volatility and
    regime."""
    n = np.asarray(changes_bp).shape[0]
    idx = np.arange(start_day + 1, start_day + 1 + days)
    inside = idx < n
    at = np.minimum(idx, n - 1)
    levels = np.vstack([np.zeros((1, np.asarray(basis_bp).shape[1])), basis_bp])
    steps = np.diff(levels[np.minimum(np.arange(start_day + 1, start_day + 2 + days), n)], axis=0)
    moves = np.where(inside[:, None], np.asarray(changes_bp)[at], 0.0)
    return LiquidationMarket(
        moves, steps, np.asarray(sigma_bp)[at], np.asarray(stressed, dtype=bool)[at]
    )


@dataclass(frozen=True)
class Liquidation:
    """A sale schedule and what it raised, per liquidation day and instrument ((N, n) USD
    unless said): ``sold`` units closed (signed like the position: face USD or contracts),
    ``start_value_usd`` value of each slice at the start mark, ``mark_pnl_usd`` its
    mark-to-market gain to its sale day, ``impact_cost_usd`` (>= 0); ``leg_impact_bp`` (N, 2, F)
    signed impact per leg (futures, cash) and family, ``basis_impact_bp`` (N, F) the basis move
    it makes (``sim.market.impact`` sign convention)."""

    symbols: tuple[str, ...]
    sold: np.ndarray
    start_value_usd: np.ndarray
    mark_pnl_usd: np.ndarray
    impact_cost_usd: np.ndarray
    leg_impact_bp: np.ndarray
    basis_impact_bp: np.ndarray

    @property
    def proceeds_usd(self) -> np.ndarray:
        """Cash from each slice (USD, (N, n)): start value + mark P&L - impact cost."""
        return self.start_value_usd + self.mark_pnl_usd - self.impact_cost_usd

    @property
    def pnl_usd(self) -> np.ndarray:
        """Realised P&L of each slice against the start mark (USD, (N, n))."""
        return self.mark_pnl_usd - self.impact_cost_usd

    @property
    def cash_raised_usd(self) -> np.ndarray:
        """Cash raised per liquidation day (USD, (N,))."""
        return self.proceeds_usd.sum(axis=1)

    @property
    def total_cash_usd(self) -> float:
        return float(self.proceeds_usd.sum())

    @property
    def closeout_loss_usd(self) -> float:
        """Value at the start mark (default) of what was sold minus the proceeds (USD; > 0 a
        loss): the loss a firm or CCP closing the book out meets from its collateral."""
        return float(self.start_value_usd.sum() - self.proceeds_usd.sum())


def equal_weights(days: int) -> np.ndarray:
    """Equal slices over ``days`` business days (the default schedule)."""
    if days < 1:
        raise ValueError(f"a liquidation takes at least 1 day, got {days}")
    return np.full(days, 1.0 / days)


def start_value_per_unit(symbols: Sequence[str], price0: float = 1.0) -> np.ndarray:
    """Value per unit at the start mark (USD): ``price0`` per dollar of face for Treasury
    securities held (notes, bonds, bills), 0 for futures and repo (marked to market)."""
    return np.array([price0 if s.startswith("UST") else 0.0 for s in symbols])


def mark_per_unit(symbols: Sequence[str], market: LiquidationMarket, days: int) -> np.ndarray:
    """Mark-to-market gain per unit (USD, (days, n)) from the start mark to each day's close."""
    yields = np.cumsum(np.asarray(market.changes_bp, dtype=float)[:days], axis=0)
    basis = np.cumsum(np.asarray(market.basis_changes_bp, dtype=float)[:days], axis=0)
    leg, family = legs(symbols)
    futures = (leg == FUTURES) & (family >= 0)
    unit = np.array([CATALOG[s].dv01_per_unit for s in symbols])
    mark = -yields @ dv01_matrix(list(symbols)).reshape(len(symbols), 5).T
    return mark - np.where(futures, basis[:, np.maximum(family, 0)] * unit, 0.0)


def flow_by_leg(symbols: Sequence[str], sold: np.ndarray) -> np.ndarray:
    """Signed DV01 flow (dollars per bp, + buying) netted by leg and family, (N, 2, F), of
    selling ``sold`` (N, n) units (selling a long is a negative flow)."""
    leg, family = legs(symbols)
    unit = np.array([CATALOG[s].dv01_per_unit for s in symbols])
    flow = np.zeros((sold.shape[0], 2, len(FAMILIES)))
    has = leg != NO_LEG
    for j in np.flatnonzero(has):
        flow[:, leg[j], family[j]] -= sold[:, j] * unit[j]
    return flow


def _checked_weights(fraction: float, weights: np.ndarray | None, n_days: int) -> np.ndarray:
    """The schedule's weights (default equal over ``n_days``), checked with the fraction."""
    w = equal_weights(n_days) if weights is None else np.asarray(weights, dtype=float)
    if not 0.0 <= fraction <= 1.0 or not np.isclose(w.sum(), 1.0) or len(w) > n_days:
        raise ValueError("fraction must be in [0, 1], weights sum to 1 within the market's days")
    if np.any(w < 0):
        raise ValueError("weights must be >= 0")
    return w


def liquidate(
    symbols: Sequence[str],
    quantities: np.ndarray,
    market: LiquidationMarket,
    params: ImpactParams,
    scale: float,
    fraction: float = 1.0,
    weights: np.ndarray | None = None,
    other_flow_dv01: np.ndarray | None = None,
    price0: float = 1.0,
) -> Liquidation:
    """Sell ``fraction`` (0..1) of the book ``quantities`` (n,) of ``symbols`` in slices
    ``weights`` (N,) summing to 1 (default equal over ``market.n_days``) at a population
    ``scale``; ``other_flow_dv01`` (N, 2, F) the rest of the sample's flow (module docstring)."""
    w = _checked_weights(fraction, weights, market.n_days)
    q = np.asarray(quantities, dtype=float)
    sold = fraction * np.outer(w, q)
    days = len(w)
    flow = flow_by_leg(symbols, sold)
    if other_flow_dv01 is not None:
        flow = flow + np.asarray(other_flow_dv01, dtype=float)[:days]
    sigma, stressed = np.asarray(market.sigma_bp)[:days], np.asarray(market.stressed)[:days]
    leg_bp = leg_impact_bp(flow, scale, sigma, params, stressed)
    cost = np.abs(sold) * unit_cost_usd(symbols, leg_bp, params)
    start = sold * start_value_per_unit(symbols, price0)
    mark = sold * mark_per_unit(symbols, market, days)
    return Liquidation(tuple(symbols), sold, start, mark, cost, leg_bp, basis_impact_bp(leg_bp))


def unit_cost_usd(symbols: Sequence[str], leg_bp: np.ndarray, params: ImpactParams) -> np.ndarray:
    """Impact cost per unit sold (USD, (N, n)): ``cost_fraction x |leg impact| x DV01``."""
    leg, family = legs(symbols)
    unit = np.array([CATALOG[s].dv01_per_unit for s in symbols])
    bp = np.abs(leg_bp[:, np.maximum(leg, 0), np.maximum(family, 0)])
    return np.where(leg != NO_LEG, params.cost_fraction * bp * unit, 0.0)


@dataclass(frozen=True)
class SaleToRaise:
    """The smallest ``fraction`` of the book whose sale raises the target, its ``liquidation``,
    and the ``shortfall_usd`` (0 when the target is met; else target minus the most that
    selling can raise, at the fraction that raises that most)."""

    fraction: float
    liquidation: Liquidation
    raised_usd: float
    shortfall_usd: float


def fraction_to_raise(
    target_usd: float,
    symbols: Sequence[str],
    quantities: np.ndarray,
    market: LiquidationMarket,
    params: ImpactParams,
    scale: float,
    extra_per_fraction_usd: float = 0.0,
    **kwargs,
) -> SaleToRaise:
    """The smallest fraction of the book to sell to raise ``target_usd`` (USD): sale proceeds
    plus ``extra_per_fraction_usd x fraction`` (e.g. the initial margin the CCPs release per
    unit of fraction, if the caller counts it). Cash raised is concave in the fraction (a linear
    value less a convex impact cost), so a grid finds the most it can raise and bisection the
    smallest fraction reaching the target. ``kwargs`` go to ``liquidate``."""

    def sale(f: float) -> tuple[float, Liquidation]:
        done = liquidate(symbols, quantities, market, params, scale, fraction=f, **kwargs)
        return done.total_cash_usd + extra_per_fraction_usd * f, done

    grid = np.linspace(0.0, 1.0, 33)
    raised = [sale(f)[0] for f in grid]
    best = int(np.argmax(raised))
    if target_usd <= 0 or raised[best] < target_usd:
        f = 0.0 if target_usd <= 0 else float(grid[best])
        cash, done = sale(f)
        return SaleToRaise(f, done, cash, max(target_usd - cash, 0.0))
    return _bisect(sale, target_usd, float(grid[best]))


def _bisect(sale, target_usd: float, hi: float, tol: float = 1e-12) -> SaleToRaise:
    """Smallest fraction in (0, hi] raising ``target_usd`` (``sale(hi)`` does; ``sale(0)`` does
    not), to ``tol``; returns the upper end, which raises at least the target."""
    lo = 0.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if sale(mid)[0] >= target_usd:
            hi = mid
        else:
            lo = mid
    cash, done = sale(hi)
    return SaleToRaise(hi, done, cash, 0.0)
