"""A tiny deterministic run whose complete margin-call log is asserted exactly.

Times (ET) follow from the default schedule (sim/config.py):
- CME runs at 19:00 and calls at once, due 08:30 on the next business day; FICC runs at 18:00
  and calls at 08:30 on the next business day, due 09:30.
- A customer call is due at 11:00 on the first business day at least 2 hours after issue.
- End users act at once within 07:00-18:00 ET, else at 07:00 on the next business day; the
  custodian adds 30 minutes and settles inside 08:00-18:45 ET. So a call issued Friday 19:00 is
  instructed Monday 07:00, ready 07:30 and settled at the 08:00 opening; a call issued at 08:30 is
  settled at 09:00.
- Firms pay a CCP 30 minutes before its deadline (08:00 for CME, 09:00 for FICC). At 09:00 the
  firm's payment is scheduled before the custodian's, so it pre-funds in full; at 08:00 likewise.
Amounts are the regression values of seed 11 (cents). With house multiplier 1 and no minimum
transfer amount, each CCP call equals the sum of its customer calls (checked separately below).
"""

from __future__ import annotations

import pandas as pd
import pytest
from tiny import TINY, TINY_SEED

from sim.config import build_config
from sim.model import run

EXPECTED = [
    # call_id, parent, level, ccp, payer, payee, account, cents, issued, due, settled, status,
    # prefunded
    (
        "C000001",
        "",
        "ccp",
        "cme",
        "bd_fcm01",
        "cme",
        "customer_xm",
        4761489,
        "Fri 01 19:00",
        "Mon 04 08:30",
        "Mon 04 08:00",
        "on_time",
        4761489,
    ),
    (
        "C000002",
        "C000001",
        "customer",
        "cme",
        "eu00001",
        "bd_fcm01",
        "customer_xm",
        4761489,
        "Fri 01 19:00",
        "Mon 04 11:00",
        "Mon 04 08:00",
        "on_time",
        0,
    ),
    (
        "C000003",
        "",
        "ccp",
        "cme",
        "fcm01",
        "cme",
        "customer",
        3138301,
        "Fri 01 19:00",
        "Mon 04 08:30",
        "Mon 04 08:00",
        "on_time",
        3138301,
    ),
    (
        "C000004",
        "C000003",
        "customer",
        "cme",
        "eu00002",
        "fcm01",
        "customer",
        2862953,
        "Fri 01 19:00",
        "Mon 04 11:00",
        "Mon 04 08:00",
        "on_time",
        0,
    ),
    (
        "C000005",
        "C000003",
        "customer",
        "cme",
        "eu00003",
        "fcm01",
        "customer",
        275348,
        "Fri 01 19:00",
        "Mon 04 11:00",
        "Mon 04 08:00",
        "on_time",
        0,
    ),
    (
        "C000006",
        "",
        "ccp",
        "cme",
        "fcm01",
        "cme",
        "customer",
        338529199,
        "Mon 04 19:00",
        "Tue 05 08:30",
        "Tue 05 08:00",
        "on_time",
        338529199,
    ),
    (
        "C000007",
        "C000006",
        "customer",
        "cme",
        "eu00002",
        "fcm01",
        "customer",
        308827377,
        "Mon 04 19:00",
        "Tue 05 11:00",
        "Tue 05 08:00",
        "on_time",
        0,
    ),
    (
        "C000008",
        "C000006",
        "customer",
        "cme",
        "eu00003",
        "fcm01",
        "customer",
        29701822,
        "Mon 04 19:00",
        "Tue 05 11:00",
        "Tue 05 08:00",
        "on_time",
        0,
    ),
    (
        "C000009",
        "",
        "ccp",
        "ficc",
        "bd_fcm01",
        "ficc",
        "customer",
        1172556820,
        "Tue 05 08:30",
        "Tue 05 09:30",
        "Tue 05 09:00",
        "on_time",
        1172556820,
    ),
    (
        "C000010",
        "C000009",
        "customer",
        "ficc",
        "eu00002",
        "bd_fcm01",
        "customer",
        1087902128,
        "Tue 05 08:30",
        "Tue 05 11:00",
        "Tue 05 09:00",
        "on_time",
        0,
    ),
    (
        "C000011",
        "C000009",
        "customer",
        "ficc",
        "eu00003",
        "bd_fcm01",
        "customer",
        84654692,
        "Tue 05 08:30",
        "Tue 05 11:00",
        "Tue 05 09:00",
        "on_time",
        0,
    ),
    (
        "C000012",
        "",
        "ccp",
        "ficc",
        "bd_fcm01",
        "ficc",
        "customer_xm",
        301799270,
        "Tue 05 08:30",
        "Tue 05 09:30",
        "Tue 05 09:00",
        "on_time",
        301799270,
    ),
    (
        "C000013",
        "C000012",
        "customer",
        "ficc",
        "eu00001",
        "bd_fcm01",
        "customer_xm",
        301799270,
        "Tue 05 08:30",
        "Tue 05 11:00",
        "Tue 05 09:00",
        "on_time",
        0,
    ),
    (
        "C000014",
        "",
        "ccp",
        "cme",
        "bd_fcm01",
        "cme",
        "customer_xm",
        88220877,
        "Tue 05 19:00",
        "Wed 06 08:30",
        "Wed 06 08:00",
        "on_time",
        88220877,
    ),
    (
        "C000015",
        "C000014",
        "customer",
        "cme",
        "eu00001",
        "bd_fcm01",
        "customer_xm",
        88220877,
        "Tue 05 19:00",
        "Wed 06 11:00",
        "Wed 06 08:00",
        "on_time",
        0,
    ),
]

START = pd.Timestamp("2026-05-01")


def _et(minutes: float) -> str:
    return (START + pd.Timedelta(minutes=minutes)).strftime("%a %d %H:%M")


@pytest.fixture(scope="module")
def tiny():
    return run(build_config(TINY), TINY_SEED)


def _log(calls: pd.DataFrame) -> list[tuple]:
    calls = calls.sort_values("call_id")
    return [
        (
            r.call_id,
            r.parent_id,
            r.level,
            r.ccp,
            r.payer,
            r.payee,
            r.account,
            r.amount_cents,
            _et(r.issued_min),
            _et(r.due_min),
            _et(r.settled_min),
            r.status,
            r.prefunded_cents,
        )
        for r in calls.itertuples()
    ]


def test_call_log_is_exact(tiny):
    assert _log(tiny.tables["calls"]) == EXPECTED


def test_ccp_call_is_sum_of_its_customer_calls(tiny):
    calls = tiny.tables["calls"]
    ccp = calls[calls["level"] == "ccp"].set_index("call_id")["amount_cents"]
    children = calls[calls["parent_id"] != ""].groupby("parent_id")["amount_cents"].sum()
    assert children.to_dict() == ccp.to_dict()


def test_population_is_as_documented(tiny):
    daily = tiny.tables["accounts_daily"]
    xm_users = set(daily.loc[daily["account"] == "customer_xm", "entity"])
    assert xm_users == {"eu00001"}
    # the XM account's reduction is the same at both CCPs (the min rule) and within the cap
    xm = daily[daily["account"] == "customer_xm"]
    assert (xm.groupby("date_index")["reduction"].nunique() == 1).all()
    assert xm["reduction"].between(0, 0.80).all()


def test_same_seed_same_tables():
    a = run(build_config(TINY), TINY_SEED)
    b = run(build_config(TINY), TINY_SEED)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
