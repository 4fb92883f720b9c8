"""Adoption metrics (``sim.metrics.adoption.adoption_rows``) on hand-made adoption tables: shares
are counts over users (worked out below as fractions), run-level money is summed over types at
the last count date, HHI is on 0-10,000."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from tables import table

from sim.metrics.adoption import adoption_rows
from sim.records import AdoptionCountRecord, AdoptionRecord, MarketShareRecord

C = AdoptionCountRecord
MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
# (date, type, size, users, eligible, onboarding, queued, adopted[, cost, IM saved, realised])
COUNTS = [
    C(MAY, "hedge_fund", "all", 10, 4, 2, 1, 0, 1_000.0, 0.0, 0.0),
    C(MAY, "asset_manager", "all", 5, 1, 0, 0, 0, 0.0, 0.0, 0.0),
    C(MAY, "hedge_fund", "small", 6, 2, 1, 1, 0),
    C(MAY, "hedge_fund", "large", 4, 2, 1, 0, 0),
    C(MAY, "asset_manager", "small", 3, 1, 0, 0, 0),
    C(MAY, "asset_manager", "large", 2, 0, 0, 0, 0),
    C(JUNE, "hedge_fund", "all", 10, 5, 1, 0, 3, 2_500.0, 40_000.0, 1_200.0),
    C(JUNE, "asset_manager", "all", 5, 2, 1, 0, 1, 500.0, 10_000.0, 300.0),
    C(JUNE, "hedge_fund", "small", 6, 3, 1, 0, 2),
    C(JUNE, "hedge_fund", "large", 4, 2, 0, 0, 1),
    C(JUNE, "asset_manager", "small", 3, 2, 1, 0, 1),
    C(JUNE, "asset_manager", "large", 2, 0, 0, 0, 0),
]
# (users, eligible, onboarding, adopted) per date and label, added up by hand: "all" is both
# types' "all" rows, a size both types' rows of that size
COUNTED = {
    (MAY, "hedge_fund"): (10, 4, 2, 0),
    (MAY, "asset_manager"): (5, 1, 0, 0),
    (MAY, "all"): (15, 5, 2, 0),
    (MAY, "size:small"): (9, 3, 1, 0),
    (MAY, "size:large"): (6, 2, 1, 0),
    (JUNE, "hedge_fund"): (10, 5, 1, 3),
    (JUNE, "asset_manager"): (5, 2, 1, 1),
    (JUNE, "all"): (15, 7, 2, 4),
    (JUNE, "size:small"): (9, 5, 2, 3),
    (JUNE, "size:large"): (6, 2, 0, 1),
}
SHARES = ("eligible_share", "onboarding_share", "adopted_share")


def _adopter(user: str, days: int, from_live: int, futures: bool, cash: bool) -> AdoptionRecord:
    return AdoptionRecord(0.0, user, "bd1", MAY, MAY, MAY, JUNE, days, from_live, futures, cash)


ADOPTIONS = [
    _adopter("u1", 20, 0, False, False),
    _adopter("u2", 30, 10, True, False),
    _adopter("u3", 40, 14, False, True),
    _adopter("u4", 50, 28, True, True),
]


def _shares(when: str, leg: str, users: list[int]) -> list[MarketShareRecord]:
    total = sum(users)
    return [
        MarketShareRecord(when, f"firm{i}", "bd_fcm", True, leg, n, n / total, n / total)
        for i, n in enumerate(users)
    ]


MARKET_SHARES = [
    *_shares("start", "futures", [6, 4]),
    *_shares("start", "cash", [5, 5]),
    *_shares("end", "futures", [10, 0]),
    *_shares("end", "cash", [3, 3, 4]),
]


def _tables(counts=(), adoptions=(), shares=()) -> dict[str, pd.DataFrame]:
    return {
        "adoption_counts": table(AdoptionCountRecord, counts),
        "adoptions": table(AdoptionRecord, adoptions),
        "market_shares": table(MarketShareRecord, shares),
    }


def _share_values(counted: dict) -> dict:
    """``{(date, label, metric): share}`` from (users, eligible, onboarding, adopted)."""
    return {
        (date, label, metric): n / users
        for (date, label), (users, *numerators) in counted.items()
        for metric, n in zip(SHARES, numerators, strict=True)
    }


def test_dated_shares_by_hand():
    dated, _ = adoption_rows(_tables(COUNTS, ADOPTIONS, MARKET_SHARES))
    got = {(d.date(), t, m): v for d, t, m, v in dated}
    assert len(got) == len(dated) == 30  # 2 dates x 5 labels x 3 shares
    assert got == pytest.approx(_share_values(COUNTED))


def test_run_level_rows_by_hand():
    """The June shares; mean business days to adopt (20 + 30 + 40 + 50) / 4 = 35, from live
    (0 + 10 + 14 + 28) / 4 = 13; 3 adopters moved a leg; June's money over both types: cost
    2,500 + 500, IM saved 40,000 + 10,000, realised 1,200 + 300 (May's 1,000 cost not counted).
    HHI of users per firm: start futures 60/40 -> 3600 + 1600, cash 50/50 -> 5000; end futures
    100/0 -> 10,000, cash 30/30/40 -> 900 + 900 + 1600."""
    _, run_level = adoption_rows(_tables(COUNTS, ADOPTIONS, MARKET_SHARES))
    got = {(m, t): v for m, t, v in run_level}
    june = {(m, t): v for (d, t, m), v in _share_values(COUNTED).items() if d == JUNE}
    assert len(got) == len(run_level)
    assert got == pytest.approx(
        {
            **june,
            **_summary(35.0, 13.0, 3.0, (3_000.0, 50_000.0, 1_500.0)),
            **_hhi(start=(5_200.0, 5_000.0), end=(10_000.0, 3_400.0)),
        }
    )


def _summary(days: float, from_live: float, moved: float, money: tuple) -> dict:
    names = ("adoption_cost_usd", "im_saved_usd", "savings_realised_usd")
    return {
        ("time_to_adopt_days", "all"): days,
        ("days_from_live", "all"): from_live,
        ("consolidations", "all"): moved,
        **{(name, "all"): v for name, v in zip(names, money, strict=True)},
    }


def _hhi(start: tuple, end: tuple) -> dict:
    """(futures, cash) HHI at the start and the end."""
    return {
        (f"hhi_users_{leg}_{when}", "all"): v
        for when, values in (("start", start), ("end", end))
        for leg, v in zip(("futures", "cash"), values, strict=True)
    }


def test_no_counts_no_rows():
    assert adoption_rows(_tables()) == ([], [])


def test_a_type_without_users_and_no_adopters():
    """A type with 0 users has shares 0 (not 0/0); with no adopters and no market shares the
    means, sums and HHIs are 0. Hedge funds: 1 of 4 eligible; all: the same 1 of 4."""
    counts = [
        C(MAY, "regional_bank", "all", 0, 0, 0, 0, 0, 0.0, 0.0, 0.0),
        C(MAY, "hedge_fund", "all", 4, 1, 0, 0, 0, 0.0, 0.0, 0.0),
    ]
    dated, run_level = adoption_rows(_tables(counts))
    shares = {(MAY, "hedge_fund"): (4, 1, 0, 0), (MAY, "all"): (4, 1, 0, 0)}
    expected = {**_share_values(shares), **{(MAY, "regional_bank", m): 0.0 for m in SHARES}}
    assert {(d.date(), t, m): v for d, t, m, v in dated} == pytest.approx(expected)
    assert {(m, t): v for m, t, v in run_level} == pytest.approx(
        {
            **{(m, t): v for (_, t, m), v in expected.items()},
            **_summary(0.0, 0.0, 0.0, (0.0, 0.0, 0.0)),
            **_hhi(start=(0.0, 0.0), end=(0.0, 0.0)),
        }
    )
