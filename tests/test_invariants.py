"""Invariants over random small worlds (hypothesis): cash and Treasury collateral are conserved
to the cent every day, no account goes beyond its credit line, every call ends exactly once, and
no payment settles outside its rail's window (Fedwire Funds, Fedwire Securities)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from world_strategies import user_type

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import Run, run
from sim.settlement.rails import settles_in_window

worlds = st.fixed_dictionaries(
    {
        "calendar": st.fixed_dictionaries({"business_days": st.integers(1, 5)}),
        "market": st.fixed_dictionaries(
            {
                "lookback_days": st.just(300),
                "impact": st.fixed_dictionaries({"model": st.sampled_from(["per_bn", "depth"])}),
            }
        ),
        "liquidation": st.fixed_dictionaries(
            {"deleverage": st.sampled_from(["fixed_fraction", "raise_cash"])}
        ),
        "cme": st.fixed_dictionaries(
            {
                "lookback_days": st.just(250),
                "factor_publish_delay_minutes": st.sampled_from([0, 600]),
            }
        ),
        "ficc": st.fixed_dictionaries(
            {
                "lookback_days": st.just(250),
                "adhoc": st.fixed_dictionaries(
                    {"only_stressed": st.booleans(), "threshold": st.sampled_from([0.05, 0.25])}
                ),
            }
        ),
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
                "desk_staff": st.integers(1, 3),
            }
        ),
        "population": st.fixed_dictionaries(
            {
                "n_end_users": st.integers(1, 10),
                "types": st.fixed_dictionaries(
                    {"hedge_fund": user_type, "asset_manager": user_type}
                ),
            }
        ),
        "operations": st.fixed_dictionaries(
            {
                "user_response_mean_minutes": st.sampled_from([1.0, 60.0, 600.0]),
                "grace_business_days": st.integers(0, 2),
                "outages": st.sampled_from(
                    [
                        [],
                        [
                            {
                                "custodian": "bny_like",
                                "start": "2026-05-01T09:00:00",  # day 0: in every run
                                "duration_minutes": 300,
                            }
                        ],
                    ]
                ),
            }
        ),
        "xm": st.fixed_dictionaries(
            {"enabled": st.booleans(), "rule": st.sampled_from(["min_cap", "joint_split"])}
        ),
    }
)


def _check_windows(payments: pd.DataFrame, the_run: Run) -> None:
    for rail, minute in zip(payments["rail"], payments["settled_min"], strict=True):
        assert settles_in_window(the_run.calendar, the_run.rails, rail, minute), (rail, minute)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=worlds, seed=st.integers(0, 2**32 - 1))
def test_random_worlds_keep_the_invariants(overrides, seed):
    the_run = Run(build_config(overrides), seed)
    build_world(the_run)
    the_run.env.run()  # the daily audit checks conservation and limits every business day
    the_run.check_invariants()  # and again at the end, with no call left open
    tables = the_run.recorder.finish()
    days = tables["balances_daily"]["date_index"].nunique()
    assert days == the_run.calendar.n_days  # the audit ran every day
    calls = tables["calls"]
    assert calls["call_id"].is_unique
    assert set(calls["status"]) <= {"on_time", "late", "defaulted", "cancelled"}
    settled = calls["status"].isin(["on_time", "late"])
    assert (calls.loc[settled, "settled_min"] >= calls.loc[settled, "issued_min"]).all()
    on_time = calls["status"] == "on_time"
    assert (calls.loc[on_time, "settled_min"] <= calls.loc[on_time, "due_min"]).all()
    _check_windows(tables["payments"], the_run)


def test_run_reports_the_total_it_opened_with():
    """The total cash a run reports at its end equals the total of the opening balances, read
    before the first event, and every cash payment of the run was between two accounts."""
    config = build_config({"calendar": {"business_days": 2}, "population": {"n_end_users": 5}})
    the_run = Run(config, 3)
    build_world(the_run)
    opened = the_run.ledger.total()
    assert opened == the_run.ledger.endowed() and opened > 0
    result = run(config, 3, build_world)
    assert result.info["ledger_total_usd"] == opened / 100  # the ledger keeps cents
    payments = result.tables["payments"]
    assert len(payments) and (payments["src_account"] != payments["dst_account"]).all()
