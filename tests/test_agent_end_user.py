"""The end user alone (tests/fake_run.py): how it answers a margin call.

Working hours 07:00-18:00 ET and a 45-minute mean response time (sim/config/operations.py
defaults); the response time is the first exponential draw of the user's own stream
``end_user.behaviour.u1`` (the same draw the agent makes: common random numbers). Treasuries are
priced at 0.98 per dollar of face and valued at the firms' 3% haircut (sim/config/firms.py), so a
value of 100,000 cents needs a face of ceil(100,000 / (0.98 x 0.97)) = ceil(105,196.7) = 105,197
cents (``face_for_value``; 105,197 x 0.9506 = 100,000.3 covers it, 105,196 x 0.9506 = 99,999.3
does not).
"""

from __future__ import annotations

import pytest
from fake_run import SEED, FakeRun, make_end_user

from sim.messages import MarginCall, PaymentInstruction, PositionChange
from sim.rng import Streams
from sim.settlement.collateral import face_for_value
from sim.settlement.ledger import CASH, SECURITIES

PRICE, HAIRCUT = 0.98, 0.03
FACE_FOR_100_000 = 105_197  # hand computation in the module docstring


def margin_call(cash: int, im: int, issued: float) -> MarginCall:
    due, final = issued + 960, issued + 2400  # any deadlines after the payment
    return MarginCall(
        "C1", "customer", "cme", "eod", "u1", "fcm1", "customer", cash, im, issued, due, final
    )


def response_minutes() -> float:
    return float(Streams(SEED).get("end_user.behaviour.u1").exponential(45.0))


def test_the_hand_computed_face_is_face_for_value():
    assert face_for_value(100_000, PRICE, HAIRCUT) == FACE_FOR_100_000


# (user type, (cash, credit line, Treasuries face), (call cash, call IM)) -> instructions
# (asset, amount, value) in the order sent
CASES = [
    # securities first: the IM part (100,000) in Treasuries, VM (200,000) in cash
    (
        "asset_manager",
        (1_000_000, 0, 5_000_000),
        (200_000, 100_000),
        [(SECURITIES, FACE_FOR_100_000, 100_000), (CASH, 200_000, 200_000)],
    ),
    # cash first, enough cash with the credit line: 200,000 + 300,000 all in cash
    ("hedge_fund", (100_000, 900_000, 5_000_000), (200_000, 300_000), [(CASH, 500_000, 500_000)]),
    # cash first, the credit line (400,000) covers VM and 200,000 of IM: the last 100,000 of IM
    # in Treasuries, 400,000 in cash
    (
        "hedge_fund",
        (0, 400_000, 5_000_000),
        (200_000, 300_000),
        [(SECURITIES, FACE_FOR_100_000, 100_000), (CASH, 400_000, 400_000)],
    ),
]


@pytest.mark.parametrize(("user_type", "liquidity", "call", "expected"), CASES)
def test_a_call_is_paid_through_the_custodian_after_the_response_time(
    user_type, liquidity, call, expected
):
    fake = FakeRun(price=PRICE)
    user = make_end_user(fake, user_type, liquidity)
    friday_19 = fake.at(0, "19:00")
    fake.deliver(user, margin_call(*call, friday_19), friday_19)
    fake.env.run()
    # after hours on Friday: the user looks at the call from Monday 07:00 = 4320 + 420
    instructed = 4740.0 + response_minutes()
    sent = fake.messages(PaymentInstruction)
    assert {s.to for s in sent} == {"cust"}
    assert [s.time for s in sent] == [pytest.approx(instructed)] * len(expected)
    got = [(s.message.asset, s.message.amount_cents, s.message.value_cents) for s in sent]
    assert got == expected
    for s in sent:
        ins = s.message
        assert (ins.call_id, ins.payer, ins.payee, ins.dst_account) == (
            "C1",
            "u1",
            "fcm1",
            "firm:fcm1:seg",
        )
        assert ins.src_account == ("eu:u1:cash" if ins.asset == CASH else "eu:u1:sec")


FIXED_FRACTION = {
    "liquidation": {"deleverage": "fixed_fraction"},
    "market": {"impact": {"model": "per_bn"}},
}


def test_a_user_that_cannot_pay_deleverages_both_legs_and_logs_the_shortfall():
    """The fixed-fraction rule with the per-$1bn impact (the settings before issue 11)."""
    fake = FakeRun(FIXED_FRACTION, price=PRICE)
    # 100,000 cents of cash, no credit, no Treasuries, against 50,000 VM + 100,000 IM
    user = make_end_user(fake, "hedge_fund", (100_000, 0, 0), basis=(1, 2e9))
    noon = fake.at(0, "12:00")
    fake.deliver(user, margin_call(50_000, 100_000, noon), noon)
    fake.env.run()
    assert fake.messages(PaymentInstruction) == []
    [shortfall] = fake.events("liquidity_shortfall")
    assert (shortfall.entity, shortfall.ref, shortfall.amount_cents) == ("u1", "C1", 150_000)
    # hedge funds sell 25% of both legs (deleverage_fraction, sim/config/population.py)
    changes = [(s.to, s.message) for s in fake.messages(PositionChange)]
    assert changes == [
        ("fcm1", PositionChange("u1", "futures", 0.75, "deleverage")),
        ("bd1", PositionChange("u1", "cash", 0.75, "deleverage")),
    ]
    # 25% of 2bn face sold: 0.5bn x 0.5 bp per bn (price_impact_bp_per_bn) = 0.25 bp on the
    # 5-year family (index 1), from day 0
    assert fake.events("deleverage_sale")[0].face_usd == 5e8
    assert fake.basis_impacts == [(0, 1, -0.25)]
