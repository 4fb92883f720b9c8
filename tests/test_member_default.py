"""Member default in the tiny world (tests/tiny.py): ``bd_fcm01`` (a BD-FCM, member of both
CCPs) is declared in default on Friday 1 May 12:15 ET, while FICC's noon call C000001 on it
(issued 12:00, due 13:00; the firm would pay at 12:30) and the firm's two customer calls of that
cycle, C000002 on eu00002 and C000003 on eu00001 (issued 12:00, paid by the customers at 12:00
through the custodian's 30 minutes, so arriving at 12:30), are open."""

from __future__ import annotations

import math

import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.config.simulation import deep_merge
from sim.margin.waterfall import LAYERS
from sim.run import run

DECLARED_MIN = 12 * 60 + 15  # Friday 1 May 12:15 ET, minutes since the start (day 0 00:00)
SCHEDULED = {"defaults": [{"firm": "bd_fcm01", "time": "2026-05-01T12:15:00"}]}


def _run(xm: bool):
    spec = deep_merge(TINY, {**SCHEDULED, "xm": {"enabled": xm}})
    runs = []
    result = run(build_config(spec), TINY_SEED, lambda r: (build_world(r), runs.append(r)))
    return result, runs[0]


@pytest.fixture(scope="module")
def with_xm():
    return _run(True)


def test_open_calls_end_defaulted_at_the_declaration(with_xm):
    """C000001 ends defaulted (no settlement); no CCP call on the defaulter after 12:15; both
    CCPs declared at 12:15 (cross-default); the run ends with the ledger conserved
    (``run`` checks it and that no call is left open)."""
    result, _ = with_xm
    calls, events = result.tables["calls"], result.tables["events"]
    mine = calls[(calls["level"] == "ccp") & (calls["payer"] == "bd_fcm01")]
    c1 = mine[mine["call_id"] == "C000001"].iloc[0]
    assert c1["status"] == "defaulted" and math.isnan(c1["settled_min"])
    assert (mine["issued_min"] <= DECLARED_MIN).all()
    declared = events[events["kind"] == "member_default"]
    assert sorted(declared["entity"]) == ["cme", "ficc"]
    assert (declared["time_min"] == DECLARED_MIN).all()
    # the firm no longer pays it at 12:30 (agents.firm_default), so nothing arrives late
    assert not (events["kind"] == "payment_after_declaration").any()
    # it ended at the declaration: its final deadline logs no second default
    assert "C000001" not in set(events.loc[events["kind"] == "ccp_call_default", "ref"])


def test_defaulter_stops_clearing_at_the_declaration(with_xm):
    """From 12:15 bd_fcm01 makes no payment to a CCP and issues no customer call; its two open
    customer calls end ``cancelled`` (once: the calls table has one row per id, and neither
    defaults nor closes the customer out at its final deadline); the customers' payments,
    instructed at 12:00 before the declaration, arrive at 12:30 and stay with the defaulter
    as deposits (``payment_after_default``)."""
    result, _ = with_xm
    calls, events, pay = (result.tables[t] for t in ("calls", "events", "payments"))
    out = pay[(pay["payer"] == "bd_fcm01") & (pay["settled_min"] >= DECLARED_MIN)]
    assert not out["payee"].isin(["cme", "ficc"]).any()
    mine = calls[(calls["level"] == "customer") & (calls["payee"] == "bd_fcm01")]
    assert (mine["issued_min"] <= DECLARED_MIN).all()
    assert calls["call_id"].is_unique
    ended = dict(zip(mine["call_id"], mine["status"], strict=True))
    assert ended == {"C000002": "cancelled", "C000003": "cancelled"}
    assert not events["kind"].isin(["customer_default", "liquidation"]).any()
    late = events[events["kind"] == "payment_after_default"]
    assert sorted(late["ref"]) == ["C000002", "C000003"]
    # instructed at 12:00 (plus the 1e-6-minute response), + the custodian's 30 minutes
    assert late["time_min"].tolist() == pytest.approx([DECLARED_MIN + 15] * 2, abs=1e-3)


def test_every_loss_allocated_once_and_closeout_accounts_end_at_zero(with_xm):
    """Per CCP: layers used plus uncovered equal the loss plus the gains returned to their
    owners (the loss's positive part unless one owner gained while another lost); the
    close-out accounts end at zero (every cent that met a loss went on to the market or the
    other CCP)."""
    result, the_run = with_xm
    ev = result.tables["events"]
    for c in ("cme", "ficc"):
        mine = ev[ev["entity"] == c]
        loss = round(mine.loc[mine["kind"] == "default_closeout", "amount_usd"].sum() * 100)
        layers = mine[mine["kind"] == "default_layer"]
        assert sorted(layers["mode"]) == sorted(LAYERS)
        used = round(layers["amount_usd"].sum() * 100)
        uncovered = round(mine.loc[mine["kind"] == "default_uncovered", "amount_usd"].sum() * 100)
        returned = round(mine.loc[mine["kind"] == "default_returned", "amount_usd"].sum() * 100)
        assert used + uncovered == loss + returned  # a customer's gain offsets no other loss
        assert the_run.ledger.balance(f"ccp:{c}:closeout") == 0


def test_inter_ccp_transfer_is_zero_with_xm_off():
    """Without XM accounts nothing is liquidated jointly: no transfer (metric 0)."""
    result, _ = _run(False)
    m = result.metrics
    row = m[m["metric"] == "inter_ccp_transfer_usd"]
    assert row["value"].tolist() == [0.0]
    assert not (result.tables["events"]["kind"] == "xm_loss_transfer").any()


def test_unknown_firm_or_time_outside_the_run_is_a_config_error():
    """The error names the field."""
    bad_firm = {"defaults": [{"firm": "bd_fcm09", "time": "2026-05-01T12:15:00"}]}
    with pytest.raises(ValueError, match=r"defaults\[0\]\.firm"):
        build_config(deep_merge(TINY, bad_firm))
    late = {"defaults": [{"firm": "bd_fcm01", "time": "2026-06-01T12:15:00"}]}
    with pytest.raises(ValueError, match=r"defaults\[0\]\.time"):
        build_config(deep_merge(TINY, late))


def test_payout_falling_after_the_declaration_stays_at_the_ccp():
    """FICC's start-of-day cycle of Monday 4 May settles at 08:30 ET (minute 4830) and pays
    bd_fcm01's two customer accounts their excess at its 09:30 due time (4890). Declared at
    09:00 (4860), bd_fcm01 is paid nothing: each payout is withheld for the same amount the
    run without the default pays (common random numbers: the runs agree up to 09:00), and no
    release reaches the defaulter after its declaration."""
    monday = {"defaults": [{"firm": "bd_fcm01", "time": "2026-05-04T09:00:00"}]}
    declared, pay_at = 3 * 1440 + 9 * 60, 3 * 1440 + 9 * 60 + 30
    with_default = run(build_config(deep_merge(TINY, monday)), TINY_SEED, build_world)
    without = run(build_config(TINY), TINY_SEED, build_world)
    pay = without.tables["payments"]
    paid = pay[(pay["purpose"] == "release") & (pay["settled_min"] == pay_at)]
    paid = paid[paid["payee"] == "firm:bd_fcm01:seg"]
    expected = dict(zip(paid["src_account"], paid["amount_usd"], strict=True))
    assert sorted(expected) == ["ccp:ficc:bd_fcm01:customer", "ccp:ficc:bd_fcm01:customer_xm"]
    ev = with_default.tables["events"]
    held = ev[ev["kind"] == "payout_withheld"]
    assert (held["time_min"] == pay_at).all()
    assert dict(zip(held["ref"], held["amount_usd"], strict=True)) == expected
    pay = with_default.tables["payments"]
    after = pay[(pay["purpose"] == "release") & (pay["settled_min"] >= declared)]
    assert not after["payee"].str.contains("bd_fcm01").any()


def test_calls_still_at_the_desk_at_the_declaration_are_not_issued():
    """With 30 minutes of desk handling, bd_fcm01's two customer calls of FICC's noon cycle
    (statement at 12:00) would leave the desk at 12:30 (C000002 on eu00002, C000003 on eu00001,
    as the run without the default shows); declared at 12:15, the firm issues neither, and its
    book of calls in flight (``CustomerEquity.called``) returns to zero for every customer."""
    desk = {"firms": {"handling_minutes": 30}}
    without = run(build_config(deep_merge(TINY, desk)), TINY_SEED, build_world)
    calls = without.tables["calls"]
    noon = calls[(calls["payee"] == "bd_fcm01") & (calls["issued_min"] < 13 * 60)]
    assert sorted(noon["payer"]) == ["eu00001", "eu00002"]
    assert (noon["issued_min"] == 12 * 60 + 30).all()
    runs = []
    spec = build_config(deep_merge(TINY, {**desk, **SCHEDULED}))
    result = run(spec, TINY_SEED, lambda r: (build_world(r), runs.append(r)))
    calls = result.tables["calls"]
    assert not (calls["payee"] == "bd_fcm01").any()
    called = runs[0].agents["bd_fcm01"].customers.called
    assert len(called) and not any(called.values())
