"""CCP liquidity resources and the Cover-1 check (agents/ccp_liquidity.py,
sim/metrics/ccp_liquidity.py), and firms' capital against their minimum (sim/metrics/capital.py).

The facility tests use the tiny world of tests/tiny.py (3 end users: population scale 3 / 2,700,
``sim.population.sizing``) with CME's facility set to $9bn at scale 1, so $10m in the run
(9e9 x 3 / 2,700), and needs built by hand on CME's real member accounts.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from tiny import TINY, TINY_SEED

from agents.base import Agent
from agents.ccp_liquidity import CcpLiquidity
from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.messages import MarginCall, PaymentSettled
from sim.metrics.capital import capital_rows, capital_table, firm_bases, minimum_capital
from sim.metrics.ccp_liquidity import cover1_ratio, cover1_rows, largest_member_need
from sim.run import Run
from sim.settlement.ledger import CASH

FACILITY_CENTS = 1_000_000_000  # $9bn x 3 / 2,700 = $10m


def tiny_cme(finite: bool) -> tuple[Run, object]:
    """The tiny world built (not run) with CME's facility $9bn at scale 1; its CME agent."""
    liquidity = {"finite": finite, "facility_usd": 9e9}
    the_run = Run(build_config(deep_merge(TINY, {"cme": {"liquidity": liquidity}})), TINY_SEED)
    build_world(the_run)
    return the_run, the_run.agents["cme"]


def events(the_run: Run, kind: str) -> pd.DataFrame:
    frame = the_run.recorder.finish()["events"]
    return frame[frame["kind"] == kind]


def test_facility_is_the_scale_share_of_the_real_one():
    the_run, cme = tiny_cme(finite=True)
    assert cme.liquidity.limit == FACILITY_CENTS
    assert the_run.ledger.limit("ccp:cme:liquidity") == FACILITY_CENTS


def test_a_vm_loss_beyond_cash_and_facility_is_a_recorded_shortfall():
    """A member account with cash C must pay a VM loss of C + $12m: C from the account, $10m
    from the facility (all of it), $2m uncovered, recorded; cash conserved; the run goes on."""
    the_run, cme = tiny_cme(finite=True)
    name = "ccp:cme:bd_fcm01:customer_xm"
    cash = the_run.ledger.balance(name)
    cme.accounts.book_vm(name, -(cash + 1_200_000_000))
    (short,) = events(the_run, "ccp_liquidity_shortfall").itertuples()
    assert (short.entity, short.ref, short.amount_usd, short.mode) == (
        "cme",
        name,
        2_000_000.0,
        "vm_advance",
    )
    assert the_run.ledger.balance("ccp:cme:liquidity") == -FACILITY_CENTS
    assert the_run.ledger.balance("ccp:cme:liquidity_uncovered") == -200_000_000
    assert the_run.ledger.balance(name) == 0 and the_run.ledger.conserved()


def test_a_need_inside_the_facility_or_unlimited_is_no_shortfall():
    for finite, need in ((True, FACILITY_CENTS), (False, 10 * FACILITY_CENTS)):
        the_run, cme = tiny_cme(finite)
        name = "ccp:cme:bd_fcm01:customer_xm"
        cme.accounts.book_vm(name, -(the_run.ledger.balance(name) + need))
        assert events(the_run, "ccp_liquidity_shortfall").empty
        assert the_run.ledger.balance("ccp:cme:liquidity") == -need


def defaulted_call(cash_cents: int) -> MarginCall:
    return MarginCall(
        "C1", "ccp", "cme", "eod", "fcm01", "cme", "customer", cash_cents, 5_000, 0.0, 1.0, 2.0
    )


def test_a_defaulted_calls_cash_vm_is_drawn_and_beyond_the_facility_recorded():
    """Finite: a defaulted call owing $12m of VM in cash (and IM, which is no payment) is paid
    out from the facility, $2m beyond it recorded; unlimited: nothing moves, as before."""
    the_run, cme = tiny_cme(finite=True)
    cme.liquidity.cover_default(defaulted_call(1_200_000_000))
    (funded,) = events(the_run, "ccp_default_funding").itertuples()
    assert (funded.ref, funded.counterparty, funded.amount_usd) == ("C1", "fcm01", 12e6)
    (short,) = events(the_run, "ccp_liquidity_shortfall").itertuples()
    assert (short.amount_usd, short.mode) == (2e6, "default_vm")
    legacy, cme = tiny_cme(finite=False)
    cme.liquidity.cover_default(defaulted_call(1_200_000_000))
    assert legacy.ledger.balance("ccp:cme:liquidity") == 0
    assert events(legacy, "ccp_default_funding").empty


def test_only_the_unpaid_vm_of_a_call_ended_at_the_declaration_is_drawn():
    """A call owing $12m of VM in cash ends at its payer's default declaration; $5m of cash
    (no Treasuries) then reaches CME and stays in the account: at the final deadline the
    facility pays out only the $7m still unpaid (12 - 5), inside the $10m facility; a full
    payment ($12m VM + $50 IM) leaves nothing to draw."""
    for paid, drawn in ((500_000_000, 700_000_000), (1_200_005_000, 0)):
        the_run, cme = tiny_cme(finite=True)
        call = defaulted_call(1_200_000_000)
        the_run.calls.issue(call)
        the_run.calls.declare_default(call.call_id, 0.0)
        name = "ccp:cme:fcm01:customer"
        before = the_run.ledger.balance(name)
        the_run.ledger.transfer("external", name, paid)  # the late payment's cash
        cme.on_payment(PaymentSettled("P1", "C1", "fcm01", "cme", CASH, paid, paid, 1.5))
        cme.liquidity.cover_default(call)
        assert the_run.ledger.balance("ccp:cme:liquidity") == -drawn
        assert the_run.ledger.balance(name) == before + paid  # it stays as margin
        funded = events(the_run, "ccp_default_funding")
        assert funded["amount_usd"].tolist() == ([drawn / 100] if drawn else [])


def call_table() -> pd.DataFrame:
    """CME calls on firms A and B (one family F) and C, FICC's on C; minutes: day 0 is 0-1439."""
    rows = [  # ccp, payer, amount (dollars), due minute
        ("cme", "A", 40.0, 500.0),
        ("cme", "B", 30.0, 900.0),  # A + B due day 0: 70
        ("cme", "A", 50.0, 1_500.0),  # day 1: 50
        ("cme", "C", 60.0, 600.0),
        ("cme", "C", 5.0, 1_000.0),  # C day 0: 65
        ("ficc", "C", 90.0, 2_000.0),
    ]
    frame = pd.DataFrame(rows, columns=["ccp", "payer", "amount_usd", "due_min"])
    customer = frame.assign(level="customer", amount_usd=1e9)  # customer calls do not count
    return pd.concat([frame.assign(level="ccp"), customer], ignore_index=True)


def test_cover1_by_hand():
    """By hand: CME's largest family-day is F (A + B) on day 0, 40 + 30 = 70 (above C's 65 and
    A's 50 on day 1); FICC's C's 90. Affiliates apart, CME's largest is C's 65. Resources 140 at
    CME: ratio 2; unlimited FICC: NaN."""
    families = {"A": "F", "B": "F", "C": ""}
    assert largest_member_need(call_table(), families) == {"cme": 70.0, "ficc": 90.0}
    assert largest_member_need(call_table(), {})["cme"] == 65.0
    rows = cover1_rows(call_table(), families, {"cme": 140.0, "ficc": math.inf})
    got = {(m, c): v for m, c, v in rows}
    assert got[("ccp_cover1_liquidity_ratio", "cme")] == pytest.approx(2.0)
    assert math.isnan(got[("ccp_cover1_liquidity_ratio", "ficc")])
    assert math.isnan(got[("ccp_liquid_resources_usd", "ficc")])
    assert math.isnan(cover1_ratio(50.0, 0.0))  # no need: no ratio


def test_minimum_capital_by_hand():
    """CFTC 1.17: 8% of a $50m risk margin is $4m; of $10m, $0.8m, below the $1m floor. SEC
    15c3-1 alternative standard: 2% of $100m of debits is $2m; of $5m, $0.1m, below the $250,000
    floor. A BD-FCM needs the greater."""
    assert minimum_capital("fcm", 50e6, 0.0) == pytest.approx(4e6)
    assert minimum_capital("fcm", 10e6, 1e12) == 1e6
    assert minimum_capital("bd", 1e12, 100e6) == pytest.approx(2e6)
    assert minimum_capital("bd", 0.0, 5e6) == 250_000.0
    assert minimum_capital("bd_fcm", 50e6, 100e6) == pytest.approx(4e6)
    assert minimum_capital("bd_fcm", 10e6, 100e6) == pytest.approx(2e6)


def capital_rows_of_day(day: int, u1_im: float) -> list[tuple]:
    """One close's end-user rows of ``test_capital_breach_by_hand`` (and a house row)."""
    return [
        (day, "u1", "cme", "customer", u1_im), (day, "u2", "cme", "customer_xm", 20e6),
        (day, "u2", "ficc", "customer_xm", 30e6), (day, "u3", "ficc", "customer", 500e6),
        (day, "X", "ficc", "house", 1e12),  # a house account never counts
    ]  # fmt: skip


def capital_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The accounts, relationships and firms of ``test_capital_breach_by_hand``."""
    daily = pd.DataFrame(
        capital_rows_of_day(0, 100e6) + capital_rows_of_day(1, 200e6),
        columns=["date_index", "entity", "ccp", "account", "im_usd"],
    )
    rel = pd.DataFrame(
        [("u1", "futures", "X"), ("u2", "futures", "X"), ("u2", "cash", "X"), ("u3", "cash", "X")],
        columns=["user", "leg", "firm"],
    )
    firms = pd.DataFrame({"firm": ["X", "Y"], "kind": ["bd_fcm", "fcm"], "size_weight": [3.0, 1.0]})
    return daily, rel, firms


def test_capital_breach_by_hand():
    """Firm X (BD-FCM, size weight 3) clears u1's futures (CME customer, IM $100m) and both legs
    of u2 (customer XM: CME $20m, FICC $30m) and u3's cash (FICC customer, $500m); firm Y (FCM,
    weight 1) has no customers. Risk margin of X: 100 + 20 + 30 = $150m -> 8% = $12m; debits
    $500m -> 2% = $10m; X needs $12m. Capital $8m per average firm (mean weight 2): X $12m, Y
    $4m against its $1m floor. On day 1 u1's IM doubles: X's risk margin $250m needs $20m >
    $12m, one breach of ratio 20/12."""
    daily, rel, firms = capital_inputs()
    table = capital_table(firm_bases(daily, rel), firms, 8e6)
    x0 = table[(table["firm"] == "X") & (table["date_index"] == 0)].iloc[0]
    assert (x0["risk_margin_usd"], x0["debit_items_usd"]) == (150e6, 500e6)
    assert x0["required_usd"] == pytest.approx(12e6) and x0["capital_usd"] == 12e6
    assert table.loc[table["firm"] == "Y", "required_usd"].tolist() == [1e6, 1e6]
    got = {m: v for m, _, v in capital_rows(table)}
    assert (got["firm_capital_breach_days"], got["firm_capital_breach_firms"]) == (1.0, 1.0)
    assert got["firm_capital_ratio_max"] == pytest.approx(20 / 12)


def late_call(call_id: str, cash_usd: float, due: float) -> MarginCall:
    return MarginCall(
        call_id, "ccp", "cme", "eod", "fcm01", "cme", "customer", round(cash_usd * 100), 0,
        0.0, due, 100.0,
    )  # fmt: skip


def test_late_calls_bridged_beyond_the_facility_are_recorded():
    """Facility $10m. C1 ($8m cash VM, due minute 1) is paid at minute 5; C2 ($3m, due 2) and
    C3 ($3m, due 6) are not paid. At minute 2 the CCP bridges 8 + 3 = $11m: $1m beyond the
    facility, recorded against C2; at minute 6 C1 is paid, so it bridges 3 + 3 = $6m: none."""
    cfg = build_config(
        deep_merge(TINY, {"cme": {"liquidity": {"finite": True, "facility_usd": 9e9}}})
    )
    the_run = Run(cfg, TINY_SEED)
    liquidity = CcpLiquidity(the_run, Agent(the_run, "cme"), cfg.cme.liquidity)
    env = the_run.env
    paid = {c: env.event() for c in ("C1", "C2", "C3")}
    for call in (late_call("C1", 8e6, 1.0), late_call("C2", 3e6, 2.0), late_call("C3", 3e6, 6.0)):
        env.process(liquidity.bridge(call, paid[call.call_id], call.due_min))
    env.run(until=5.0)
    paid["C1"].succeed()
    env.run(until=50.0)
    short = events(the_run, "ccp_liquidity_shortfall")
    assert list(zip(short["ref"], short["amount_usd"], short["mode"], strict=True)) == [
        ("C2", 1e6, "late_vm")
    ]
    assert liquidity.bridging == 6 * 10**8  # C2 and C3, until their final deadlines
