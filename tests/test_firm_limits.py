"""Timing and day-end limits of a clearing firm (issue 13 item 2, ``agents.firm_limits``).

Hand-built firm ``f1`` of tests/fake_run.py (Fri 1 May 2026: 12:00 = minute 720, 13:30 = 810,
14:00 = 840; Mon 11:00 = 4980, Tue 11:00 = 6420). Its customer ``u1`` opened with 1,000,000
cents of CME IM at a house multiplier of 1.5, so the segregated account holds its 500,000-cent
add-on. CME's intraday call ``C1`` is issued at 13:30, due 14:30 (870), final 15:30 (930);
the firm pays it 30 minutes before its due time, 14:00. CME's haircut 2%, collateral price 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fake_run import FakeRun, make_firm
from test_segregation import IM, LOSS, _firm, _short_statement

from agents.clearing_firm import ClearingFirm
from sim.messages import CycleStatement, MarginCall, PaymentSettled
from sim.metrics.firm_limits import overdraft_peak_usd, queue_delays
from sim.records import CallRecord, PaymentRecord
from sim.settlement.ledger import SECURITIES

FIRMS = {"house_multiplier": 1.5, "min_transfer_usd": 1000, "segregation": "pooled"}
SEG = 500_000  # u1's add-on in the segregated account (cents)
HALF_ONE, TWO, FINAL = 810.0, 840.0, 930.0


def world(firms: dict | None = None, ccp: dict | None = None):
    """Firm f1 (pooled segregation) with ``firms`` and ``cme`` overrides; an outside account
    ``ext`` holds cash and Treasuries for the test to move in."""
    fake = FakeRun({"firms": {**FIRMS, **(firms or {})}, "cme": ccp or {}})
    firm = make_firm(fake, [("cme", "customer")], [("u1", "cme", IM)])
    fake.ledger.open("ext", 10**10, 0, 10**10)
    return fake, firm


def pay(fake: FakeRun, firm: ClearingFirm, im: int, cycle: str = "intraday") -> MarginCall:
    """CME's call of ``im`` cents on f1's customer account, issued at 13:30, and its statement."""
    call = MarginCall("C1", "ccp", "cme", cycle, "f1", "cme", "customer", 0, im, HALF_ONE,
                      HALF_ONE + 60, FINAL)  # fmt: skip
    fake.calls.issue(call)
    statement = CycleStatement("Y1", "cme", cycle, "f1", "customer", 0, (), (), (), call, 0)
    fake.deliver(firm, statement, HALF_ONE)
    return call


def moves(fake: FakeRun) -> list[tuple]:
    return [(p.src_account, p.asset, p.amount_cents, p.value_cents, p.purpose, p.settled_min)
            for p in fake.recorder.of(PaymentRecord)]  # fmt: skip


def credit_at(fake: FakeRun, minute: float, cents: int) -> None:
    """Move ``cents`` of cash from ``ext`` into the firm's own cash account at ``minute``."""

    def later():
        yield fake.env.timeout(minute - fake.env.now)
        fake.ledger.transfer("ext", "firm:f1:cash", cents)

    fake.env.process(later())


# 900,000 cents of IM in Treasuries at a 2% haircut: face ceil(900,000 / 0.98) = 918,368,
# worth floor(918,368 x 0.98) = 900,000 cents
IM_DUE, FACE = 900_000, 918_368


@pytest.mark.parametrize(
    ("ccp", "cycle", "counted"),
    [
        ({}, "intraday", False),  # CME's 12:00 cutoff passed before the 13:30 call
        ({"collateral_cutoffs": False}, "intraday", True),  # before issue 13
        ({"cycles": {"intraday": {"collateral_cutoff": "15:00"}}}, "intraday", True),  # 14:00
        ({}, "adhoc", True),  # an ad hoc call has no cutoff
    ],
)
def test_treasuries_after_the_cutoff_do_not_count_and_the_firm_pays_cash(ccp, cycle, counted):
    """The pooled account holds 1,000,000 face of Treasuries and 500,000 cash. Counted, the IM
    part goes in 918,368 face; refused, the firm pays 900,000 in cash: 500,000 from the
    segregated account and 400,000 pre-funded, and logs the 900,000 the cutoff refused."""
    fake, firm = world(ccp=ccp)
    fake.ledger.transfer("ext", "firm:f1:seg", 1_000_000, SECURITIES)
    pay(fake, firm, IM_DUE, cycle)
    fake.env.run()
    if counted:
        assert moves(fake) == [("firm:f1:seg", "UST", FACE, IM_DUE, "ccp_call", TWO)]
        assert fake.events("collateral_cutoff_cash") == []
        return
    assert moves(fake) == [
        ("firm:f1:seg", "USD", SEG, SEG, "ccp_call", TWO),
        ("firm:f1:cash", "USD", IM_DUE - SEG, IM_DUE - SEG, "prefund", TWO),
    ]
    [event] = fake.events("collateral_cutoff_cash")
    assert (event.time_min, event.ref, event.amount_cents) == (TWO, "C1", IM_DUE)


# own cash $10,000 (1,000,000 cents), credit line $100,000, capital $25,000: the cap is
# 0.4 x 25,000 = $10,000, so the firm can pay 1,000,000 + 1,000,000 = 2,000,000 cents of its own
SMALL = {"own_liquidity_usd": 10_000, "credit_line_usd": 100_000, "capital_usd": 25_000}
CALL_IM, OWN = 3_000_000, 2_500_000  # the call; what the segregated account's 500,000 leaves


def test_a_payment_beyond_the_overdraft_cap_waits_for_funds_and_goes_when_they_arrive():
    """At 14:00 the firm needs 2,500,000 of its own, 500,000 beyond its room: queued. At 14:10
    (850) 500,000 arrive in its cash account: room 1,500,000 + 1,000,000 = 2,500,000, so it
    pays then, its cash at -1,000,000, the cap; the queue delay is 10 minutes."""
    fake, firm = world(SMALL)
    pay(fake, firm, CALL_IM)
    credit_at(fake, 850.0, 500_000)
    fake.env.run()
    assert moves(fake) == [
        ("firm:f1:seg", "USD", SEG, SEG, "ccp_call", 850.0),
        ("firm:f1:cash", "USD", OWN, OWN, "prefund", 850.0),
    ]
    assert fake.ledger.balance("firm:f1:cash") == -1_000_000
    [queued], [released] = fake.events("payment_queued"), fake.events("payment_released")
    assert (queued.time_min, queued.ref, queued.amount_cents) == (TWO, "C1", OWN)
    assert (released.time_min, released.ref, released.amount_cents) == (850.0, "C1", CALL_IM)
    [sent] = fake.messages(PaymentSettled)
    assert (sent.time, sent.message.call_id) == (850.0, "C1")


def test_without_funds_the_queued_payment_fails_at_the_final_deadline():
    """Nothing arrives: at the final deadline, 15:30, the firm gives up, 2,500,000 short, and
    nothing was paid; without the cap it paid at 14:00 on its credit line (cash -1,500,000)."""
    fake, firm = world(SMALL)
    pay(fake, firm, CALL_IM)
    fake.env.run()
    assert moves(fake) == [] and fake.messages(PaymentSettled) == []
    [short] = fake.events("firm_liquidity_shortfall")
    assert (short.time_min, short.amount_cents) == (FINAL, OWN)
    fake, firm = world({**SMALL, "daylight_overdraft_cap": False})
    pay(fake, firm, CALL_IM)
    fake.env.run()
    assert [m[-1] for m in moves(fake)] == [TWO, TWO]
    assert fake.ledger.balance("firm:f1:cash") == -1_500_000


def test_a_customer_beyond_its_credit_limit_loses_its_grace_period():
    """tests/test_segregation.py's firm: the statement reaches it at minute 0, so u2's call
    (2,000,000: it lost that much against a house requirement of 1,000,000) is due Fri 11:00
    (660), final Mon 11:00 (4980). At 12:30 (750) the firm advances all 2,000,000 for CME's
    call: with a limit of 1 x its requirement u2 is 1,000,000 over, in breach, and its call,
    already past due, is closed out at once (750); without a limit it waits for 4980."""
    fake, firm = _firm("per_customer")
    firm.limits = firm.credit_limits(1.0)
    _short_statement(fake, firm)
    [breach] = fake.events("customer_credit_breach")
    assert (breach.time_min, breach.ref, breach.amount_cents) == (750.0, "u2", LOSS - IM)
    fake.env.run(until=4000)
    [closeout], [default] = fake.events("customer_limit_closeout"), fake.events("customer_default")
    assert (closeout.time_min, closeout.counterparty, default.time_min) == (750.0, "u2", 750.0)
    [record] = [r for r in fake.recorder.of(CallRecord) if r.payer == "u2"]
    assert record.status == "defaulted"
    fake, firm = _firm("per_customer")
    _short_statement(fake, firm)
    fake.env.run(until=4000)
    assert fake.events("customer_credit_breach") == [] and fake.events("customer_default") == []
    fake.env.run(until=5000)
    assert [e.time_min for e in fake.events("customer_default")] == [4980.0]


def test_queue_delays_and_the_peak_overdraft_from_tables():
    """By hand: C1 queued at 840, paid at 850 (10 min); C2 queued at 900, never paid. A firm's
    cash audited at 1,000 USD on day 0 (minute 1380) after +500 at 100 and -2,000 at 200
    opened at 1,000 - (500 - 2,000) = 2,500; its path 2,500, 3,000, 1,000 and, after the
    audit, -1,500 at 1500: -500, the peak overdraft 500 USD (Treasuries and other accounts
    left out)."""
    kinds = ["payment_queued", "payment_released", "payment_queued"]
    events = pd.DataFrame({"kind": kinds, "ref": ["C1", "C1", "C2"],
                           "time_min": [840.0, 850.0, 900.0]})  # fmt: skip
    assert np.array_equal(queue_delays(events), [10.0])
    cash = "firm:f1:cash"
    payments = pd.DataFrame({
        "asset": ["USD", "USD", "UST", "USD"], "src_account": ["ext", cash, cash, cash],
        "dst_account": [cash, "ext", "ext", "ext"], "amount_usd": [500.0, 2000.0, 9e9, 1500.0],
        "settled_min": [100.0, 200.0, 300.0, 1500.0],
    })  # fmt: skip
    balances = pd.DataFrame({"date_index": [0, 0], "account": [cash, "firm:f1:seg"],
                             "cash_usd": [1000.0, -7.0]})  # fmt: skip
    assert overdraft_peak_usd(payments, balances, 1380.0) == 500.0
