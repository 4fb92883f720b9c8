"""The defaulter's margin layer split by owner (``sim.margin.waterfall.segregated_margin``,
``agents.default_margin``): CEA 4d / CFTC Part 22 LSOC, a customer's collateral meets only its
own loss, the house's any; by hand and on the reproducer of a ported customer's collateral."""

import copy
from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from test_default_invariants import SHRUNK, _recording

from agents.porting import Porting
from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.margin.waterfall import segregated_margin
from sim.run import Run


def test_customer_collateral_meets_only_its_own_loss_by_hand():
    """Customers A (loss 500, collateral 200), B (loss 100, collateral 1,000), C (gain 300,
    collateral 50); house loss 400 with collateral 450. By hand: A gives 200 and is 300 short;
    B gives 100 (its other 900 is not touched for A); C gives nothing (its gain is its own and
    offsets nothing). The house owes 400 + 300 = 700: its 450, and 250 is left for the
    defaulter's fund and the later layers."""
    taken, short, house, rest = segregated_margin(
        np.array([500, 100, -300]), np.array([200, 1000, 50]), 400, 450
    )
    assert taken.tolist() == [200, 100, 0] and short.tolist() == [300, 0, 0]
    assert (house, rest) == (450, 250)


def test_a_house_gain_meets_customer_shortfalls_first():
    """House gain 1,000 (loss -1,000), customer A short 300 beyond its collateral 0: the
    house's net is a gain of 700 (returned to it by the agent); nothing taken, nothing left."""
    taken, short, house, rest = segregated_margin(np.array([300]), np.array([0]), -1000, 5)
    assert (taken.tolist(), short.tolist(), house, rest) == ([0], [300], 0, 0)


@given(
    st.lists(st.tuples(st.integers(-(10**6), 10**6), st.integers(-10, 10**6)), max_size=6),
    st.integers(-(10**6), 10**6),
    st.integers(0, 10**6),
)
def test_every_cent_of_each_owner_is_accounted_once(customers, house_loss, house):
    """Invariants: each customer gives at most its own loss and its own collateral, and what it
    gives plus its shortfall is its loss's positive part; the house gives at most its collateral
    and, with the rest, meets its loss plus the shortfalls (positive part)."""
    loss = np.array([x for x, _ in customers], dtype=np.int64)
    own = np.array([y for _, y in customers], dtype=np.int64)
    taken, short, used, rest = segregated_margin(loss, own, house_loss, house)
    assert (taken <= np.maximum(own, 0)).all() and (taken >= 0).all() and (short >= 0).all()
    assert (taken + short == np.maximum(loss, 0)).all()
    assert 0 <= used <= house and rest >= 0
    assert used + rest == max(house_loss + int(short.sum()), 0)


def test_a_ported_customers_withheld_payout_follows_it():
    """The reproducer (SHRUNK world, ``fcm01`` declared Monday 07:00, seed 0): ``eu00002``'s
    CME leg moves to ``bd_fcm01`` at 07:00 with the 754,704.04 USD its old account holds,
    though attributed 755,477.05 (its 09:30 pay-out counted as done: VM +85,711.01 booked,
    84,938.00 released; 85,711.01 - 84,938.00 = 773.01 short). At 09:30 the VM is booked in
    the old account and the release withheld, so the customer's collateral there is 773.01 +
    84,938.00 = 85,711.01 USD; at the close-out (15:00) that follows it: in all it gets
    754,704.04 + 85,711.01 = 840,415.05 USD, and the old customer account ends empty (no
    other customer there), none of it used for fcm01's house."""
    cfg = copy.deepcopy(SHRUNK)
    cfg["defaults"] = [{"firm": "fcm01", "time": "2026-05-04T07:00:00"}]
    the_run, moves = Run(build_config(cfg), 0), []
    build_world(the_run)
    with patch.object(Porting, "collateral", _recording(moves)):
        the_run.env.run()
    src = "ccp:cme:fcm01:customer"
    assert moves == [
        ("cme", src, "eu00002", [75547705, 0], (75470404, 0)),
        ("cme", src, "eu00002", [8571101, 0], (8571101, 0)),
    ]
    assert 75547705 - 75470404 + 8493800 == 8571101  # 773.01 + the release withheld
    assert the_run.ledger.balance(src) == 0
    pay = the_run.recorder.finish()["payments"]
    assert not (pay["purpose"] == "default_margin").any()  # fcm01's house gained
