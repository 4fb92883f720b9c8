"""The firms' customer deficits kept call by call (``agents.firm_deficits``) equal the full sum
over all their calls (``OpenDeficits.recompute``, the sum the firms made at every rebalance
before): checked at every rebalance (``OpenDeficits.verify``) through random worlds with
member defaults (calls cancelled), customer defaults and close-outs, deleveraging, per-customer
segregation under both residual-interest deadlines; and on a hand-made book."""

from __future__ import annotations

import math
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from test_default_invariants import _run, default_worlds

from agents.firm_deficits import OpenDeficits
from sim.messages import MarginCall


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(world=default_worlds())
def test_kept_deficits_equal_the_full_sum_at_every_rebalance(world):
    """Invariant: each answer the firms' residual interest is sized on equals the full sum
    (``verify`` asserts it in ``OpenDeficits.deficits``)."""
    world["firms"] = {**world["firms"], "segregation": "per_customer"}
    was, OpenDeficits.verify = OpenDeficits.verify, True
    try:
        the_run, *_ = _run(world, 7)
    finally:
        OpenDeficits.verify = was
    assert the_run.env.now > 0


class _Calls:
    def __init__(self) -> None:
        self.open: set[str] = set()

    def is_open(self, call_id: str) -> bool:
        return call_id in self.open


def _call(call_id: str, payer: str, ccp: str, account: str, cents: int, at: float) -> MarginCall:
    return MarginCall(call_id, "customer", ccp, "eod", payer, "F", account, cents, 0, at, at, at)


def test_a_hand_made_book():
    """Hand calculation: A owes 100 (4d) and 50 (15c3-3), B 30 issued at minute 10; A pays 40
    of the first call, B's call defaults; each answer also equals ``recompute``."""
    calls = _Calls()
    firm = SimpleNamespace(run=SimpleNamespace(calls=calls), issued={}, received={})
    book = OpenDeficits(firm)
    for c in (
        _call("C1", "A", "cme", "customer", 100, 0.0),
        _call("C2", "A", "ficc", "customer", 50, 0.0),
        _call("C3", "B", "cme", "customer_xm", 30, 10.0),
    ):
        firm.issued[c.call_id] = c
        calls.open.add(c.call_id)
        book.track(c.call_id)
    assert book.deficits("4d", 5.0) == {"A": 100}  # C3 issued after minute 5
    assert book.deficits("15c3", 5.0) == {"A": 50}
    assert book.deficits("4d", math.inf) == {"A": 100, "B": 30}
    firm.received["C1"] = 40
    book.track("C1")
    calls.open.discard("C3")  # defaulted
    book.track("C3")
    assert book.deficits("4d", math.inf) == {"A": 60} == book.recompute("4d", math.inf)
    assert book.deficits("4d", -math.inf) == {} == book.recompute("4d", -math.inf)  # afresh
    assert book.deficits("15c3", 0.0) == {"A": 50} == book.recompute("15c3", 0.0)
