"""The cleared repo's money at its rolls (``agents.worlds.repo``): the haircut change moves
between the user and its sponsor, the term's net carry is settled (coupon from ``external``,
repo interest to the sponsor), cash is conserved, and a user who cannot fund a haircut increase
rolls for less and never overdraws."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.config.repo import RepoConfig
from sim.metrics.operations import repo_rows
from sim.population.legs import coupon_accrual_usd, repo_carry_usd, repo_interest_usd
from sim.run import Run
from sim.settlement.ledger import CASH

FUND, SPONSOR = "eu00001", "bd_fcm01"  # the tiny world's hedge fund: $99,164,000 of UST10Y


def test_net_carry_by_hand():
    """$10m par 10Y note at 4.10%, 2% haircut, SOFR 4.00% + 5bp, 3 calendar days, act/360:
    coupon 1e7 x 0.041 x 3/360 = 3,416.67; interest 9.8e6 x 0.0405 x 3/360 = 3,307.50; net
    109.17 (per day 36.39)."""
    repo = RepoConfig(rate_spread_bp=5.0)
    assert coupon_accrual_usd(1e7, 4.10, 3) == pytest.approx(3416.6667, abs=1e-4)
    assert repo_interest_usd(1e7, 0.02, 4.00, repo, 3) == pytest.approx(3307.50, abs=1e-9)
    assert repo_carry_usd(1e7, 4.10, 0.02, 4.00, repo, 3) == pytest.approx(109.1667, abs=1e-4)
    both = repo_carry_usd(np.array([1e7, 2e7]), 4.10, 0.02, 4.00, repo, np.array([3, 1]))
    np.testing.assert_allclose(both, [109.1667, 72.7778], atol=1e-4)  # vectorised
    assert coupon_accrual_usd(1e7, -0.5, 3) == 0.0  # a par coupon is never negative


def _repo_run(regimes: list[int], **types) -> Run:
    """The tiny world under ``cleared_repo`` (overnight repo, 2% calm, 5% stressed, 5bp, each
    roll at the day's regime: ``haircut_relax_days`` 0) with the regimes of the day before the
    run and its three days replaced by ``regimes``."""
    repo = {
        "term_business_days": 1,
        "haircut_calm": 0.02,
        "haircut_stressed": 0.05,
        "haircut_relax_days": 0,
    }
    population = {**TINY["population"], "ficc_leg": "cleared_repo", "repo": repo}
    if types:
        population["types"] = {**population["types"], "hedge_fund": types}
    the_run = Run(build_config(deep_merge(TINY, {"population": population})), TINY_SEED)
    market = the_run.market
    marked = np.array(market.regimes)
    marked[market.lookback_days - 1 : market.lookback_days + 3] = regimes
    the_run.market = dataclasses.replace(market, regimes=marked)
    return the_run


def _unfunded_run() -> Run:
    """Built ``_repo_run([0, 1, 1, 1])`` where the fund has no credit line and $1m of cash (the
    rest moved to ``external``, so the ledger's total is unchanged)."""
    the_run = _repo_run([0, 1, 1, 1])
    build_world(the_run)
    fund, ledger = the_run.agents[FUND], the_run.ledger
    ledger.set_limit(fund.cash, 0)
    ledger.transfer(fund.cash, "external", ledger.balance(fund.cash) - 100_000_000)
    return the_run


def _finish(the_run: Run) -> dict:
    the_run.env.run()
    the_run.check_invariants()
    return the_run.recorder.finish()


def _built_and_run(regimes: list[int], days: tuple[int, ...]) -> tuple[dict, list[float]]:
    """The tables of ``_repo_run(regimes)`` and the minutes of 08:30 on ``days``."""
    the_run = _repo_run(regimes)
    build_world(the_run)
    return _finish(the_run), [the_run.calendar.at(d, "08:30") for d in days]


def _repo_payments(tables: dict, day_min: float):
    pay = tables["payments"]
    return pay[pay["purpose"].str.startswith("repo") & (pay["settled_min"] == day_min)]


def test_one_roll_moves_the_haircut_and_the_net_carry_by_hand():
    """Hand numbers, the tiny world's hedge fund (eu00001, $99,164,000 of UST10Y financed in
    overnight repo at bd_fcm01), calm before the run and on Friday 1 May, stressed on Monday 4
    May, calm on Tuesday 5 May.

    Monday's roll (08:30) settles the term Fri 1 -> Mon 4 May, 3 calendar days, at the rates of
    the close before it started (the start curve: 10Y 4.10%, 3M 4.00% as SOFR, + 5bp = 4.05%)
    and the 2% haircut in force: coupon 99,164,000 x 0.041 x 3/360 = 33,881.03 from external;
    interest 99,164,000 x 0.98 x 0.0405 x 3/360 = 32,798.49 to the sponsor; net carry
    +1,082.54. Then the haircut goes 2% -> 5%: the fund pays 99,164,000 x 0.03 = 2,974,920.00
    to bd_fcm01's own cash. Tuesday's roll (calm again) returns the 2,974,920.00."""
    tables, (monday, tuesday) = _built_and_run([0, 0, 1, 0], days=(1, 2))
    paid = _repo_payments(tables, monday).set_index("purpose")
    assert paid.loc["repo_coupon", ["payer", "payee"]].tolist() == ["external", FUND]
    assert paid.loc["repo_coupon", "amount_usd"] == 33_881.03
    assert paid.loc["repo_interest", ["payer", "payee"]].tolist() == [FUND, SPONSOR]
    assert paid.loc["repo_interest", "amount_usd"] == 32_798.49
    assert paid.loc["repo_haircut", ["payer", "payee"]].tolist() == [FUND, SPONSOR]
    assert paid.loc["repo_haircut", "dst_account"] == f"firm:{SPONSOR}:cash"
    assert paid.loc["repo_haircut", "amount_usd"] == 2_974_920.00
    back = _repo_payments(tables, tuesday).set_index("purpose").loc["repo_haircut"]
    assert [back["payer"], back["payee"], back["amount_usd"]] == [SPONSOR, FUND, 2_974_920.00]
    events = tables["events"]
    mine = events[(events["entity"] == FUND) & (events["date_index"] == 1)].set_index("kind")
    assert mine.loc["repo_carry", "amount_usd"] == 1_082.54
    rolled = mine.loc["repo_roll", ["amount_usd", "scale", "face_usd"]].tolist()
    assert rolled == [2_974_920.00, 0.05, 99_164_000.0]
    assert not (events["kind"] == "deleverage_sale").any()


def test_cash_is_conserved_across_the_ledger():
    """Invariant: the sum of every account's cash, ``external`` included, is the same after
    the run as after the build, though repo money moved (the test is not vacuous)."""
    the_run = _repo_run([0, 1, 1, 0])
    build_world(the_run)
    before = the_run.ledger.total(CASH)
    tables = _finish(the_run)
    assert the_run.ledger.total(CASH) == before == the_run.ledger.endowed(CASH)
    assert the_run.ledger.conserved() and not the_run.ledger.below_limit()
    purposes = set(tables["payments"]["purpose"])
    assert {"repo_coupon", "repo_interest", "repo_haircut"} <= purposes


def test_a_user_who_cannot_fund_the_haircut_sells_and_never_overdraws():
    """The fund has no credit line and $1m of cash when the haircut goes 2% -> 5% at Friday's
    first roll: it owes 99,164,000 x 0.03 = 2,974,920.00 but has $1m plus the night's net carry
    (F), so it rolls for less: it sells 1 - F / 2,974,920 of both legs (about 66%, logged
    ``deleverage_sale``, ref ``repo_roll``), pays the 3% on the face left (= F to the cent) and
    its cash never falls below 0."""
    the_run = _unfunded_run()
    fund, ledger = the_run.agents[FUND], the_run.ledger
    tables = _finish(the_run)
    events = tables["events"]
    at = the_run.calendar.at(0, "08:30")
    first = events[(events["entity"] == FUND) & (events["time_min"] == at)].set_index("kind")
    free = 1_000_000 + first.loc["repo_carry", "amount_usd"]
    sale = first.loc["deleverage_sale"]
    assert sale["ref"] == "repo_roll"
    assert sale["scale"] == pytest.approx(1 - free / 2_974_920.00, abs=1e-12)
    roll = first.loc["repo_roll"]
    assert roll["face_usd"] == pytest.approx(99_164_000 * free / 2_974_920.00)
    assert roll["amount_usd"] == pytest.approx(free, abs=0.01) and roll["amount_usd"] <= free
    balances = tables["balances_daily"]
    assert (balances.loc[balances["account"] == fund.cash, "cash_usd"] >= 0).all()
    assert ledger.balance(fund.cash) >= 0 and fund.cash_face < 99_164_000 / 2


def test_dates_and_par_yields_before_the_run():
    """The business day before Friday 1 May 2026 is Thursday 30 April; the close before the
    run is the start curve, each later close moves by that day's changes (bp / 100)."""
    the_run = _repo_run([0, 0, 0, 0])
    cal, market = the_run.calendar, the_run.market
    assert cal.date_back(-1) == dt.date(2026, 4, 30) and cal.date_back(0) == dt.date(2026, 5, 1)
    assert cal.date_back(-5) == dt.date(2026, 4, 24)
    curves = market.par_yields_pct(np.array([-2, -1, 0]))
    lb = market.lookback_days
    np.testing.assert_allclose(curves[1], market.start_curve_pct)
    np.testing.assert_allclose(curves[2], market.start_curve_pct + market.changes_bp[lb] / 100)
    np.testing.assert_allclose(curves[0], market.start_curve_pct - market.changes_bp[lb - 1] / 100)


def test_the_repo_metrics_sum_the_roll_events():
    """The run's repo metrics are the sums of its roll events (the sale at the first roll of
    the unfunded user above is the face sold at rolls)."""
    events = _finish(_unfunded_run())["events"]
    rows = {name: value for name, _, value in repo_rows(events)}
    rolls = events[events["kind"] == "repo_roll"]
    assert rows["repo_haircut_paid_usd"] == pytest.approx(rolls["amount_usd"].sum())
    assert rows["repo_haircut_paid_usd"] > 0 and rows["repo_carry_usd"] != 0
    sales = events[(events["kind"] == "deleverage_sale") & (events["ref"] == "repo_roll")]
    assert rows["repo_deleveraged_face_usd"] == pytest.approx(sales["face_usd"].sum())
    assert rows["repo_deleveraged_face_usd"] > 0
