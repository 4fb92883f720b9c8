"""Cleared repo as the FICC leg (``population.ficc_leg``; ``sim.population.legs``): basis funds'
FICC rows hold the repo financing their notes, custody holdings have no FICC position and so
no cross-margining benefit, ``outright`` keeps the old books, and the adoption study uses the
same legs."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from tiny import TINY, TINY_SEED

from agents.adoption_desk import ADOPTERS_ID
from agents.worlds.adoption import build_adoption_world
from agents.worlds.clearing import build_world, make_ccps, opening_margin
from sim.config import EndUserTypeConfig, build_config, deep_merge
from sim.config.repo import RepoConfig
from sim.margin.exposure import book_exposures
from sim.population.legs import (
    cleared_books,
    cleared_positions,
    haircut_calls_usd,
    haircut_path,
    has_ficc_leg,
    repo_interest_usd,
    roll_days,
    roll_schedule,
    sticky_regimes,
)
from sim.run import Run, run

HEDGE_FUND = EndUserTypeConfig(
    share=1.0,
    template="basis",
    dv01_median_usd=1e5,
    hedge_ratio=1.0,
    cash_holding="repo",
    repo_financed_share=1.0,
)
BANK = EndUserTypeConfig(share=1.0, template="hedged_book", dv01_median_usd=3e4, hedge_ratio=0.6)
# par DV01 of $10m of a 10-year note at 4% (semi-annual): (1 - 1.02^-20) / 0.04 x 1e-4 x 1e7
HAND_DV01_10Y = (1 - 1.02**-20) / 0.04 * 1e-4 * 1e7  # = 8,175.72 dollars per bp


def test_a_basis_funds_ficc_row_holds_repo_with_the_collateral_dv01():
    """Hand number: the repo's DV01 is its collateral's, all on the 10Y key rate."""
    book = cleared_positions({"UST10Y": 1e7, "TN": -93.0}, HEDGE_FUND, "cleared_repo")
    assert book == {"REPO10Y": 1e7, "TN": -93.0}
    cash = book_exposures([book]).cash[0]
    assert round(HAND_DV01_10Y, 2) == 8175.72
    assert cash == pytest.approx([0.0, 0.0, 0.0, HAND_DV01_10Y, 0.0])
    assert has_ficc_leg(book)
    outright = book_exposures([{"UST10Y": 1e7, "TN": -93.0}])  # invariant: same collateral
    np.testing.assert_array_equal(book_exposures([book]).total, outright.total)
    half = HEDGE_FUND.model_copy(update={"repo_financed_share": 0.5})
    assert cleared_positions({"UST10Y": 1e7}, half, "cleared_repo") == {"REPO10Y": 5e6}


def test_custody_holdings_have_no_ficc_position_and_outright_is_unchanged():
    positions = {"UST5Y": 2e7, "FV": -250.0}
    assert cleared_positions(positions, BANK, "cleared_repo") == {"FV": -250.0}
    assert not has_ficc_leg({"FV": -250.0})
    assert cleared_positions(positions, BANK, "outright") == positions
    assert cleared_positions(positions, HEDGE_FUND, "outright") == positions


def test_holding_errors_name_the_field():
    with pytest.raises(ValidationError, match="repo_financed_share"):
        EndUserTypeConfig(**{**BANK.model_dump(), "repo_financed_share": 0.5})
    with pytest.raises(ValidationError, match="repo_financed_share"):
        EndUserTypeConfig(**{**BANK.model_dump(), "cash_holding": "repo"})
    with pytest.raises(ValidationError, match="haircut_stressed"):
        build_config({"population": {"repo": {"haircut_calm": 0.1, "haircut_stressed": 0.05}}})


def _world(ficc_leg: str) -> tuple[Run, dict]:
    """Tiny-world end users (all three types, each with both legs at the XM BD-FCM)."""
    same = {"p_same_bd_fcm": 1.0, "share": 1.0}
    types = {t: same for t in ("hedge_fund", "asset_manager", "regional_bank")}
    population = {"n_end_users": 12, "ficc_leg": ficc_leg, "types": types}
    the_run = Run(build_config(deep_merge(TINY, {"population": population})), 5)
    ccps = make_ccps(the_run)
    return the_run, {"ccps": ccps, "im": opening_margin(ccps["cme"], ccps["ficc"], the_run)}


def test_outright_reproduces_the_old_books():
    """Invariant: with ``outright`` every row is the user's own positions."""
    the_run, world = _world("outright")
    users = the_run.population.users
    assert cleared_books(the_run.population, the_run.config.population) == [
        u.positions for u in users
    ]
    old = book_exposures([u.positions for u in users])
    for c in ("cme", "ficc"):
        book = world["ccps"][c].book
        np.testing.assert_array_equal(book.cash_exp[: len(users)], old.cash)
        np.testing.assert_array_equal(book.futures_exp[: len(users)], old.futures)


def test_the_default_is_cleared_repo():
    """Since issue 11 the FICC leg of a repo-financed book is its cleared repo."""
    assert build_config({}).population.ficc_leg == "cleared_repo"


def test_custody_users_get_no_xm_benefit_and_repo_funds_do():
    """Invariant: custody users' XM IM equals their standalone IM and FICC IM is 0; a regional
    bank got a reduction under ``outright`` (the test is not vacuous)."""
    runs = {leg: _world(leg) for leg in ("outright", "cleared_repo")}
    for leg, (the_run, world) in runs.items():
        types = np.array([u.user_type for u in the_run.population.users])
        n = len(types)
        im = {k: v[:n] for k, v in world["im"].items()}  # end users' rows come first
        saved = im["sa_cme"] + im["sa_ficc"] - im["cme"] - im["ficc"]
        banks, funds = types == "regional_bank", types == "hedge_fund"
        assert banks.any() and funds.any()
        assert (saved[funds] > 0).all()
        if leg == "outright":
            assert (saved[banks] > 0).all()
            continue
        custody = types != "hedge_fund"
        assert (saved[custody] == 0).all() and (im["sa_ficc"][custody] == 0).all()
        np.testing.assert_array_equal(im["cme"][custody], im["sa_cme"][custody])
        assert not world["ccps"]["cme"].book.xm[:n][custody].any()


def test_the_adoption_study_gives_custody_users_no_saving():
    """Invariant: custody users' standalone and XM IM are equal, so they save 0 and never
    decide; repo-financed funds do save."""
    population = {"n_end_users": 30, "ficc_leg": "cleared_repo"}
    overrides = {
        "calendar": {"start": "2026-05-01", "business_days": 25},
        "market": {"lookback_days": 300},
        "cme": {"lookback_days": 250},
        "ficc": {"lookback_days": 250},
        "population": population,
        "adoption": {"fixed_cost_median_usd": 1.0, "consolidation_cost_median_usd": 1.0},
    }
    the_run = Run(build_config(overrides), 7)
    build_adoption_world(the_run)
    the_run.env.run()
    adopters = the_run.agents[ADOPTERS_ID]
    types = np.asarray(adopters.book.types)
    custody = types != "hedge_fund"
    assert custody.any() and (~custody).any()
    assert (adopters.im_saved[custody] == 0).all() and (adopters.annual[custody] == 0).all()
    assert (adopters.im_saved[~custody] > 0).all()
    decided = the_run.recorder.finish()["adoption_decisions"]
    assert set(decided["user_type"]) == {"hedge_fund"}


def test_rolls_reset_the_haircut_to_the_regimes_by_hand():
    """Hand numbers: term 2, regimes calm, stressed, stressed, calm; user 0 rolls on days 0
    and 2, user 1 on days 1 and 3; haircuts 2% calm, 5% stressed; $10m of collateral."""
    repo = RepoConfig(haircut_calm=0.02, haircut_stressed=0.05, term_business_days=2)
    assert list(roll_days(5, 2, 1)) == [1, 3]
    rolls = roll_schedule(2, 4, repo.term_business_days)
    assert rolls.tolist() == [[True, False, True, False], [False, True, False, True]]
    path = haircut_path(np.array([0, 1, 1, 0]), rolls, repo, opening=0)
    np.testing.assert_allclose(path, [[0.02, 0.02, 0.05, 0.05], [0.02, 0.05, 0.05, 0.02]])
    calls = haircut_calls_usd(np.array([1e7, 1e7]), path, opening=0.02)
    np.testing.assert_allclose(calls, [[0, 0, 3e5, 0], [0, 3e5, 0, -3e5]], atol=1e-6)
    assert roll_schedule(3, 4, 1).all()  # overnight repo rolls every day
    # $9.8m financed at SOFR 4.30% + 5bp for one day, act/360: 9.8e6 x 0.0435 / 360
    assert repo_interest_usd(1e7, 0.02, 4.30, repo) == pytest.approx(1184.1667, abs=1e-4)


def test_stressed_haircuts_stay_until_enough_calm_days():
    """Hand case, relax after 2 calm days: regimes 0 1 0 1 0 0 0 -> the sponsor's regime
    0 1 1 1 1 0 0 (a calm day alone does not lower the haircut, the second calm day in a row
    does); relax 0 follows the regimes; a stressed opening holds until 2 calm days."""
    regimes = np.array([0, 1, 0, 1, 0, 0, 0])
    assert sticky_regimes(regimes, 2).tolist() == [0, 1, 1, 1, 1, 0, 0]
    assert sticky_regimes(regimes, 0).tolist() == regimes.tolist()
    assert sticky_regimes(np.array([0, 0, 0]), 2, opening=1).tolist() == [1, 0, 0]


def test_repo_rolls_are_recorded_on_the_schedule():
    """Invariant: under ``cleared_repo`` with term 2 each repo-financed user logs one
    ``repo_roll`` on each of its roll days (users ``i`` roll on days with ``(d + i) % 2 == 0``,
    of the tiny world's 3 days), with its collateral face and a haircut of the config; custody
    users and ``outright`` runs log none."""
    repo = {"term_business_days": 2, "haircut_calm": 0.02, "haircut_stressed": 0.05}
    population = {**TINY["population"], "ficc_leg": "cleared_repo", "repo": repo}
    config = build_config(deep_merge(TINY, {"population": population}))
    rolls = run(config, TINY_SEED, build_world).tables["events"].query("kind == 'repo_roll'")
    users = {u.user_id: i for i, u in enumerate(Run(config, TINY_SEED).population.users)}
    funds = [u for u, i in users.items() if u in set(rolls["entity"])]
    assert funds and set(rolls["scale"]) <= {0.02, 0.05}
    for user in funds:
        days = rolls.loc[rolls["entity"] == user, "date_index"].tolist()
        assert days == [d for d in range(3) if (d + users[user]) % 2 == 0]
    plain = {**TINY["population"], "ficc_leg": "outright"}
    config = build_config(deep_merge(TINY, {"population": plain}))
    outright = run(config, TINY_SEED, build_world).tables["events"]
    assert not (outright["kind"] == "repo_roll").any()
