"""Collateral arithmetic (``sim.settlement.collateral``): prices from the 5-year yield, haircut
values rounded down to the cent, the smallest face that covers a value, and what a margin
account owes or may release. Money in integer cents; prices per dollar of face."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.settlement.collateral import (
    Shortfall,
    collateral_prices,
    face_for_value,
    shortfall,
    value_cents,
)

# 5-year par bond at the 4% reference yield, semi-annual: DV01 per dollar of face
# (1 - 1.02^-10) / 0.04 x 1e-4 = 4.4912925e-4 (1.02^-10 = 0.8203483)
DV01_5Y = 4.4912925e-4


def test_collateral_prices_follow_the_5y_changes_by_hand():
    """Daily 5Y changes +10, -4, +20 bp (the other tenors' 99 bp ignored): cumulative 0, 10, 6,
    26 bp; price 1 - DV01 x cumulative = 1, 0.99550871, 0.99730522, 0.98832264."""
    closes = np.full((3, 5), 99.0)
    closes[:, 2] = [10.0, -4.0, 20.0]  # KEY_TENORS = 3M, 2Y, 5Y, 10Y, 30Y
    prices = collateral_prices(closes)
    assert prices == pytest.approx([1.0, 0.99550871, 0.99730522, 0.98832264], rel=1e-8)
    assert prices == pytest.approx(1.0 - DV01_5Y * np.array([0.0, 10.0, 6.0, 26.0]), rel=1e-8)


def test_collateral_price_before_any_day_is_par():
    assert collateral_prices(np.zeros((0, 5))).tolist() == [1.0]


@pytest.mark.parametrize(
    ("face", "price", "haircut", "value"),
    [
        (1_000_000, 1.0, 0.02, 980_000),  # $10,000 at par less 2%: $9,800.00
        (333, 0.99, 0.0, 329),  # 329.67 cents, rounded down
        (101, 0.995, 0.05, 95),  # 101 x 0.995 x 0.95 = 95.47025, rounded down
        (250_000_000, 0.98, 0.05, 232_750_000),  # 2.5e8 x 0.98 x 0.95 = 232,750,000 exactly
        (0, 0.97, 0.1, 0),
    ],
)
def test_value_cents_by_hand(face, price, haircut, value):
    assert value_cents(face, price, haircut) == value


@pytest.mark.parametrize(
    ("value", "price", "haircut", "face"),
    [
        (980_000, 1.0, 0.02, 1_000_000),  # 980,000 / 0.98; 999,999 is worth 979,999.02 -> 979,999
        (329, 0.99, 0.0, 333),  # 329 / 0.99 = 332.3 -> 333 (332 is worth 328.68 -> 328)
        (95, 0.995, 0.05, 101),  # 95 / 0.94525 = 100.5 -> 101 (100 is worth 94.525 -> 94)
        # 63 / 0.63 = 100 on paper, but 100 x 0.9 x 0.7 is 62.99999999999999 in floats -> 62:
        # the smallest face that covers is 101 (63.63 -> 63)
        (63, 0.9, 0.3, 101),
        (0, 0.97, 0.1, 0),
    ],
)
def test_face_for_value_by_hand(value, price, haircut, face):
    assert face_for_value(value, price, haircut) == face
    assert value_cents(face, price, haircut) >= value
    assert face == 0 or value_cents(face - 1, price, haircut) < value


PRICES = st.floats(0.8, 1.2)  # 1 - DV01 x cumulative change: within +-450 bp of the start
HAIRCUTS = st.floats(0.0, 0.5)


@given(st.integers(0, 10**13), PRICES, HAIRCUTS)
def test_face_for_value_always_covers(value, price, haircut):
    """Up to $100bn: the face asked for is worth at least the value, as the payee values it."""
    assert value_cents(face_for_value(value, price, haircut), price, haircut) >= value


def _exact_value(face: int, price: float, haircut: float) -> int:
    """``value_cents`` in exact arithmetic on the same floats (price and 1 - haircut)."""
    return math.floor(Fraction(face) * Fraction(price) * Fraction(1.0 - haircut))


# derandomize: a fixed set of examples, so that the rare float case below (rarer than one draw
# in ten million at these sizes) cannot make the test flaky
@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(1, 10**9), PRICES, HAIRCUTS)
def test_face_for_value_is_minimal(value, price, haircut):
    """Up to $10m: one cent of face less does not cover, as the payee values it and exactly."""
    face = face_for_value(value, price, haircut)
    assert value_cents(face - 1, price, haircut) < value
    assert _exact_value(face - 1, price, haircut) < value


# Found by random search (about one draw in 10^7 between $1m and $100m): the product 8728527054
# x price x 0.9 is 8750139950.999998 exactly but comes out as 8750139951.0 in floats
ROUNDS_UP = (8_750_139_951, 1.1138623576675382, 0.1, 8_728_527_055)


def test_face_for_value_is_exactly_minimal_where_floats_round_up():
    value, price, haircut, face = ROUNDS_UP
    assert face_for_value(value, price, haircut) == face
    assert _exact_value(face - 1, price, haircut) == value - 1
    assert _exact_value(face, price, haircut) >= value


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="value_cents floors a float product, which can round up across a whole cent; exact "
    "integer arithmetic would fix it but change simulation numbers",
)
def test_value_cents_rounds_down_exactly():
    _, price, haircut, face = ROUNDS_UP
    assert value_cents(face - 1, price, haircut) == _exact_value(face - 1, price, haircut)


@pytest.mark.parametrize(
    ("cash", "securities", "vm", "requirement", "expected"),
    [
        # VM loss 300 beyond cash 100: 200 due in cash; securities 500 cover the 400, 100 excess
        (100, 500, -300, 400, Shortfall(200, 0, 100)),
        # loss within cash (1,000 - 400 = 600 left) + securities 200 = 800 of 1,000: 200 due
        (1_000, 200, -400, 1_000, Shortfall(0, 200, 0)),
        # a gain: 500 + 300 = 800 against 600, 200 excess
        (500, 0, 300, 600, Shortfall(0, 0, 200)),
        # both: 50 due in cash, then 300 - 100 securities = 200 due in either
        (0, 100, -50, 300, Shortfall(50, 200, 0)),
        # exactly covered: 300 + 200 = 500
        (300, 200, 0, 500, Shortfall(0, 0, 0)),
        # an overdrawn account owes its cash even when securities leave an excess (1,000 - 500)
        (-100, 1_000, 0, 500, Shortfall(100, 0, 500)),
        (0, 0, 0, 0, Shortfall(0, 0, 0)),
    ],
)
def test_shortfall_by_hand(cash, securities, vm, requirement, expected):
    got = shortfall(cash, securities, vm, requirement)
    assert got == expected._replace(requirement=requirement)  # it carries its requirement
    assert got.amount == expected.cash_due + expected.im_due
    assert got.im_due == 0 or got.excess == 0  # invariant: never both due and in excess
