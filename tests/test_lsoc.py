"""LSOC at the CCPs and residual interest under CFTC 1.22(c) (issue 13 item 1, stage B).

CME alone (tests/fake_run.py, the hand-built market of tests/test_agent_ccp.py: IM $10,000 per
DV01 of 1,000 at the 5-year point, the run day +2 bp): firm ``f1``'s customer account holds
``eu1`` long futures (DV01 +1,000: loses $2,000) and ``eu3`` short (DV01 -1,000: gains $2,000),
each with its $10,000 IM posted. Netted, the account's 2,000,000 cents meet 2,000,000 of IM:
nothing moves. Under LSOC ``eu1`` is short 200,000 (its 800,000 against its 1,000,000) and
``eu3`` has 200,000 over: CME calls eu1's deficit and pays out eu3's excess.
"""

from __future__ import annotations

import math

import numpy as np
from fake_run import FakeRun, flat_market, make_book, make_ccp
from hypothesis import given, settings
from hypothesis import strategies as st
from test_agent_ccp import LOOKBACK, OVERRIDES, RUN_CLOSE
from test_segregation import AT, LOSS, _firm
from tiny import TINY_MODEL

from agents.ccp import Ccp
from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.messages import CycleStatement, MarginCall
from sim.records import PaymentRecord
from sim.run import Run
from sim.settlement.ledger import SECURITIES

SWING = 200_000  # cents: each customer's variation margin (2 bp x $1,000)


def _ccp(lsoc: bool) -> FakeRun:
    fake = FakeRun(
        {**OVERRIDES, "cme": {**OVERRIDES["cme"], "lsoc": lsoc}},
        market=flat_market(LOOKBACK, 1, {220: 10.0, 240: -10.0, 260: 2.0}),
    )
    fake.ledger.open("external", 0, math.inf)
    fake.ledger.open("firm:f1:seg")
    book = make_book(
        [("eu1", "f1", "customer", 1000.0, 0.0), ("eu3", "f1", "customer", -1000.0, 0.0)]
    )
    ccp = make_ccp(fake, "cme", book)
    ccp.open_with(np.array([10_000.0, 10_000.0]), np.array([10_000.0, 10_000.0]))
    ccp.start()
    fake.env.run(until=RUN_CLOSE + 1)
    return fake


def test_lsoc_calls_the_deficit_and_releases_the_excess():
    """LSOC: the call is eu1's deficit alone (200,000, IM part), the payout eu3's excess
    (200,000); the statement carries both per customer. Netted: no call, nothing paid out."""
    [st] = [s.message for s in _ccp(True).messages(CycleStatement)]
    assert (st.call.cash_cents, st.call.im_cents, st.payout_cents) == (0, SWING, SWING)
    assert (st.deficits, st.excesses) == ((SWING, 0), (0, SWING))
    [net] = [s.message for s in _ccp(False).messages(CycleStatement)]
    assert (net.call, net.payout_cents, net.deficits) == (None, 0, ())


def test_prefunding_under_lsoc_is_the_short_customers_deficit():
    """The firm of tests/test_segregation.py (u1 with its 500,000 add-on, u2 with nothing at
    the firm) gets CME's LSOC statement: u2 short LOSS at the CCP, u1 with SWING over. The CCP
    calls u2's deficit only, the firm splits it as the CCP did and pre-funds exactly LOSS;
    u1's sub-account keeps its 500,000."""
    fake, firm = _firm("per_customer")
    call = MarginCall(
        "C1", "ccp", "cme", "intraday", "f1", "cme", "customer", LOSS, 0, AT, AT + 60, AT + 120
    )
    fake.calls.issue(call)
    statement = CycleStatement(
        "Y1", "cme", "intraday", "f1", "customer", 0, ("u1", "u2"), (1_000_000, 1_000_000),
        (SWING, -LOSS), call, SWING, (0, LOSS), (SWING, 0),
    )  # fmt: skip
    firm.receive(statement)
    fake.env.run(until=AT + 40)
    prefunded = [p for p in fake.recorder.of(PaymentRecord) if p.purpose == "prefund"]
    assert sum(p.amount_cents for p in prefunded) == LOSS
    assert fake.ledger.balance("firm:f1:4d:u1") == 500_000
    assert firm.treasury.parts == {}  # the call's parts were used


def test_residual_interest_under_cftc_1_22c_waits_for_18_00_next_business_day():
    """A customer call with no CCP call behind it (u2 lost LOSS, nothing advanced): issued Fri
    1 May 12:00, so its deficit is due for cover at the 18:00 check of the next business day,
    Mon 4 May (minute 4320 + 1080 = 5400), not at Friday's 18:00 check; from then on residual
    interest holds LOSS. Under ``immediate`` it holds LOSS as soon as the call is issued."""
    residual = "firm:f1:4d:residual"
    for deadline, before in (("cftc_1_22c", 0), ("immediate", LOSS)):
        fake, firm = _firm("per_customer", deadline)
        statement = CycleStatement(
            "Y1", "cme", "intraday", "f1", "customer", 0, ("u1", "u2"), (1_000_000, 1_000_000),
            (0, -LOSS), None, 0,
        )  # fmt: skip
        fake.env.run(until=AT)
        firm.receive(statement)
        fake.env.run(until=5399.0)
        assert fake.ledger.balance(residual) == before, deadline
        fake.env.run(until=5401.0)
        assert fake.ledger.balance(residual) == LOSS, deadline


def _lsoc_run(seed: int) -> Run:
    config = build_config(deep_merge(TINY_MODEL, {"firms": {"segregation": "per_customer"}}))
    the_run = Run(config, seed)
    build_world(the_run)
    the_run.env.run()
    return the_run


@settings(max_examples=3, deadline=None)
@given(st.integers(0, 10_000))
def test_a_small_lsoc_run_keeps_customers_apart(seed):
    """Invariant on the tiny world (per customer and LSOC, the defaults) for random seeds: the
    run ends (the ledger rule would raise LedgerError had one customer's sub-account paid for
    another), cash and securities are conserved, and at each CCP the customers' attributed
    collateral sums to what the commingled customer account holds."""
    the_run = _lsoc_run(seed)
    assert the_run.ledger.conserved()
    for ccp in (a for a in the_run.agents.values() if isinstance(a, Ccp)):
        for name, state in ccp.accounts.state.items():
            if ":house" in name:
                continue
            assert (state.outstanding, state.pending_vm, state.pending_release) == (0, 0, 0)
            held = the_run.ledger.balance(name), the_run.ledger.balance(name, SECURITIES)
            assert ccp.accounts.lsoc.totals(name) == held, name
