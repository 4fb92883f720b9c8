"""Margin, daily and network metrics (``sim.metrics.compute``) on tiny hand-made tables; every
expected number is worked out by hand in the docstrings. Money in dollars; HHI on 0-10,000."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from tables import table

from sim.metrics.compute import daily_rows, margin_metrics, network_rows
from sim.population.network import network_from_tables
from sim.records import AccountDayRecord, FirmRecord, RelationshipRecord

A = AccountDayRecord
# (day, user, type, ccp, account, IM, standalone IM, VM, reduction)
HF1 = [
    A(0, "hf1", "hedge_fund", "cme", "customer_xm", 20.0, 100.0, 0.0, 0.8),
    A(0, "hf1", "hedge_fund", "ficc", "customer_xm", 30.0, 150.0, 0.0, 0.8),
    A(1, "hf1", "hedge_fund", "cme", "customer_xm", 40.0, 100.0, -5.0, 0.6),
    A(1, "hf1", "hedge_fund", "ficc", "customer_xm", 60.0, 150.0, 5.0, 0.6),
]
AM = [
    A(0, "am1", "asset_manager", "cme", "customer", 100.0, 100.0, 0.0, 0.0),
    A(1, "am1", "asset_manager", "cme", "customer", 200.0, 200.0, 0.0, 0.0),
    A(0, "am2", "asset_manager", "ficc", "customer", 50.0, 50.0, 0.0, 0.0),  # day 0 only
]
DAYS = [dt.date(2026, 5, 1), dt.date(2026, 5, 4)]  # Friday, Monday


def _by_key(rows: list[dict]) -> dict[tuple[str, str], float]:
    """Run-level rows as ``{(metric, entity_type): value}``, checking their fixed columns."""
    assert all(pd.isna(r["date"]) and r["entity"] == "all" for r in rows)
    out = {(r["metric"], r["entity_type"]): r["value"] for r in rows}
    assert len(out) == len(rows), "a (metric, entity_type) appears twice"
    return out


def _margin(by_type: dict, accounts: dict, total: float, saved: float, xm: tuple) -> dict:
    """Expected rows; at a customer multiplier of 1 (the records' default) the levels
    ``ccp_im_usd`` and ``customer_margin_usd`` are both the per-type totals of IM over 2 days
    (the per-account sums of ``accounts`` by type: HF1 (60 + 90) / 2 = 75, AM (300 + 50) / 2)."""
    levels = {"hedge_fund": 75.0, "asset_manager": 175.0} if xm[0] else {"asset_manager": 175.0}
    levels["all"] = total
    return {
        **{(m, k): v for m in ("ccp_im_usd", "customer_margin_usd") for k, v in levels.items()},
        **{("end_user_im_usd", k): v for k, v in by_type.items()},
        **{("im_by_account_usd", k): v for k, v in accounts.items()},
        ("end_user_im_total_usd", "all"): total,
        ("xm_savings_usd", "all"): saved,
        ("xm_accounts", "all"): xm[0],
        ("xm_mean_reduction", "all"): xm[1],
    }


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # Over 2 days, per user: hf1 (20 + 30 + 40 + 60) / 2 = 75, am1 (100 + 200) / 2 = 150,
        # am2 50 / 2 = 25; per type: asset managers (150 + 25) / 2 = 87.5, hedge funds 75, all
        # (75 + 150 + 25) / 3. Per account: cme:customer 300 / 2, cme:customer_xm 60 / 2,
        # ficc:customer 50 / 2, ficc:customer_xm 90 / 2. Total 500 / 2 = 250; saved (standalone
        # 850 - 500) / 2 = 175; one XM user, mean reduction (0.8 + 0.8 + 0.6 + 0.6) / 4.
        (
            HF1 + AM,
            _margin(
                {"asset_manager": 87.5, "hedge_fund": 75.0, "all": 250 / 3},
                {
                    "cme:customer": 150.0,
                    "cme:customer_xm": 30.0,
                    "ficc:customer": 25.0,
                    "ficc:customer_xm": 45.0,
                },
                250.0,
                175.0,
                (1.0, 0.7),
            ),
        ),
        # no XM account: nothing saved, no XM users, mean reduction 0 (not NaN)
        (
            AM,
            _margin(
                {"asset_manager": 87.5, "all": 87.5},
                {"cme:customer": 150.0, "ficc:customer": 25.0},
                175.0,
                0.0,
                (0.0, 0.0),
            ),
        ),
    ],
    ids=["xm_and_standalone", "no_xm"],
)
def test_margin_metrics_by_hand(rows, expected):
    assert _by_key(margin_metrics(table(A, rows), n_days=2)) == pytest.approx(expected)


def test_customers_post_the_ccp_im_times_their_multiplier():
    """One day: a speculative fund's CME IM 100 at multiplier 1.1 (CME's 110% collected by the
    FCM) and its FICC IM 50 at 1.0; a hedger bank's CME IM 40 at 1.0. The CCPs hold 150 + 40 =
    190; customers post 110 + 50 + 40 = 200, the headline per user (160 + 40) / 2 = 100; the
    fund's standalone CME IM 200 (reduction 0.5) saves it (200 - 100) x 1.1 = 110 posted."""
    rows = [
        A(0, "hf", "hedge_fund", "cme", "customer_xm", 100.0, 200.0, 0.0, 0.5, 1.1),
        A(0, "hf", "hedge_fund", "ficc", "customer_xm", 50.0, 50.0, 0.0, 0.0, 1.0),
        A(0, "rb", "regional_bank", "cme", "customer", 40.0, 40.0, 0.0, 0.0, 1.0),
    ]
    got = _by_key(margin_metrics(table(A, rows), n_days=1))
    assert got[("ccp_im_usd", "all")] == pytest.approx(190.0)
    assert got[("customer_margin_usd", "all")] == pytest.approx(200.0)
    assert got[("customer_margin_usd", "hedge_fund")] == pytest.approx(160.0)
    assert got[("end_user_im_usd", "all")] == pytest.approx(100.0)
    assert got[("xm_savings_usd", "all")] == pytest.approx(110.0)


def test_daily_rows_by_hand_add_up_to_the_run_level():
    """Day 0 (Fri 1 May): IM 20 + 30 + 100 + 50 = 200, standalone 100 + 150 + 100 + 50 = 400,
    saved 200. Day 1 (Mon 4 May): IM 40 + 60 + 200 = 300, standalone 450, saved 150. Invariant:
    their means over the 2 days are the run-level 250 and 175."""
    rows = daily_rows(table(A, HF1 + AM), DAYS)
    got = {(r["metric"], r["date"]): r["value"] for r in rows}
    may1, may4 = pd.Timestamp("2026-05-01"), pd.Timestamp("2026-05-04")
    assert got == {
        ("end_user_im_total_usd", may1): 200.0,
        ("end_user_im_total_usd", may4): 300.0,
        ("xm_savings_usd", may1): 200.0,
        ("xm_savings_usd", may4): 150.0,
    }
    assert len(got) == len(rows)
    assert all(r["entity"] == r["entity_type"] == "all" for r in rows)
    run_level = _by_key(margin_metrics(table(A, HF1 + AM), n_days=2))
    for metric in ("end_user_im_total_usd", "xm_savings_usd"):
        daily_mean = sum(v for (m, _), v in got.items() if m == metric) / 2
        assert daily_mean == pytest.approx(run_level[(metric, "all")])


def test_daily_rows_of_no_rows_is_empty():
    assert daily_rows(table(A), DAYS) == []


# --- network ----------------------------------------------------------------------------------

FIRMS = [
    FirmRecord("bd1", "bd_fcm", True, "f1", 1.0),
    FirmRecord("fcm1", "fcm", False, "f2", 1.0),
    FirmRecord("bd2", "bd", False, "f3", 1.0),
]
LEGS = {  # user: (futures firm, cash firm)
    "u1": ("bd1", "bd1"),
    "u2": ("fcm1", "bd1"),
    "u3": ("fcm1", "bd2"),
    "u4": ("fcm1", "bd2"),
    "u5": ("fcm1", "bd2"),
}
RELATIONSHIPS = [
    RelationshipRecord(user, "hedge_fund", leg, firm, "cust1")
    for user, firms in LEGS.items()
    for leg, firm in zip(("futures", "cash"), firms, strict=True)
]
IM = [("u1", 100.0), ("u1", 300.0), ("u2", 100.0), ("u3", 400.0), ("u4", 100.0)]  # none for u5


def _network(daily: list[AccountDayRecord]) -> dict:
    graph = network_from_tables(table(FirmRecord, FIRMS), table(RelationshipRecord, RELATIONSHIPS))
    return _by_key(network_rows(graph, table(A, daily)))


def test_network_rows_by_hand():
    """Futures: bd1 1 user, fcm1 4: HHI 20^2 + 80^2 = 6800. Cash: bd1 2, bd2 3: 40^2 + 60^2 =
    5200. Mean IM per user (u1 (100 + 300) / 2 = 200, u2 100, u3 400, u4 100, u5 none), half to
    each leg's firm: bd1 200 + 50, fcm1 50 + 200 + 50, bd2 200 + 50, total 800: HHI 31.25^2 +
    37.5^2 + 31.25^2 = 3359.375. A failure of fcm1 cuts 4 of 5 users off CME, of bd2 3 of 5 off
    FICC."""
    daily = [A(0, u, "hedge_fund", "cme", "customer", im, im, 0.0, 0.0) for u, im in IM]
    assert _network(daily) == pytest.approx(
        {
            ("hhi_end_users_futures", "all"): 6800.0,
            ("hhi_end_users_cash", "all"): 5200.0,
            ("hhi_margin", "all"): 3359.375,
            ("users_exposed_max_share", "cme"): 0.8,
            ("users_exposed_max_share", "ficc"): 0.6,
        }
    )


def test_network_rows_without_margin_have_no_margin_hhi():
    """A run that margined nothing (no account rows): user counts and exposure only."""
    assert _network([]) == pytest.approx(
        {
            ("hhi_end_users_futures", "all"): 6800.0,
            ("hhi_end_users_cash", "all"): 5200.0,
            ("users_exposed_max_share", "cme"): 0.8,
            ("users_exposed_max_share", "ficc"): 0.6,
        }
    )


def test_metrics_keep_run_level_and_daily_rows_apart(builtin_output):
    """metrics.parquet's ``scope``: ``run`` exactly where ``date`` is empty, ``day`` elsewhere,
    so that summing one scope never double-counts a metric that has both (e.g.
    ``xm_savings_usd``, the run's daily average and each day's figure)."""
    metrics = pd.read_parquet(builtin_output("baseline") / "metrics.parquet")
    assert set(metrics["scope"]) == {"run", "day"}
    assert (metrics["date"].isna() == (metrics["scope"] == "run")).all()
    both = metrics[metrics["metric"] == "xm_savings_usd"].groupby("scope").size()
    assert both["run"] > 0 and both["day"] > 0
