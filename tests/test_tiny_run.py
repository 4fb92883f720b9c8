"""A tiny deterministic clearing week whose complete margin-call log is asserted exactly, hop by
hop (tests/tiny.py describes the world: 2 firms, 3 end users, 3 days, one custodian outage, one
XM link outage).

Every time follows from the default schedule by hand (sim/config/ccp.py, sim/config/operations.py):
- FICC noon: run and call 12:00, due 13:00; FICC start of day: the 18:00 close run is called at
  08:30 the next business day, due 09:30. CME intraday: 13:30, due 14:30; CME end of day: 19:00,
  due 08:30 the next business day.
- The firm's desk takes no time here; a customer call is due at 11:00 on the first business day
  at least 2 hours after issue (a Friday 12:00 call is due Monday 11:00), and the firm pays a
  CCP 30 minutes before the CCP's deadline (12:30, 14:00, 08:00, 09:00).
- End users act at once inside 07:00-18:00 ET, else at 07:00 the next business day (a Friday or
  Monday 19:00 call is instructed at 07:00); the custodian takes 30 minutes and pays inside the
  third-party Fedwire Funds window, so a 12:00 instruction settles 12:30, a 07:00 one 07:30.
- The custodian is down Tuesday 08:00-12:00: the FICC start-of-day customer calls instructed at
  08:30 settle at 12:00, after their 11:00 deadline: late (C000025-C000027).
- When the customers' money settles at the same minute as the firm pays the CCP (12:30, 14:00,
  09:00), the firm's payment was scheduled first, so it pre-funds (e.g. C000001); at 08:00 the
  customers' 07:30 payments are already in the segregated account (C000007: no pre-funding).
- The XM link is down Monday 18:00-18:10: FICC's Monday close figures are lost, so CME's Monday
  end-of-day cycle margins the XM account standalone (the fallback event of day 1).
Amounts (cents) are regression values of seed 11; the table has them in dollars, and the times
are read from its ET timestamp columns.
"""

from __future__ import annotations

import pandas as pd
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import run

# call_id, parent, level, ccp, cycle, payer, payee, account, cash_cents, im_cents, issued, due,
# instructed, settled, status, prefunded_cents
# fmt: off
EXPECTED = [
    ('C000001', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer',
     0, 2405400, 'Fri 01 12:00', 'Fri 01 13:00',
     '', 'Fri 01 12:30', 'on_time', 2405400),
    ('C000002', 'C000001', 'customer', 'ficc', 'noon', 'eu00002', 'bd_fcm01', 'customer',
     0, 2405400, 'Fri 01 12:00', 'Mon 04 11:00',
     'Fri 01 12:00', 'Fri 01 12:30', 'on_time', 0),
    ('C000003', '', 'customer', 'ficc', 'noon', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 5688204, 'Fri 01 12:00', 'Mon 04 11:00',
     'Fri 01 12:00', 'Fri 01 12:30', 'on_time', 0),
    ('C000004', '', 'ccp', 'cme', 'intraday', 'fcm01', 'cme', 'customer',
     0, 132006, 'Fri 01 13:30', 'Fri 01 14:30',
     '', 'Fri 01 14:00', 'on_time', 132006),
    ('C000005', '', 'customer', 'cme', 'intraday', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 847625, 'Fri 01 13:30', 'Mon 04 11:00',
     'Fri 01 13:30', 'Fri 01 14:00', 'on_time', 0),
    ('C000006', 'C000004', 'customer', 'cme', 'intraday', 'eu00002', 'fcm01', 'customer',
     0, 132006, 'Fri 01 13:30', 'Mon 04 11:00',
     'Fri 01 13:30', 'Fri 01 14:00', 'on_time', 0),
    ('C000007', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer_xm',
     0, 2138675, 'Fri 01 19:00', 'Mon 04 08:30',
     '', 'Mon 04 08:00', 'on_time', 0),
    ('C000008', 'C000007', 'customer', 'cme', 'eod', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 4304372, 'Fri 01 19:00', 'Mon 04 11:00',
     'Mon 04 07:00', 'Mon 04 07:30', 'on_time', 0),
    ('C000009', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer',
     0, 21138681, 'Mon 04 12:00', 'Mon 04 13:00',
     '', 'Mon 04 12:30', 'on_time', 10925792),
    ('C000010', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer_xm',
     0, 118182241, 'Mon 04 12:00', 'Mon 04 13:00',
     '', 'Mon 04 12:30', 'on_time', 118182241),
    ('C000011', 'C000009', 'customer', 'ficc', 'noon', 'eu00002', 'bd_fcm01', 'customer',
     0, 21138681, 'Mon 04 12:00', 'Tue 05 11:00',
     'Mon 04 12:00', 'Mon 04 12:30', 'on_time', 0),
    ('C000012', 'C000010', 'customer', 'ficc', 'noon', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 49987984, 'Mon 04 12:00', 'Tue 05 11:00',
     'Mon 04 12:00', 'Mon 04 12:30', 'on_time', 0),
    ('C000013', 'C000010', 'customer', 'ficc', 'noon', 'eu00003', 'bd_fcm01', 'customer_xm',
     0, 57981368, 'Mon 04 12:00', 'Tue 05 11:00',
     'Mon 04 12:00', 'Mon 04 12:30', 'on_time', 0),
    ('C000014', '', 'ccp', 'cme', 'intraday', 'bd_fcm01', 'cme', 'customer_xm',
     0, 2267607, 'Mon 04 13:30', 'Mon 04 14:30',
     '', 'Mon 04 14:00', 'on_time', 2267607),
    ('C000015', '', 'ccp', 'cme', 'intraday', 'fcm01', 'cme', 'customer',
     0, 6568697, 'Mon 04 13:30', 'Mon 04 14:30',
     '', 'Mon 04 14:00', 'on_time', 6206421),
    ('C000016', 'C000014', 'customer', 'cme', 'intraday', 'eu00003', 'bd_fcm01', 'customer_xm',
     0, 69059936, 'Mon 04 13:30', 'Tue 05 11:00',
     'Mon 04 13:30', 'Mon 04 14:00', 'on_time', 0),
    ('C000017', 'C000015', 'customer', 'cme', 'intraday', 'eu00002', 'fcm01', 'customer',
     0, 6206421, 'Mon 04 13:30', 'Tue 05 11:00',
     'Mon 04 13:30', 'Mon 04 14:00', 'on_time', 0),
    ('C000018', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer_xm',
     0, 158621771, 'Mon 04 19:00', 'Tue 05 08:30',
     '', 'Tue 05 08:00', 'on_time', 0),
    ('C000019', '', 'ccp', 'cme', 'eod', 'fcm01', 'cme', 'customer',
     0, 4187446, 'Mon 04 19:00', 'Tue 05 08:30',
     '', 'Tue 05 08:00', 'on_time', 0),
    ('C000020', 'C000018', 'customer', 'cme', 'eod', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 47894422, 'Mon 04 19:00', 'Tue 05 11:00',
     'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000021', 'C000018', 'customer', 'cme', 'eod', 'eu00003', 'bd_fcm01', 'customer_xm',
     0, 43935020, 'Mon 04 19:00', 'Tue 05 11:00',
     'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000022', 'C000019', 'customer', 'cme', 'eod', 'eu00002', 'fcm01', 'customer',
     0, 4187446, 'Mon 04 19:00', 'Tue 05 11:00',
     'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000023', '', 'ccp', 'ficc', 'sod', 'bd_fcm01', 'ficc', 'customer',
     0, 26581576, 'Tue 05 08:30', 'Tue 05 09:30',
     '', 'Tue 05 09:00', 'on_time', 26581576),
    ('C000024', '', 'ccp', 'ficc', 'sod', 'bd_fcm01', 'ficc', 'customer_xm',
     0, 184520577, 'Tue 05 08:30', 'Tue 05 09:30',
     '', 'Tue 05 09:00', 'on_time', 184520577),
    ('C000025', 'C000023', 'customer', 'ficc', 'sod', 'eu00002', 'bd_fcm01', 'customer',
     0, 26581576, 'Tue 05 08:30', 'Tue 05 11:00',
     'Tue 05 08:30', 'Tue 05 12:00', 'late', 0),
    ('C000026', 'C000024', 'customer', 'ficc', 'sod', 'eu00001', 'bd_fcm01', 'customer_xm',
     4094241, 58764904, 'Tue 05 08:30', 'Tue 05 11:00',
     'Tue 05 08:30', 'Tue 05 12:00', 'late', 0),
    ('C000027', 'C000024', 'customer', 'ficc', 'sod', 'eu00003', 'bd_fcm01', 'customer_xm',
     0, 121661432, 'Tue 05 08:30', 'Tue 05 11:00',
     'Tue 05 08:30', 'Tue 05 12:00', 'late', 0),
    ('C000028', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer',
     0, 2179354, 'Tue 05 12:00', 'Tue 05 13:00',
     '', 'Tue 05 12:30', 'on_time', 2179354),
    ('C000029', 'C000028', 'customer', 'ficc', 'noon', 'eu00002', 'bd_fcm01', 'customer',
     0, 2179354, 'Tue 05 12:00', 'Wed 06 11:00',
     'Tue 05 12:00', 'Tue 05 12:30', 'on_time', 0),
    ('C000030', '', 'customer', 'ficc', 'noon', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 5153656, 'Tue 05 12:00', 'Wed 06 11:00',
     'Tue 05 12:00', 'Tue 05 12:30', 'on_time', 0),
]
# fmt: on


def _et(stamp: pd.Timestamp) -> str:
    return "" if pd.isna(stamp) else stamp.strftime("%a %d %H:%M")


def _cents(usd: float) -> int:
    return round(usd * 100)


@pytest.fixture(scope="module")
def tiny():
    return run(build_config(TINY), TINY_SEED, build_world)


def _log(calls: pd.DataFrame) -> list[tuple]:
    return [
        (
            r.call_id,
            r.parent_id,
            r.level,
            r.ccp,
            r.cycle,
            r.payer,
            r.payee,
            r.account,
            _cents(r.cash_usd),
            _cents(r.im_usd),
            _et(r.issued_et),
            _et(r.due_et),
            _et(r.instructed_et),
            _et(r.settled_et),
            r.status,
            _cents(r.prefunded_usd),
        )
        for r in calls.sort_values("call_id").itertuples()
    ]


def test_call_log_is_exact(tiny):
    assert _log(tiny.tables["calls"]) == EXPECTED


def test_the_log_has_a_late_payment_a_prefunding_and_a_fallback(tiny):
    calls, events = tiny.tables["calls"], tiny.tables["events"]
    assert (calls["status"] == "late").any()
    assert (calls["prefunded_usd"] > 0).any()
    fallbacks = events[events["kind"] == "xm_fallback"]
    assert set(fallbacks["entity"]) == {"cme"}
    assert set(fallbacks["date_index"]) == {1}
    daily = tiny.tables["accounts_daily"]
    fell_back = daily[
        (daily["ccp"] == "cme") & (daily["date_index"] == 1) & (daily["account"] == "customer_xm")
    ]
    assert (fell_back["reduction"] == 0).all()  # margined standalone that cycle


def test_late_payments_settle_when_the_custodian_is_back(tiny):
    payments = tiny.tables["payments"]
    late_ids = set(tiny.tables["calls"].query("status == 'late'")["call_id"])
    settled = payments[payments["call_id"].isin(late_ids)]["settled_et"].map(_et)
    assert set(settled) == {"Tue 05 12:00"}


def test_same_seed_same_tables():
    a = run(build_config(TINY), TINY_SEED, build_world)
    b = run(build_config(TINY), TINY_SEED, build_world)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
