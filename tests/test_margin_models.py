"""The refinements of the margin models (filtered HS, stressed period, floor, APC buffer), the
XM rules, the agents' fallback when the partner's figures are late, and levels against CME's
published margins."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import SimConfig, build_config, deep_merge
from sim.margin.exposure import book_exposures
from sim.margin.var import (
    VarModel,
    ewma_variance,
    filtered_changes,
    historical_var,
    stressed_window,
)
from sim.margin.xm import XmLegs, xm_reduction
from sim.market.sources import synthetic_changes
from sim.run import run


def test_ewma_variance_matches_the_recursion():
    """Invariant: the block-wise closed form equals var[t] = lam var[t-1] + (1-lam) r[t-1]^2."""
    daily = np.random.default_rng(3).standard_normal((1234, 5)) * 4.0
    lam = 0.97
    expected = np.empty((1235, 5))
    expected[0] = (daily[:250] ** 2).mean(axis=0)
    for t in range(1234):
        expected[t + 1] = lam * expected[t] + (1 - lam) * daily[t] ** 2
    np.testing.assert_allclose(ewma_variance(daily, lam), expected, rtol=1e-10)


def test_filtered_changes_scale_old_days_to_todays_volatility():
    """Volatility doubles half-way: filtered HS rescales the calm first half up (ratio of EWMA
    vols ~2), so the 99% VaR of $1/bp on each of 5 independent key rates is that of today's
    volatility, 2.326 x 2 x sqrt(5) = 10.40 (hand, normal quantile), within 15% (sampling error
    of a 1% quantile of 2,000 draws and of the EWMA estimate)."""
    rng = np.random.default_rng(4)
    daily = np.vstack([rng.standard_normal((1000, 5)), 2 * rng.standard_normal((1000, 5))])
    scaled = filtered_changes(daily, 0.97)
    ratio = scaled[:1000].std() / daily[:1000].std()
    assert 1.6 < ratio < 2.4
    x = np.ones((1, 5))
    assert historical_var(x, scaled, 0.99)[0] == pytest.approx(2.326 * 2 * 5**0.5, rel=0.15)


def test_stressed_window_finds_the_planted_period():
    """Hand-made: unit moves everywhere except days 300-349, which move 10bp."""
    daily = np.ones((1000, 5))
    daily[300:350] = 10.0
    window = stressed_window(daily, 50)
    assert (window == 10.0).all() and window.shape == (50, 5)


def test_stress_weight_floor_and_buffer_by_hand():
    """One key rate. Recent days move +-1bp (1-day VaR of $1,000/bp = $1,000); the stressed
    window (the most volatile 10 days) holds a -8bp... +8bp move: stressed VaR $8,000.
    With w = 0.25: max(1000, 0.75 * 1000 + 0.25 * 8000) = 2,750; x 1.1 multiplier x 1.25 APC
    buffer = 3,781.25. A floor of 5bp x |DV01| $1,000 = $5,000 binds before the multipliers:
    5,000 x 1.1 x 1.25 = 6,875."""
    daily = np.tile([[1.0, 0, 0, 0, 0], [-1.0, 0, 0, 0, 0]], (100, 1))
    daily[20:30, 0] = [8, -8] * 5
    x = np.array([[1000.0, 0, 0, 0, 0]])
    base = dict(confidence=0.99, mpor_days=1, lookback_days=100)
    plain = VarModel(**base, stress_weight=0.25, stress_window_days=10)
    assert plain.requirement(x, daily)[0] == pytest.approx(2750.0)
    full = VarModel(
        **base, stress_weight=0.25, stress_window_days=10, multiplier=1.1, apc_buffer=0.25
    )
    assert full.requirement(x, daily)[0] == pytest.approx(3781.25)
    floored = VarModel(**base, floor_bp=5.0, multiplier=1.1, apc_buffer=0.25)
    assert floored.requirement(x, daily)[0] == pytest.approx(6875.0)


def _legs(fut, cash, comb) -> XmLegs:
    return XmLegs(np.array([fut]), np.array([cash]), np.array([comb]))


def test_xm_rules_by_hand():
    """CME: fut 100, cash 120, combined 44 -> r_cme = 0.8; FICC: fut 90, cash 150, combined 96
    -> r_ficc = 0.6. min_cap: min(0.8, 0.6) = 0.6. joint_split: joint = max(44, 96) = 96,
    standalone = CME fut 100 + FICC cash 150 = 250 -> r = 1 - 96/250 = 0.616; a cap of 0.5
    binds both; none: 0."""
    cme, ficc = _legs(100, 120, 44), _legs(90, 150, 96)
    assert xm_reduction("min_cap", 0.8, cme, ficc)[0] == pytest.approx(0.6)
    assert xm_reduction("joint_split", 0.8, cme, ficc)[0] == pytest.approx(0.616)
    assert xm_reduction("joint_split", 0.5, cme, ficc)[0] == pytest.approx(0.5)
    assert xm_reduction("min_cap", 0.5, cme, ficc)[0] == pytest.approx(0.5)
    assert xm_reduction("none", 0.8, cme, ficc)[0] == 0.0


@pytest.mark.parametrize("symbol, published", [("TN", 3000.0), ("UB", 6400.0)])
def test_cme_im_per_contract_near_published_levels(symbol, published):
    """CME (2024): Ultra 10Y IM $3,000, Ultra Bond IM $6,400. The default CME model on the
    shipped model's synthetic 10-year look-back gives the same order of magnitude; the
    tolerance (a factor of 2) reflects that the published levels followed the 2022-23 rate
    volatility while the model is fitted to 1990-2021."""
    cfg = SimConfig()
    daily = synthetic_changes(cfg.cme.lookback_days, seed=0)
    fut = book_exposures([{symbol: 1.0}]).futures
    im = cfg.cme.var_model().requirement(fut, daily)[0]
    assert published / 2 <= im <= published * 2


def test_late_partner_figures_fall_back_to_standalone():
    """FICC publishes its XM figures 2 hours after each run: its 18:00 close figures reach CME
    after CME's 19:00 end-of-day call, so CME margins the XM account standalone at every close
    (fallback, recorded); CME's 13:30 intraday cycle may use FICC's previous close instead of
    the late noon figures; FICC (calling at 08:30 with CME's figures from 19:00) still applies
    the reduction."""
    late = deep_merge(TINY, {"ficc": {"factor_publish_delay_minutes": 120}})
    result = run(build_config(late), TINY_SEED, build_world)
    events, daily = result.tables["events"], result.tables["accounts_daily"]
    fallbacks = events[events["kind"] == "xm_fallback"]
    assert set(fallbacks["entity"]) == {"cme"}
    customer = fallbacks[fallbacks["ref"] == "bd_fcm01:customer_xm"]
    assert len(customer) == 3  # one customer XM account, three end-of-day cycles
    xm = daily[daily["account"] == "customer_xm"]
    assert (xm.loc[xm["ccp"] == "cme", "reduction"] == 0).all()
    # the hedge fund's basis trade (eu00001) keeps its reduction at FICC
    basis = xm[(xm["ccp"] == "ficc") & (xm["entity"] == "eu00001")]
    assert (basis["reduction"] > 0).all()


def test_joint_split_runs_in_the_simulation():
    # without TINY's XM link outage, which makes CME fall back on day 1
    cfg = build_config(deep_merge(TINY, {"xm": {"rule": "joint_split", "link_outages": []}}))
    daily = run(cfg, TINY_SEED, build_world).tables["accounts_daily"]
    xm = daily[daily["account"] == "customer_xm"]
    assert xm["reduction"].between(0, 0.8).all() and (xm["reduction"] > 0).any()
    # both CCPs apply the same reduction to each account each day
    assert (xm.groupby(["date_index", "entity"])["reduction"].nunique() == 1).all()


def test_ineligible_bills_keep_their_margin():
    """Repo on 10Y collateral is eligible: a DV01-neutral repo/TN book gets the 80% cap. Adding
    bills (not eligible, DESIGN.md section 2) adds FICC margin that XM does not reduce: the FICC
    XM requirement rises by exactly the bills' own contribution to the standalone IM."""
    from sim.margin.portfolio import portfolio_margin

    cfg, daily = SimConfig(), synthetic_changes(2520, seed=1)
    book = {"REPO10Y": 1e8, "TN": -929.0}
    hedged = portfolio_margin(book, daily, cfg)
    assert hedged.reduction == pytest.approx(0.8)
    with_bills = portfolio_margin({**book, "UST3M": 5e9}, daily, cfg)
    assert with_bills.reduction == pytest.approx(0.8)
    assert with_bills.xm_im_ficc - hedged.xm_im_ficc == pytest.approx(
        with_bills.im_ficc - hedged.im_ficc
    )
    assert with_bills.im_ficc > hedged.im_ficc
