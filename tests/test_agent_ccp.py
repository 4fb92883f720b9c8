"""The CCP alone (tests/fake_run.py): one CME end-of-day cycle on a hand-built market.

The margin model is plain historical VaR over the last 60 daily changes, 1-day horizon, 99%:
with 60 scenarios it is the single worst loss (``var_rank``: ceil(60 x 0.01) - 1 = 0). The
5-year rate moves +10 bp on one look-back day, -10 bp on another, +2 bp on the run day, and never
otherwise. Two accounts, positions only at the 5-year point (DV01 in dollars per bp):

- ``eu1`` at firm ``f1``, account ``customer``: long futures, DV01 +1,000. IM = 10 x 1,000 =
  $10,000; the +2 bp close loses 2 x 1,000 = $2,000 of variation margin.
- ``eu2`` at firm ``f2``, account ``customer_xm``: a basis trade, futures -1,000 and cash +1,000.
  CME's standalone IM of the futures leg is $10,000, of the cash leg $10,000, of both together
  $0: its reduction factor is 1 - 0 / (10,000 + 10,000) = 1, capped at 0.8 (``min_cap``), so its
  IM is 10,000 x 0.2 = $2,000; the close gains it $2,000.

Before the run each account posted its IM in cash: 1,000,000 and 200,000 cents. Minutes: the
cycle runs and calls at Fri 19:00 = 1140 and is due Monday 08:30 = 4320 + 510 = 4830; an unpaid
call defaults 60 minutes later (``late_tolerance_minutes``), at 4890; CME pays out excess at
Monday 09:30 = 4320 + 570 = 4890 (``payout_clock``, an hour after the 08:30 collection).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from fake_run import FakeRun, flat_market, make_book, make_ccp

from sim.messages import CycleStatement, MarginCall, PaymentSettled, XmFigures
from sim.records import AccountDayRecord, CallRecord, PaymentRecord
from sim.settlement.ledger import CASH

OVERRIDES = {
    "calendar": {"business_days": 1},
    "cme": {
        "mpor_days": 1,
        "lookback_days": 60,
        "multiplier": 1.0,
        "ewma_lambda": None,
        "stress_weight": 0.0,
        "cycles": {"intraday": None},  # only the end-of-day cycle
    },
    "ficc": {"lookback_days": 60},
    "xm": {"enabled": True},
    "market": {"dv01_yield": "fixed"},  # the hand amounts take the DV01s as given
}
LOOKBACK = 260  # the config's market look-back; the model uses its last 60 days
RUN_CLOSE, DUE, FINAL, PAYOUT = 1140.0, 4830.0, 4890.0, 4890.0
# FICC's figures for eu2 with the same shape: factor 1 - 0 / (10,000 + 10,000) = 1
FICC_FIGURES = XmFigures("ficc", 0, "close", ("eu2",), (10_000.0,), (10_000.0,), (0.0,))


def world(ficc_figures: bool, fallback: str = "standalone", eu2_im: float = 2_000.0):
    overrides = {**OVERRIDES, "xm": {"enabled": True, "fallback": fallback}}
    fake = FakeRun(overrides, market=flat_market(LOOKBACK, 1, {220: 10.0, 240: -10.0, 260: 2.0}))
    fake.ledger.open("external", 0, math.inf)
    fake.ledger.open("firm:f1:seg")
    fake.ledger.open("firm:f2:seg")
    book = make_book(
        [("eu1", "f1", "customer", 1000.0, 0.0), ("eu2", "f2", "customer_xm", -1000.0, 1000.0)]
    )
    ccp = make_ccp(fake, "cme", book)
    ccp.open_with(np.array([10_000.0, eu2_im]), np.array([10_000.0, 10_000.0]))
    ccp.start()
    if ficc_figures:
        fake.deliver(ccp, FICC_FIGURES, fake.at(0, "18:30"))
    return fake, ccp


def statements(fake: FakeRun) -> list[tuple[str, CycleStatement]]:
    return [(s.to, s.message) for s in fake.messages(CycleStatement)]


def cme_call(im_cents: int, call_id: str = "C000001", firm: str = "f1", account="customer"):
    """CME's end-of-day call for ``im_cents`` of IM on ``firm``'s ``account``."""
    return MarginCall(
        call_id, "ccp", "cme", "eod", firm, "cme", account, 0, im_cents, RUN_CLOSE, DUE, FINAL
    )


def test_the_cycle_sends_each_member_firm_its_net_amount():
    fake, _ = world(ficc_figures=True)
    fake.env.run(until=RUN_CLOSE + 1)
    # f1: cash 1,000,000 - 200,000 VM = 800,000 against 1,000,000 of IM: 200,000 due (IM part)
    # f2: cash 200,000 + 200,000 VM = 400,000 against 200,000 of IM: 200,000 excess paid out
    # (LSOC: one customer per account, so its own deficit and excess are the account's)
    assert statements(fake) == [
        (
            "f1",
            CycleStatement(
                "Y000001", "cme", "eod", "f1", "customer", 0, ("eu1",), (1_000_000,),
                (-200_000,), cme_call(200_000), 0, (200_000,), (0,),
            ),
        ),
        (
            "f2",
            CycleStatement(
                "Y000002", "cme", "eod", "f2", "customer_xm", 0, ("eu2",), (200_000,),
                (200_000,), None, 200_000, (0,), (200_000,),
            ),
        ),
    ]  # fmt: skip
    daily = fake.recorder.of(AccountDayRecord)
    assert [(r.entity, r.reduction) for r in daily] == [("eu1", 0.0), ("eu2", 0.8)]
    assert [r.im_usd for r in daily] == pytest.approx([10_000.0, 2_000.0])
    assert fake.events("xm_fallback") == []


def test_the_xm_figures_go_to_the_partner_before_the_run_and_at_the_cycle():
    fake, _ = world(ficc_figures=True)
    fake.env.run(until=RUN_CLOSE + 1)
    sent = [(s.to, s.time, s.message) for s in fake.messages(XmFigures)]
    # CME's figures for eu2 under its model: futures leg, cash leg, both: 10,000, 10,000, 0
    figures = ("eu2",), (10_000.0,), (10_000.0,), (0.0,)
    assert sent == [
        ("ficc", 0.0, XmFigures("cme", -1, "close", *figures)),
        ("ficc", RUN_CLOSE, XmFigures("cme", 0, "close", *figures)),
    ]


def test_without_the_partners_figures_the_xm_account_is_margined_standalone():
    fake, _ = world(ficc_figures=False)
    fake.env.run(until=RUN_CLOSE + 1)
    [fallback] = fake.events("xm_fallback")
    assert (fallback.entity, fallback.ref, fallback.date_index) == ("cme", "f2:customer_xm", 0)
    # eu2 at its standalone $10,000: 400,000 of cash against 1,000,000: 600,000 due
    [(_, to_f2)] = [(to, st) for to, st in statements(fake) if to == "f2"]
    assert to_f2.im_cents == (1_000_000,)
    assert to_f2.call == cme_call(600_000, "C000002", "f2", "customer_xm")
    assert fake.recorder.of(AccountDayRecord)[1].reduction == 0.0


def test_an_unpaid_call_defaults_at_its_final_deadline_and_the_excess_is_paid_out():
    fake, _ = world(ficc_figures=True)
    fake.env.run()
    [record] = fake.recorder.of(CallRecord)
    assert (record.call_id, record.status) == ("C000001", "defaulted")
    [default] = fake.events("ccp_call_default")
    assert (default.time_min, default.ref, default.counterparty) == (FINAL, "C000001", "f1")
    # f2's gain comes from the market and its 200,000 excess goes to its segregated account at
    # the pay-out time, instructed at the cycle's settlement
    moves = [(p.src_account, p.dst_account, p.amount_cents, p.purpose, p.settled_min)
             for p in fake.recorder.of(PaymentRecord)]  # fmt: skip
    assert moves == [
        ("external", "ccp:cme:f2:customer_xm", 200_000, "vm", PAYOUT),
        ("ccp:cme:f2:customer_xm", "firm:f2:seg", 200_000, "release", PAYOUT),
    ]
    assert fake.recorder.of(PaymentRecord)[1].instructed_min == RUN_CLOSE
    assert fake.ledger.balance("firm:f2:seg") == 200_000


def test_a_call_paid_before_its_deadline_settles_on_time_and_books_the_loss():
    fake, ccp = world(ficc_figures=True)
    eight = fake.at(1, "08:00")  # 4800, before the 08:30 deadline
    paid = PaymentSettled("P9", "C000001", "f1", "cme", CASH, 200_000, 200_000, eight)
    fake.deliver(ccp, paid, eight)
    fake.env.run()
    statuses = {r.call_id: r.status for r in fake.recorder.of(CallRecord)}
    assert statuses == {"C000001": "on_time"}
    assert fake.events("ccp_call_default") == []
    # the 200,000 VM loss passes from f1's account to the market once the call is paid
    vm = [p for p in fake.recorder.of(PaymentRecord) if p.src_account == "ccp:cme:f1:customer"]
    assert [(p.dst_account, p.amount_cents, p.settled_min) for p in vm] == [
        ("external", 200_000, eight)
    ]


@pytest.mark.parametrize(("held", "im"), [(2_000.0, 2_000.0), (12_000.0, 10_000.0)])
def test_hold_keeps_the_previous_im_at_most_the_standalone(held, im):
    """Without FICC's figures under ``hold`` eu2 keeps the IM it held before the run ($2,000, or
    $12,000 cut to its $10,000 standalone); the fallback event says ``hold``."""
    fake, _ = world(ficc_figures=False, fallback="hold", eu2_im=held)
    fake.env.run(until=RUN_CLOSE + 1)
    [fallback] = fake.events("xm_fallback")
    assert (fallback.ref, fallback.mode, fallback.expired) == ("f2:customer_xm", "hold", False)
    eu2 = fake.recorder.of(AccountDayRecord)[1]
    assert (eu2.im_usd, eu2.standalone_im_usd) == pytest.approx((im, 10_000.0))
    assert eu2.reduction == pytest.approx(1.0 - im / 10_000.0)
