"""CME's pay-out an hour after collection, and the intraday liquidity gap it opens (issue 13).

The fake world (tests/fake_run.py) is the CME end-of-day cycle of tests/test_agent_ccp.py: plain
historical VaR over 60 daily changes, 1-day horizon, 99%, so IM = 10 bp x |DV01| (the worst
look-back move, +/-10 bp), and the 5-year rate rises 2 bp at the Friday close. One firm ``f1``
with two accounts at CME, positions at the 5-year point (DV01 in dollars per bp):

- ``customer``: ``eu1`` long futures, DV01 +1,500. IM $15,000 posted in cash (1,500,000 cents);
  the close loses 2 x 1,500 = $3,000, so the cash left, 1,200,000, is 300,000 short of the IM:
  a call of 300,000 cents, due Monday 08:30 (minute 4320 + 510 = 4830).
- ``house``: the firm's own short futures, DV01 -1,000. IM $10,000 posted (1,000,000 cents); the
  close gains $2,000, so 200,000 cents of excess are paid out to ``firm:f1:cash`` at CME's
  pay-out time, Monday 09:30 (4890; ``cme.cycles.eod.payout_clock``), not at the 08:30
  collection.

The firm pays the call at 08:00 (4800) from its own cash. From 08:00 to 09:30 it has paid
300,000 to the settlement and is owed 200,000 back: the gap is min(300,000, 200,000) = 200,000
cents, $2,000; at 09:30 it closes. The firm's net is -100,000 cents throughout after 09:30.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from fake_run import FakeRun, flat_market, make_book, make_ccp
from test_agent_ccp import OVERRIDES as CCP_OVERRIDES

from agents.base import Agent
from sim.calendar import SimCalendar
from sim.config import build_config
from sim.messages import PaymentSettled
from sim.metrics.liquidity_gap import gap_path, gap_rows, settlement_moves
from sim.records import CallRecord, PaymentRecord
from sim.settlement.ledger import CASH
from sim.settlement.rails import FEDWIRE_FUNDS

# the one-cycle CME world of tests/test_agent_ccp.py, without XM
OVERRIDES = {k: v for k, v in CCP_OVERRIDES.items() if k != "xm"}
FIRM_CASH = 1_000_000
PAY, DUE, PAYOUT = 4800.0, 4830.0, 4890.0  # Monday 08:00, 08:30, 09:30


def world(payout_clock: str | None = None):
    """The fake world above; the firm pays its call at 08:00 (``ccp_call`` from own cash)."""
    eod = {"eod": {"payout_clock": payout_clock}} if payout_clock else {}
    overrides = {**OVERRIDES, "cme": {**OVERRIDES["cme"], "cycles": {"intraday": None, **eod}}}
    fake = FakeRun(overrides, market=flat_market(260, 1, {220: 10.0, 240: -10.0, 260: 2.0}))
    fake.ledger.open("external", 0, math.inf)
    fake.ledger.open("firm:f1:cash", FIRM_CASH)
    fake.ledger.open("firm:f1:seg")
    book = make_book([("eu1", "f1", "customer", 1500.0, 0.0), ("f1h", "f1", "house", -1000.0, 0.0)])
    ccp = make_ccp(fake, "cme", book)
    ccp.open_with(np.array([15_000.0, 10_000.0]), np.array([15_000.0, 10_000.0]))
    ccp.start()
    fake.env.process(pay_call(fake, ccp, Agent(fake, "f1")))
    return fake


def pay_call(fake: FakeRun, ccp, firm: Agent):
    yield fake.env.timeout(PAY)
    firm.transfer(
        "firm:f1:cash", "ccp:cme:f1:customer", 300_000, "ccp_call", "C000001", rail=FEDWIRE_FUNDS
    )
    ccp.receive(PaymentSettled("P9", "C000001", "f1", "cme", CASH, 300_000, 300_000, PAY))


def tables(fake: FakeRun) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The calls and payments tables of the whole run, as a run writes them (money in
    dollars)."""
    fake.env.run()
    calls = pd.DataFrame(fake.recorder.of(CallRecord), columns=CallRecord._fields)
    pay = pd.DataFrame(fake.recorder.of(PaymentRecord), columns=PaymentRecord._fields)
    return calls, pay.assign(value_usd=pay.pop("value_cents") / 100)


def test_cme_pays_out_at_0930_and_the_firm_bridges_the_hour():
    fake = world()
    fake.env.run(until=PAYOUT - 30)  # 09:00: collected, not yet paid out
    assert fake.ledger.balance("firm:f1:cash") == FIRM_CASH - 300_000  # gross: the call paid
    assert fake.ledger.conserved()
    fake.env.run()
    [release] = [p for p in fake.recorder.of(PaymentRecord) if p.purpose == "release"]
    assert (release.dst_account, release.amount_cents) == ("firm:f1:cash", 200_000)
    assert (release.instructed_min, release.settled_min) == (1140.0, PAYOUT)
    assert fake.ledger.balance("firm:f1:cash") == FIRM_CASH - 100_000  # net: -300,000 + 200,000
    assert fake.ledger.conserved()  # invariant: cash and securities conserved to the cent


def test_the_gap_by_hand_on_the_fake_run():
    """Hand (module docstring): $2,000 from 08:00 to 09:30 on Monday, none on Friday; one firm
    over the run's day and the morning after: peak $2,000, mean 2,000 / 2 = $1,000."""
    calls, pay = tables(world())
    path = gap_path(settlement_moves(calls, pay))
    assert path == [(PAY, 200_000), (PAYOUT, 0)]
    calendar = SimCalendar(dt.date(2026, 5, 1), 1)
    assert gap_rows(calls, pay, ["f1"], calendar, 1) == [
        ("intraday_liquidity_gap_peak_usd", "all", 2_000.0),
        ("intraday_liquidity_gap_mean_usd", "all", 1_000.0),
    ]


def test_the_old_same_minute_payout_is_pinned_by_payout_clock_0830():
    """``payout_clock`` equal to the 08:30 collection restores the behaviour before issue 13;
    the gap is the same $2,000 (the firm still pays at 08:00) but lasts 30 minutes, not 90."""
    calls, pay = tables(world("08:30"))
    assert gap_path(settlement_moves(calls, pay)) == [(PAY, 200_000), (DUE, 0)]


def test_a_payout_clock_before_the_due_clock_is_refused():
    eod = {"due_clock": "08:30", "payout_clock": "08:00"}
    with pytest.raises(ValueError, match="payout_clock"):
        build_config({"cme": {"cycles": {"eod": eod}}})


def _frames(rows_calls: list[tuple], rows_pay: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    calls = pd.DataFrame(rows_calls, columns=["call_id", "level", "ccp", "issued_min"])
    cols = ["call_id", "purpose", "payer", "dst_account", "value_usd", "instructed_min"]
    pay = pd.DataFrame(rows_pay, columns=[*cols, "settled_min"])
    return calls, pay


def test_overlapping_settlements_add_up_by_hand():
    """Two settlements overlap on Monday: CME's Friday close (f1 pays 3,000 at 08:00, is owed
    2,000 at 09:30) and FICC's start of day (issued 08:30; f1 pays 5,000 at 09:00, is owed 1,000
    at 09:30, paid first). Gap (dollars): 08:00 min(3,000, 2,000) = 2,000; 09:00 2,000 +
    min(5,000, 1,000) = 3,000; 09:30 2,000, then 0. ``f2`` is only paid out (1,000 from CME):
    no gap. Firm-days: 2 firms x (Friday + Monday) = 4; peak $3,000, mean 3,000 / 4 = $750."""
    calls, pay = _frames(
        [
            ("C1", "ccp", "cme", 1140.0),
            ("C2", "ccp", "ficc", 4830.0),
            ("C3", "customer", "cme", 1140.0),
        ],
        [
            ("C1", "ccp_call", "f1", "ccp:cme:f1:customer", 3_000.0, 4800.0, 4800.0),
            ("C3", "customer_call", "u1", "firm:f1:seg", 9_999.0, 4800.0, 4800.0),  # not a CCP's
            ("C2", "prefund", "f1", "ccp:ficc:f1:customer", 5_000.0, 4860.0, 4860.0),
            ("", "release", "ficc", "firm:f1:seg", 1_000.0, 4830.0, 4890.0),
            ("", "release", "cme", "firm:f1:cash", 2_000.0, 1140.0, 4890.0),
            ("", "release", "cme", "firm:f2:seg", 1_000.0, 1140.0, 4890.0),
        ],
    )  # fmt: skip
    moves = settlement_moves(calls, pay)
    f1 = gap_path(moves[moves["firm"] == "f1"])
    assert f1 == [(4800.0, 200_000), (4860.0, 300_000), (4890.0, 200_000), (4890.0, 0)]
    assert gap_path(moves[moves["firm"] == "f2"]) == [(4890.0, 0)]
    calendar = SimCalendar(dt.date(2026, 5, 1), 1)
    assert gap_rows(calls, pay, ["f1", "f2"], calendar, 1) == [
        ("intraday_liquidity_gap_peak_usd", "all", 3_000.0),
        ("intraday_liquidity_gap_mean_usd", "all", 750.0),
    ]
