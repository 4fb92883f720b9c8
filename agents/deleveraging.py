"""An end user's sales of its own book and their market impact (``agents.end_user``).

A sale feeds the market (``market.impact.model``): ``per_bn`` moves the basis of the book's
futures family by ``price_impact_bp_per_bn`` per $1bn of cash face sold, from the day of the
sale (legacy); ``depth`` adds the sale's DV01 flow by leg and family to the day whose close
prices it (today before the 15:00 ET close, the next business day after it) in
``sim.market.feedback``, and the seller pays the impact cost at that close: ``cost_fraction``
x |the day's total leg impact| x |DV01 sold|, so every seller of a day pays the same price
whatever the order of the day's sales (and whatever the population scale).

How much to sell (``liquidation.deleverage: raise_cash``): the smallest fraction ``f`` of its
book whose released margin, ``f`` x the call's requirement, covers the shortfall plus the
impact cost the seller expects. It expects a crowded exit: every user of its type selling the
same fraction of its book that day (``crowd_flow``, the type's whole-book flow at the start;
an assumption). The expectation depends only on the type's total over the population scale,
so a population duplicated at twice the scale sells exactly as before. Units: DV01 in dollars
per bp, impact in bp, money in cents unless named ``_usd``.
"""

from __future__ import annotations

import numpy as np

from sim.market.liquidation import flow_by_leg
from sim.run import SETTLEMENT_CLOCK, Run
from sim.settlement.ledger import to_cents


def sale_flow(positions: dict[str, float], fraction: float) -> np.ndarray:
    """Signed DV01 flow (2, F; dollars per bp, + buying) of selling ``fraction`` of
    ``positions`` (symbol: face USD or contracts)."""
    symbols = list(positions)
    sold = fraction * np.array([positions[s] for s in symbols], dtype=float)[None, :]
    return flow_by_leg(symbols, sold)[0]


def pricing_day(run: Run) -> int:
    """The run day whose close prices a sale now: today before the close, else the next
    business day (at most the last run day)."""
    now, cal = run.env.now, run.calendar
    day = max(cal.day_index(now), 0)
    day += now >= cal.at(day, SETTLEMENT_CLOCK)
    return min(day, cal.n_days - 1)


def per_bn_impact(run: Run, family: int, face_sold_usd: float) -> None:
    """The legacy rule: ``price_impact_bp_per_bn`` x $bn of cash face sold, on ``family``."""
    if family < 0:
        return
    day = max(run.calendar.day_index(run.env.now), 0)
    impact = run.config.market.basis.price_impact_bp_per_bn * face_sold_usd / 1e9
    run.add_basis_impact(min(day, run.calendar.n_days - 1), family, -impact)


def impact_cost_cents(run: Run, day: int, flow: np.ndarray) -> int:
    """What a seller of ``flow`` (2, F) on ``day`` pays at its close (cents, >= 0): the
    module docstring's rule on the day's total sample flow."""
    fb = run.feedback
    leg_bp = fb.leg_bp(day, fb.flow_dv01[day])
    return int(to_cents(fb.params.cost_fraction * float(np.sum(np.abs(leg_bp * flow)))))


def crowd_flows(books: list[tuple[str, dict[str, float]]]) -> dict[str, np.ndarray]:
    """Whole-book sale flow (2, F) summed per end-user type over ``(type, positions)``."""
    crowds: dict[str, np.ndarray] = {}
    for kind, positions in books:
        crowds[kind] = crowds.get(kind, 0.0) + sale_flow(positions, 1.0)
    return crowds


def expected_cost_cents(run: Run, day: int, crowd: np.ndarray, own: np.ndarray, f: float) -> float:
    """Impact cost (cents) a seller of ``f`` x its whole-book flow ``own`` expects on ``day``
    when its type sells ``f`` x ``crowd`` (0 under the ``per_bn`` model, which has no cost)."""
    if run.config.market.impact.model == "per_bn":
        return 0.0
    fb = run.feedback
    leg_bp = fb.leg_bp(day, f * crowd)
    return 100.0 * fb.params.cost_fraction * float(np.sum(np.abs(leg_bp * f * own)))


def fraction_covering(
    run: Run, need_cents: int, required_cents: int, crowd: np.ndarray, own: np.ndarray
) -> float | None:
    """Smallest ``f`` in (0, 1] with ``f x required - expected cost(f) >= need`` (bisection to
    1e-9; the cover is increasing over the range used), or None when ``f = 1`` falls short."""
    day = pricing_day(run)

    def covers(f: float) -> bool:
        return f * required_cents - expected_cost_cents(run, day, crowd, own, f) >= need_cents

    if not covers(1.0):
        return None
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if covers(mid) else (mid, hi)
    return hi
