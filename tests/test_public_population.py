"""The population from public data (``population.model: public_data``; sources in
``sim.config.public_data``): counts from CFTC Traders in Financial Futures and FCM financial data,
hedge-fund concentration from Form PF, XM offered by size and bank affiliation, firm liquidity in
proportion to size, books of several pairs. The legacy population is the default and unchanged
(every other test and the golden outputs run on it)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from pydantic import ValidationError

from agents.firm_treasury import own_liquidity
from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.margin.exposure import book_exposures
from sim.population.population import make_population
from sim.population.public_data import (
    gross_exposure_usd,
    make_public_population,
    offers_by_size,
    top_funds,
    top_share,
    top_share_of_quantiles,
)
from sim.rng import Streams
from sim.run import run

PUBLIC = {"population": {"model": "public_data"}}


def _public(scale: float = 1.0, seed: int = 7, **public):
    population = {"model": "public_data", "scale": scale, "public_data": public}
    cfg = build_config({"population": population})
    streams = Streams(seed)
    pop = make_public_population(
        cfg.population, cfg.firms, streams.get("population"), None, streams.get("affiliations")
    )
    return cfg, pop


def test_the_legacy_model_keeps_its_population():
    """``model: legacy`` (the default before issue 11): 300 users, one pair each, firms with
    the config's liquidity and no bank affiliation."""
    cfg = build_config({"population": {"model": "legacy"}})
    assert build_config().population.model == "public_data"
    assert cfg.population.model == "legacy" and cfg.population.n_end_users == 300
    pop = make_population(cfg.population, cfg.firms, Streams(3).get("population"))
    assert all(f.own_liquidity_usd is None and not f.bank_affiliated for f in pop.firms)
    assert all(len(u.positions) == 2 for u in pop.users)  # one (cash, futures) pair each


def test_counts_at_scale_1_are_the_cited_counts():
    """TFF: 200 leveraged funds, 230 asset managers (assumed 100 regional banks); CFTC FCM data:
    60 FCMs, 30 of them BD-FCMs; 20 BD-only (assumption). Unset scale is scale 1."""
    cfg, pop = _public()
    assert Counter(u.user_type for u in pop.users) == {
        "hedge_fund": 200,
        "asset_manager": 230,
        "regional_bank": 100,
    }
    assert Counter(f.kind for f in pop.firms) == {"bd_fcm": 30, "fcm": 30, "bd": 20}
    assert cfg.population.n_end_users == 530 == len(pop.users)


def test_without_a_scale_n_end_users_decides_it():
    """300 of the market's 530 end users: scale 300 / 530, types shared by largest remainder;
    a type the spec deletes is left out."""
    cfg = build_config(PUBLIC)
    assert cfg.population.n_end_users == 300
    assert (cfg.firms.n_bd_fcm, cfg.firms.n_fcm, cfg.firms.n_bd) == (17, 17, 11)
    streams = Streams(1)
    pop = make_public_population(cfg.population, cfg.firms, streams.get("population"))
    assert Counter(u.user_type for u in pop.users) == {
        "hedge_fund": 113,  # 113.2
        "asset_manager": 130,  # 130.2
        "regional_bank": 57,  # 56.6
    }
    two = build_config({"population": {**PUBLIC["population"], "types": {"regional_bank": None}}})
    pop = make_public_population(two.population, two.firms, streams.get("population"))
    assert Counter(u.user_type for u in pop.users) == {"hedge_fund": 140, "asset_manager": 160}


def test_scale_scales_the_counts():
    cfg, pop = _public(scale=0.5)
    assert cfg.population.n_end_users == 265 == len(pop.users)
    assert (cfg.firms.n_bd_fcm, cfg.firms.n_fcm, cfg.firms.n_bd) == (15, 15, 10)


def test_top_50_hedge_funds_hold_75_to_90_percent_of_gross_exposure():
    """Form PF: the top 50 hedge funds hold 83-85% of hedge funds' gross Treasury exposure
    (FEDS Note, 6 Oct 2021); the accepted range is 75-90%. The total is Form PF's $2.39tn (Feb
    2020) up to the rounding of face to $1,000 and of futures to whole contracts."""
    for seed in (1, 2):
        _, pop = _public(seed=seed)
        assert 0.75 <= top_share(pop, "hedge_fund", top_funds(1.0)) <= 0.90
        gross = sum(
            gross_exposure_usd(u.positions) for u in pop.users if u.user_type == "hedge_fund"
        )
        assert gross == pytest.approx(2.39e12, rel=1e-3)
    assert top_share_of_quantiles(200, 1.662) == pytest.approx(0.83, abs=0.002)  # the fit


def test_xm_offering_rises_with_size():
    """Within bank-affiliated and within other BD-FCMs, a firm that offers customer XM is larger
    than every one that does not; ignoring affiliation, the offerers are the largest."""
    _, pop = _public()
    bd_fcms = [f for f in pop.firms if f.kind == "bd_fcm"]
    for bank in (True, False):
        group = [f for f in bd_fcms if f.bank_affiliated == bank]
        offering = [f.size_weight for f in group if f.offers_xm]
        declining = [f.size_weight for f in group if not f.offers_xm]
        assert not offering or not declining or min(offering) > max(declining)
    sizes = np.array([8.0, 1.0, 4.0, 2.0])
    plain = offers_by_size(sizes, np.zeros(4, dtype=bool), 0.5, 0.5)
    assert plain.tolist() == [True, False, True, False]
    bank = np.array([True, False, False, False])
    assert offers_by_size(sizes, bank, 0.5, 0.2).tolist() == [False, False, True, True]
    assert offers_by_size(sizes, bank, 0.5, 0.25).tolist() == plain.tolist()  # 8 x 0.25 ties 2


def test_firm_liquidity_is_proportional_to_size():
    cfg, pop = _public()
    own = np.array([f.own_liquidity_usd for f in pop.firms])
    line = np.array([f.credit_line_usd for f in pop.firms])
    size = np.array([f.size_weight for f in pop.firms])
    np.testing.assert_allclose(own / size, own[0] / size[0])
    np.testing.assert_allclose(line / size, line[0] / size[0])
    assert own.mean() == pytest.approx(cfg.firms.own_liquidity_usd)  # the mean firm's figure


def test_books_hold_several_pairs_and_become_exposures():
    _, pop = _public(scale=0.3)
    pairs = Counter(len(u.positions) // 2 for u in pop.users if u.user_type == "hedge_fund")
    assert set(pairs) == {1, 2, 3}
    exposure = book_exposures([u.positions for u in pop.users])
    assert np.all(exposure.cash.sum(axis=1) > 0)  # every book long cash


def test_a_public_data_run_runs():
    """A short run of the clearing world on a small public-data population."""
    cfg = build_config(
        {
            "calendar": {"business_days": 2},
            "population": {"model": "public_data", "scale": 0.05},
            "xm": {"enabled": True},
        }
    )
    result = run(cfg, 5, build_world)
    tables, metrics = result.tables, result.metrics.set_index("metric")
    assert 0.5 <= metrics.at["top50_hf_share", "value"] <= 1.0  # top 2 of 10 funds at 0.05
    n_firms = cfg.firms.n_bd_fcm + cfg.firms.n_fcm + cfg.firms.n_bd
    assert len(tables["firms"]) == n_firms == 5  # 2 + 2 + 1 (1.5 rounds to 2)
    assert len(tables["relationships"]) == 2 * cfg.population.n_end_users
    assert len(tables["calls"]) > 0


def test_firm_liquidity_falls_back_to_the_config_in_legacy_mode():
    class Stub:
        population = None

    cfg = build_config()
    assert own_liquidity(Stub(), "bd_fcm01", cfg.firms) == (3e9, 1e9)


def test_public_data_needs_end_users_of_a_declared_type():
    only_pensions = {"hedge_fund": None, "asset_manager": None, "regional_bank": None, "pension": 5}
    with pytest.raises(ValidationError, match=r"public_data\.end_users: no end users"):
        build_config(
            {"population": {"model": "public_data", "public_data": {"end_users": only_pensions}}}
        )
    with pytest.raises(ValidationError, match=r"population\.public_data\.size_sigma"):
        build_config({"population": {"model": "public_data", "public_data": {"size_sigma": -1}}})


def test_firm_counts_of_a_spec_are_still_checked():
    """public_data replaces the firm counts, but a bad one in the spec is still reported."""
    with pytest.raises(ValidationError, match=r"firms\.n_fcm"):
        build_config({**PUBLIC, "firms": {"n_fcm": -2}})
