"""Operations metrics (``sim.metrics.operations``) on tiny hand-made tables; every expected
number is worked out by hand in the comments. Times are simulation minutes, so ``minute // 60``
is the clock hour and ``minute // 1440`` the day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from tables import NAN, call, payment, rows_by_key, table

from sim.calendar import SimCalendar
from sim.config import build_config
from sim.metrics.operations import (
    business_latencies,
    call_outcomes,
    desk_rows,
    hop_latencies,
    hop_windows,
    latency_rows,
    liquidity_rows,
    prefunding_rows,
    throughput,
)
from sim.records import (
    BalanceDayRecord,
    CallRecord,
    DeskRecord,
    EventRecord,
    PaymentRecord,
)

CUSTOMER = {"level": "customer", "payer": "hf1", "payee": "fcm01"}

# --- call outcomes ----------------------------------------------------------------------------

MIXED = [
    call(call_id="P1", prefunded_cents=150),
    call(call_id="P2", cycle="adhoc", status="late"),
    call(call_id="P3", status="defaulted", settled_min=NAN),
    call(call_id="K1", parent_id="P1", prefunded_cents=250, **CUSTOMER),
    call(call_id="K2", parent_id="P2", status="late", **CUSTOMER),
]
ALL_DEFAULTED = [
    call(call_id="P1", status="defaulted", settled_min=NAN),
    call(call_id="P2", status="defaulted", settled_min=NAN),
    call(call_id="K1", cycle="adhoc", status="defaulted", settled_min=NAN, **CUSTOMER),
]


def _outcomes(ccp: tuple, customer: tuple, adhoc: float, prefunding: float) -> dict:
    """Expected rows: (calls, late share, defaulted, missed) per level, then the rest."""
    out = {}
    for level, values in (("ccp", ccp), ("customer", customer)):
        names = ("calls", "calls_late_share", "calls_defaulted", "missed_deadlines")
        out.update({(name, level): v for name, v in zip(names, values, strict=True)})
    return {**out, ("adhoc_calls", "ccp"): adhoc, ("prefunding_usd", "all"): prefunding}


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        # CCP: 3 calls, 1 late (1/3), 1 defaulted, missed 1 + 1 = 2; P2 is the one ad hoc.
        # Customer: 2 calls, 1 late (1/2), none defaulted, missed 1. Pre-funded 150 + 250 cents.
        (MIXED, _outcomes((3, 1 / 3, 1, 2), (2, 0.5, 0, 1), 1, 4.0)),
        # no calls: every count 0 and the late shares 0 (not 0/0)
        ([], _outcomes((0, 0.0, 0, 0), (0, 0.0, 0, 0), 0, 0.0)),
        # all defaulted: missed = defaulted, none late; an ad hoc customer call is not counted
        (ALL_DEFAULTED, _outcomes((2, 0.0, 2, 2), (1, 0.0, 1, 1), 0, 0.0)),
    ],
    ids=["mixed", "no_calls", "all_defaulted"],
)
def test_call_outcomes(calls, expected):
    assert rows_by_key(call_outcomes(table(CallRecord, calls))) == pytest.approx(expected)


# --- latency per hop --------------------------------------------------------------------------

LATENCY_CALLS = [
    call(call_id="P1", issued_min=100.0, settled_min=160.0),
    call(call_id="P2", issued_min=200.0, settled_min=NAN, status="defaulted"),
    # K1: on time through every hop; parent P1 issued at 100
    call(
        call_id="K1",
        parent_id="P1",
        issued_min=110.0,
        instructed_min=130.0,
        settled_min=170.0,
        **CUSTOMER,
    ),
    # K2: late; parent P2 issued at 200
    call(
        call_id="K2",
        parent_id="P2",
        issued_min=230.0,
        instructed_min=300.0,
        settled_min=400.0,
        status="late",
        **CUSTOMER,
    ),
    # K3: a customer call without a parent, defaulted, never instructed
    call(call_id="K3", issued_min=500.0, settled_min=NAN, status="defaulted", **CUSTOMER),
    # K4: settled (from pre-funding) without an instruction seen
    call(call_id="K4", parent_id="P1", issued_min=120.0, settled_min=125.0, **CUSTOMER),
]


def test_hop_latencies_by_hand():
    """Per row (P1, P2 / K1, K2, K3, K4): CCP settled - issued = 160 - 100 = 60, P2 none;
    desk K - parent issued = 110 - 100, 230 - 200, no parent, 120 - 100; end user instructed -
    issued = 130 - 110, 300 - 230; custodian settled - instructed = 170 - 130, 400 - 300;
    customer call settled - issued = 170 - 110, 400 - 230, none, 125 - 120."""
    hops = hop_latencies(table(CallRecord, LATENCY_CALLS))
    expected = {
        "ccp_settlement": [60.0, NAN],
        "firm_desk": [10.0, 30.0, NAN, 20.0],
        "end_user": [20.0, 70.0, NAN, NAN],
        "custodian": [40.0, 100.0, NAN, NAN],
        "customer_call": [60.0, 170.0, NAN, 5.0],
    }
    assert list(hops) == list(expected)
    for hop, minutes in expected.items():
        np.testing.assert_array_equal(hops[hop].to_numpy(float), minutes, err_msg=hop)


def test_latency_percentiles_skip_missing_times():
    """numpy's linear percentile at position q/100 x (n - 1) of the sorted non-NaN minutes:
    desk [10, 20, 30]: p50 20, p95 20 + 0.9 x 10 = 29; end user [20, 70]: p50 45, p95 20 + 0.95
    x 50 = 67.5; custodian [40, 100]: 70, 40 + 0.95 x 60 = 97; customer call [5, 60, 170]: 60,
    60 + 0.9 x 110 = 159; CCP [60]: 60 and 60."""
    expected = {
        "ccp_settlement": (60.0, 60.0),
        "firm_desk": (20.0, 29.0),
        "end_user": (45.0, 67.5),
        "custodian": (70.0, 97.0),
        "customer_call": (60.0, 159.0),
    }
    rows = rows_by_key(latency_rows(table(CallRecord, LATENCY_CALLS)))
    assert rows == pytest.approx(
        {
            (f"latency_{q}_min", hop): v[i]
            for hop, v in expected.items()
            for i, q in ((0, "p50"), (1, "p95"))
        }
    )


@pytest.mark.parametrize(
    ("calls", "ccp_minutes"),
    [
        ([], 0.0),  # no calls
        ([call(issued_min=0.0, settled_min=30.0)], 30.0),  # CCP calls only: no customer hops
    ],
    ids=["no_calls", "ccp_only"],
)
def test_latency_rows_without_customer_calls(calls, ccp_minutes):
    """5 hops x (p50, p95) rows; each customer hop 0 (no data); the CCP hop settled - issued."""
    rows = rows_by_key(latency_rows(table(CallRecord, calls)))
    assert len(rows) == 10
    assert rows.pop(("latency_p50_min", "ccp_settlement")) == ccp_minutes
    assert rows.pop(("latency_p95_min", "ccp_settlement")) == ccp_minutes
    assert set(rows.values()) == {0.0}


EVENING = [  # from Fri 1 May 2026 (minute 0 = Fri 00:00 ET)
    call(call_id="P1", issued_min=1080.0, settled_min=4800.0),  # CCP: Fri 18:00 -> Mon 08:00
    # customer: issued Fri 19:00, instructed Mon 07:30, settled Mon 08:00
    call(
        call_id="K1",
        parent_id="P1",
        issued_min=1140.0,
        instructed_min=4770.0,
        settled_min=4800.0,
        **CUSTOMER,
    ),
]


def test_an_evening_call_paid_next_morning_counts_business_minutes():
    """Wall clock: the CCP hop 3,720 minutes, the end user's 3,630. Business minutes: CCP on the
    Fedwire Funds day (21:00 the evening before to 19:00): Fri 18:00-19:00 (60) + Sun 21:00 to
    Mon 08:00 (660) = 720; desk Fri 18:00-19:00 = 60; end user (07:00-18:00): Mon 07:00-07:30 =
    30; custodian (third-party funds, to 18:45): Mon 07:30-08:00 = 30; the whole customer call
    on the end user's hours: Mon 07:00-08:00 = 60."""
    config = build_config({"calendar": {"start": "2026-05-01", "business_days": 5}})
    calendar = SimCalendar(dt.date(2026, 5, 1), 5)
    calls = table(CallRecord, EVENING)
    business = business_latencies(calls, calendar, hop_windows(config))
    got = {hop: minutes.tolist() for hop, minutes in business.items()}
    assert got == {
        "ccp_settlement": [720.0],
        "firm_desk": [60.0],
        "end_user": [30.0],
        "custodian": [30.0],
        "customer_call": [60.0],
    }
    assert hop_latencies(calls)["end_user"].tolist() == [3630.0]
    rows = rows_by_key(latency_rows(calls, calendar, hop_windows(config)))
    assert rows[("latency_p95_business_min", "ccp_settlement")] == 720.0
    assert rows[("latency_p95_min", "ccp_settlement")] == 3720.0


# --- throughput -------------------------------------------------------------------------------

THROUGHPUT_CALLS = [
    call(call_id="P1", issued_min=10.0),
    call(call_id="P2", issued_min=50.0),
    call(call_id="P3", ccp="ficc", payee="ficc", issued_min=70.0),
    call(call_id="K1", issued_min=65.0, **CUSTOMER),
    call(call_id="K2", issued_min=100.0, **CUSTOMER),
    call(call_id="K3", issued_min=130.0, **{**CUSTOMER, "payee": "bd01"}),
    call(call_id="K4", issued_min=200.0, **CUSTOMER),
    call(call_id="K5", issued_min=110.0, **{**CUSTOMER, "payee": "bd01"}),
]


def _paid(pid: str, via: str, settled: float, rail: str, value: int = 100) -> PaymentRecord:
    return payment(
        payment_id=pid,
        via=via,
        settled_min=settled,
        rail=rail,
        amount_cents=value,
        value_cents=value,
    )


THIRD_PARTY = "fedwire_funds_third_party"
PAYMENTS = [
    _paid("Y1", "custodian", 30.0, THIRD_PARTY),
    _paid("Y2", "custodian", 45.0, THIRD_PARTY),
    _paid("Y3", "custodian", 61.0, THIRD_PARTY),
    _paid("Y4", "cme", 59.0, "book"),
    _paid("Y5", "fcm01", 119.0, "fedwire_funds"),
]


def test_throughput_by_hand():
    """Clock hours (minute // 60). Calls: cme issues at hour 0 twice, ficc once at hour 1: one
    CCP's peak 2; all CCP calls per active hour {0: 2, 1: 1}: peak 2, mean 1.5. Customer calls
    by firm: fcm01 {1: 2 (65, 100), 3: 1}, bd01 {1: 1 (110), 2: 1}: one firm's peak 2; all
    customer calls {1: 3, 2: 1, 3: 1}: peak 3, mean 5/3. Payments: the custodian handles 2 at
    hour 0 (30, 45), the most of any agent; per rail: third party {0: 2, 1: 1}, book {0: 1},
    funds {1: 1}."""
    rows = rows_by_key(
        throughput(table(CallRecord, THROUGHPUT_CALLS), table(PaymentRecord, PAYMENTS))
    )
    assert rows == pytest.approx(
        {
            ("entity_calls_per_hour_peak", "ccp"): 2.0,
            ("entity_calls_per_hour_peak", "firm"): 2.0,
            ("entity_payments_per_hour_peak", "all"): 2.0,
            ("calls_per_hour_peak", "ccp"): 2.0,
            ("calls_per_hour_mean", "ccp"): 1.5,
            ("calls_per_hour_peak", "customer"): 3.0,
            ("calls_per_hour_mean", "customer"): 5 / 3,
            ("payments_per_hour_peak", "book"): 1.0,
            ("payments_per_hour_peak", "fedwire_funds"): 1.0,
            ("payments_per_hour_peak", THIRD_PARTY): 2.0,
        }
    )


def test_throughput_without_payments():
    """No payments: the busiest agent's peak is 0 and there is no rail row. Calls as above but
    for the customer calls: only the CCP rows and the firms' peak 0."""
    ccp_only = [c for c in THROUGHPUT_CALLS if c.level == "ccp"]
    rows = rows_by_key(throughput(table(CallRecord, ccp_only), table(PaymentRecord)))
    assert rows == pytest.approx(
        {
            ("entity_calls_per_hour_peak", "ccp"): 2.0,
            ("entity_calls_per_hour_peak", "firm"): 0.0,
            ("entity_payments_per_hour_peak", "all"): 0.0,
            ("calls_per_hour_peak", "ccp"): 2.0,
            ("calls_per_hour_mean", "ccp"): 1.5,
        }
    )


# --- desk -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queues", "expected_max", "expected_mean"),
    [
        ([], 0.0, 0.0),  # empty desk table: zeros, not NaN
        ([0, 3, 2], 3.0, 5 / 3),  # max 3; mean (0 + 3 + 2) / 3
        ([4], 4.0, 4.0),
    ],
)
def test_desk_rows(queues, expected_max, expected_mean):
    desk = table(DeskRecord, [DeskRecord(10.0 * i, "fcm01", q, 1) for i, q in enumerate(queues)])
    assert rows_by_key(desk_rows(desk)) == pytest.approx(
        {("desk_queue_max", "all"): expected_max, ("desk_queue_mean", "all"): expected_mean}
    )


# --- liquidity --------------------------------------------------------------------------------

SPREADS = {"hedge_fund": 150.0, "asset_manager": 50.0}
BALANCES = [
    BalanceDayRecord(0, "hf1", "hedge_fund", "eu:hf1:cash", -1_000_000, 0),  # draws $10,000
    BalanceDayRecord(0, "am1", "asset_manager", "eu:am1:cash", -400_000, 0),  # draws $4,000
    BalanceDayRecord(0, "hf1", "hedge_fund", "eu:hf1:sec", -700_000, 0),  # not a cash account
    BalanceDayRecord(0, "fcm01", "fcm", "firm:fcm01:cash", -9_900_000, 0),  # not an end user
    BalanceDayRecord(1, "hf1", "hedge_fund", "eu:hf1:cash", -200_000, 0),  # draws $2,000
    BalanceDayRecord(1, "am1", "asset_manager", "eu:am1:cash", 500_000, 0),  # draws nothing
]
LIQUIDITY_PAYMENTS = [
    _paid("Y1", "custodian", 100.0, THIRD_PARTY, 300_000)._replace(amount_cents=320_000),
    _paid("Y2", "custodian", 1439.0, THIRD_PARTY, 200_000),
    _paid("Y3", "custodian", 1440.0, THIRD_PARTY, 450_000),
    _paid("Y4", "fcm01", 200.0, "fedwire_funds", 9_000_000)._replace(purpose="ccp_call"),
]
EVENTS = [
    EventRecord(10.0, "liquidity_shortfall", "hf1", "K1", amount_cents=500),
    EventRecord(20.0, "liquidity_shortfall", "am1", "K2", amount_cents=700),
    EventRecord(30.0, "deleverage_sale", "hf1", "K1", face_usd=1_000_000.0),
    EventRecord(40.0, "deleverage_sale", "am1", "K2", face_usd=2_500_000.0),
    EventRecord(50.0, "customer_default", "fcm01", "K3", counterparty="hf2"),
    EventRecord(60.0, "ccp_liquidity", "cme", "fcm01:customer", amount_cents=100),
    EventRecord(70.0, "xm_fallback", "cme", "fcm01:customer_xm", date_index=0),
    EventRecord(80.0, "xm_fallback", "ficc", "fcm01:customer_xm", date_index=0),
    EventRecord(90.0, "firm_liquidity_shortfall", "fcm01", "P1", amount_cents=100),
]


def test_liquidity_rows_by_hand():
    """Credit drawn by end users' cash accounts: day 0 $10,000 + $4,000 = $14,000, day 1 $2,000:
    peak $14,000; cost (10,000 x 150 + 4,000 x 50 + 2,000 x 150) / 1e4 / 360 = 200 / 360
    dollars. Customer-call payments at value: day 0 (minutes 100 and 1439) $3,000 + $2,000, day
    1 (minute 1440) $4,500: peak $5,000 (the face 320,000 cents and the CCP payment do not
    count). Events: 2 user shortfalls (the firm's is another kind), 1,000,000 + 2,500,000 face
    sold, 1 customer default, 1 CCP advance, 2 XM fallbacks."""
    rows = liquidity_rows(
        table(BalanceDayRecord, BALANCES),
        table(PaymentRecord, LIQUIDITY_PAYMENTS),
        table(EventRecord, EVENTS),
        SPREADS,
    )
    assert rows_by_key(rows) == pytest.approx(
        _liquidity(14_000.0, 200 / 360, 5_000.0, (2, 3_500_000.0, 1, 1, 2))
    )


def _liquidity(drawn: float, cost: float, need: float, events: tuple) -> dict:
    names = (
        "liquidity_shortfalls",
        "deleveraged_face_usd",
        "customer_defaults",
        "ccp_liquidity_advances",
        "xm_fallbacks",
    )
    return {
        ("credit_drawn_peak_usd", "all"): drawn,
        ("credit_cost_usd", "all"): cost,
        ("peak_daily_liquidity_need_usd", "all"): need,
        **{(name, "all"): v for name, v in zip(names, events, strict=True)},
    }


def test_liquidity_rows_of_empty_tables_are_zero():
    rows = liquidity_rows(
        table(BalanceDayRecord), table(PaymentRecord), table(EventRecord), SPREADS
    )
    assert rows_by_key(rows) == _liquidity(0.0, 0.0, 0.0, (0, 0.0, 0, 0, 0))


def test_prefunding_per_firm_and_its_peak_by_hand():
    """Firm f1 advances 100 then 50 dollars and is paid back 120 between them (outstanding
    100, -20 -> -20 + 50 = 30: peak 100), firm f2 advances 40 at the end (peak all firms:
    max(100, -20, 30, 70) = 100; f2's own peak 40); per-firm prefunding from the call table."""
    calls = pd.DataFrame(
        {"level": ["ccp", "ccp", "customer"], "payer": ["f1", "f2", "u1"],
         "prefunded_usd": [150.0, 40.0, 0.0]}
    )  # fmt: skip
    payments = pd.DataFrame(
        {"purpose": ["prefund", "reimburse", "prefund", "prefund", "vm"],
         "payer": ["f1", "f1", "f1", "f2", "f1"], "amount_usd": [100.0, 120.0, 50.0, 40.0, 9.0],
         "settled_min": [1.0, 2.0, 3.0, 4.0, 0.0]}
    )  # fmt: skip
    rows = {(m, e): v for m, e, v in prefunding_rows(calls, payments)}
    assert rows == {
        ("prefunding_usd", "f1"): 150.0,
        ("prefunding_usd", "f2"): 40.0,
        ("prefunding_peak_usd", "all"): 100.0,
        ("prefunding_peak_usd", "f1"): 100.0,
        ("prefunding_peak_usd", "f2"): 40.0,
    }
