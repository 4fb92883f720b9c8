"""Price impact relative to market depth (``sim.market.impact``): the square-root law on the
market-equivalent flow (sample flow / population scale), its sign in the basis convention, and
the compression by freed arbitrage capital. Each expected number is a hand calculation or an
invariant, and says which."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ImpactConfig, SimConfig
from sim.market.basis import FAMILIES
from sim.market.impact import (
    CASH,
    FUTURES,
    ImpactParams,
    basis_impact_bp,
    compression_bp,
    family_sigma_bp,
    impact_bp,
    incremental_basis_bp,
    leg_impact_bp,
    legs,
)
from sim.market.instruments import par_dv01_per_dollar

PARAMS = ImpactParams()
TEN = FAMILIES.index("10Y")


def test_config_mirrors_the_pure_parameters_and_validates_with_them():
    assert ImpactConfig().params() == PARAMS
    assert SimConfig().market.impact.params() == PARAMS
    with pytest.raises(ValueError, match="cash_family_share"):
        ImpactConfig(cash_family_share={"2Y": 1.0})
    with pytest.raises(ValueError, match="Treasury futures only"):
        ImpactParams(futures_adv={"SR3": 1e6})


def test_depth_by_hand():
    depth = PARAMS.depth_dv01()
    # futures 10Y family: TY 1.9m x $64 + TN 0.52m x $88 = 121.6m + 45.76m dollars per bp
    assert depth[FUTURES, TEN] == pytest.approx(1.9e6 * 64.0 + 0.52e6 * 88.0)
    # cash 10Y bucket: $900bn x 18% of face x the 10-year par DV01 per dollar
    assert depth[CASH, TEN] == pytest.approx(162e9 * par_dv01_per_dollar(10.0))


def test_square_root_law_by_hand():
    # flow 1/4 of depth at scale 1: 1 x 8bp x sqrt(1/4) = 4bp; a sale is negative
    assert impact_bp(-25.0, 1.0, 100.0, 8.0, 1.0) == pytest.approx(-4.0)
    # the same flow at scale 0.25 stands for a market flow of 100 = depth: 8bp
    assert impact_bp(25.0, 0.25, 100.0, 8.0, 1.0) == pytest.approx(8.0)


def test_zero_flow_zero_impact():
    """Invariant: nothing traded moves nothing."""
    assert impact_bp(0.0, 0.3, 100.0, 8.0, 1.0) == 0.0
    zero = np.zeros((2, len(FAMILIES)))
    assert np.all(basis_impact_bp(leg_impact_bp(zero, 0.3, np.full(4, 6.0), PARAMS)) == 0.0)


def test_duplicating_the_sample_and_doubling_the_scale_leaves_impact_unchanged():
    """Invariant: amount x2 and scale x2 is the same market flow."""
    flow = np.array([[-3e6, 0.0, 5e5, 2e7], [1e6, -4e6, 0.0, 9e6]])
    sigma = np.array([4.0, 5.0, 6.0, 7.0])
    for scale in (0.1, 0.37, 1.0):
        once = leg_impact_bp(flow, scale, sigma, PARAMS, stressed=True)
        twice = leg_impact_bp(2.0 * flow, 2.0 * scale, sigma, PARAMS, stressed=True)
        np.testing.assert_allclose(twice, once, rtol=1e-14)


def test_impact_is_monotone_and_concave_in_the_amount():
    """Invariant of the square-root law: increasing, with decreasing increments."""
    amounts = np.linspace(0.0, 5e8, 51)
    bp = impact_bp(amounts, 0.5, 1e8, 6.0, 1.0)
    steps = np.diff(bp)
    assert np.all(steps > 0) and np.all(np.diff(steps) < 0)


def test_stress_halves_depth():
    # depth x 0.5 multiplies the impact by sqrt(2) (hand: sqrt(1 / 0.5))
    flow = np.zeros((2, len(FAMILIES)))
    flow[CASH, TEN] = -1e6
    sigma = np.full(len(FAMILIES), 5.0)
    calm = leg_impact_bp(flow, 0.2, sigma, PARAMS)[CASH, TEN]
    stressed = leg_impact_bp(flow, 0.2, sigma, PARAMS, stressed=True)[CASH, TEN]
    assert stressed == pytest.approx(np.sqrt(2.0) * calm)


def test_forced_unwind_makes_the_basis_negative_and_new_basis_trades_positive():
    """Sign convention of sim.market.basis (positive: futures cheapen against cash): selling
    cash and buying back futures cheapens cash against futures, so the basis falls; freed
    margin put into new basis trades (buy cash, sell futures) raises it."""
    unwind = np.zeros((2, len(FAMILIES)))
    unwind[CASH, TEN], unwind[FUTURES, TEN] = -1e6, 1e6
    sigma = np.full(len(FAMILIES), 5.0)
    basis = basis_impact_bp(leg_impact_bp(unwind, 0.5, sigma, PARAMS))
    assert basis[TEN] < 0 and np.count_nonzero(basis) == 1
    freed = np.zeros(len(FAMILIES))
    freed[TEN] = 2e7
    up = compression_bp(freed, 20.0, 0.5, sigma, PARAMS)
    # a new basis trade is the unwind reversed, here with 2e7 / 20 = 1e6 of DV01 per leg
    assert up[TEN] == pytest.approx(-basis[TEN]) and up[TEN] > 0


def test_legs_and_families_of_instruments():
    leg, family = legs(["UST7Y", "TN", "REPO10Y", "UST3M", "SR3", "UST30Y"])
    assert list(leg) == [CASH, FUTURES, -1, -1, -1, CASH]
    assert list(family) == [FAMILIES.index("5Y"), TEN, -1, -1, -1, FAMILIES.index("bond")]


def test_family_sigma_takes_each_family_key_tenor_by_regime():
    vol = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]])
    # families 2Y, 5Y, 10Y, bond sit on key tenors 2Y, 5Y, 10Y, 30Y (columns 1..4)
    np.testing.assert_array_equal(
        family_sigma_bp(vol, np.array([0, 1])), [[2.0, 3.0, 4.0, 5.0], [20.0, 30.0, 40.0, 50.0]]
    )


def test_increments_of_a_day_add_up_to_the_impact_of_its_total_flow():
    """Invariant: two sales on one day, in either order, move the basis as their sum does."""
    a, b = np.zeros((2, len(FAMILIES))), np.zeros((2, len(FAMILIES)))
    a[CASH, TEN], a[FUTURES, TEN] = -2e6, 2e6
    b[CASH, TEN], b[FUTURES, TEN] = -5e5, 1e6
    sigma = np.full(len(FAMILIES), 6.0)
    zero = np.zeros_like(a)
    total = incremental_basis_bp(zero, a + b, 0.3, sigma, PARAMS)
    ab = incremental_basis_bp(zero, a, 0.3, sigma, PARAMS)
    ab = ab + incremental_basis_bp(a, b, 0.3, sigma, PARAMS)
    ba = incremental_basis_bp(zero, b, 0.3, sigma, PARAMS)
    ba = ba + incremental_basis_bp(b, a, 0.3, sigma, PARAMS)
    np.testing.assert_allclose(ab, total, rtol=1e-13)
    np.testing.assert_allclose(ba, total, rtol=1e-13)
    assert total[TEN] < 0
