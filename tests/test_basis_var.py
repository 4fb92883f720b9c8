"""Basis risk factors in the margin models (issue 12, item 1): scenarios carry one futures-cash
basis factor per futures family beside the key rates; a CCP sees them or not (``sees_basis``);
the look-back's basis is simulated on its own stream with causal regimes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny import TINY
from typer.testing import CliRunner

from agents.worlds.clearing import build_world
from experiments.cli import app
from sim.config import SimConfig, build_config, deep_merge
from sim.margin.exposure import book_exposures, with_basis
from sim.margin.portfolio import load_portfolio, margin_on_lookback
from sim.margin.var import N_KEY, VarModel
from sim.margin.xm import xm_legs
from sim.market.basis import FAMILIES, FAMILY_OF
from sim.market.basis_lookback import causal_stress_labels
from sim.market.calibration import SHIPPED_MODEL, load_model
from sim.market.sources import closes
from sim.rng import Streams, replication_seeds
from sim.run import Run

BASIS_BOOK = Path(__file__).parents[1] / "experiments" / "portfolios" / "basis.yaml"
TEN_YEAR, TEN_YEAR_BASIS = 3, N_KEY + FAMILIES.index("10Y")
F = len(FAMILIES)


def _history(days: int = 600, seed: int = 3) -> np.ndarray:
    """Gaussian key-rate (5 bp/day) and basis (1 bp/day) daily changes, bp, (days, 5 + F)."""
    rng = np.random.default_rng(seed)
    return np.hstack([rng.normal(0, 5, (days, N_KEY)), rng.normal(0, 1, (days, F))])


def _models() -> list[VarModel]:
    """The default CME model (filtered HS, stress weight, 110%) and FICC's (stress, floor), on
    a 500-day look-back so that the 600-day history has a stressed window to pick."""
    cfg = SimConfig()
    return [
        VarModel(**{**c.var_model().__dict__, "lookback_days": 500}) for c in (cfg.cme, cfg.ficc)
    ]


@pytest.mark.parametrize("model", _models(), ids=["cme", "ficc"])
def test_without_basis_exposure_or_sight_the_var_is_the_key_rate_var_row_for_row(model):
    """Invariant: the basis columns add ``0 x change`` to every scenario's P&L when the
    exposure has none, and are dropped when the model does not see them (``sees_basis`` false),
    so the requirement equals the key-rate-only one (5 columns, before issue 12) row for row;
    the stressed window and the floor are chosen on the key rates, so they do not move."""
    daily = _history()
    rng = np.random.default_rng(8)
    key = rng.normal(0, 1e4, (40, N_KEY))
    old = VarModel(**{**model.__dict__, "sees_basis": False}).requirement(key, daily[:, :N_KEY])
    blind = VarModel(**{**model.__dict__, "sees_basis": False})
    sighted = VarModel(**{**model.__dict__, "sees_basis": True})
    family = rng.normal(0, 1e4, (40, F))
    np.testing.assert_array_equal(blind.requirement(with_basis(key, family), daily), old)
    np.testing.assert_array_equal(sighted.requirement(with_basis(key, None), daily), old)
    np.testing.assert_array_equal(sighted.requirement(key, daily), old)
    assert (sighted.requirement(with_basis(key, family), daily) != old).all()


def test_a_ccp_that_does_not_see_the_basis_margins_a_run_as_before():
    """Row for row in a run: the tiny world's CME margins (standalone and XM legs) with
    ``sees_basis`` false equal the key-rate-only computation on the same book and history."""
    run = Run(build_config(deep_merge(TINY, {"population": {"n_end_users": 12}})), 4)
    build_world(run)
    cme = run.agents["cme"]
    standalone, legs = cme.margin(1)
    i, fut, cash = cme.xm_idx, cme.book.futures_exp, cme.book.cash_exp
    stacked = np.vstack([fut, fut[i], cash[i], fut[i] + cash[i]])
    old = cme.model.requirement(stacked, run.market.history(1))
    new = np.concatenate([standalone, legs.futures, legs.cash, legs.combined])
    assert len(i) and new.any()
    np.testing.assert_array_equal(new, old)


@pytest.mark.parametrize("basis_sd", [0.1, 0.3, 0.6])
def test_hedged_two_leg_reduction_on_gaussian_scenarios_matches_the_closed_form(basis_sd):
    """Hand calculation: for zero-mean Gaussian leg P&Ls X, Y with equal standard deviation s
    and correlation rho, VaR = z s for each leg and z s sqrt(2 + 2 rho) for both, so the raw
    reduction 1 - IM(both) / (IM(X) + IM(Y)) is 1 - sqrt((1 + rho) / 2) (``reduction_factor``).
    One regime, 10,000 one-day scenarios: the 10Y key rate (sd 1bp) and the 10Y basis (sd
    ``basis_sd`` bp). Short futures (DV01 D on the 10Y and on its basis) against long cash on
    the 10Y scaled to the futures leg's variance, D sqrt(1 + basis_sd^2); rho from the P&Ls.
    The 99% empirical quantile of 10,000 draws is within about 2% of z s, so 2 points hold."""
    rng = np.random.default_rng(2026)
    daily = np.zeros((10_000, N_KEY + F))
    daily[:, TEN_YEAR] = rng.standard_normal(10_000)
    daily[:, TEN_YEAR_BASIS] = basis_sd * rng.standard_normal(10_000)
    dv01 = 80_000.0
    key, family = np.zeros((1, N_KEY)), np.zeros((1, F))
    key[0, TEN_YEAR], family[0, FAMILIES.index("10Y")] = -dv01, -dv01
    fut = with_basis(key, family)
    cash = with_basis(-key * np.sqrt(1 + basis_sd**2), None)
    pnl_fut, pnl_cash = -(daily @ fut.T)[:, 0], -(daily @ cash.T)[:, 0]
    rho = np.corrcoef(pnl_fut, pnl_cash)[0, 1]
    assert np.std(pnl_fut) == pytest.approx(np.std(pnl_cash), rel=0.05)
    model = VarModel(0.99, 1, 10_000, sees_basis=True)
    factor = xm_legs(model, fut, cash, daily).factor[0]
    assert factor == pytest.approx(1 - np.sqrt((1 + rho) / 2), abs=0.02)


def _cme_factor(vol_stressed_bp: float) -> float:
    positions = load_portfolio(BASIS_BOOK)
    cfg = build_config({"market": {"basis": {"vol_stressed_bp": vol_stressed_bp}}})
    margins, _ = margin_on_lookback(positions, cfg, None, None, 0)
    return margins.reduction_cme


def test_cme_raw_factor_of_the_basis_package_falls_with_stressed_basis_volatility():
    """Issue 12's acceptance: on the default look-back (synthetic, ``--seed`` default 0) CME's
    raw reduction factor for ``basis.yaml`` falls monotonically as the stressed basis
    volatility goes 0, 1, 2, 4 bp/day, and is below 0.80 (the XM cap, so the cap stops binding)
    at 4. Invariant behind it: the DV01-matched package's combined IM is mostly basis risk,
    which grows with the basis volatility, faster than the futures leg's outright IM."""
    factors = [_cme_factor(v) for v in (0.0, 1.0, 2.0, 4.0)]
    assert np.all(np.diff(factors) < 0), factors
    assert factors[-1] < 0.80


def test_exposures_put_futures_dv01_on_their_family_basis_column():
    """Sign convention of ``sim.market.basis``: futures P&L from the basis is -(futures DV01) x
    (basis change); with P&L = -exposure @ change the basis column is +futures DV01. The basis
    book: long $100m UST10Y (no basis), short 929 TN (10Y family)."""
    books = book_exposures([load_portfolio(BASIS_BOOK)])
    fut, cash = books.margin_legs()
    assert FAMILY_OF["TN"] == "10Y"
    np.testing.assert_array_equal(fut[0, N_KEY:], books.family[0])
    assert fut[0, TEN_YEAR_BASIS] == pytest.approx(fut[0, :N_KEY].sum())  # TN: all on the 10Y
    assert fut[0, TEN_YEAR_BASIS] < 0 and not cash[0, N_KEY:].any()
    change = np.zeros(N_KEY + F)
    change[TEN_YEAR_BASIS] = 1.0  # the basis rises 1bp: futures cheapen, the short gains
    assert -(fut @ change)[0] == pytest.approx(929 * 88.0, rel=0.02)


def test_causal_regimes_use_no_later_day():
    """No look-ahead: each day's label from the expanding-window rule is the same whether or
    not later days are in the history (here a calm year followed by a volatile month, which
    would raise a whole-sample percentile and relabel the past). By hand: the first 20 days
    have no full 21-day window and are calm; the volatile days (10x the moves) are stressed."""
    rng = np.random.default_rng(5)
    changes = rng.normal(0, 3, (300, N_KEY))
    changes[280:] *= 10
    labels = causal_stress_labels(changes)
    for k in (30, 150, 279):
        np.testing.assert_array_equal(causal_stress_labels(changes[:k]), labels[:k])
    assert not labels[:20].any() and labels[281:].all()


def _world(overrides: dict, seed: int) -> Run:
    config = build_config(deep_merge(TINY, {"population": {"n_end_users": 12}, **overrides}))
    run = Run(config, seed)
    build_world(run)
    return run


@pytest.mark.parametrize(
    "override",
    [
        {"xm": {"enabled": False}},
        {"market": {"basis": {"vol_stressed_bp": 4.0, "vol_calm_bp": 0.6}}},
        {"cme": {"sees_basis": True}, "ficc": {"sees_basis": True}},
    ],
    ids=["xm_off", "basis_vols", "sees_basis"],
)
def test_xm_and_basis_settings_change_no_yield_or_end_user_draw(override):
    """Common random numbers (DESIGN.md section 3): toggling XM, a basis parameter or a CCP's
    sight of the basis leaves the yield path, regimes, intraday marks, population and every end
    user's draws identical, and the yields are exactly what the ``market`` stream alone draws
    (the basis look-back's own stream takes nothing from it)."""
    seed = replication_seeds(20260430, 3)[1]
    a, b = _world({}, seed), _world(override, seed)
    for field in ("changes_bp", "regimes", "intraday_bp"):
        np.testing.assert_array_equal(getattr(a.market, field), getattr(b.market, field))
    assert a.population == b.population
    for user in a.population.users:
        draws_a = a.agents[user.user_id].rng.exponential(1.0, 5)
        np.testing.assert_array_equal(draws_a, b.agents[user.user_id].rng.exponential(1.0, 5))
    cfg, cal = a.config, a.config.calendar
    alone = closes(cfg.market, cal.business_days, cal.start, load_model(SHIPPED_MODEL),
                   Streams(seed).get("market"))  # fmt: skip
    np.testing.assert_array_equal(a.market.changes_bp, np.vstack([alone.back, alone.run]))


def test_basis_lookback_scales_with_its_volatilities_on_the_same_draws():
    """Same draws, other parameters: the basis is linear in its shocks (AR(1)), so doubling
    both regime volatilities doubles every look-back basis change exactly (up to rounding)."""
    seed = replication_seeds(7, 1)[0]
    a = _world({}, seed).market
    b = _world({"market": {"basis": {"vol_calm_bp": 0.6, "vol_stressed_bp": 4.0}}}, seed).market
    np.testing.assert_allclose(b.basis_back_bp, 2 * a.basis_back_bp, rtol=1e-12, atol=1e-12)
    assert a.basis_back_bp.shape == (a.lookback_days, F) and a.basis_back_bp.std() > 0
    assert "basis look-back simulated" in a.source


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"CROSSMARGIN_HISTORY": ""})
    assert result.exit_code == 0, result.output
    return result.output


def test_margin_and_backtest_print_the_seed_of_the_simulated_basis():
    """``--seed`` (default 0) is printed, in text and JSON, and the history says the basis is
    simulated."""
    assert "seed 0" in _cli("margin", str(BASIS_BOOK))
    record = json.loads(_cli("margin", str(BASIS_BOOK), "--seed", "3", "--json"))
    assert record["seed"] == 3 and "basis simulated" in record["history"]
    report = json.loads(_cli("backtest", "--seed", "4", "--json"))
    assert (
        report["seed"] == 4
        and "basis simulated from the basis model (seed 4)" in (report["history"])
    )


def test_on_a_real_history_the_seed_moves_only_the_basis(shared_history):
    """With a history file the yields are real: the seed changes CME's basis-seeing IM but not
    FICC's key-rate-only IM (``sees_basis`` false)."""
    runs = [
        json.loads(_cli("margin", str(BASIS_BOOK), "--history", str(shared_history), "--asof",
                        "2020-03-31", "--seed", seed, "--json"))
        for seed in ("1", "2")
    ]  # fmt: skip
    assert runs[0]["im_ficc"] == runs[1]["im_ficc"]
    assert runs[0]["im_cme"] != runs[1]["im_cme"]


def test_the_report_says_the_basis_lookback_is_simulated(builtin_output):
    """The report's market line (the runs' market sources) says where the basis came from."""
    report = (builtin_output("baseline") / "report.html").read_text(encoding="utf-8")
    assert "basis look-back simulated from the basis model" in report
