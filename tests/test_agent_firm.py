"""The clearing firm alone (tests/fake_run.py): CCP statements into customer calls, excess
returns, CCP payments with pre-funding, customers' payments and defaults.

The firm ``f1`` charges its customers a house multiplier of 1.5 over the CCP's IM and ignores
amounts under a minimum transfer of $1,000 (100,000 cents). Its customer ``u1`` opened with
1,000,000 cents of CME IM, so it posted round(1,000,000 x 1.5) = 1,500,000 cents and the
segregated account holds the add-on 1,500,000 - 1,000,000 = 500,000 cents. Defaults elsewhere
(sim/config/firms.py, sim/config/operations.py): the desk takes 2 minutes per call; a customer
call is due at 11:00 on the first business day at least 120 minutes after issue and final one
business day later; the firm pays a CCP 30 minutes before the CCP's deadline.

Minutes (calendar from Fri 1 May 2026): Fri 12:00 = 720; Mon 4 May starts at 4320, so Mon 11:00
= 4980 and Tue 11:00 = 4320 + 1440 + 660 = 6420; Fedwire Funds reopens after the Friday close
at 21:00 on Sunday = 4320 - 180 = 4140.
"""

from __future__ import annotations

import pytest
from fake_run import USER_CASH, FakeRun, make_firm

from sim.messages import CycleStatement, MarginCall, PaymentSettled, PositionChange
from sim.records import CallRecord, DeskRecord, PaymentRecord
from sim.settlement.ledger import CASH
from sim.settlement.rails import FEDWIRE_FUNDS

# one segregated pool, as before issue 13 (tests/test_segregation.py: per customer)
OVERRIDES = {"firms": {"house_multiplier": 1.5, "min_transfer_usd": 1000, "segregation": "pooled"}}
POSTED_CENTS, EQUITY_CENTS, SEG_CENTS = 1_000_000, 1_500_000, 500_000


def world(account: str = "customer"):
    fake = FakeRun(OVERRIDES)
    firm = make_firm(fake, [("cme", account)], [("u1", "cme", POSTED_CENTS)])
    return fake, firm


def statement(im: int, vm: int, call=None, account: str = "customer", customers=("u1",)):
    ims, vms = ((im,), (vm,)) if customers else ((), ())
    return CycleStatement("Y1", "cme", "intraday", "f1", account, 0, customers, ims, vms, call, 0)


def ccp_call(im: int, at: float) -> MarginCall:
    """CME's call on the firm's customer account, due an hour after issue (final an hour later)."""
    due, final = at + 60, at + 120
    return MarginCall(
        "C1", "ccp", "cme", "intraday", "f1", "cme", "customer", 0, im, at, due, final
    )


def test_the_opening_puts_the_house_add_on_in_the_segregated_account():
    fake, firm = world()
    assert firm.customers.cash[("u1", "cme")] == EQUITY_CENTS
    assert fake.ledger.balance("firm:f1:seg") == SEG_CENTS


def test_a_shortfall_above_the_minimum_transfer_is_called_after_the_desk_handles_it():
    fake, firm = world()
    noon = fake.at(0, "12:00")
    fake.deliver(firm, statement(im=3_000_000, vm=-500_000), noon)
    fake.env.run(until=fake.at(0, "13:00"))
    # requirement round(3,000,000 x 1.5) = 4,500,000; equity 1,500,000 - 500,000 VM = 1,000,000:
    # 3,500,000 of IM due (shortfall), above the 100,000 minimum transfer
    [sent] = fake.messages(MarginCall)
    issued = noon + 2  # the desk's handling time
    # due: the first 11:00 at least 120 minutes after 12:02 is Monday's (4980); final Tuesday's
    expected = MarginCall(
        "C000001",
        "customer",
        "cme",
        "intraday",
        "u1",
        "f1",
        "customer",
        0,
        3_500_000,
        issued,
        4980.0,
        6420.0,
        "",
        4_500_000,
    )  # fmt: skip  (the call carries the requirement it brings the equity up to)
    assert (sent.to, sent.time, sent.message) == ("u1", issued, expected)
    # the desk was idle: the call takes a free person at once (busy 1: itself), nobody queues
    assert fake.recorder.of(DeskRecord) == [DeskRecord(noon, "f1", 0, 1)]
    assert firm.customers.called[("u1", "cme")] == 3_500_000


@pytest.mark.parametrize(("clock", "paid_at"), [("12:00", 720.0), ("19:30", 4140.0)])
def test_an_excess_above_the_minimum_transfer_returns_cash_when_fedwire_funds_is_open(
    clock, paid_at
):
    fake, firm = world()
    fake.deliver(firm, statement(im=1_000_000, vm=500_000), fake.at(0, clock))
    fake.env.run()
    # requirement 1,500,000; equity 1,500,000 + 500,000 VM = 2,000,000: excess 500,000, which
    # the segregated account holds (500,000)
    [payment] = fake.recorder.of(PaymentRecord)
    assert (payment.src_account, payment.dst_account) == ("firm:f1:seg", "eu:u1:cash")
    assert (payment.amount_cents, payment.purpose, payment.call_id) == (
        500_000,
        "excess_return",
        "Y1",
    )
    assert (payment.settled_min, payment.rail) == (paid_at, FEDWIRE_FUNDS)
    assert firm.customers.cash[("u1", "cme")] == 1_500_000
    assert fake.messages(MarginCall) == []


def test_a_ccp_call_is_paid_before_its_deadline_prefunding_what_the_segregated_account_lacks():
    fake, firm = world()
    half_one = fake.at(0, "13:30")  # 810
    call = ccp_call(2_000_000, half_one)
    fake.calls.issue(call)
    fake.deliver(firm, statement(0, 0, call, customers=()), half_one)
    fake.env.run()
    pay_at = call.due_min - 30  # 14:00
    payments = [
        (p.src_account, p.amount_cents, p.purpose, p.settled_min)
        for p in fake.recorder.of(PaymentRecord)
    ]
    assert payments == [
        ("firm:f1:seg", SEG_CENTS, "ccp_call", pay_at),
        ("firm:f1:cash", 2_000_000 - SEG_CENTS, "prefund", pay_at),
    ]
    assert fake.ledger.balance("ccp:cme:f1:customer") == 2_000_000
    assert firm.treasury.prefund_outstanding == 1_500_000
    [sent] = fake.messages(PaymentSettled)
    confirmation = PaymentSettled("P000003", "C1", "f1", "cme", CASH, 2_000_000, 2_000_000, pay_at)
    assert (sent.to, sent.time, sent.message) == ("cme", pay_at, confirmation)


def test_a_customer_payment_settles_its_call_and_reimburses_the_prefunding():
    fake, firm = world()
    half_one = fake.at(0, "13:30")
    call = ccp_call(1_000_000, half_one)
    fake.calls.issue(call)
    # CME's IM of u1 doubles to 2,000,000: the firm calls 3,000,000 - 1,500,000 = 1,500,000
    fake.deliver(firm, statement(2_000_000, 0, call), half_one)
    fake.env.run(until=fake.at(0, "14:30"))
    # at 14:00 the firm paid CME 500,000 from the segregated account and pre-funded 500,000
    assert firm.treasury.prefund_outstanding == 500_000
    three = fake.at(0, "15:00")
    fake.ledger.transfer("eu:u1:cash", "firm:f1:seg", 1_500_000)  # what the custodian moves
    paid = PaymentSettled("P9", "C000001", "u1", "f1", CASH, 1_500_000, 1_500_000, three)
    fake.deliver(firm, paid, three)
    fake.env.run()
    reimbursed = [p for p in fake.recorder.of(PaymentRecord) if p.purpose == "reimburse"]
    assert [(p.dst_account, p.amount_cents, p.settled_min) for p in reimbursed] == [
        ("firm:f1:cash", 500_000, three)
    ]
    assert firm.treasury.prefund_outstanding == 0
    [record] = fake.recorder.of(CallRecord)
    assert (record.call_id, record.parent_id, record.status) == ("C000001", "C1", "on_time")
    assert firm.customers.cash[("u1", "cme")] == EQUITY_CENTS + 1_500_000
    assert firm.customers.called[("u1", "cme")] == 0
    assert fake.ledger.balance("eu:u1:cash") == USER_CASH - 1_500_000


def test_a_customer_call_unpaid_by_its_final_deadline_defaults_and_liquidates_both_legs():
    fake, firm = world("customer_xm")
    noon = fake.at(0, "12:00")
    fake.deliver(firm, statement(3_000_000, 0, account="customer_xm"), noon)
    fake.env.run()
    [record] = fake.recorder.of(CallRecord)
    assert (record.call_id, record.status) == ("C000001", "defaulted")
    [default] = fake.events("customer_default")
    assert (default.time_min, default.counterparty) == (6420.0, "u1")
    # an XM account: both legs closed, each change sent to both CCPs
    sent = [(s.to, s.time, s.message) for s in fake.messages(PositionChange)]
    assert sent == [
        (ccp, 6420.0, PositionChange("u1", leg, 0.0, "liquidation"))
        for leg in ("futures", "cash")
        for ccp in ("cme", "ficc")
    ]
    assert [e.leg for e in fake.events("liquidation")] == ["futures", "cash"]
    assert firm.customers.called[("u1", "cme")] == 0
