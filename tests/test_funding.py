"""End users' funding (sim/config/funding.py, agents/fund_funding.py, the clearing world).

Alone (tests/fake_run.py; business day 0 is Fri 1 May, 1 Mon 4 May, 2 Tue 5 May, 3 Wed 6 May;
lenders and investors act at the 16:00 ET review): a hedge fund ``u1`` holds 1,000,000 cents of
cash with a committed line of 300,000 and an uncommitted line of 200,000 (ledger limit 500,000).
In a run (the tiny world of tests/tiny.py): the buffers on the scenario's own IM, and a replay
without a history file, which forces every run day into the stressed regime
(sim/market/sources.py).
"""

from __future__ import annotations

import math

import pytest
from fake_run import FakeRun, flat_market, make_end_user
from tiny import TINY, TINY_SEED

from agents.fund_funding import FundedUser, FundFunding, funded_user
from agents.worlds.clearing import build_world, make_ccps, opening_margin
from sim.config import build_config, deep_merge
from sim.market.sources import STRESSED
from sim.run import Run, run
from sim.settlement.ledger import to_cents

CASH, COMMITTED, UNCOMMITTED = 1_000_000, 300_000, 200_000
ACCOUNT = "eu:u1:cash"


def world(stressed: list[int], moves: dict[int, float] | None = None, **funding) -> FakeRun:
    """A fake run of 4 business days whose run days ``stressed`` are in the stressed regime
    and whose 5-year rate moves by ``moves`` (run day -> bp), with ``funding`` overrides."""
    lookback = 5
    market = flat_market(lookback, 4, {lookback + d: bp for d, bp in (moves or {}).items()})
    market.regimes[[lookback + d for d in stressed]] = STRESSED
    fake = FakeRun({"calendar": {"business_days": 4}, "funding": funding}, market=market)
    fake.ledger.open("external", 0, math.inf)
    return fake


def start(fake: FakeRun, redemption: int = 0, cash: int = CASH) -> FundedUser:
    user = make_end_user(fake, "hedge_fund", (cash, COMMITTED + UNCOMMITTED, 0))
    funded = FundedUser(user, COMMITTED, UNCOMMITTED, redemption)
    FundFunding(fake, [funded]).start()
    return funded


def test_uncommitted_line_is_cut_on_the_first_stressed_day_and_not_before():
    """Days 2 and 3 stressed: the limit stays 500,000 until Tue 16:00, then falls to the
    committed 300,000 (200,000 withdrawn, hand number); day 3 cuts nothing more."""
    fake = world([2, 3])
    start(fake)
    fake.env.run(until=fake.at(2, "15:59"))
    assert fake.ledger.limit(ACCOUNT) == COMMITTED + UNCOMMITTED
    assert not fake.events("credit_line_cut")
    fake.env.run()
    assert fake.ledger.limit(ACCOUNT) == COMMITTED
    (cut,) = fake.events("credit_line_cut")
    assert (cut.time_min, cut.amount_cents, cut.date_index) == (fake.at(2, "16:00"), 200_000, 2)


def test_a_cut_leaves_what_is_drawn_lent():
    """The user has paid 1,400,000 out of 1,000,000 cash: 400,000 drawn, more than the
    committed 300,000, so the limit falls to 400,000 only (100,000 withdrawn)."""
    fake = world([0])
    start(fake)
    fake.ledger.transfer(ACCOUNT, "external", 1_400_000)
    fake.env.run()
    assert fake.ledger.limit(ACCOUNT) == 400_000
    assert fake.events("credit_line_cut")[0].amount_cents == 100_000
    assert not fake.ledger.below_limit()


def test_a_yield_move_trigger_cuts_on_the_day_the_move_reaches_the_threshold():
    """cut_on yield_move at 15bp: 14.9bp on day 0 does not cut, -15bp on day 1 does; regimes
    all calm."""
    fake = world([], {0: 14.9, 1: -15.0}, cut_on="yield_move", cut_move_bp=15.0)
    start(fake)
    fake.env.run()
    assert [e.date_index for e in fake.events("credit_line_cut")] == [1]


def test_redemptions_pay_rate_times_base_a_day_after_each_stressed_day_and_conserve_cash():
    """Hedge fund, cash buffer 1.3 x its IM of $10,000 = $13,000; a rate of 1% a stressed day
    redeems 13,000 cents (hand number: 0.01 x 1,300,000). Days 1 and 2 stressed, lag 1: paid
    at 16:00 on days 2 and 3, 26,000 cents to external; the ledger total is unchanged
    (invariant)."""
    fake = world([1, 2], redemption_lag_days=1)
    kind = fake.config.population.types["hedge_fund"].model_copy(
        update={"redemption_rate_daily": 0.01}
    )
    user = make_end_user(fake, "hedge_fund", (1_300_000, 0, 0))
    funded = funded_user(fake, user, kind, 10_000.0, 10_000.0)
    assert funded.redemption_cents == 13_000
    total = fake.ledger.total()
    FundFunding(fake, [funded]).start()
    fake.env.run()
    paid = fake.events("redemption")
    assert [(e.date_index, e.amount_cents) for e in paid] == [(2, 13_000), (3, 13_000)]
    assert fake.ledger.balance(ACCOUNT) == 1_300_000 - 26_000
    assert fake.ledger.balance("external") == 26_000
    assert fake.ledger.total() == total and fake.ledger.conserved()


def test_a_redemption_pays_only_free_cash_never_credit_and_logs_the_rest():
    """Cash 20,000 cents, redemption 13,000 a day on days 1 and 2 (days 0 and 1 stressed, lag
    1): day 1 pays 13,000, day 2 the 7,000 left and logs 6,000 unpaid; the 500,000 of credit is
    not drawn."""
    fake = world([0, 1])
    start(fake, redemption=13_000, cash=20_000)
    fake.env.run()
    assert [e.amount_cents for e in fake.events("redemption")] == [13_000, 7_000]
    (short,) = fake.events("redemption_shortfall")
    assert (short.amount_cents, short.date_index) == (6_000, 2)
    assert fake.ledger.balance(ACCOUNT) == 0


def opening_cash(overrides: dict) -> dict[str, int]:
    """Opening cash (cents) of each end user of the tiny world with ``overrides``."""
    the_run = Run(build_config(deep_merge(TINY, overrides)), TINY_SEED)
    build_world(the_run)
    users = [u.user_id for u in the_run.population.users]
    return {u: the_run.ledger.balance(f"eu:{u}:cash") for u in users}


def test_scenario_basis_sizes_cash_on_the_xm_im():
    """Tiny world, XM on: the XM hedge fund eu00001's cash is 1.3 x its opening XM IM (CME +
    FICC after the reduction) with ``buffer_basis: scenario`` and 1.3 x its standalone IM with
    ``standalone``; the asset manager eu00002 (no XM account) has the same cash either way."""
    probe = Run(build_config(TINY), TINY_SEED)
    ccps = make_ccps(probe)
    im = opening_margin(ccps["cme"], ccps["ficc"], probe)
    xm_im, sa_im = im["cme"][0] + im["ficc"][0], im["sa_cme"][0] + im["sa_ficc"][0]
    assert xm_im < sa_im
    scenario = opening_cash({"funding": {"buffer_basis": "scenario"}})
    standalone = opening_cash({})
    assert scenario["eu00001"] == to_cents(1.3 * xm_im)
    assert standalone["eu00001"] == to_cents(1.3 * sa_im)
    assert scenario["eu00002"] == standalone["eu00002"]


STRESS = {
    "market": {"replay_from": "2026-05-01"},
    "population": {
        "types": {
            "hedge_fund": {"uncommitted_line_multiple": 0.5, "redemption_rate_daily": 0.02},
        }
    },
}


def test_a_forced_stress_run_cuts_lines_on_day_0_pays_redemptions_and_reports_them():
    """Every run day stressed: the hedge funds' lines are cut at Fri 16:00 (day 0), their
    redemptions paid on days 1 and 2 (lag 1); the run's invariants hold (cash conserved, no
    account beyond its limit) and the metrics equal the events' sums."""
    result = run(build_config(deep_merge(TINY, STRESS)), TINY_SEED, build_world)
    events = result.tables["events"]
    cuts = events[events["kind"] == "credit_line_cut"]
    paid = events[events["kind"] == "redemption"]
    assert len(cuts) and set(cuts["date_index"]) == {0}
    assert set(paid["date_index"]) == {1, 2}
    metrics = result.metrics.set_index("metric")["value"]
    assert metrics["credit_lines_cut_usd"] == pytest.approx(cuts["amount_usd"].sum())
    assert metrics["redemptions_usd"] == pytest.approx(paid["amount_usd"].sum())
    assert metrics["redemptions_usd"] > 0


def test_legacy_defaults_start_no_funding_process_and_emit_no_funding_metrics():
    result = run(build_config(TINY), TINY_SEED, build_world)
    assert "credit_lines_cut_usd" not in set(result.metrics["metric"])
    assert not result.tables["events"]["kind"].isin(["credit_line_cut", "redemption"]).any()
