"""Tests of sim.calls (the call book): every margin call has one id and ends exactly once (on
time, late or defaulted), writing exactly one ``calls`` row (DESIGN section 3)."""

from __future__ import annotations

import math

import pytest
import simpy

from sim.calls import CallBook
from sim.errors import CallStateError
from sim.messages import MarginCall
from sim.records import Recorder

NAN = float("nan")


# --- call book ----------------------------------------------------------------------------------


def _call(call_id: str, due: float = 60.0, final: float = 120.0) -> MarginCall:
    return MarginCall(
        call_id=call_id,
        level="ccp",
        ccp="cme",
        cycle="eod",
        payer="fcm01",
        payee="cme",
        account="house",
        cash_cents=100_000,
        im_cents=200_000,
        issued_min=0.0,
        due_min=due,
        final_min=final,
    )


@pytest.fixture
def book():
    return CallBook(simpy.Environment(), Recorder())


def test_settle_on_or_before_due_is_on_time(book):
    """Due at minute 60: settled at 30 and at exactly 60 are on time."""
    for cid, t in (("A", 30.0), ("B", 60.0)):
        paid = book.issue(_call(cid))
        assert book.is_open(cid)
        assert book.settle(cid, t) == "on_time"
        assert paid.triggered and paid.value == "on_time"
        assert not book.is_open(cid)
        assert book.ended[cid] == "on_time"


def test_settle_after_due_is_late(book):
    """Due at 60: settled at 60.5 and at the final deadline 120 are late."""
    for cid, t in (("A", 60.5), ("B", 120.0)):
        paid = book.issue(_call(cid))
        assert book.settle(cid, t) == "late"
        assert paid.value == "late"


def test_default(book):
    book.issue(_call("A"))
    book.add_prefund("A", 250)
    book.default("A", 120.0)
    assert book.ended["A"] == "defaulted"
    assert not book.is_open("A")
    row = book.recorder.finish()["calls"].iloc[0]
    assert row["status"] == "defaulted"
    assert math.isnan(row["settled_min"])
    assert row["prefunded_usd"] == 2.50  # 250 cents, in dollars in the table


@pytest.mark.parametrize(
    "first, second",
    [
        ("settle", "settle"),
        ("settle", "default"),
        ("default", "settle"),
        ("default", "default"),
    ],
)
def test_ending_twice_raises_and_writes_nothing_more(book, first, second):
    book.issue(_call("A"))
    getattr(book, first)("A", 30.0)
    status = book.ended["A"]
    with pytest.raises(CallStateError):
        getattr(book, second)("A", 40.0)
    assert book.ended["A"] == status
    assert book.recorder.counts["calls"] == 1


def test_unknown_call_and_double_issue_raise(book):
    with pytest.raises(CallStateError):
        book.settle("nope", 1.0)
    book.issue(_call("A"))
    with pytest.raises(CallStateError):
        book.issue(_call("A"))
    book.settle("A", 1.0)
    with pytest.raises(CallStateError):  # an ended id cannot be reused either
        book.issue(_call("A"))


def test_each_ended_call_writes_exactly_one_row(book):
    """Six calls: two on time, two late, one defaulted, one left open -> five rows, one per
    ended id, with the statuses and prefunding recorded; the open call has no row."""
    plan = {
        "A": ("settle", 10.0),
        "B": ("settle", 60.0),
        "C": ("settle", 61.0),
        "D": ("settle", 119.0),
        "E": ("default", 120.0),
    }
    for cid in [*plan, "F"]:
        book.issue(_call(cid))
    book.add_prefund("C", 1_000)
    book.add_prefund("C", 500)
    for cid, (action, t) in plan.items():
        getattr(book, action)(cid, t)
    assert [c.call_id for c in book.open_calls()] == ["F"]
    calls = book.recorder.finish()["calls"]
    assert sorted(calls["call_id"]) == ["A", "B", "C", "D", "E"]
    status = dict(zip(calls["call_id"], calls["status"], strict=True))
    assert status == {"A": "on_time", "B": "on_time", "C": "late", "D": "late", "E": "defaulted"}
    prefunded = dict(zip(calls["call_id"], calls["prefunded_usd"], strict=True))
    assert prefunded["C"] == 15.00  # 1,000 + 500 cents, in dollars in the table
    settled = dict(zip(calls["call_id"], calls["settled_min"], strict=True))
    assert settled["D"] == 119.0


def test_waiting_process_receives_the_status():
    """A SimPy process waiting on the paid event resumes at the settle time with the status."""
    env = simpy.Environment()
    book = CallBook(env, Recorder())
    got = []

    def payer():
        yield env.timeout(75.0)
        book.settle("A", env.now)

    def waiter(paid):
        status = yield paid
        got.append((env.now, status))

    env.process(waiter(book.issue(_call("A"))))
    env.process(payer())
    env.run()
    assert got == [(75.0, "late")]
