"""Invariants over random small worlds (hypothesis): money is conserved to the cent, no account
ends beyond its credit line, every call ends exactly once, and every customer payment settles
inside the custodian's window on a business day."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.calendar import is_business_day, parse_clock
from sim.config import build_config
from sim.model import Run, run

worlds = st.fixed_dictionaries(
    {
        "calendar": st.fixed_dictionaries({"business_days": st.integers(1, 6)}),
        "market": st.just({"lookback_days": 300}),
        "cme": st.just({"lookback_days": 250}),
        "ficc": st.just({"lookback_days": 250}),
        "firms": st.fixed_dictionaries(
            {
                "n_bd_fcm": st.integers(1, 3),
                "n_fcm": st.integers(0, 2),
                "n_bd": st.integers(0, 2),
                "share_bd_fcm_offering_xm": st.sampled_from([0.0, 0.5, 1.0]),
                "house_multiplier": st.sampled_from([1.0, 1.25]),
                "own_liquidity_usd": st.sampled_from([0.0, 1e6, 1e9]),
                "credit_line_usd": st.sampled_from([0.0, 1e8]),
                "min_transfer_usd": st.sampled_from([0.0, 10_000.0]),
            }
        ),
        "population": st.fixed_dictionaries({"n_end_users": st.integers(1, 12)}),
        "operations": st.fixed_dictionaries(
            {
                "user_response_mean_minutes": st.sampled_from([1.0, 60.0, 600.0]),
                "custodian_latency_median_minutes": st.sampled_from([5.0, 120.0]),
                "grace_business_days": st.integers(0, 2),
            }
        ),
        "xm": st.fixed_dictionaries({"enabled": st.booleans(), "cap": st.sampled_from([0.5, 0.8])}),
    }
)


def _check_windows(payments: pd.DataFrame, the_run: Run) -> None:
    ops = the_run.config.operations
    lo, hi = parse_clock(ops.custodian_open), parse_clock(ops.custodian_cutoff)
    customer = payments[payments["purpose"] == "customer_call"]
    for minute in customer["settled_min"]:
        stamp = the_run.calendar.timestamp(minute)
        assert is_business_day(stamp.date())
        assert lo <= stamp.hour * 60 + stamp.minute < hi


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=worlds, seed=st.integers(0, 2**32 - 1))
def test_random_worlds_keep_the_invariants(overrides, seed):
    config = build_config(overrides)
    the_run = Run(config, seed)
    from agents.world import build_world

    build_world(the_run)
    endowed = the_run.ledger.endowed()
    the_run.env.run()
    the_run.check_invariants()  # conservation, credit limits, no open call
    assert the_run.ledger.total() == endowed
    tables = the_run.recorder.finish()
    calls = tables["calls"]
    assert calls["call_id"].is_unique
    assert set(calls["status"]) <= {"on_time", "late", "defaulted"}
    settled = calls["status"] != "defaulted"
    assert (calls.loc[settled, "settled_min"] >= calls.loc[settled, "issued_min"]).all()
    on_time = calls["status"] == "on_time"
    assert (calls.loc[on_time, "settled_min"] <= calls.loc[on_time, "due_min"]).all()
    _check_windows(tables["payments"], the_run)


def test_run_reports_conserved_total():
    result = run(
        build_config({"calendar": {"business_days": 2}, "population": {"n_end_users": 5}}), 3
    )
    assert result.info["ledger_total_cents"] > 0
