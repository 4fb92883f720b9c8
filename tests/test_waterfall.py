"""The pure default waterfall, default-fund sizing and XM loss sharing (``sim.margin.waterfall``)
against hand calculations and the allocation invariant."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.margin.waterfall import (
    cover_n,
    inter_ccp_transfer,
    share_joint_loss,
    stressed_losses,
    waterfall,
)
from sim.settlement.ledger import pro_rata_cents


def test_waterfall_by_hand():
    """Loss 1,000 against margin 300, own fund 100, CCP capital 50, survivors' fund 400,
    assessments 100: by hand 300 + 100 + 50 + 400 + 100 = 950 used, 50 uncovered. A loss of
    420 stops in the CCP's capital: 300 + 100 = 400, then 20 of its 50, nothing after. A gain
    uses nothing."""
    res = np.array([[300, 100, 50, 400, 100]] * 3)
    used, uncovered = waterfall(np.array([1000, 420, -7]), res)
    assert used.tolist() == [[300, 100, 50, 400, 100], [300, 100, 20, 0, 0], [0] * 5]
    assert uncovered.tolist() == [50, 0, 0]


@given(
    st.lists(
        st.tuples(
            st.integers(-(10**12), 10**12), st.lists(st.integers(0, 10**11), min_size=5, max_size=5)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_every_loss_allocated_exactly_once(rows):
    """Invariant: layers used plus uncovered equal the (positive part of the) loss, no layer
    above its size, none negative."""
    loss = np.array([r[0] for r in rows])
    res = np.array([r[1] for r in rows])
    used, uncovered = waterfall(loss, res)
    assert (used.sum(axis=1) + uncovered == np.maximum(loss, 0)).all()
    assert (used <= res).all() and (used >= 0).all() and (uncovered >= 0).all()


@given(st.integers(-(10**12), 10**12), st.lists(st.floats(0, 1e9), min_size=1, max_size=10))
def test_pro_rata_cents_sums_exactly(total, weights):
    """Invariant: the split sums to the total to the cent."""
    assert int(pro_rata_cents(total, np.array(weights)).sum()) == total


def test_xm_loss_split_by_hand():
    """One XM account: CME's futures leg loses $1,000.00 (100,000 cents), FICC's cash leg gains
    $400.00 (-40,000 cents): joint loss 60,000 cents. XM IMs 300 (CME) and 100 (FICC),
    standalone IMs 500 and 500. By hand:
    pro_rata_im: CME 3/4 x 60,000 = 45,000, FICC 15,000; CME realised 100,000, so FICC pays CME
    55,000 (transfer -55,000).
    pro_rata_standalone: 30,000 each; FICC pays CME 70,000.
    own_leg: CME 100,000, FICC -40,000 (keeps its gain); no transfer."""
    own = np.array([[100_000, -40_000]])
    im, sa = np.array([[300.0, 100.0]]), np.array([[500.0, 500.0]])
    expected = {
        "pro_rata_im": ([45_000, 15_000], -55_000),
        "pro_rata_standalone": ([30_000, 30_000], -70_000),
        "own_leg": ([100_000, -40_000], 0),
    }
    for rule, (shares, transfer) in expected.items():
        share = share_joint_loss(rule, own, im, sa)
        assert share[0].tolist() == shares, rule
        assert inter_ccp_transfer(share, own).tolist() == [transfer], rule


def test_cover_n_by_hand():
    """Three members, scenarios' P&L (dollars) rows = scenarios: worst losses 500, 900, 200;
    IMs 100, 400, 300: stressed 400, 500, 0. Cover-1 = 500, Cover-2 = 900, scaled by 2: 1,800."""
    pnl = np.array([[-500.0, 10.0, -200.0], [20.0, -900.0, 5.0]])
    stressed = stressed_losses(pnl, np.array([100.0, 400.0, 300.0]))
    assert stressed.tolist() == [400.0, 500.0, 0.0]
    assert cover_n(stressed, 1) == 500.0
    assert cover_n(stressed, 2, 2.0) == 1800.0
