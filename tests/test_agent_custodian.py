"""The custodian alone (tests/fake_run.py): when an instruction settles, what it moves, records
and confirms.

Times by hand from the calendar (Fri 1 May 2026 is day 0, minute 0 its midnight; Mon 4 May
starts at minute 3 x 1440 = 4320) and the rails' windows (sim/settlement/rails.py: third-party
Fedwire Funds 21:00 the evening before to 18:45, Fedwire Securities 08:30-15:15). The custodian
takes exactly 30 minutes (sigma 0: the lognormal draw is the median).
"""

from __future__ import annotations

import datetime as dt

from fake_run import FakeRun, make_custodian

from sim.config import OutageConfig
from sim.messages import PaymentInstruction, PaymentSettled
from sim.records import PaymentRecord
from sim.settlement.ledger import CASH, SECURITIES
from sim.settlement.rails import FEDWIRE_FUNDS_THIRD_PARTY, FEDWIRE_SECURITIES

AMOUNT = 500_000  # cents: any amount the payer holds


def instruction(at: float, asset: str = CASH) -> PaymentInstruction:
    src = "eu:u1:cash" if asset == CASH else "eu:u1:sec"
    return PaymentInstruction("P9", "C1", "u1", "f1", asset, src, "firm:f1:seg", AMOUNT, AMOUNT, at)


def world(outages: tuple[OutageConfig, ...] = ()) -> tuple[FakeRun, object]:
    fake = FakeRun()
    fake.ledger.open("eu:u1:cash", 1_000_000)
    fake.ledger.open("eu:u1:sec", 0, 0, 1_000_000)
    fake.ledger.open("firm:f1:seg")
    return fake, make_custodian(fake, 30.0, outages)


def settle(fake: FakeRun, custodian, ins: PaymentInstruction) -> list:
    fake.deliver(custodian, ins, ins.instructed_min)
    fake.env.run()
    return fake.messages(PaymentSettled)


def test_an_instruction_at_10_settles_30_minutes_later_moves_records_and_confirms():
    fake, custodian = world()
    ten = fake.at(0, "10:00")  # 600
    confirmations = settle(fake, custodian, instruction(ten))
    half_past = 630.0  # 10:00 + 30 minutes, inside the 21:00-18:45 window
    assert fake.ledger.balance("eu:u1:cash") == 1_000_000 - AMOUNT
    assert fake.ledger.balance("firm:f1:seg") == AMOUNT
    [payment] = fake.recorder.of(PaymentRecord)
    assert (payment.call_id, payment.payer, payment.payee, payment.via) == (
        "C1",
        "u1",
        "f1",
        "cust",
    )
    assert (payment.amount_cents, payment.rail) == (AMOUNT, FEDWIRE_FUNDS_THIRD_PARTY)
    assert (payment.instructed_min, payment.settled_min) == (ten, half_past)
    assert [(s.to, s.time) for s in confirmations] == [("f1", half_past), ("u1", half_past)]
    done = confirmations[0].message
    assert done == PaymentSettled("P9", "C1", "u1", "f1", CASH, AMOUNT, AMOUNT, half_past)


def test_an_instruction_ready_during_an_outage_waits_for_its_end():
    down = OutageConfig(
        custodian="cust", start=dt.datetime(2026, 5, 1, 10, 0), duration_minutes=120
    )
    fake, custodian = world((down,))
    confirmations = settle(fake, custodian, instruction(fake.at(0, "09:45")))
    # ready at 10:15, inside the outage 10:00-12:00: settles when it ends, at 12:00 = minute 720
    assert [s.time for s in confirmations] == [720.0, 720.0]
    assert fake.recorder.of(PaymentRecord)[0].settled_min == 720.0


def test_cash_after_the_third_party_cutoff_settles_when_the_window_next_opens():
    fake, custodian = world()
    confirmations = settle(fake, custodian, instruction(fake.at(0, "18:30")))
    # ready Fri 19:00, after the 18:45 cutoff: the window reopens at 21:00 on Sunday 3 May,
    # the evening before Monday 4 May: 4320 - 180 = 4140
    assert [s.time for s in confirmations] == [4140.0, 4140.0]


def test_treasuries_after_fedwire_securities_closes_settle_at_its_next_opening():
    fake, custodian = world()
    confirmations = settle(fake, custodian, instruction(fake.at(0, "15:00"), SECURITIES))
    # ready Fri 15:30, after the 15:15 close: Monday 08:30 = 4320 + 510 = 4830
    assert [s.time for s in confirmations] == [4830.0, 4830.0]
    [payment] = fake.recorder.of(PaymentRecord)
    assert (payment.asset, payment.rail) == (SECURITIES, FEDWIRE_SECURITIES)
    assert fake.ledger.balance("firm:f1:seg", SECURITIES) == AMOUNT
