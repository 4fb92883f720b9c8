"""Customer segregation (issue 13 item 1, ``firms.segregation: per_customer``).

The ledger rule: money leaves a customer's sub-account only for that customer's obligation
(``sim.settlement.ledger``), checked on random transfers (hypothesis) with cash and securities
conserved. A hand-built firm (tests/fake_run.py's fake run) with two customers at CME, ``u1``
in surplus and ``u2`` short: the firm's pre-funding of the CCP call is ``u2``'s deficit, and
``u1``'s money stays in its sub-account; pooled (before), ``u1``'s money paid part of it.
"""

from __future__ import annotations

import pytest
from fake_run import FakeRun
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.clearing_firm import ClearingFirm
from agents.segregation import split
from sim.errors import LedgerError
from sim.messages import CycleStatement, MarginCall
from sim.records import PaymentRecord
from sim.settlement.ledger import ASSETS, CASH, Ledger

CUSTOMERS = ("a", "b", "c")
ACCOUNTS = (*(f"sub:{c}" for c in CUSTOMERS), "residual", "cash")


def _ledger() -> Ledger:
    ledger = Ledger()
    for c in CUSTOMERS:
        ledger.open(f"sub:{c}", 1_000, 0, 500, owner=c)
    ledger.open("residual", 0)
    ledger.open("cash", 5_000, 2_000, 500)
    return ledger


TRANSFER = st.tuples(
    st.sampled_from(ACCOUNTS),
    st.sampled_from(ACCOUNTS),
    st.integers(1, 3_000),
    st.sampled_from(ASSETS),
    st.sampled_from((None, *CUSTOMERS)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TRANSFER, max_size=30))
def test_no_sub_account_funds_another_customer_and_money_is_conserved(transfers):
    """Invariant: a transfer out of customer X's sub-account for any beneficiary but X raises
    and moves nothing; every other transfer obeys only the balance rules; the totals of cash
    and securities never change."""
    ledger = _ledger()
    for src, dst, amount, asset, beneficiary in transfers:
        before = ledger.balances(CASH), ledger.balances("UST")
        owner = ledger.owner(src)
        if owner is not None and beneficiary != owner:
            with pytest.raises(LedgerError, match="segregation breach"):
                ledger.transfer(src, dst, amount, asset, beneficiary)
            assert (ledger.balances(CASH), ledger.balances("UST")) == before
            continue
        try:
            ledger.transfer(src, dst, amount, asset, beneficiary)
        except LedgerError:  # overdraft or a transfer to itself: nothing moved
            assert (ledger.balances(CASH), ledger.balances("UST")) == before
        assert ledger.conserved() and not ledger.below_limit()


def test_split_sums_exactly_in_proportion():
    """10 cents over weights 1:2 -> 3.33 and 6.67, largest remainder: 3 and 7."""
    assert split(10, {"x": 1.0, "y": 2.0}) == {"x": 3, "y": 7}
    assert split(5, {"x": 0.0, "y": -1.0}) == {"x": 5}  # no weight: all to the first


IM = 1_000_000  # each customer's CME IM (cents) at the opening
LOSS = 2_000_000  # u2's variation margin loss (cents)
AT = 720.0  # Fri 1 May 2026 12:00, Fedwire Funds open


def _firm(segregation: str, deadline: str = "immediate") -> tuple[FakeRun, ClearingFirm]:
    """Firm f1 with u1 (hedge fund, house multiplier 1.5: its 500,000 add-on sits at the firm,
    its surplus) and u2 (asset manager, multiplier 1.0: nothing at the firm) at CME; the
    speculative ratio at the CCP, so the multipliers are the house ones."""
    fake = FakeRun(
        {
            "firms": {
                "segregation": segregation,
                "residual_interest_deadline": deadline,
                "house_multiplier_by_type": {"hedge_fund": 1.5, "asset_manager": 1.0},
                "speculative_multiplier_at": "ccp",
                "substitution_clock": None,
                "handling_minutes": 0.0,
            }
        }
    )
    cfg = fake.config
    types = {"u1": "hedge_fund", "u2": "asset_manager"}
    haircuts = {"cme": cfg.cme.haircut, "ficc": cfg.ficc.haircut}
    accounts = [("cme", "customer")]
    firm = ClearingFirm(
        fake, "f1", "bd_fcm", True, cfg.firms, cfg.operations, types, haircuts, accounts
    )
    firm.open_customers([(u, "cme", "customer", IM) for u in types])
    fake.ledger.open("ccp:cme:f1:customer")
    firm.start()
    return fake, firm


def _short_statement(fake: FakeRun, firm: ClearingFirm) -> None:
    """CME's statement: IMs unchanged, u2 lost LOSS, u1 nothing; CME calls u2's deficit at the
    CCP, LOSS (its collateral there, IM, less LOSS, against IM); u1 has no excess at the CCP."""
    call = MarginCall(
        "C1", "ccp", "cme", "intraday", "f1", "cme", "customer", LOSS, 0, AT, AT + 60, AT + 120
    )
    fake.calls.issue(call)
    users, ims, vms = ("u1", "u2"), (IM, IM), (0, -LOSS)
    firm.receive(
        CycleStatement("Y1", "cme", "intraday", "f1", "customer", 0, users, ims, vms, call, 0)
    )
    fake.env.run(until=AT + 40)


def test_prefunding_is_the_short_customers_deficit():
    """Per customer: u2's sub-account is empty, so the firm advances all of u2's deficit,
    LOSS = 2,000,000 cents; u1's 500,000 stays in its own sub-account."""
    fake, firm = _firm("per_customer")
    _short_statement(fake, firm)
    prefunded = [p for p in fake.recorder.of(PaymentRecord) if p.purpose == "prefund"]
    assert sum(p.amount_cents for p in prefunded) == LOSS
    assert fake.ledger.balance("firm:f1:4d:u1") == IM // 2
    assert fake.ledger.balance("ccp:cme:f1:customer") == LOSS
    assert fake.ledger.conserved()


def test_pooled_segregation_used_the_other_customers_money():
    """Pooled (before issue 13): the pool held u1's 500,000 add-on and paid that part of u2's
    call; the firm pre-funded only LOSS - 500,000 = 1,500,000 cents."""
    fake, firm = _firm("pooled")
    _short_statement(fake, firm)
    prefunded = [p for p in fake.recorder.of(PaymentRecord) if p.purpose == "prefund"]
    assert sum(p.amount_cents for p in prefunded) == LOSS - IM // 2
    assert fake.ledger.balance("firm:f1:seg") == 0


def test_paying_from_another_customers_sub_account_raises():
    """The rule is live in the run's ledger: the firm cannot move u1's money to the CCP for u2."""
    _, firm = _firm("per_customer")
    with pytest.raises(LedgerError, match="segregation breach"):
        firm.transfer("firm:f1:4d:u1", "ccp:cme:f1:customer", 1, "ccp_call", beneficiary="u2")
