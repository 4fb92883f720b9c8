"""Invariants through member defaults, porting and waterfalls (issue 13's acceptance), over random
small worlds (hypothesis): a scheduled default of a drawn firm at a drawn ET hour, endogenous
defaults of firms with little liquidity, the default-management variants (cross-default, the XM
sharing rules, porting on or off with its capacity and acceptance, default funds and CCP
capital down to nothing, so that the later waterfall layers and the uncovered loss are
reached), segregation per customer or pooled with either residual-interest deadline, one XM call
per cycle or not, LSOC at the CCPs or not, XM on or off.

After each run (which checks conservation and credit limits every business day and again at
the end, with no call left open): cash and Treasuries total what the world opened with, to the
cent, and no account was endowed during the run; every ``ccp:<c>:closeout`` account ends at
zero; each declaration at a CCP has exactly one close-out whose waterfall layers plus uncovered
loss equal the loss's positive part, and the ledger's default resources moved by exactly the
logged layers; every call ended once with a known status and no CCP call was issued to a
defaulter after its declaration; a ported customer's collateral moved is at most what the CCP
had attributed to it. A run that completes had no segregation breach: the ledger raises
``LedgerError`` on one (``sim.settlement.ledger``; shown firing on a real run's sub-accounts
below, and on random transfers in tests/test_segregation.py)."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pandas as pd
import pytest
from default_examples import PORTED_CUSTOMER_GAINS, PORTED_CUSTOMER_GAINS_SEED
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from world_strategies import user_type

from agents.porting import Porting
from agents.worlds.clearing import build_world
from sim.calendar import simulated_window
from sim.config import build_config
from sim.config.defaults import LARGEST_XM_BD_FCM, firm_names
from sim.errors import LedgerError
from sim.margin.waterfall import LAYERS
from sim.run import Run
from sim.settlement.ledger import ASSETS, SECURITIES

START = dt.date(2026, 5, 1)  # the default calendar start (Friday)
HOURS = (7, 9, 12, 16)  # ET: before CME's 08:30 cycle, after it, FICC's noon cycle, after 15:00
CCPS = ("cme", "ficc")
MAX_EXAMPLES = 100


def _firms(draw) -> dict:
    return {
        "n_bd_fcm": draw(st.integers(1, 3)),
        "n_fcm": draw(st.integers(0, 2)),
        "n_bd": draw(st.integers(0, 2)),
        "n_affiliated_pairs": draw(st.integers(0, 1)),
        "share_bd_fcm_offering_xm": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "own_liquidity_usd": draw(st.sampled_from([0.0, 1e6, 3e9])),
        "credit_line_usd": draw(st.sampled_from([0.0, 1e8])),
        "segregation": draw(st.sampled_from(["per_customer", "pooled"])),
        "residual_interest_deadline": draw(st.sampled_from(["immediate", "cftc_1_22c"])),
        "xm_one_call_per_cycle": draw(st.booleans()),
    }


def _scheduled(draw, firms: dict, n_days: int) -> list[dict]:
    """None or one scheduled default: a firm of the world (or the largest XM-offering BD-FCM
    when every BD-FCM offers XM, so that one surely does) at a drawn hour of a drawn day."""
    names = sorted(firm_names(firms["n_bd_fcm"], firms["n_fcm"], firms["n_bd"]))
    if firms["share_bd_fcm_offering_xm"] == 1.0:
        names.append(LARGEST_XM_BD_FCM)
    days, _, _ = simulated_window(START, n_days)
    day, hour = draw(st.sampled_from(days)), draw(st.sampled_from(HOURS))
    at = dt.datetime.combine(day, dt.time(hour)).isoformat()
    return draw(st.sampled_from([[], [{"firm": draw(st.sampled_from(names)), "time": at}]]))


def _management(draw) -> dict:
    capital = st.sampled_from([0.0, 1e3, 100e6])
    return {
        "endogenous": draw(st.booleans()),
        "cross_default": draw(st.booleans()),
        "sharing_rule": draw(st.sampled_from(["pro_rata_im", "pro_rata_standalone", "own_leg"])),
        "fund_scale": draw(st.sampled_from([0.0, 0.001, 1.0])),
        "cme_capital_usd": draw(capital),
        "ficc_capital_usd": draw(capital),
        "cme_assessment_multiple": draw(st.sampled_from([0.0, 2.75])),
        "porting": draw(st.sampled_from([True, True, False])),
        "porting_per_firm_per_day": draw(st.sampled_from([0, 1, 5, 5])),
        "porting_acceptance": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "porting_latency_minutes": draw(st.sampled_from([0.0, 120.0])),
    }


@st.composite
def default_worlds(draw) -> dict:
    n_days, firms = draw(st.integers(2, 4)), _firms(draw)
    # a low VaR confidence or a steep price impact: losses past the margin, into the funds
    ccp = {"lookback_days": 250, "confidence": draw(st.sampled_from([0.99, 0.6]))}
    lsoc = st.sampled_from([True, True, False])  # porting needs LSOC
    types = {t: {**draw(user_type), "p_same_bd_fcm": draw(st.sampled_from([0.0, 1.0]))}
             for t in ("hedge_fund", "asset_manager")}  # fmt: skip
    return {
        "calendar": {"business_days": n_days},
        "market": {"lookback_days": 300, "impact": {"coeff": draw(st.sampled_from([1.0, 50.0]))}},
        "cme": {**ccp, "lsoc": draw(lsoc)},
        "ficc": {**ccp, "lsoc": draw(lsoc)},
        "firms": firms,
        "population": {
            "model": "legacy",  # its firm counts (public_data takes them from the data)
            "n_end_users": draw(st.integers(2, 8)),
            "ficc_leg": draw(st.sampled_from(["outright", "cleared_repo"])),
            "types": types,
        },
        "defaults": _scheduled(draw, firms, n_days),
        "default_management": _management(draw),
        "xm": {"enabled": draw(st.booleans())},
    }


def _cents(x) -> int:
    return round(float(x) * 100)


def _layer(events: pd.DataFrame, layer: str) -> int:
    hit = (events["kind"] == "default_layer") & (events["mode"] == layer)
    return sum(_cents(x) for x in events.loc[hit, "amount_usd"])


def _recording(moves: list):
    """``Porting.collateral`` that also records (CCP, account, customer, its attribution there
    before the move, what moves)."""
    original = Porting.collateral

    def collateral(self, c: str, src: str, user: str) -> tuple[int, int]:
        held = list(self.ccps[c].accounts.lsoc.held[src].get(user, [0, 0]))
        got = original(self, c, src, user)
        moves.append((c, src, user, held, got))
        return got

    return collateral


def _run(overrides: dict, seed: int):
    """Run the world; returns the run, its tables, the ledger totals and default resources
    (``ccp:<c>:df:<firm>``, ``ccp:<c>:capital``) it opened with, and the porting moves."""
    the_run = Run(build_config(overrides), seed)
    build_world(the_run)
    ledger = the_run.ledger
    opened = {a: ledger.total(a) for a in ASSETS}
    resources = {
        n: b for n, b in ledger.balances().items() if ":df:" in n or n.endswith(":capital")
    }
    moves: list = []
    with patch.object(Porting, "collateral", _recording(moves)):
        the_run.env.run()  # the daily audit checks conservation and limits every day
    the_run.check_invariants()  # and again at the end, with no call left open
    return the_run, the_run.recorder.finish(), opened, resources, moves


def _one(ev: pd.DataFrame, kind: str) -> int:
    (x,) = ev.loc[ev["kind"] == kind, "amount_usd"]
    return _cents(x)


def _check_one_closeout(ev: pd.DataFrame) -> None:
    """One (CCP, defaulter): one close-out; its five layers in order plus the uncovered loss
    equal the loss plus the gains returned (a customer's gain offsets no other loss: it goes
    back to that customer, ``agents.default_margin``), which is the loss's positive part when
    no owner gained while another lost; the loss is the sum of its owners' losses; the margin
    layer within the defaulter's usable margin."""
    assert (ev["kind"] == "default_closeout").sum() == 1
    loss, returned = _one(ev, "default_closeout"), _one(ev, "default_returned")
    layers = ev[ev["kind"] == "default_layer"]
    assert tuple(layers["mode"]) == LAYERS
    used = [_cents(x) for x in layers["amount_usd"]]
    uncovered = _one(ev, "default_uncovered")
    assert min(used) >= 0 and uncovered >= 0 and returned >= max(-loss, 0)
    assert sum(used) + uncovered == loss + returned
    assert used[0] <= _one(ev, "default_margin")
    groups = ev[ev["kind"] == "default_group"]
    assert sum(_cents(x) for x in groups["amount_usd"]) == loss


def _check_customer_money(c: str, ev: pd.DataFrame, pay: pd.DataFrame) -> None:
    """No customer collateral at ``c`` met another's or the house's loss: every default_margin
    payment out of a defaulter's customer account names a customer group (the customer under
    LSOC, the account without) that had a loss there, and what reached the close-out for a
    customer group is at most that group's own loss (its shortfall logged to the cent)."""
    closeout, firms = f"ccp:{c}:closeout", set(ev.loc[ev["kind"] == "default_closeout", "ref"])
    margin = pay[pay["purpose"] == "default_margin"]
    for firm in firms:
        mine = ev[(ev["ref"] == firm) & (ev["kind"] == "default_group")]
        mine = mine[mine["mode"] == "customer"]
        loss = dict(zip(mine["counterparty"], map(_cents, mine["amount_usd"]), strict=True))
        out = margin[margin["src_account"].str.startswith(f"ccp:{c}:{firm}:customer")]
        assert set(out["call_id"]) <= {g for g, x in loss.items() if x > 0}, (c, firm)
        short = ev[(ev["ref"] == firm) & (ev["kind"] == "default_customer_shortfall")]
        short = dict(zip(short["counterparty"], map(_cents, short["amount_usd"]), strict=True))
        (at,) = ev.loc[(ev["ref"] == firm) & (ev["kind"] == "default_closeout"), "time_min"]
        into = margin[(margin["dst_account"] == closeout) & (margin["settled_min"] == at)]
        for g, x in loss.items():  # (a customer ported from one defaulter to another: twice)
            got = into[into["call_id"] == g]
            taken = sum(_cents(v) for v in got["amount_usd"])
            assert taken + short.get(g, 0) == max(x, 0), (c, firm, g)


def _check_resources(c: str, ev: pd.DataFrame, the_run: Run, opened: dict, pay) -> None:
    """The ledger's default resources at ``c`` moved by exactly the logged layers; each
    assessment within its multiple of the survivor's contribution."""
    ledger = the_run.ledger
    capital = f"ccp:{c}:capital"
    assert ledger.balance(capital) == opened[capital] - _layer(ev, "ccp_capital")
    df = [n for n in opened if n.startswith(f"ccp:{c}:df:")]
    funds = _layer(ev, "defaulter_fund") + _layer(ev, "survivor_fund")
    assert sum(ledger.balance(n) for n in df) == sum(opened[n] for n in df) - funds
    uncovered = sum(_cents(x) for x in ev.loc[ev["kind"] == "default_uncovered", "amount_usd"])
    assert ledger.balance(f"ccp:{c}:uncovered_loss") == -uncovered
    assessed = pay[(pay["purpose"] == "assessment") & (pay["dst_account"] == f"ccp:{c}:closeout")]
    assert sum(_cents(x) for x in assessed["amount_usd"]) == _layer(ev, "assessments")
    multiple = getattr(the_run.config.default_management, f"{c}_assessment_multiple")
    for src, usd in zip(assessed["src_account"], assessed["amount_usd"], strict=True):
        firm = src.split(":")[1]  # firm:<s>:cash
        assert 0 < _cents(usd) <= int(multiple * opened[f"ccp:{c}:df:{firm}"])


def _check_waterfalls(the_run: Run, tables: dict, opened: dict) -> None:
    events, ledger = tables["events"], the_run.ledger
    declared = events[events["kind"] == "member_default"]
    for c in CCPS:
        mine = events[events["entity"] == c]
        firms = declared.loc[declared["entity"] == c, "ref"].tolist()
        assert len(set(firms)) == len(firms)  # declared once
        assert sorted(mine.loc[mine["kind"] == "default_closeout", "ref"]) == sorted(firms)
        for firm in firms:
            _check_one_closeout(mine[mine["ref"] == firm])
        closeout = f"ccp:{c}:closeout"
        assert ledger.balance(closeout) == 0 == ledger.balance(closeout, SECURITIES)
        _check_resources(c, mine, the_run, opened, tables["payments"])
        _check_customer_money(c, mine, tables["payments"])


def _check_calls(calls: pd.DataFrame, events: pd.DataFrame) -> None:
    """Every call ended once with a known status (``cancelled``: a customer call of a firm
    declared in default); none issued to a defaulter at a CCP after that CCP declared it."""
    assert calls["call_id"].is_unique
    assert set(calls["status"]) <= {"on_time", "late", "defaulted", "cancelled"}
    settled = calls["status"].isin(["on_time", "late"])
    assert (calls.loc[settled, "settled_min"] >= calls.loc[settled, "issued_min"]).all()
    assert calls.loc[~settled, "settled_min"].isna().all()
    declared = events[events["kind"] == "member_default"]
    ccp_calls = calls[calls["level"] == "ccp"]
    for c, firm, t in zip(declared["entity"], declared["ref"], declared["time_min"], strict=True):
        mine = ccp_calls[(ccp_calls["ccp"] == c) & (ccp_calls["payer"] == firm)]
        assert (mine["issued_min"] <= t).all()


def _check_porting(moves: list, tables: dict, the_run: Run) -> None:
    """Each move carried at most what the CCP attributed to the customer (its cash and
    Treasuries, a negative attribution as nothing), so never another customer's collateral, in
    porting payments out of the defaulter's account, and nothing else was paid for porting;
    every customer moved was offered and accepted. What the first move could not carry (a
    pay-out counted in the attribution as booked but not yet in the account) stays attributed
    and follows at the close-out (a second move), so by the end of the run nothing positive is
    left attributed to a ported customer at its old firm: all it had there reached the new one."""
    pay, events = tables["payments"], tables["events"]
    porting = pay[pay["purpose"] == "porting"]
    carried: dict = {}
    for c, src, user, held, (cash, face) in moves:
        assert 0 <= cash <= max(held[0], 0) and 0 <= face <= max(held[1], 0), (c, src, user)
        was = carried.get((src, user), (0, 0))
        carried[(src, user)] = (was[0] + cash, was[1] + face)
    for (src, user), (cash, face) in carried.items():
        rows = porting[(porting["src_account"] == src) & (porting["call_id"] == user)]
        ust = rows["asset"] == SECURITIES
        assert sum(_cents(x) for x in rows.loc[~ust, "amount_usd"]) == cash
        assert sum(_cents(x) for x in rows.loc[ust, "amount_usd"]) == face
        left = the_run.agents[src.split(":")[1]].accounts.lsoc.held[src].get(user, [0, 0])
        assert max(left[0], 0) == 0 == max(left[1], 0), (src, user, left)
    assert len(porting) == sum((cash > 0) + (face > 0) for *_, (cash, face) in moves)
    offered = events[events["kind"] == "customer_porting"]
    accepted = set(offered.loc[offered["mode"] != "not_ported", "entity"])
    assert {user for _, _, user, _, _ in moves} == accepted
    ported = events[events["kind"] == "customer_ported"]
    assert set(ported["entity"]) == accepted
    # once per declaration (a firm declared at one CCP, later at the other, ports twice)
    assert not ported.duplicated(["entity", "ref", "time_min"]).any()


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=default_worlds(), seed=st.integers(0, 2**32 - 1))
@example(overrides=PORTED_CUSTOMER_GAINS, seed=PORTED_CUSTOMER_GAINS_SEED)
def test_random_worlds_with_defaults_keep_the_invariants(overrides, seed):
    the_run, tables, opened, resources, moves = _run(overrides, seed)
    ledger = the_run.ledger
    assert all(ledger.total(a) == opened[a] == ledger.endowed(a) for a in ASSETS)
    assert tables["balances_daily"]["date_index"].nunique() == the_run.calendar.n_days
    _check_waterfalls(the_run, tables, resources)
    _check_calls(tables["calls"], tables["events"])
    _check_porting(moves, tables, the_run)
    _label(tables["events"], moves)


def _label(events: pd.DataFrame, moves: list) -> None:
    """What the example reached (``pytest --hypothesis-show-statistics``)."""
    kinds = events["kind"]
    for mode in sorted(set(events.loc[kinds == "member_default", "mode"])):
        event(f"declared: {mode}")
    layers = events[(kinds == "default_layer") & (events["amount_usd"] > 0)]
    for layer in sorted(set(layers["mode"])):
        event(f"layer used: {layer}")
    if (events.loc[kinds == "default_uncovered", "amount_usd"] > 0).any():
        event("loss uncovered")
    if (kinds == "xm_loss_transfer").any():
        event("inter-CCP transfer")
    if moves:
        event("customers ported")
    if events.loc[kinds == "member_default", "ref"].nunique() > 1:
        event("two defaulters")


_USER = {  # the end users of the shrunk example below: cash only, no buffer, no re-use
    "payment_policy": "cash_first",
    "securities_multiple": 0.0,
    "cash_buffer_multiple": 0.1,
    "credit_line_multiple": 0.0,
    "deleverage_fraction": 0.0,
    "leverage_appetite": 0.0,
    "p_same_bd_fcm": 0.0,
}
DECLARED = "2026-05-04T07:00:00"  # Monday, before CME's 08:30 collection
SHRUNK = {
    "calendar": {"business_days": 2},
    "market": {"lookback_days": 300},
    "cme": {"lookback_days": 250},
    "ficc": {"lookback_days": 250},
    "firms": {"n_bd_fcm": 1, "n_fcm": 1, "n_bd": 0, "n_affiliated_pairs": 0,
              "share_bd_fcm_offering_xm": 0.0, "own_liquidity_usd": 0.0, "credit_line_usd": 0.0},
    "population": {"model": "legacy", "n_end_users": 2, "ficc_leg": "outright",
                   "types": {"hedge_fund": _USER, "asset_manager": _USER}},
    "defaults": [{"firm": "bd_fcm01", "time": DECLARED}],
    "default_management": {"endogenous": False, "porting_acceptance": 0.5,
                           "porting_per_firm_per_day": 1, "porting_latency_minutes": 0.0},
    "xm": {"enabled": False},
}  # fmt: skip


def test_a_call_ended_at_the_declaration_is_not_ported_as_paid():
    """Found by the invariant above (shrunk; seed 0): ``bd_fcm01`` is declared on Monday 07:00
    while CME's Friday 19:00 call on its customer account, for ``eu00001``'s deficit, is open.
    The call ends at the declaration, so its LSOC part (attributed as if paid) is undone then:
    ``eu00001``'s CME leg moves to ``fcm01`` at once with the attribution before the call, which
    is the account's cash (it is the account's only customer, and nothing moved since Friday's
    pay-out). Before the fix the part was undone only at the call's final deadline, so the move
    counted the unpaid call ($216,745.79 more than the account held; with other customers in
    the account it would have taken theirs)."""
    src, seen = "ccp:cme:bd_fcm01:customer", {}
    at = dt.datetime.fromisoformat(DECLARED) - dt.datetime.combine(START, dt.time())
    config, moves = build_config(SHRUNK), []

    def before(r: Run):
        yield r.env.timeout(at.total_seconds() / 60 - 1)
        seen["cash"] = r.ledger.balance(src)

    the_run = Run(config, 0)
    build_world(the_run)
    the_run.env.process(before(the_run))
    with patch.object(Porting, "collateral", _recording(moves)):
        the_run.env.run()
    calls = the_run.recorder.finish()["calls"]
    mine = (calls["ccp"] == "cme") & (calls["payer"] == "bd_fcm01")
    open_then = calls[mine & (calls["account"] == "customer")]
    assert open_then["status"].tolist() == ["defaulted"]  # the Friday 19:00 call
    assert moves == [("cme", src, "eu00001", [seen["cash"], 0], (seen["cash"], 0))]


def test_the_segregation_rule_fires_on_a_real_runs_sub_accounts():
    """After a run with a member default (per-customer segregation, the default), a transfer out
    of a customer's sub-account at its firm for another customer's obligation raises
    ``LedgerError`` and moves nothing; for its owner it goes through. So a run that completes
    never funded one customer from another's sub-account."""
    the_run = Run(build_config(SHRUNK), 0)
    build_world(the_run)
    the_run.env.run()
    ledger = the_run.ledger
    subs = {n: ledger.owner(n) for n in ledger.balances() if ledger.owner(n)}
    name, owner = next((n, o) for n, o in subs.items() if ledger.balance(n) > 0)
    other = next(o for o in subs.values() if o != owner)
    before = ledger.balance(name)
    with pytest.raises(LedgerError, match="segregation breach"):
        ledger.transfer(name, "external", 1, beneficiary=other)
    assert ledger.balance(name) == before
    ledger.transfer(name, "external", 1, beneficiary=owner)
    assert ledger.balance(name) == before - 1 and ledger.conserved()
