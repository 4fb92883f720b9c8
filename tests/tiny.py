"""The tiny deterministic world shared by the run-level tests.

One BD-FCM that offers XM (``bd_fcm01``) and one FCM (``fcm01``), one custodian, three end users
over three business days from Friday 2026-05-01 (Fri 1, Mon 4, Tue 5 May). Hedge funds clear both
legs at ``bd_fcm01`` (so they are XM-eligible); asset managers clear futures at ``fcm01`` and cash
at ``bd_fcm01``. End users answer at once and the custodian takes exactly 30 minutes, so every
time in the call log follows from the schedule by hand.
"""

TINY = {
    "calendar": {"business_days": 3},
    "market": {"lookback_days": 300},
    # the plain historical VaR keeps the call log's amounts independent of model refinements
    "cme": {"lookback_days": 250, "ewma_lambda": None, "stress_weight": 0.0},
    "ficc": {"lookback_days": 250, "stress_weight": 0.0, "floor_bp": 0.0},
    "firms": {
        "n_bd_fcm": 1,
        "n_fcm": 1,
        "n_bd": 0,
        "share_bd_fcm_offering_xm": 1.0,
        "min_transfer_usd": 0,
    },
    "population": {
        "n_end_users": 3,
        "n_custodians": 1,
        "types": {
            "regional_bank": None,
            "asset_manager": {"p_same_bd_fcm": 0.0, "share": 0.5},
            "hedge_fund": {"p_same_bd_fcm": 1.0, "share": 0.5},
        },
    },
    "operations": {"user_response_mean_minutes": 1e-6, "custodian_latency_sigma": 0.0},
    "xm": {"enabled": True},
}
TINY_SEED = 11
