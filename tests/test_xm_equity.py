"""A cross-margined customer's equity in one XM account (``firms.xm_customer_equity: joint``)
against equity kept per CCP (``per_ccp``, the setting before).

Hand case (tests/fake_run.py; the firm ``f1`` charges 1.5 x the CCP's IM, minimum transfer
$1,000 = 100,000 cents): hedge fund ``u1`` holds ``customer_xm`` accounts at CME (IM 1,000,000
cents) and FICC (IM 2,000,000 cents), so it opened with equity 1,500,000 at CME and 3,000,000
at FICC, 4,500,000 cents in all, and a requirement of the same. On Friday evening (19:30, Fedwire
Funds closed until Sunday 21:00) FICC's statement brings VM +9,500,000 cents ($95,000), which
FICC has paid into the segregated account, and then CME's VM -10,000,000 cents ($100,000), IMs
unchanged.

- ``per_ccp``: FICC's key has 3,000,000 + 9,500,000 = 12,500,000 against 3,000,000: excess
  9,500,000, returned when Fedwire reopens. CME's key has 1,500,000 - 10,000,000 = -8,500,000:
  8,500,000 due in cash and the 1,500,000 requirement in either: called 10,000,000 ($100,000).
- ``joint``: after FICC the one key has 4,500,000 + 9,500,000 = 14,000,000 against 4,500,000
  (excess 9,500,000, to be paid at the reopening); CME's statement leaves 14,000,000 -
  10,000,000 = 4,000,000 against 4,500,000: called 500,000 ($5,000). At the reopening a call is
  outstanding, so the excess found earlier is not paid.
- With CME's IM up to 1,200,000 cents, CME's part of the requirement is 1,800,000 and the
  joint requirement 4,800,000: called 4,800,000 - 4,000,000 = 800,000.
"""

from __future__ import annotations

import pytest
from fake_run import FakeRun, make_firm
from test_tiny_run import EXPECTED, _log
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.messages import CycleStatement, MarginCall
from sim.run import run

XM = "customer_xm"
ACCOUNTS = [("cme", XM), ("ficc", XM)]
OPENED = [("u1", "cme", 1_000_000), ("u1", "ficc", 2_000_000)]


def evening(mode: str, cme_im: int = 1_000_000) -> tuple[FakeRun, list[int]]:
    """The hand case under ``mode``: the calls issued and the excess paid back by Sunday."""
    fake = FakeRun(
        {
            "firms": {
                "house_multiplier": 1.5,
                "min_transfer_usd": 1000,
                "xm_customer_equity": mode,
                # FICC's VM is put straight into the segregated account below, unattributed:
                # the one pool of before issue 13 (per customer it would reach u1's sub-account
                # through CollateralReleased)
                "segregation": "pooled",
            }
        }
    )
    firm = make_firm(fake, ACCOUNTS, OPENED)
    fake.ledger.open("ccp:ficc:vm", 9_500_000)
    fake.ledger.transfer("ccp:ficc:vm", "firm:f1:seg", 9_500_000)  # FICC's VM payout
    at = fake.at(0, "19:30")
    for ccp, im, vm in (("ficc", 2_000_000, 9_500_000), ("cme", cme_im, -10_000_000)):
        st = CycleStatement("Y1", ccp, "eod", "f1", XM, 0, ("u1",), (im,), (vm,), None, 0)
        fake.deliver(firm, st, at)
    fake.env.run(until=fake.at(1, "07:00"))
    return fake, [s.message.amount_cents for s in fake.messages(MarginCall)]


def excess_paid(fake: FakeRun) -> int:
    return fake.ledger.balance("eu:u1:cash") - 100_000_000


def test_joint_equity_calls_the_net_loss_and_holds_the_gain():
    fake, calls = evening("joint")
    assert calls == [500_000]
    assert excess_paid(fake) == 0


def test_per_ccp_equity_calls_the_whole_loss_and_returns_the_gain():
    fake, calls = evening("per_ccp")
    assert calls == [10_000_000]
    assert excess_paid(fake) == 9_500_000


def test_a_joint_call_adds_the_change_of_one_ccps_requirement():
    _, calls = evening("joint", cme_im=1_200_000)
    assert calls == [800_000]


@pytest.mark.parametrize(
    ("mode", "keys"),
    [
        ("joint", {("u1", "xm"): 4_500_000}),
        ("per_ccp", {("u1", "cme"): 1_500_000, ("u1", "ficc"): 3_000_000}),
    ],
)
def test_the_opening_books_an_xm_customer_under_one_key_when_joint(mode, keys):
    """The close-out, write-off and last return walk ``keys_of``: a joint key once."""
    fake = FakeRun({"firms": {"house_multiplier": 1.5, "xm_customer_equity": mode}})
    firm = make_firm(fake, ACCOUNTS, OPENED)
    equity = firm.customers
    assert {k: equity.cash[k] for k in equity.keys_of("u1")} == keys


def test_the_setting_is_checked_by_name():
    with pytest.raises(ValueError, match="xm_customer_equity"):
        build_config({"firms": {"xm_customer_equity": "pooled"}})


def test_the_tiny_world_per_ccp_keeps_its_exact_call_log():
    assert TINY["firms"]["xm_customer_equity"] == "per_ccp"
    result = run(build_config(TINY), TINY_SEED, build_world)
    assert _log(result.tables["calls"]) == EXPECTED
    joint = deep_merge(TINY, {"firms": {"xm_customer_equity": "joint"}})
    assert _log(run(build_config(joint), TINY_SEED, build_world).tables["calls"]) != EXPECTED


# A baseline-like world reduced to 60 end users over 15 business days, its hedge funds on thin
# buffers (cash 0.1 x IM, no Treasuries, no credit line) so that some run short (seed 3)
REDUCED = {
    "population": {
        "n_end_users": 60,
        "types": {
            "hedge_fund": {
                "cash_buffer_multiple": 0.1,
                "securities_multiple": 0.0,
                "credit_line_multiple": 0.0,
            }
        },
    },
    "calendar": {"business_days": 15},
    "market": {"lookback_days": 300},
    "cme": {"lookback_days": 250},
    "ficc": {"lookback_days": 250},
    "xm": {"enabled": True, "rule": "min_cap", "cap": 0.8},
}


def xm_outcomes(mode: str) -> dict[str, float]:
    """XM customers' cash (VM) called, defaults and deleveraging sales (USD) under ``mode``."""
    cfg = build_config(deep_merge(REDUCED, {"firms": {"xm_customer_equity": mode}}))
    result = run(cfg, 3, build_world)
    calls, events = result.tables["calls"], result.tables["events"]
    xm_calls = calls[(calls["level"] == "customer") & (calls["account"] == XM)]
    xm = set(xm_calls["payer"])
    sales = events[(events["kind"] == "deleverage_sale") & events["entity"].isin(xm)]
    defaults = events[(events["kind"] == "customer_default") & events["counterparty"].isin(xm)]
    return {
        "cash_called_usd": float(xm_calls["cash_usd"].sum()),
        "defaults": len(defaults),
        "deleveraged_face_usd": float(sales["face_usd"].sum()),
    }


def test_joint_equity_lowers_xm_cash_calls_and_defaults():
    """Measured (seed 3): per_ccp $33.3m of cash called from XM customers and 20 defaults,
    joint $0 and 3. Deleveraging sales do not fall ($68.3bn per_ccp, $75.1bn joint): they follow
    IM calls, which joint equity does not net, from customers that per_ccp closes out."""
    per_ccp, joint = xm_outcomes("per_ccp"), xm_outcomes("joint")
    message = f"per_ccp {per_ccp}, joint {joint}"
    assert joint["cash_called_usd"] < per_ccp["cash_called_usd"], message
    assert joint["defaults"] < per_ccp["defaults"], message
