"""Tests of sim.settlement.ledger: exact cents, conservation, credit limits, bad input, to_cents
rounding.

Invariants (DESIGN section 3): money enters only as an opening endowment, so the sum of balances
equals the endowment after any sequence of transfers; no account ever goes beyond its credit
limit; a refused transfer changes nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import LedgerError
from sim.settlement.ledger import Ledger, to_cents


@pytest.fixture
def ledger():
    """a: 10,000 cents, no credit; b: 0 cents, 500 cents credit; ext: unlimited credit."""
    led = Ledger()
    led.open("a", 10_000)
    led.open("b", 0, credit_limit_cents=500)
    led.open("ext", 0, credit_limit_cents=math.inf)
    return led


def test_transfer_moves_exact_cents(ledger):
    """a 10,000 - 1,234 = 8,766; b 0 + 1,234 = 1,234; then b pays 1,734 -> -500 (its limit)."""
    ledger.transfer("a", "b", 1_234)
    assert ledger.balance("a") == 8_766
    assert ledger.balance("b") == 1_234
    ledger.transfer("b", "ext", 1_734)
    assert ledger.balance("b") == -500
    assert ledger.balance("ext") == 1_734
    assert ledger.total() == ledger.endowed() == 10_000
    assert ledger.below_limit() == []


def test_available_and_can_pay(ledger):
    """available = balance + credit: a 10,000; b 0 + 500 = 500; ext unlimited."""
    assert ledger.available("a") == 10_000
    assert ledger.available("b") == 500
    assert ledger.available("ext") == math.inf
    assert ledger.can_pay("b", 500)
    assert not ledger.can_pay("b", 501)
    assert ledger.can_pay("ext", 10**15)


def test_overdraft_beyond_credit_limit_raises_and_changes_nothing(ledger):
    """b may go to -500 but not -501; a (no credit) may not pay 10,001."""
    before = ledger.balances()
    with pytest.raises(LedgerError):
        ledger.transfer("b", "a", 501)
    with pytest.raises(LedgerError):
        ledger.transfer("a", "b", 10_001)
    assert ledger.balances() == before
    ledger.transfer("b", "a", 500)  # exactly to the limit is allowed
    assert ledger.balance("b") == -500


def test_unlimited_credit_account_pays_any_amount(ledger):
    ledger.transfer("ext", "a", 10**15)
    assert ledger.balance("ext") == -(10**15)
    assert ledger.balance("a") == 10_000 + 10**15
    assert ledger.total() == ledger.endowed()
    assert ledger.below_limit() == []


@pytest.mark.parametrize("amount", [0, -1, -10_000, 1.0, 100.5, "100", None])
def test_bad_amounts_raise_and_change_nothing(ledger, amount):
    """Amounts must be positive int cents: zero, negative, float and non-numbers are refused."""
    before = ledger.balances()
    with pytest.raises(LedgerError):
        ledger.transfer("a", "b", amount)
    assert ledger.balances() == before


@pytest.mark.parametrize("src, dst", [("a", "nobody"), ("nobody", "a"), ("x", "y")])
def test_unknown_account_raises(ledger, src, dst):
    before = ledger.balances()
    with pytest.raises(LedgerError):
        ledger.transfer(src, dst, 1)
    assert ledger.balances() == before


def test_transfer_to_itself_raises(ledger):
    with pytest.raises(LedgerError):
        ledger.transfer("a", "a", 1)
    assert ledger.balance("a") == 10_000


def test_open_rules():
    """Duplicate names, non-int balances and openings beyond the credit limit are refused; the
    endowment is the sum of the opening balances (100 + -50 = 50)."""
    led = Ledger()
    led.open("a", 100)
    led.open("b", -50, credit_limit_cents=50)
    with pytest.raises(LedgerError):
        led.open("a", 1)
    with pytest.raises(LedgerError):
        led.open("c", 1.5)
    with pytest.raises(LedgerError):
        led.open("d", -51, credit_limit_cents=50)
    assert led.endowed() == 50
    assert led.total() == 50
    assert set(led.balances()) == {"a", "b"}


def test_unknown_balance_lookup_raises():
    with pytest.raises(KeyError):
        Ledger().balance("nobody")


@pytest.mark.parametrize(
    "dollars, cents",
    [
        (0.005, 1),  # half a cent rounds away from zero
        (-0.005, -1),
        (0.125, 13),  # 12.5 cents, exactly representable in binary: away from zero
        (-0.125, -13),
        (1.234, 123),  # 123.4 cents -> 123
        (-1.236, -124),  # -123.6 cents -> -124
        (0.0, 0),
        (3000.0, 300_000),  # CME TN initial margin $3,000 (CME 2024) in cents
        (343_240_000.0, 34_324_000_000),  # CFTC sample portfolio $343.24m in cents
    ],
)
def test_to_cents_rounds_half_away_from_zero(dollars, cents):
    result = to_cents(dollars)
    assert result == cents
    assert type(result) is int
    array = to_cents(np.array([dollars, dollars]))
    assert array.dtype == np.int64 and array.tolist() == [cents, cents]  # same rule on arrays


def test_half_cents_go_away_from_zero_not_to_even():
    """$0.125 and $0.375 are exact in binary: 12.5 and 37.5 cents round to 13 and 38 (half to
    even would give 12 and 38), and their negatives to -13 and -38."""
    dollars = np.array([0.125, 0.375, -0.125, -0.375])
    assert to_cents(dollars).tolist() == [13, 38, -13, -38]


# --- property test ------------------------------------------------------------------------------

LIMITS = {"a": 0, "b": 1_000, "c": 0, "ext": math.inf}
OPENING = {"a": 5_000, "b": 0, "c": 250, "ext": 0}
NAMES = [*LIMITS, "ghost"]

amounts = st.one_of(
    st.integers(min_value=-100, max_value=20_000),
    st.floats(min_value=-10.0, max_value=100.0, allow_nan=False),
)
transfers = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), amounts), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(transfers)
def test_random_transfers_conserve_money_and_respect_limits(ops):
    """Against a reference model: a transfer succeeds iff it is valid (known distinct accounts,
    positive int amount, within the payer's credit); valid ones move exactly the amount, refused
    ones change nothing; the total never changes and no account goes beyond its limit."""
    led = Ledger()
    for name, limit in LIMITS.items():
        led.open(name, OPENING[name], credit_limit_cents=limit)
    model = dict(OPENING)
    endowed = sum(OPENING.values())
    for src, dst, amount in ops:
        valid = (
            src in model
            and dst in model
            and src != dst
            and isinstance(amount, int)
            and amount > 0
            and model[src] - amount >= -LIMITS[src]
        )
        if valid:
            led.transfer(src, dst, amount)
            model[src] -= amount
            model[dst] += amount
        else:
            with pytest.raises(LedgerError):
                led.transfer(src, dst, amount)
        assert led.balances() == model
        assert led.total() == endowed == led.endowed()
        assert all(led.balance(n) >= -LIMITS[n] for n in LIMITS)
        assert led.below_limit() == []


def test_set_limit_cuts_and_grants_a_line_and_refuses_below_the_balance(ledger):
    """b: balance 0, limit 500. b pays 300 -> -300; a cut to 300 is allowed (balance = -limit),
    to 299 refused; b can then pay nothing more; a grant back to 500 lets it pay 200 more."""
    ledger.transfer("b", "ext", 300)
    ledger.set_limit("b", 300)
    assert ledger.limit("b") == 300 and ledger.available("b") == 0
    with pytest.raises(LedgerError, match="cannot fall to 299"):
        ledger.set_limit("b", 299)
    with pytest.raises(LedgerError, match="must be >= 0"):
        ledger.set_limit("a", -1)
    with pytest.raises(LedgerError, match="unknown account 'zz'"):
        ledger.set_limit("zz", 0)
    ledger.set_limit("b", 500)
    ledger.transfer("b", "ext", 200)
    assert ledger.balance("b") == -500 and not ledger.below_limit() and ledger.conserved()
