"""Porting of a defaulter's customers (``agents.porting``) in the tiny world (tests/tiny.py) with
LSOC at both CCPs: ``bd_fcm01`` (BD-FCM) defaults on Friday 1 May 12:15 ET; the only survivor
is ``fcm01``, an FCM (CME only, no XM offered). Every offer is accepted (``porting_acceptance``
1, capacity 100), so by the rules: eu00001 and eu00003 (XM customers of bd_fcm01 at both CCPs)
find no firm for both legs (fcm01 is not at FICC), so their CME leg goes to fcm01 and their FICC
leg is closed out (``partial``) and, no longer XM, they split into standalone legs; eu00002,
bd_fcm01's customer at FICC only, finds no BD or BD-FCM (``not_ported``). The move takes effect
120 minutes after the declaration (the default latency)."""

from __future__ import annotations

import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.config.simulation import deep_merge
from sim.metrics.default_management import porting_rows
from sim.run import run

DECLARED_MIN = 12 * 60 + 15  # Friday 1 May 12:15 ET
MOVED_MIN = DECLARED_MIN + 120  # the default porting_latency_minutes
SRC = "ccp:cme:bd_fcm01:customer_xm"
PORTING = {
    "defaults": [{"firm": "bd_fcm01", "time": "2026-05-01T12:15:00"}],
    "xm": {"enabled": True},
    "cme": {"lsoc": True},
    "ficc": {"lsoc": True},
    "default_management": {
        "porting": True,
        "porting_acceptance": 1.0,
        "porting_per_firm_per_day": 100,
    },
}


def _run(porting: bool):
    spec = deep_merge(TINY, PORTING)
    spec["default_management"]["porting"] = porting
    seen, runs = {}, []

    def snapshot(r):  # the LSOC attribution one minute before the move
        yield r.env.timeout(MOVED_MIN - 1)
        held = r.agents["cme"].accounts.lsoc.held[SRC]
        seen.update({u: tuple(slot) for u, slot in held.items()})

    def world(r):
        build_world(r)
        r.env.process(snapshot(r))
        runs.append(r)

    return run(build_config(spec), TINY_SEED, world), seen


@pytest.fixture(scope="module")
def ported():
    return _run(True)


def test_offers_follow_the_rules(ported):
    """The outcome per customer of the module docstring, and the metrics: 0 of 3 customers
    ported with every leg; the two moves 120 minutes after the declaration."""
    ev = ported[0].tables["events"]
    offers = ev[ev["kind"] == "customer_porting"]
    assert dict(zip(offers["entity"], offers["mode"], strict=True)) == {
        "eu00001": "partial",
        "eu00002": "not_ported",
        "eu00003": "partial",
    }
    moved = ev[ev["kind"] == "customer_ported"]
    assert sorted(moved["entity"]) == ["eu00001", "eu00003"]
    assert (moved["counterparty"] == "fcm01").all() and (moved["time_min"] == MOVED_MIN).all()
    splits = ev[ev["kind"] == "porting_xm_split"]
    assert sorted(splits["entity"]) == ["eu00001", "eu00003"]
    rows = dict((m, v) for m, _, v in porting_rows(ev))
    assert rows["ported_share"] == 0.0 and rows["time_to_port_minutes"] == 120.0
    assert rows["porting_xm_im_jump_usd"] == pytest.approx(splits["amount_usd"].sum())


def test_collateral_follows_the_customer(ported):
    """Each porting payment moves exactly the customer's LSOC-attributed cash (no Treasuries
    in the tiny world) from bd_fcm01's XM account to fcm01's customer account; the run ends
    with the ledger conserved (``run`` checks it)."""
    seen, pay = ported[1], ported[0].tables["payments"]
    moves = pay[pay["purpose"] == "porting"]
    assert sorted(moves["call_id"]) == ["eu00001", "eu00003"]
    assert (moves["src_account"] == SRC).all()
    assert (moves["dst_account"] == "ccp:cme:fcm01:customer").all()
    for user, cents in zip(moves["call_id"], moves["amount_usd"], strict=True):
        assert round(cents * 100) == seen[user][0] > 0 and seen[user][1] == 0


def test_later_calls_come_from_the_new_firm(ported):
    """After the move the ported customers are called by fcm01 at CME, never by bd_fcm01."""
    calls = ported[0].tables["calls"]
    mine = calls[(calls["level"] == "customer") & calls["payer"].isin(["eu00001", "eu00003"])]
    later = mine[mine["issued_min"] > DECLARED_MIN]
    assert len(later) and set(later["payee"]) == {"fcm01"} and set(later["ccp"]) == {"cme"}
    assert (later["issued_min"] >= MOVED_MIN).all()


def test_porting_off_closes_every_customer_out():
    """With porting off: no offers, no porting payments, and the XM customers, closed out with
    the house, are called by no firm after the declaration (today's behaviour)."""
    result, _ = _run(False)
    ev, pay, calls = (result.tables[t] for t in ("events", "payments", "calls"))
    assert not ev["kind"].isin(["customer_porting", "customer_ported"]).any()
    assert not (pay["purpose"] == "porting").any()
    mine = calls[(calls["level"] == "customer") & calls["payer"].isin(["eu00001", "eu00003"])]
    assert (mine["issued_min"] <= DECLARED_MIN).all()
