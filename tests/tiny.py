"""The tiny deterministic world shared by the run-level tests.

One BD-FCM that offers XM (``bd_fcm01``) and one FCM (``fcm01``), no house books, one custodian
that takes exactly 30 minutes, three end users over three business days from Friday 2026-05-01
(Fri 1, Mon 4, Tue 5 May). Hedge funds clear both legs at ``bd_fcm01`` (so they are
XM-eligible); asset managers clear futures at ``fcm01`` and cash at ``bd_fcm01``. End users
answer at once and pay in cash, so every time in the call log follows from the schedule by hand.
Two scheduled incidents: the custodian is down on Tuesday 5 May from 08:00 to 12:00 (late
payments), and the CCPs' XM link is down on Monday 4 May from 18:00 to 18:10, so FICC's close
figures are lost and CME's 19:00 end-of-day cycle falls back to standalone margin.
"""

from pathlib import Path

import yaml

TINY = {
    # the operations log predates issue 11's model: its funding, impact and liquidation rules
    # are pinned to the settings of before (tests/test_deleveraging.py covers the new ones)
    "funding": {"buffer_basis": "standalone"},
    "liquidation": {"deleverage": "fixed_fraction", "closeout": "delete", "buffer_floor": 0.0},
    "calendar": {"business_days": 3},
    # a missed CCP call only ends defaulted, no member default, as before issue 13
    "default_management": {"endogenous": False, "porting": False},
    # DV01s at the fixed 4% reference yield, as before issue 12
    "market": {"lookback_days": 300, "impact": {"model": "per_bn"}, "dv01_yield": "fixed"},
    # the plain historical VaR keeps the call log's amounts independent of model refinements
    # (key rates only: the basis factors of issue 12 are off, as before)
    "cme": {
        "lookback_days": 250,
        "ewma_lambda": None,
        "stress_weight": 0.0,
        "sees_basis": False,
        # CME pays out at its 08:30 collection, as before issue 13 (default: 09:30)
        "cycles": {"eod": {"payout_clock": "08:30"}},
        "liquidity": {"finite": False},  # unlimited CCP liquidity, as before issue 13
        "lsoc": False,  # customer accounts netted as a whole, as before issue 13
        "collateral_cutoffs": False,  # Treasuries count whenever delivered, as before issue 13
    },
    "ficc": {
        "lookback_days": 250,
        "ewma_lambda": 1.0,  # plain historical VaR (no volatility scaling), as before issue 12
        "sees_basis": False,
        "noon_rule": "previous_close",  # the noon VaR alone, as before issue 12
        "stress_weight": 0.0,
        "floor_bp": 0.0,
        "adhoc": {"enabled": False},
        "liquidity": {"finite": False},
        "lsoc": False,
        "collateral_cutoffs": False,
    },
    "firms": {
        "n_bd_fcm": 1,
        "n_fcm": 1,
        "n_bd": 0,
        "share_bd_fcm_offering_xm": 1.0,
        "min_transfer_usd": 0,
        "house_dv01_usd": 0,
        "handling_minutes": 0,
        "speculative_multiplier_at": "ccp",  # CME's 110% at the CCP, as before issue 12
        "xm_customer_equity": "per_ccp",  # equity per CCP, as before the joint XM account
        "segregation": "pooled",  # one segregated pool, as before issue 13
        "xm_one_call_per_cycle": False,  # each CCP statement may call, as before issue 13
        "daylight_overdraft_cap": False,  # no overdraft cap or payment queue, before issue 13
    },
    "population": {
        "model": "legacy",  # its own firm counts and three users, not the public-data sample
        "ficc_leg": "outright",  # both users' notes at FICC: calls at both CCPs
        "n_end_users": 3,
        "types": {
            "regional_bank": None,
            "asset_manager": {
                "p_same_bd_fcm": 0.0,
                "share": 0.5,
                "securities_multiple": 0.0,
                "payment_policy": "cash_first",
            },
            "hedge_fund": {
                "dv01_median_usd": 150_000,
                "p_same_bd_fcm": 1.0,
                "share": 0.5,
                "securities_multiple": 0.0,
            },
        },
    },
    "operations": {
        "user_response_mean_minutes": 1e-6,
        "custodians": {
            "bny_like": None,
            "statestreet_like": None,
            "custodian": {
                "share": 1.0,
                "cash_median_minutes": 30,
                "cash_sigma": 0.0,
                "securities_median_minutes": 30,
                "securities_sigma": 0.0,
            },
        },
        "outages": [
            {"custodian": "custodian", "start": "2026-05-05T08:00:00", "duration_minutes": 240}
        ],
    },
    "xm": {
        "enabled": True,
        "link_outages": [{"start": "2026-05-04T18:00:00", "duration_minutes": 10}],
    },
}
TINY_SEED = 11
# the same world under issue 11's model (the defaults): only its own population is kept
TINY_MODEL = {k: v for k, v in TINY.items() if k not in ("funding", "liquidation")}
TINY_MODEL["market"] = {"lookback_days": 300, "dv01_yield": "fixed"}
# CME's 09:30 pay-out and finite CCP liquidity (the defaults since issue 13; the call log is
# the same with unlimited liquidity)
TINY_MODEL.update(
    {
        c: {
            k: v
            for k, v in TINY[c].items()
            if k not in ("cycles", "liquidity", "lsoc", "collateral_cutoffs")
        }
        for c in ("cme", "ficc")
    }
)
NEW_FIRM_RULES = ("segregation", "xm_one_call_per_cycle", "daylight_overdraft_cap")
TINY_MODEL["firms"] = {k: v for k, v in TINY["firms"].items() if k not in NEW_FIRM_RULES}
TINY_MODEL["population"] = {k: v for k, v in TINY["population"].items() if k != "ficc_leg"}


def write_tiny_spec(folder: Path) -> Path:
    """A spec of the tiny world with 12 end users over 4 days: standalone vs cross_margin, 2
    replications each; written to ``folder/tiny.yaml``."""
    base = {**TINY, "population": {"n_end_users": 12}, "calendar": {"business_days": 4}}
    spec = {
        "name": "tiny",
        "question": "Does XM lower IM?",
        "seed": 5,
        "replications": 2,
        "reference": "standalone",
        "base": base,
        "scenarios": {
            "standalone": {"xm": {"enabled": False}},
            "cross_margin": {"xm": {"enabled": True}},
        },
    }
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path
