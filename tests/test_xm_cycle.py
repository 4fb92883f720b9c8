"""One call per cycle on an XM customer's 4d statement (``firms.xm_one_call_per_cycle``,
``agents.xm_cycle``) against a call per CCP statement (false, the setting before).

Hand case (tests/fake_run.py; firm ``f1`` charges 1.5 x the CCP's IM, minimum transfer $1,000,
joint XM equity): hedge fund ``u1`` opened with CME IM 1,000,000 and FICC IM 2,000,000 cents, so
equity 4,500,000 against a requirement of 4,500,000. Business day 0's close cycle: CME's ``eod``
statement (Friday 19:30 here) brings VM -2,000,000 (IMs unchanged): equity 2,500,000, shortfall
2,000,000; FICC's ``sod`` statement of the same close (date_index 0) then brings VM -3,000,000:
counting the 2,000,000 called as equity, 4,500,000 - 5,000,000 + 2,000,000 = 1,500,000 against
4,500,000, a further 3,000,000.

- Switch off: two calls, 2,000,000 and 3,000,000.
- Switch on: one call of 5,000,000 = 2,000,000 + 3,000,000, whether the second statement finds
  the first call at the desk (same minute: ``handling_minutes`` 2) or open and unanswered (ten
  minutes later: the call is amended).
- Switch on, the first call paid before FICC's statement: the 3,000,000 is absorbed (no second
  call), and the next cycle's statement (CME ``intraday`` of day 1, VM 0) calls it: over the two
  cycles 2,000,000 + 3,000,000 is called, as with the switch off (conservation).
"""

from __future__ import annotations

import pytest
from fake_run import FakeRun, make_firm
from test_tiny_run import _log
from tiny import TINY_MODEL, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.messages import CycleStatement, MarginCall, PaymentSettled
from sim.run import run
from sim.settlement.ledger import CASH

XM = "customer_xm"
ACCOUNTS = [("cme", XM), ("ficc", XM)]
OPENED = [("u1", "cme", 1_000_000), ("u1", "ficc", 2_000_000)]
KEY = ("u1", "xm")


def firm_for(one_call: bool):
    fake = FakeRun(
        {
            "firms": {
                "house_multiplier": 1.5,
                "min_transfer_usd": 1000,
                "xm_customer_equity": "joint",
                "xm_one_call_per_cycle": one_call,
            }
        }
    )
    return fake, make_firm(fake, ACCOUNTS, OPENED)


def statement(ccp: str, cycle: str, day: int, im: int, vm: int) -> CycleStatement:
    return CycleStatement("Y1", ccp, cycle, "f1", XM, day, ("u1",), (im,), (vm,), None, 0)


def close_cycle(one_call: bool, gap_minutes: float = 0.0) -> tuple[FakeRun, object]:
    """The hand case's two statements, FICC's ``gap_minutes`` after CME's."""
    fake, firm = firm_for(one_call)
    at = fake.at(0, "19:30")
    fake.deliver(firm, statement("cme", "eod", 0, 1_000_000, -2_000_000), at)
    fake.deliver(firm, statement("ficc", "sod", 0, 2_000_000, -3_000_000), at + gap_minutes)
    fake.env.run(until=at + 30)
    return fake, firm


def amounts(fake: FakeRun) -> list[int]:
    """The amounts of the customer calls as they stand (amended or not)."""
    ids = [s.message.call_id for s in fake.messages(MarginCall)]
    return [fake.calls.call(i).amount_cents for i in ids]


def test_switch_off_calls_at_each_statement():
    fake, firm = close_cycle(False)
    assert amounts(fake) == [2_000_000, 3_000_000]
    assert firm.customers.called[KEY] == 5_000_000


@pytest.mark.parametrize("gap", [0.0, 10.0])  # at the desk; issued and unanswered
def test_one_call_for_the_cycle_total(gap):
    fake, firm = close_cycle(True, gap)
    assert amounts(fake) == [5_000_000]
    assert firm.customers.called[KEY] == 5_000_000
    assert len(fake.events("customer_call_added")) == 1


def pay(fake: FakeRun, firm, call_id: str, cents: int, at: float) -> None:
    """``u1`` pays ``cents`` in cash into the segregated account for ``call_id`` at ``at``."""
    fake.ledger.transfer("eu:u1:cash", "firm:f1:seg", cents)
    fake.deliver(firm, PaymentSettled("P1", call_id, "u1", "f1", CASH, cents, cents, at), at)


def test_the_whole_cycle_call_is_paid_and_nothing_stays_in_flight():
    """Conservation: once the one call is paid, equity is 4,500,000 - 5,000,000 VM + 5,000,000
    paid = the requirement: nothing in flight, no shortfall, no excess."""
    fake, firm = close_cycle(True, 10.0)
    [sent] = fake.messages(MarginCall)
    pay(fake, firm, sent.message.call_id, 5_000_000, fake.env.now + 1)
    fake.env.run(until=fake.env.now + 5)
    assert not fake.calls.is_open(sent.message.call_id)
    assert firm.customers.called[KEY] == 0
    standing = firm.customers.standing(KEY)
    assert (standing.amount, standing.excess, standing.requirement) == (0, 0, 4_500_000)


def test_a_paid_cycle_call_absorbs_the_second_shortfall_until_the_next_cycle():
    fake, firm = firm_for(True)
    at = fake.at(0, "19:30")
    fake.deliver(firm, statement("cme", "eod", 0, 1_000_000, -2_000_000), at)
    fake.env.run(until=at + 5)
    [first] = fake.messages(MarginCall)
    pay(fake, firm, first.message.call_id, 2_000_000, at + 6)
    fake.deliver(firm, statement("ficc", "sod", 0, 2_000_000, -3_000_000), at + 10)
    fake.env.run(until=at + 15)
    assert len(fake.messages(MarginCall)) == 1 and firm.customers.called[KEY] == 0
    assert [e.amount_cents for e in fake.events("customer_call_absorbed")] == [3_000_000]
    fake.deliver(firm, statement("cme", "intraday", 1, 1_000_000, 0), fake.at(1, "13:30"))
    fake.env.run(until=fake.at(1, "14:00"))
    calls = [s.message.amount_cents for s in fake.messages(MarginCall)]
    assert calls == [2_000_000, 3_000_000]  # the switch-off total, a cycle later


def test_the_tiny_world_under_the_4d_statement():
    """The tiny world (tests/tiny.py) under joint equity with the switch on: on Friday eu00001's
    FICC noon call C000002 (5,688,204 cents) is paid at 12:30, so CME's 13:30 intraday shortfall
    of the same intraday cycle (847,625, old C000005) is absorbed; the close cycle's CME ``eod``
    call carries it: 4,304,372 + 847,625 = 5,151,997 cents. With the switch off (joint equity
    alone) both Friday calls stand as in tests/test_tiny_model.py's log."""
    joint = deep_merge(TINY_MODEL, {"firms": {"xm_customer_equity": "joint"}})
    rows = [r for r in _tiny(joint) if r[5] == "eu00001" and r[10].startswith("Fri")]
    assert [(r[3], r[4], r[9]) for r in rows] == [
        ("ficc", "noon", 5_688_204), ("cme", "eod", 5_151_997),
    ]  # fmt: skip
    off = deep_merge(joint, {"firms": {"xm_one_call_per_cycle": False}})
    rows = [r for r in _tiny(off) if r[5] == "eu00001" and r[10].startswith("Fri")]
    assert [r[9] for r in rows] == [5_688_204, 847_625, 4_304_372]


def _tiny(cfg: dict) -> list[tuple]:
    return _log(run(build_config(cfg), TINY_SEED, build_world).tables["calls"])
