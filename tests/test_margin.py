"""Tests of sim.margin: horizon changes, VaR rank and value, VarModel, and the XM reduction rule.

Conventions (module docstring): exposure in dollars per bp gained on a 1bp fall; scenarios in bp,
positive = yields rise; P&L = -exposure @ scenario. Small cases are worked by hand in comments;
the portfolio cases rest on invariants of historical VaR (a zero exposure has zero VaR; VaR is
positively homogeneous, VaR(k x) = k VaR(x) for k >= 0) and on the rule of DESIGN section 2:
r_ccp = 1 - IM(combined) / (IM(futures) + IM(cash)), r = clip(min(r_cme, r_ficc), 0, 0.80).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.margin.var import VarModel, historical_var, horizon_changes, var_rank
from sim.margin.xm import applied_reduction, leg_requirements, reduction_factor

# DESIGN section 2: FICC 99% 3-day; CME 99% 2-day with speculator IM at 110% of maintenance.
FICC = VarModel(confidence=0.99, mpor_days=3, lookback_days=1260)
CME = VarModel(confidence=0.99, mpor_days=2, lookback_days=2520, multiplier=1.1)
CAP = 0.80
TEN_YEAR = 3  # index of the 10Y key rate in (3M, 2Y, 5Y, 10Y, 30Y)


# --- horizon changes ----------------------------------------------------------------------------


def test_horizon_changes_hand_example():
    """Daily [1, 2, 3, 4] and [0, -1, 5, 2] bp: 2-day overlapping sums are [3, 5, 7] and
    [-1, 4, 7]; 4-day the single total [10, 6]; 1-day the input itself."""
    daily = np.array([[1.0, 0.0], [2.0, -1.0], [3.0, 5.0], [4.0, 2.0]])
    np.testing.assert_allclose(horizon_changes(daily, 2), [[3, -1], [5, 4], [7, 7]])
    np.testing.assert_allclose(horizon_changes(daily, 4), [[10, 6]])
    np.testing.assert_allclose(horizon_changes(daily, 1), daily)
    assert horizon_changes(daily, 3).shape == (2, 2)  # T - h + 1 = 4 - 3 + 1


def test_horizon_changes_rejects_zero_horizon():
    with pytest.raises(ValueError):
        horizon_changes(np.zeros((5, 1)), 0)


# --- VaR rank and value -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, c, rank",
    [
        (100, 0.99, 0),  # ceil(1.0) = 1st worst -> 0-based 0
        (250, 0.99, 2),  # ceil(2.5) = 3rd worst -> 2
        (10, 0.90, 0),  # ceil(1.0) = 1st worst
        (1000, 0.99, 9),  # ceil(10) = 10th worst
        (1258, 0.99, 12),  # ceil(12.58) = 13th worst (FICC: 1260 days, 3-day sums)
        (50, 0.99, 0),  # ceil(0.5) = 1st worst
        (4, 0.50, 1),  # ceil(2) = 2nd worst
    ],
)
def test_var_rank(n, c, rank):
    assert var_rank(n, c) == rank


def test_historical_var_one_key_rate_ten_scenarios():
    """Scenarios [-3, 5, 1, -2, 8, 0, 4, -1, 2, 6] bp, confidence 0.9 -> ceil(10 * 0.1) = the
    worst loss. Long $100/bp loses 100 * 8 = $800 when yields rise 8bp; short $100/bp loses
    100 * 3 = $300 when they fall 3bp; zero exposure has VaR 0."""
    scen = np.array([-3.0, 5, 1, -2, 8, 0, 4, -1, 2, 6])[:, None]
    var = historical_var(np.array([[100.0], [-100.0], [0.0]]), scen, 0.9)
    np.testing.assert_allclose(var, [800.0, 300.0, 0.0])


def test_historical_var_floored_at_zero():
    """Long $100/bp and every scenario a fall in yields: every P&L is a gain, VaR is 0."""
    scen = -np.arange(1.0, 11.0)[:, None]
    assert historical_var(np.array([[100.0]]), scen, 0.9)[0] == 0.0


def test_historical_var_two_key_rates_by_hand():
    """Exposures [1000, -500] and [0, 200] $/bp; scenarios (bp) [1,1], [3,1], [-2,-4], [0,5].
    P&L = -(e1 s1 + e2 s2):
      row 1: -(1000 - 500) = -500;  -(0 + 200) = -200
      row 2: -(3000 - 500) = -2500; -(0 + 200) = -200
      row 3: -(-2000 + 2000) = 0;   -(0 - 800) = 800
      row 4: -(0 - 2500) = 2500;    -(0 + 1000) = -1000
    c = 0.75: ceil(4 * 0.25) = the worst: 2500 and 1000.
    c = 0.50: ceil(4 * 0.5) = the 2nd worst: 500 and 200."""
    exp = np.array([[1000.0, -500.0], [0.0, 200.0]])
    scen = np.array([[1.0, 1.0], [3.0, 1.0], [-2.0, -4.0], [0.0, 5.0]])
    np.testing.assert_allclose(historical_var(exp, scen, 0.75), [2500.0, 1000.0])
    np.testing.assert_allclose(historical_var(exp, scen, 0.50), [500.0, 200.0])


# --- VarModel -----------------------------------------------------------------------------------


def test_var_model_uses_last_lookback_rows_mpor_sums_and_multiplier():
    """History: three huge +100bp days, then [1, 2, -1, 3, -2]. Look-back 5 keeps only the last
    five; 2-day sums are [3, 1, 2, 1]; long $10/bp P&L [-30, -10, -20, -10]; confidence 0.8 ->
    ceil(4 * 0.2) = the worst, $30; multiplier 1.1 -> $33."""
    daily = np.array([100.0, 100.0, 100.0, 1.0, 2.0, -1.0, 3.0, -2.0])[:, None]
    model = VarModel(confidence=0.8, mpor_days=2, lookback_days=5, multiplier=1.1)
    np.testing.assert_allclose(model.scenarios(daily)[:, 0], [3.0, 1.0, 2.0, 1.0])
    assert model.requirement(np.array([[10.0]]), daily)[0] == pytest.approx(33.0)
    # one more day of look-back takes in a +100bp day: sums [101, 3, 1, 2, 1], ceil(5 * 0.2) =
    # the worst: 10 * 101 * 1.1 = 1111
    wider = VarModel(confidence=0.8, mpor_days=2, lookback_days=6, multiplier=1.1)
    assert wider.requirement(np.array([[10.0]]), daily)[0] == pytest.approx(1111.0)


# --- reduction factor and rule ------------------------------------------------------------------


def test_reduction_factor_hand_numbers():
    """1 - 20/(40+60) = 0.8; standalone sum 0 -> 0; 1 - 50/(30+20) = 0; 1 - 120/100 = -0.2;
    1 - 30/(100+0) = 0.7. No division warning for the zero case."""
    combined = np.array([20.0, 0.0, 50.0, 120.0, 30.0])
    futures = np.array([40.0, 0.0, 30.0, 50.0, 100.0])
    cash = np.array([60.0, 0.0, 20.0, 50.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = reduction_factor(combined, futures, cash)
    np.testing.assert_allclose(r, [0.8, 0.0, 0.0, -0.2, 0.7])


def test_applied_reduction_min_then_clip():
    """min(0.9, 0.85) = 0.85 -> cap 0.8; min(0.5, 0.6) = 0.5; min(-0.1, 0.4) -> floor 0;
    min(0.3, 0.95) = 0.3; min(0.8, 0.8) = 0.8."""
    r_cme = np.array([0.9, 0.5, -0.1, 0.3, 0.8])
    r_ficc = np.array([0.85, 0.6, 0.4, 0.95, 0.8])
    np.testing.assert_allclose(applied_reduction(r_cme, r_ficc, CAP), [0.8, 0.5, 0.0, 0.3, 0.8])
    # the rule is symmetric in the two CCPs
    np.testing.assert_array_equal(
        applied_reduction(r_cme, r_ficc, CAP), applied_reduction(r_ficc, r_cme, CAP)
    )
    # cap 0 switches savings off
    np.testing.assert_array_equal(applied_reduction(r_cme, r_ficc, 0.0), np.zeros(5))


# --- portfolios through both CCP models ---------------------------------------------------------


@pytest.fixture(scope="module")
def history():
    """Synthetic daily key-rate changes (bp) from a seeded generator: 2,600 days (more than the
    CME 2,520-day look-back), daily volatilities 3-7bp, so both models see ~1,258-2,518 scenarios.
    """
    rng = np.random.default_rng(20260430)
    return rng.standard_normal((2600, 5)) * np.array([3.0, 6.0, 7.0, 7.0, 6.0])


def _ten_year(dv01: float) -> np.ndarray:
    e = np.zeros(5)
    e[TEN_YEAR] = dv01
    return e


def _reduction(futures: np.ndarray, cash: np.ndarray, history: np.ndarray):
    """Per-CCP factors and the applied reduction, as the CCPs compute them."""
    r = {}
    for name, model in (("cme", CME), ("ficc", FICC)):
        im_f, im_c, im_x = leg_requirements(model, futures, cash, history)
        r[name] = reduction_factor(im_x, im_f, im_c)
    return r["cme"], r["ficc"], applied_reduction(r["cme"], r["ficc"], CAP)


def test_dv01_neutral_single_leg_and_same_direction(history):
    """Cash long $100k/bp on 10Y. Futures leg: -$100k/bp (DV01-neutral: combined exposure 0, so
    IM(combined) = 0, r = 1 at both CCPs, capped to exactly 0.80); nothing (single leg: r = 1 -
    IM(cash)/IM(cash) = 0); +$100k/bp (same direction: IM(2x) = 2 IM(x), r = 0)."""
    d = 100_000.0
    cash = np.array([_ten_year(d)] * 3)
    futures = np.array([_ten_year(-d), _ten_year(0.0), _ten_year(d)])
    r_cme, r_ficc, applied = _reduction(futures, cash, history)
    np.testing.assert_array_equal(r_cme, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(r_ficc, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(applied, [CAP, 0.0, 0.0])


def test_leg_requirements_positive_and_cme_multiplier(history):
    """Sanity of the legs: a $100k/bp 10Y position has positive IM at both CCPs, and CME's IM is
    1.1 times the unscaled 2-day VaR over its look-back."""
    cash = _ten_year(100_000.0)[None, :]
    futures = _ten_year(-100_000.0)[None, :]
    for model in (CME, FICC):
        im_f, im_c, im_x = leg_requirements(model, futures, cash, history)
        assert im_f[0] > 0 and im_c[0] > 0
        assert im_x[0] == 0.0
    plain = VarModel(0.99, 2, 2520)
    _, im_c, _ = leg_requirements(CME, futures, cash, history)
    _, plain_c, _ = leg_requirements(plain, futures, cash, history)
    assert im_c[0] == pytest.approx(1.1 * plain_c[0])


def test_reduction_grows_monotonically_with_hedge_ratio(history):
    """Cash long d on 10Y, futures short h*d on 10Y. By positive homogeneity, with V+ = VaR(long
    d) and V- = VaR(short d): r(h) = 1 - (1 - h) V+ / (h V- + V+), which rises strictly from 0 at
    h = 0 to 1 at h = 1; applied, it is clip(min, 0, 0.8): non-decreasing, strictly rising below
    the cap, 0 at h = 0 and exactly the cap at h = 1."""
    d = 100_000.0
    hedge = np.linspace(0.0, 1.0, 21)
    cash = np.array([_ten_year(d)] * len(hedge))
    futures = np.array([_ten_year(-h * d) for h in hedge])
    r_cme, r_ficc, applied = _reduction(futures, cash, history)
    for model, r in ((CME, r_cme), (FICC, r_ficc)):
        v_plus, v_minus = model.requirement(np.array([_ten_year(d), _ten_year(-d)]), history)
        closed_form = 1.0 - (1.0 - hedge) * v_plus / (hedge * v_minus + v_plus)
        np.testing.assert_allclose(r, closed_form, rtol=1e-9, atol=1e-12)
        assert np.all(np.diff(r) > 0)
    assert applied[0] == 0.0
    assert applied[-1] == CAP
    assert np.all(np.diff(applied) >= 0)
    below = applied < CAP
    assert below.sum() >= 5  # the cap is not hit at once (r(h) < 0.8 up to h ~ 2/3)
    assert np.all(np.diff(applied[below]) > 0)
