"""Collateral arithmetic: pure functions on integer cents.

Securities collateral is a basket of Treasury notes held in cents of face value and priced per
dollar of face from the run's 5-year par yield (``price = 1 - DV01 x change in bp`` from par at
the start, with the 5-year par-bond DV01 of ``sim.market.instruments``). A payee values securities
at ``face x price x (1 - haircut)``, rounded down to the cent; to deliver a value it asks for the
face ``ceil(value / (price x (1 - haircut)))``. Variation margin is settled only in cash; initial
margin may be met with cash or securities.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.market.instruments import KEY_TENORS, par_dv01_per_dollar

COLLATERAL_TENOR = "5Y"


def collateral_prices(closes_bp: np.ndarray) -> np.ndarray:
    """Price per dollar of face at each run close (index 0 = before the run, then one per day),
    from the run days' key-rate changes (bp, shape (D, 5))."""
    k = KEY_TENORS.index(COLLATERAL_TENOR)
    cumulative = np.concatenate([[0.0], np.cumsum(closes_bp[:, k])])
    return 1.0 - par_dv01_per_dollar(5.0) * cumulative


def value_cents(face_cents: int, price: float, haircut: float) -> int:
    """Collateral value (cents) of ``face_cents`` after the haircut, rounded down."""
    return math.floor(face_cents * price * (1.0 - haircut))


def face_for_value(value: int, price: float, haircut: float) -> int:
    """Smallest face (cents) whose haircut value covers ``value`` cents."""
    face = math.ceil(value / (price * (1.0 - haircut)))
    while value_cents(face, price, haircut) < value:  # guard float rounding
        face += 1
    return face


class Shortfall(NamedTuple):
    """What an account must pay (``cash_due`` only in cash, ``im_due`` in cash or securities
    value) or may release (``excess``) against its ``requirement``, all in cents (an immutable
    named tuple: made for every account and customer at every cycle, the hot path of a run)."""

    cash_due: int
    im_due: int
    excess: int
    requirement: int = 0

    @property
    def amount(self) -> int:
        return self.cash_due + self.im_due


def shortfall(cash: int, securities_value: int, vm: int, requirement: int) -> Shortfall:
    """Net position of a margin account after a cycle's variation margin ``vm`` (positive: a
    gain) against its initial-margin ``requirement``: VM losses beyond the cash are due in cash,
    the rest of the requirement not covered by securities and remaining cash is due in either,
    and anything above the requirement is excess."""
    net_cash = cash + vm
    cash_due = max(0, -net_cash)
    covered = securities_value + max(net_cash, 0)
    return Shortfall(
        cash_due, max(0, requirement - covered), max(0, covered - requirement), requirement
    )
