"""Tests of sim.market.intraday: Brownian-bridge marks, the trading-day clock, the futures-cash
basis.

Monte Carlo tolerances are stated as multiples of the estimator's standard error (SE) under the
model, with fixed seeds: mean within 4 SE, covariance elements within 4 SE (SE of a sample
covariance of normals: sqrt((S_ii S_jj + S_ij^2) / N)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.market.basis import (
    FAMILIES,
    FAMILY_OF,
    BasisParams,
    ar1_filter,
    basis_pnl_usd,
    simulate_basis,
    stationary_sd_bp,
)
from sim.market.calibration import load_model
from sim.market.instruments import CATALOG
from sim.market.intraday import fraction_of_day, intraday_marks, intraday_paths

PARAMS = load_model()


def regime_cov(regime: str) -> np.ndarray:
    vol = np.array(PARAMS["regimes"][regime]["vol_bp"])
    return np.outer(vol, vol) * np.array(PARAMS["regimes"][regime]["corr"])


def assert_cov_close(sample: np.ndarray, target: np.ndarray, n: int, k_se: float = 4.0) -> None:
    """Sample covariance (n draws, rows) within ``k_se`` standard errors of ``target``."""
    se = np.sqrt((np.outer(np.diag(target), np.diag(target)) + target**2) / n)
    est = np.cov(sample, rowvar=False)
    assert np.all(np.abs(est - target) <= k_se * se), np.max(np.abs(est - target) / se)


# --- bridge -------------------------------------------------------------------------------


def test_bridge_hits_zero_and_change_exactly_at_ends() -> None:
    change = np.array([3.0, -12.5, 7.25, 0.5, -1.0])
    cal = PARAMS["regimes"]["stressed"]
    marks = intraday_marks(
        np.zeros(5),
        change,
        np.array([1.0, 0.0, 0.5, 1.0, 0.0]),
        cal["vol_bp"],
        cal["corr"],
        np.random.default_rng(1),
    )
    assert marks.shape == (5, 5)
    assert np.all(marks[[1, 4]] == 0.0)
    assert np.all(marks[[0, 3]] == change)
    assert not np.allclose(marks[2], 0.5 * change)  # random in between


def test_batched_paths_pinned_at_each_days_change() -> None:
    rng = np.random.default_rng(2)
    changes = rng.normal(0.0, 8.0, (50, 5))
    regimes = rng.integers(0, 2, 50)
    paths = intraday_paths(changes, regimes, np.array([0.0, 0.3, 4 / 7, 1.0]), PARAMS, rng)
    assert paths.shape == (50, 4, 5)
    assert np.all(paths[:, 0] == 0.0)
    assert np.all(paths[:, -1] == changes)


@pytest.mark.parametrize("regime", [0, 1])
def test_bridge_mean_and_variance_at_half_day(regime: int) -> None:
    """At f = 0.5: mean 0.5 * change, covariance 0.25 * Sigma (hand formula f (1 - f) Sigma)."""
    n = 40_000
    change = np.array([5.0, -10.0, 20.0, -3.0, 1.0])
    sigma = regime_cov(("calm", "stressed")[regime])
    paths = intraday_paths(
        np.tile(change, (n, 1)),
        np.full(n, regime),
        np.array([0.5]),
        PARAMS,
        np.random.default_rng(3 + regime),
    )[:, 0]
    target = 0.5 * 0.5 * sigma
    se_mean = np.sqrt(np.diag(target) / n)
    assert np.all(np.abs(paths.mean(axis=0) - 0.5 * change) <= 4.0 * se_mean)
    assert_cov_close(paths, target, n)


def test_bridge_joint_covariance_between_fractions() -> None:
    """Cov(B(0.25), B(0.75)) = 0.25 * (1 - 0.75) Sigma = Sigma / 16 (hand), per key rate."""
    n = 40_000
    sigma = regime_cov("calm")
    paths = intraday_paths(
        np.zeros((n, 5)),
        np.zeros(n, dtype=int),
        np.array([0.25, 0.75]),
        PARAMS,
        np.random.default_rng(5),
    )
    for k in range(5):
        target = sigma[k, k] * np.array([[3 / 16, 1 / 16], [1 / 16, 3 / 16]])
        assert_cov_close(paths[:, :, k], target, n)


def test_single_day_marks_match_batched_and_permute_with_fractions() -> None:
    change = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    cal = PARAMS["regimes"]["calm"]
    fractions = np.array([0.2, 0.7, 0.5])
    single = intraday_marks(
        np.zeros(5), change, fractions, cal["vol_bp"], cal["corr"], np.random.default_rng(7)
    )
    batched = intraday_paths(
        change[None], np.array([0]), fractions, PARAMS, np.random.default_rng(7)
    )
    np.testing.assert_allclose(single, batched[0], rtol=0, atol=1e-12)
    permuted = intraday_marks(
        np.zeros(5), change, fractions[::-1], cal["vol_bp"], cal["corr"], np.random.default_rng(7)
    )
    np.testing.assert_allclose(permuted, single[::-1], rtol=0, atol=1e-12)


def test_bridge_rejects_bad_inputs() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        intraday_paths(np.zeros((1, 5)), np.array([0]), np.array([1.5]), PARAMS, rng)
    with pytest.raises(ValueError, match="one per day"):
        intraday_paths(np.zeros((2, 5)), np.array([0]), np.array([0.5]), PARAMS, rng)
    with pytest.raises(ValueError, match="calm"):
        intraday_paths(np.zeros((1, 5)), np.array([2]), np.array([0.5]), PARAMS, rng)


# --- clock --------------------------------------------------------------------------------


def test_fraction_of_day_hand_values() -> None:
    assert fraction_of_day(8 * 60) == 0.0
    assert fraction_of_day(12 * 60) == pytest.approx(4 / 7)
    assert fraction_of_day(13 * 60 + 30) == pytest.approx(330 / 420)
    assert fraction_of_day(15 * 60) == 1.0
    assert fraction_of_day(6 * 60) == 0.0
    assert fraction_of_day(18 * 60 + 45) == 1.0
    assert fraction_of_day(12 * 60, open_clock=9 * 60, close_clock=17 * 60) == pytest.approx(3 / 8)
    with pytest.raises(ValueError):
        fraction_of_day(600, open_clock=900, close_clock=900)


# --- basis --------------------------------------------------------------------------------


def test_families_cover_every_treasury_future() -> None:
    # SOFR and Fed Funds futures are money-market futures: no cash Treasury, no basis
    futures = {s for s, i in CATALOG.items() if i.side == "futures" and s not in ("SR3", "ZQ")}
    assert set(FAMILY_OF) == futures
    assert set(FAMILY_OF.values()) == set(FAMILIES)


def test_ar1_filter_matches_the_recursion_across_blocks() -> None:
    u = np.random.default_rng(8).normal(size=(70, 3))
    expect = np.zeros_like(u)
    level = np.zeros(3)
    for t in range(70):
        level = 0.85 * level + u[t]
        expect[t] = level
    np.testing.assert_allclose(ar1_filter(u, 0.85, block=16), expect, rtol=1e-12, atol=1e-12)


def test_calm_stationary_sd_and_family_correlation() -> None:
    """sd = sigma / sqrt(1 - (1 - kappa)^2) = 0.3 / sqrt(1 - 0.85^2) = 0.5695bp, within 3%.

    The relative SE of the sd estimate of an AR(1) with phi = 0.85 over 100,000 days is about
    0.5 * sqrt(2 (1 + phi^2) / (1 - phi^2) / N) = 0.56%, so 3% is more than 5 SE.
    """
    params = BasisParams()
    path = simulate_basis(np.zeros(100_000, dtype=int), 4, params, np.random.default_rng(9))
    hand = 0.3 / math.sqrt(1.0 - 0.85**2)
    assert stationary_sd_bp(params, 0) == pytest.approx(hand)
    np.testing.assert_allclose(path.std(axis=0), hand, rtol=0.03)
    corr = np.corrcoef(path, rowvar=False)[np.triu_indices(4, 1)]
    np.testing.assert_allclose(corr, 0.7, atol=0.03)


def test_independent_families_when_correlation_is_zero() -> None:
    path = simulate_basis(
        np.zeros(50_000, dtype=int), 3, BasisParams(family_corr=0.0), np.random.default_rng(10)
    )
    corr = np.corrcoef(path, rowvar=False)[np.triu_indices(3, 1)]
    assert np.all(np.abs(corr) < 0.04)


def test_stressed_paths_are_wider_than_calm() -> None:
    params = BasisParams()
    calm = simulate_basis(np.zeros(5_000, dtype=int), 4, params, np.random.default_rng(11))
    stress = simulate_basis(np.ones(5_000, dtype=int), 4, params, np.random.default_rng(11))
    # same random numbers: the stressed path is the calm one scaled by 2.0 / 0.3 (linear AR(1))
    np.testing.assert_allclose(stress, calm * (2.0 / 0.3), rtol=1e-9, atol=1e-9)
    assert np.all(stress.std(axis=0) > 5.0 * calm.std(axis=0))


def test_impact_shifts_level_by_the_added_amount_then_decays() -> None:
    params = BasisParams()
    regimes = np.array([0, 0, 1, 1, 1, 0])
    impact = np.zeros((6, 4))
    impact[2] = [-5.0, -2.0, 0.0, 1.5]  # e.g. 10bn of cash sold against futures: -0.5 * 10
    base = simulate_basis(regimes, 4, params, np.random.default_rng(12))
    hit = simulate_basis(regimes, 4, params, np.random.default_rng(12), impact_bp=impact)
    diff = hit - base
    np.testing.assert_allclose(diff[:2], 0.0, atol=1e-12)
    np.testing.assert_allclose(diff[2], impact[2], atol=1e-12)
    np.testing.assert_allclose(diff[3], 0.85 * impact[2], atol=1e-12)
    np.testing.assert_allclose(diff[5], 0.85**3 * impact[2], atol=1e-12)


def test_basis_pnl_sign_convention() -> None:
    # long 10 TY (DV01 +$64 each) loses $640 per bp when futures cheapen (basis +1bp)
    assert basis_pnl_usd(np.array([640.0]), np.array([1.0]))[0] == -640.0
    # a short futures leg of a basis trade gains when the basis rises
    assert basis_pnl_usd(np.array([-640.0]), np.array([1.0]))[0] == 640.0


def test_basis_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        BasisParams(kappa=1.5)
    with pytest.raises(ValueError):
        BasisParams(family_corr=-0.1)
    with pytest.raises(ValueError, match="impact_bp"):
        simulate_basis(
            np.zeros(3, dtype=int),
            4,
            BasisParams(),
            np.random.default_rng(0),
            impact_bp=np.zeros((3, 2)),
        )
