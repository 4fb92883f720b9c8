"""A member default whose close-out loss runs past the defaulter's margin into the later
waterfall layers (``agents.member_default``), checked against the waterfall order from the
run's own resources.

The world: the tiny world (tests/tiny.py) with three BD-FCMs and the default house books (so
that ``bd_fcm02``, ``bd_fcm03`` and ``fcm01`` survive at CME, ``bd_fcm02`` and ``bd_fcm03`` at
FICC), ``bd_fcm01`` declared in default on Friday 1 May 12:15 ET. Both CCPs margin at a 60%
VaR confidence instead of 99% and the market's price impact is 50 times the default, so the
close-out loss (horizon loss plus the sale's impact) is far above the margin; default funds at
the model's Cover-2/Cover-1 size (``fund_scale`` 1) and each CCP's capital $1m at market scale
(a small first loss). Both close-outs end at the close of the last run day, Tuesday 5 May
15:00 ET. In this run CME's loss stops in its survivors' fund and FICC's in its assessments,
so every layer is used, the last one in part (pinned below, so that the test keeps exercising
them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.config.simulation import deep_merge
from sim.margin.waterfall import LAYERS
from sim.run import SETTLEMENT_CLOCK, Run

DEFAULTER = "bd_fcm01"
SPEC = deep_merge(
    TINY,
    {
        "defaults": [{"firm": DEFAULTER, "time": "2026-05-01T12:15:00"}],
        "default_management": {
            "fund_scale": 1.0,
            "cme_capital_usd": 1e6,
            "ficc_capital_usd": 1e6,
        },
        "firms": {"n_bd_fcm": 3, "house_dv01_usd": None},  # None: the default house books
        "cme": {"confidence": 0.6},
        "ficc": {"confidence": 0.6},
        "market": {"impact": {"coeff": 50.0}},
    },
)


def _cents(x) -> int:
    return round(float(x) * 100)


@pytest.fixture(scope="module")
def waterfall_run():
    """The run's tables, the default resources it opened with (``ccp:<c>:df:<firm>``,
    ``ccp:<c>:capital``) and each firm's available cash just before the close-out minute."""
    the_run = Run(build_config(SPEC), TINY_SEED)
    build_world(the_run)
    ledger = the_run.ledger
    opened = {n: b for n, b in ledger.balances().items() if ":df:" in n or n.endswith("capital")}
    closeout = the_run.calendar.at(the_run.calendar.n_days - 1, SETTLEMENT_CLOCK)
    the_run.env.run(until=closeout)  # every event before Tuesday 15:00
    cash = {
        n.split(":")[1]: ledger.available(n)
        for n in ledger.balances()
        if n.startswith("firm:") and n.endswith(":cash")
    }
    the_run.env.run()
    the_run.check_invariants()
    return the_run, the_run.recorder.finish(), opened, cash, closeout


def _used(events: pd.DataFrame, c: str) -> tuple[int, list[int], int, int]:
    """CCP ``c``'s logged loss plus the gains returned (to a customer or the house: a gain
    offsets no other owner's loss), layers used (in order), uncovered loss and defaulter's
    usable margin (``agents.default_margin``)."""
    mine = events[(events["entity"] == c) & (events["ref"] == DEFAULTER)]
    layers = mine[mine["kind"] == "default_layer"]
    assert tuple(layers["mode"]) == LAYERS

    def one(kind: str) -> int:
        (x,) = mine.loc[mine["kind"] == kind, "amount_usd"]
        return _cents(x)

    used = [_cents(x) for x in layers["amount_usd"]]
    covered = one("default_closeout") + one("default_returned")  # gains go back to their owners
    return covered, used, one("default_uncovered"), one("default_margin")


def _sizes(the_run: Run, c: str, opened: dict, cash: dict, margin: int) -> tuple[list, dict]:
    """The layers' sizes at CCP ``c`` (cents, in ``LAYERS`` order) and each survivor's
    assessment cap: its contribution times the CCP's assessment multiple, at most its cash."""
    df = {n.split(":")[3]: b for n, b in opened.items() if n.startswith(f"ccp:{c}:df:")}
    survivors = sorted(s for s in df if s != DEFAULTER)
    multiple = getattr(the_run.config.default_management, f"{c}_assessment_multiple")
    caps = {s: min(int(multiple * df[s]), max(int(cash[s]), 0)) for s in survivors}
    own, capital = df[DEFAULTER], opened[f"ccp:{c}:capital"]
    sizes = [margin, own, capital, sum(df[s] for s in survivors), sum(caps.values())]
    return sizes, {"funds": {s: df[s] for s in survivors}, "caps": caps}


def test_each_layer_meets_what_the_layers_before_it_left(waterfall_run):
    """By hand, per CCP: with the loss L the run logged (``default_closeout``, after XM
    sharing, plus ``default_returned``) and the layers' sizes from the run itself -- the
    defaulter's usable margin as logged (``default_margin``), its fund contribution and the
    CCP's capital as opened, the survivors' contributions as opened, their assessment caps from
    their cash just before the close-out -- layer k uses min(what L less layers 1..k-1 left,
    its size), in the order margin, own fund, CCP capital, survivors' funds, assessments, and
    the rest is uncovered. This run: CME's loss stops in its survivors' funds, FICC's in its
    assessments, every earlier layer used up."""
    the_run, tables, opened, cash, _ = waterfall_run
    for c in ("cme", "ficc"):
        loss, used, uncovered, margin = _used(tables["events"], c)
        sizes, _ = _sizes(the_run, c, opened, cash, margin)
        expected, left = [], loss
        for size in sizes:
            expected.append(min(left, size))
            left -= expected[-1]
        assert used == expected, c
        assert uncovered == left == 0, c
        last = 3 if c == "cme" else 4  # the layer the loss stops in
        assert all(u == s > 0 for u, s in zip(used[:last], sizes[:last], strict=True)), c
        assert 0 < used[last] < sizes[last], c


def _paid(pay: pd.DataFrame, c: str, purpose: str) -> dict[str, int]:
    """Per source account: what it paid CCP ``c``'s close-out for ``purpose`` (cents)."""
    rows = pay[(pay["purpose"] == purpose) & (pay["dst_account"] == f"ccp:{c}:closeout")]
    return {s: _cents(v) for s, v in rows.groupby("src_account")["amount_usd"].sum().items()}


def _check_pro_rata(layer: int, weights: dict[str, int], paid: dict[str, int]) -> None:
    """Each payer within one cent of ``layer`` x its weight / all weights; the whole exact."""
    got = np.array([paid.get(k, 0) for k in sorted(weights)])
    w = np.array([weights[k] for k in sorted(weights)], dtype=float)
    assert set(paid) <= set(weights)
    assert got.sum() == layer and (np.abs(got - layer * w / w.sum()) < 1).all()


def test_survivors_share_pro_rata_to_the_cent(waterfall_run):
    """Invariant of a largest-remainder split, per CCP: the survivors' fund layer is paid by
    each survivor within one cent of (layer used) x (its contribution) / (all survivors'
    contributions), the whole to the cent; the assessments likewise pro rata to the survivors'
    caps, each within its cap, hence within (multiple x its contribution) and its cash. The
    defaulter's margin, own fund and the CCP's capital are paid in the layers' amounts."""
    the_run, tables, opened, cash, _ = waterfall_run
    pay = tables["payments"]
    for c in ("cme", "ficc"):
        _, used, _, margin = _used(tables["events"], c)
        _, parts = _sizes(the_run, c, opened, cash, margin)
        funds = {f"ccp:{c}:df:{s}": v for s, v in parts["funds"].items()}
        caps = {f"firm:{s}:cash": v for s, v in parts["caps"].items()}
        fund_paid = _paid(pay, c, "default_fund")
        own = fund_paid.pop(f"ccp:{c}:df:{DEFAULTER}", 0)
        _check_pro_rata(used[3], funds, fund_paid)
        assessed = _paid(pay, c, "assessment")
        _check_pro_rata(used[4], caps, assessed)
        assert all(cents <= caps[k] for k, cents in assessed.items())
        capital = sum(_paid(pay, c, "ccp_capital").values())
        margin_paid = sum(_paid(pay, c, "default_margin").values())
        assert (margin_paid, own, capital) == tuple(used[:3]), c
