"""The liquidation engine (``sim.market.liquidation``): a sale schedule on the path, its cash,
impact cost and realised P&L, and the fraction of a book to sell to raise a target. Each
expected number is a hand calculation or an invariant, and says which."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.basis import FAMILIES
from sim.market.impact import CASH, FUTURES, ImpactParams
from sim.market.instruments import par_dv01_per_dollar
from sim.market.liquidation import (
    LiquidationMarket,
    equal_weights,
    flow_by_leg,
    fraction_to_raise,
    liquidate,
    market_window,
)

PARAMS = ImpactParams()
TEN = FAMILIES.index("10Y")
DV01_10Y = par_dv01_per_dollar(10.0)  # dollars per bp per dollar of face, about 8.18e-4
BASIS_BOOK = (["UST10Y", "TY"], np.array([1e9, -12_000.0]))  # long cash, short futures


def test_single_day_sale_by_hand():
    """$1bn face of the 10Y note at scale 0.5: a market flow of $2bn against 18% x $900bn =
    $162bn of 10Y cash volume, ratio 1/81, so with sigma 9bp the impact is 9 x 1/9 = 1bp; the
    seller pays 2/3 of it on its DV01. Yields rise 2bp on the day: mark -2bp x DV01."""
    changes = np.zeros((1, 5))
    changes[0, 3] = 2.0  # 10Y key rate
    market = LiquidationMarket.calm(1, 9.0)
    market = LiquidationMarket(changes, market.basis_changes_bp, market.sigma_bp, market.stressed)
    done = liquidate(["UST10Y"], np.array([1e9]), market, PARAMS, scale=0.5)
    dv01 = 1e9 * DV01_10Y
    assert done.leg_impact_bp[0, CASH, TEN] == pytest.approx(-1.0)
    assert done.basis_impact_bp[0, TEN] == pytest.approx(-1.0)  # cash cheapens: basis falls
    assert done.impact_cost_usd[0, 0] == pytest.approx(2.0 / 3.0 * dv01)
    assert done.mark_pnl_usd[0, 0] == pytest.approx(-2.0 * dv01)
    assert done.total_cash_usd == pytest.approx(1e9 - 2.0 * dv01 - 2.0 / 3.0 * dv01)
    assert done.closeout_loss_usd == pytest.approx((2.0 + 2.0 / 3.0) * dv01)


def test_futures_close_raises_its_variation_margin_with_the_basis():
    """Hand: short 1,000 TY, yields flat, basis +1.5bp (futures cheapen): the short gains
    1,000 x $64 x 1.5 = $96,000 of variation margin; start value 0; no cash leg."""
    market = LiquidationMarket.calm(1, 6.0)
    basis = np.zeros((1, len(FAMILIES)))
    basis[0, TEN] = 1.5
    market = LiquidationMarket(market.changes_bp, basis, market.sigma_bp, market.stressed)
    done = liquidate(["TY"], np.array([-1000.0]), market, PARAMS, scale=1.0)
    assert done.start_value_usd.sum() == 0.0
    assert done.mark_pnl_usd[0, 0] == pytest.approx(96_000.0)
    assert done.leg_impact_bp[0, FUTURES, TEN] > 0  # buying back richens futures
    assert done.basis_impact_bp[0, TEN] < 0


def test_cash_pnl_and_cost_identities_hold_exactly():
    """Invariant: proceeds = start value + mark P&L - impact cost, P&L = proceeds - start."""
    rng = np.random.default_rng(3)
    market = LiquidationMarket(
        rng.normal(0, 8, (4, 5)),
        rng.normal(0, 2, (4, 4)),
        np.full((4, 4), 8.0),
        np.array([0, 1, 1, 0], bool),
    )
    symbols = ["UST2Y", "UST10Y", "TY", "FV", "REPO5Y", "UB"]
    qty = np.array([3e8, 1e9, -12_000.0, 4_000.0, -2e8, -900.0])
    done = liquidate(symbols, qty, market, PARAMS, scale=0.3, fraction=0.6)
    np.testing.assert_allclose(
        done.proceeds_usd + done.impact_cost_usd, done.start_value_usd + done.mark_pnl_usd
    )
    np.testing.assert_allclose(done.pnl_usd, done.proceeds_usd - done.start_value_usd)
    assert done.cash_raised_usd.sum() == pytest.approx(done.total_cash_usd)
    assert np.all(done.impact_cost_usd >= 0) and done.impact_cost_usd[:, 4].sum() == 0.0
    np.testing.assert_allclose(done.sold.sum(axis=0), 0.6 * qty)  # the schedule sells 60%


def test_spreading_a_sale_over_days_lowers_the_impact_cost():
    """Hand: with N equal slices and no carry-over, cost = N x (q/N) x c sqrt(q/N), so spreading
    over 5 days costs 1/sqrt(5) of selling in one day."""
    one = liquidate(*BASIS_BOOK, LiquidationMarket.calm(1, 6.0), PARAMS, scale=0.4)
    five = liquidate(*BASIS_BOOK, LiquidationMarket.calm(5, 6.0), PARAMS, scale=0.4)
    ratio = five.impact_cost_usd.sum() / one.impact_cost_usd.sum()
    assert ratio == pytest.approx(1.0 / np.sqrt(5.0))


def test_duplicated_sample_at_double_scale_gives_each_user_the_same_outcome():
    """Invariant: two identical users at scale 0.8 (the second one's flow passed as the rest of
    the sample) see the impact and cost one user sees alone at scale 0.4."""
    market = LiquidationMarket.calm(3, 7.0)
    alone = liquidate(*BASIS_BOOK, market, PARAMS, scale=0.4)
    twin = liquidate(*BASIS_BOOK, market, PARAMS, scale=0.8)
    pair = liquidate(*BASIS_BOOK, market, PARAMS, scale=0.8, other_flow_dv01=_flow(twin))
    np.testing.assert_allclose(pair.leg_impact_bp, alone.leg_impact_bp, rtol=1e-13)
    np.testing.assert_allclose(pair.impact_cost_usd, alone.impact_cost_usd, rtol=1e-13)
    np.testing.assert_allclose(pair.proceeds_usd, alone.proceeds_usd, rtol=1e-13)


def _flow(done) -> np.ndarray:
    """The book's own netted DV01 flow (dollars per bp, + buying), (N, 2, F)."""
    return flow_by_leg(done.symbols, done.sold)


def test_fraction_to_raise_meets_the_target_with_the_smallest_fraction():
    """Invariant: it raises at least the target, and a slightly smaller fraction does not."""
    market = LiquidationMarket.calm(2, 8.0)
    sale = fraction_to_raise(2.5e8, *BASIS_BOOK, market, PARAMS, scale=0.2)
    assert sale.shortfall_usd == 0.0 and sale.raised_usd >= 2.5e8
    assert sale.liquidation.total_cash_usd == pytest.approx(sale.raised_usd)
    less = liquidate(*BASIS_BOOK, market, PARAMS, scale=0.2, fraction=sale.fraction - 1e-9)
    assert less.total_cash_usd < 2.5e8
    # hand: with no impact a quarter of $1bn face at par would raise exactly $250m; the
    # impact cost makes the fraction slightly larger
    assert 0.25 < sale.fraction < 0.26


def test_fraction_to_raise_states_the_shortfall_when_the_book_cannot_raise_it():
    """Hand: $1bn face at par raises at most $1bn less impact; asking $2bn leaves the rest."""
    market = LiquidationMarket.calm(1, 8.0)
    sale = fraction_to_raise(2e9, *BASIS_BOOK, market, PARAMS, scale=0.5)
    assert sale.fraction == 1.0
    assert sale.shortfall_usd == pytest.approx(2e9 - sale.raised_usd)
    assert 0 < sale.shortfall_usd - 1e9 < 1e7  # the impact cost, well under 1% of the sale
    released = fraction_to_raise(2e9, *BASIS_BOOK, market, PARAMS, 0.5, 1.5e9)
    assert released.shortfall_usd == 0.0 and released.fraction < 1.0


def test_nothing_to_raise_sells_nothing_and_bad_inputs_are_refused():
    market = LiquidationMarket.calm(2, 8.0)
    sale = fraction_to_raise(0.0, *BASIS_BOOK, market, PARAMS, scale=0.5)
    assert sale.fraction == 0.0 and sale.liquidation.impact_cost_usd.sum() == 0.0
    with pytest.raises(ValueError, match="fraction"):
        liquidate(*BASIS_BOOK, market, PARAMS, scale=0.5, fraction=1.2)
    with pytest.raises(ValueError, match="scale"):
        liquidate(*BASIS_BOOK, market, PARAMS, scale=0.0)
    with pytest.raises(ValueError, match="at least 1 day"):
        equal_weights(0)
    with pytest.raises(ValueError, match="weights must be >= 0"):
        liquidate(*BASIS_BOOK, market, PARAMS, scale=0.5, weights=np.array([1.5, -0.5]))


def test_a_custom_schedule_sells_its_weights():
    """Hand: weights (0.75, 0.25) of half the book: 37.5% then 12.5% of each position."""
    market = LiquidationMarket.calm(2, 8.0)
    done = liquidate(*BASIS_BOOK, market, PARAMS, 0.5, fraction=0.5, weights=np.array([0.75, 0.25]))
    np.testing.assert_allclose(done.sold, [[3.75e8, -4_500.0], [1.25e8, -1_500.0]])


def test_market_window_cuts_the_run_days_after_the_start_mark():
    """Hand: 3 run days; a 3-day window after the close of day 0 takes days 1 and 2 and one
    flat day past the end; basis steps are differences of levels (0 before the run)."""
    changes = np.arange(15.0).reshape(3, 5)
    basis = np.array([[1.0, 0, 0, 0], [3.0, 0, 0, 0], [2.0, 0, 0, 0]])
    sigma = np.array([[4.0] * 4, [5.0] * 4, [6.0] * 4])
    stressed = np.array([False, True, False])
    window = market_window(changes, basis, sigma, stressed, start_day=0, days=3)
    np.testing.assert_array_equal(window.changes_bp, [changes[1], changes[2], np.zeros(5)])
    np.testing.assert_array_equal(window.basis_changes_bp[:, 0], [2.0, -1.0, 0.0])
    np.testing.assert_array_equal(window.sigma_bp[:, 0], [5.0, 6.0, 6.0])
    np.testing.assert_array_equal(window.stressed, [True, False, False])
    before = market_window(changes, basis, sigma, stressed, start_day=-1, days=1)
    assert before.basis_changes_bp[0, 0] == 1.0  # from 0 before the run to day 0's level
