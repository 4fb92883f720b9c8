"""Worlds hypothesis found breaking an invariant of ``tests/test_default_invariants.py``, kept as
explicit examples so that each stays checked on every run (hypothesis' search is random)."""

from __future__ import annotations

# A partly ported customer (eu00001: its CME row moved to fcm01) whose part of a CME call that
# ended unpaid turned into a gain at bd_fcm01's close-out ($15,488.17 credited to it in the
# defaulter's account): before the fix the gain stayed attributed there, logged as held, while
# the customer had a new firm (found 2026-12-03; agents.member_default now lets it follow).
PORTED_CUSTOMER_GAINS = {
    "calendar": {"business_days": 3},
    "market": {"lookback_days": 300, "impact": {"coeff": 1.0}},
    "cme": {"lookback_days": 250, "confidence": 0.99, "lsoc": True},
    "ficc": {"lookback_days": 250, "confidence": 0.99, "lsoc": True},
    "firms": {
        "n_bd_fcm": 1,
        "n_fcm": 1,
        "n_bd": 0,
        "n_affiliated_pairs": 0,
        "share_bd_fcm_offering_xm": 1.0,
        "own_liquidity_usd": 0.0,
        "credit_line_usd": 0.0,
        "segregation": "per_customer",
        "residual_interest_deadline": "immediate",
        "xm_one_call_per_cycle": False,
    },
    "population": {
        "model": "legacy",
        "n_end_users": 2,
        "ficc_leg": "outright",
        "types": {
            "hedge_fund": {
                "payment_policy": "cash_first",
                "securities_multiple": 0.0,
                "cash_buffer_multiple": 1.0,
                "credit_line_multiple": 0.0,
                "deleverage_fraction": 0.0,
                "leverage_appetite": 0.0,
                "p_same_bd_fcm": 1.0,
            },
            "asset_manager": {
                "payment_policy": "cash_first",
                "securities_multiple": 0.0,
                "cash_buffer_multiple": 0.1,
                "credit_line_multiple": 0.0,
                "deleverage_fraction": 0.0,
                "leverage_appetite": 0.0,
                "p_same_bd_fcm": 0.0,
            },
        },
    },
    "defaults": [{"firm": "bd_fcm01", "time": "2026-05-05T07:00:00"}],
    "default_management": {
        "endogenous": False,
        "cross_default": False,
        "sharing_rule": "pro_rata_im",
        "fund_scale": 0.0,
        "cme_capital_usd": 0.0,
        "ficc_capital_usd": 0.0,
        "cme_assessment_multiple": 0.0,
        "porting": True,
        "porting_per_firm_per_day": 1,
        "porting_acceptance": 0.5,
        "porting_latency_minutes": 0.0,
    },
    "xm": {"enabled": True},
}
PORTED_CUSTOMER_GAINS_SEED = 20
