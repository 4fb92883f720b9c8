"""Metrics of an adoption study, from the tables ``agents.worlds.adoption`` writes.

Dated rows (one per count date): ``eligible_share``, ``onboarding_share`` and ``adopted_share``
of end users, per end-user type, per size tercile (``size:small|medium|large``) and ``all``.
Run-level rows: the same shares at the end; ``time_to_adopt_days`` (mean business days from
decision to adoption) and ``days_from_live`` (mean calendar days from the live date);
``consolidations`` (adopters that moved a leg); ``adoption_cost_usd``, ``im_saved_usd`` and
``savings_realised_usd`` (sums over types at the last count); the Herfindahl index of end users
per clearing firm on each leg at the start and end (``hhi_users_<leg>_<start|end>``, 0-10,000).

Tables (``sim.records``): ``adoption_counts`` (per count date, end-user type and size bucket:
counts of users, eligible, onboarding, queued and adopted; on the ``all`` rows the money:
``cost_paid_usd`` committed by deciders, ``im_saved_usd`` adopters save at the last evaluation,
``savings_realised_usd`` adopters' cumulative funding savings), ``adoptions`` (one row per
adopter) and ``market_shares`` (users per firm and leg at the start and end). ``eligible``
counts users eligible under the rule given their current firms, plus adopters (eligible by
construction once consolidated), so adopted <= eligible always. Size buckets: terciles of the
cash-leg DV01.
"""

from __future__ import annotations

import pandas as pd

SHARES = ("eligible", "onboarding", "adopted")
COUNTS = ("users", *SHARES)
MONEY = ("cost_paid_usd", "im_saved_usd", "savings_realised_usd")


def _share_rows(date: pd.Timestamp, label: str, counts: pd.Series) -> list[tuple]:
    users = counts["users"]
    return [(date, label, f"{s}_share", counts[s] / users if users else 0.0) for s in SHARES]


def _count_rows(date: pd.Timestamp, day: pd.DataFrame) -> list[tuple]:
    """Share rows of one count date: per type, ``all`` types, and per size over all types."""
    by_type = day[day["size"] == "all"]
    rows = []
    for user_type, counts in zip(by_type["user_type"], by_type.itertuples(), strict=True):
        rows += _share_rows(date, user_type, counts._asdict())
    rows += _share_rows(date, "all", by_type[list(COUNTS)].sum())
    sized = day[day["size"] != "all"].groupby("size", sort=False)[list(COUNTS)].sum()
    for size, counts in sized.iterrows():
        rows += _share_rows(date, f"size:{size}", counts)
    return rows


def _hhi(shares: pd.Series) -> float:
    total = shares.sum()
    return float(((shares / total * 100) ** 2).sum()) if total else 0.0


def adoption_rows(tables: dict[str, pd.DataFrame]) -> tuple[list[tuple], list[tuple]]:
    """(dated rows (date, entity_type, metric, value), run-level rows (metric, type, value))."""
    counts = tables["adoption_counts"]
    if counts.empty:
        return [], []
    dated: list[tuple] = []
    for date, day in counts.groupby("date", sort=False):
        dated += _count_rows(pd.Timestamp(date), day)
    last = max(r[0] for r in dated)
    final = [(m, t, v) for d, t, m, v in dated if d == last]
    run_level = final + _adoption_summary(tables["adoptions"], counts) + _shares(tables)
    return dated, run_level


def _mean(values: pd.Series) -> float:
    return sum(values.tolist()) / len(values) if len(values) else 0.0


def _adoption_summary(adopted: pd.DataFrame, counts: pd.DataFrame) -> list[tuple]:
    last = counts[(counts["date"] == counts["date"].iloc[-1]) & (counts["size"] == "all")]
    moved = adopted["moves_futures"] | adopted["moves_cash"]
    return [
        ("time_to_adopt_days", "all", _mean(adopted["days_to_adopt"])),
        ("days_from_live", "all", _mean(adopted["days_from_live"])),
        ("consolidations", "all", float(moved.sum())),
        ("adoption_cost_usd", "all", sum(last["cost_paid_usd"].tolist())),
        ("im_saved_usd", "all", sum(last["im_saved_usd"].tolist())),
        ("savings_realised_usd", "all", sum(last["savings_realised_usd"].tolist())),
    ]


def _shares(tables: dict[str, pd.DataFrame]) -> list[tuple]:
    shares = tables["market_shares"]
    rows = []
    for when in ("start", "end"):
        for leg in ("futures", "cash"):
            users = shares.loc[(shares["when"] == when) & (shares["leg"] == leg), "users"]
            rows.append((f"hhi_users_{leg}_{when}", "all", _hhi(users.astype(float))))
    return rows
