"""Adoption of customer cross-margining: pure, vectorised decision maths.

Conventions. Arrays have one entry per end user (shape (n,)) unless stated. Money is float
dollars; funding spreads are bp a year (1 bp = 1e-4); lead times and day indices are business
days; exposures are key-rate DV01s in dollars per bp, shape (n, 5) (``sim.margin``).

The decision (DESIGN.md section 4): an end user that has not decided yet adopts when its
expected annual savings, the initial margin XM would free times its funding spread, repaid over
``payback_years`` exceed the cost of adopting: a fixed cost, plus a consolidation cost when it
must move a leg to a BD-FCM that offers customer XM (``consolidation_target``).
"""

from __future__ import annotations

import bisect
import calendar as _calendar
import datetime as dt

import numpy as np

from sim.calendar import SimCalendar, business_days
from sim.margin.var import VarModel
from sim.margin.xm import xm_legs, xm_reduction
from sim.population.eligibility import eligible_pair
from sim.population.population import FirmSpec
from sim.records import AdoptionCountRecord

SIZE_LABELS = ("small", "medium", "large")
BUSINESS_DAYS_PER_YEAR = 252
BP = 1e-4


def eligibility_matrix(firms: tuple[FirmSpec, ...], rule: str) -> np.ndarray:
    """``m[i, j]``: a user with futures at firm i and cash at firm j may cross-margin."""
    return np.array([[eligible_pair(rule, f, c) for c in firms] for f in firms], dtype=bool)


def annual_savings(
    standalone_im_usd: np.ndarray, xm_im_usd: np.ndarray, spread_bp: np.ndarray
) -> np.ndarray:
    """Expected annual funding savings (dollars a year): IM freed (dollars, floored at 0) times
    the funding spread (bp a year)."""
    freed = np.maximum(np.asarray(standalone_im_usd) - np.asarray(xm_im_usd), 0.0)
    return freed * np.asarray(spread_bp, dtype=float) * BP


def adoption_cost(
    fixed_usd: np.ndarray, consolidation_usd: np.ndarray, moves: np.ndarray
) -> np.ndarray:
    """Cost of adopting (dollars): the fixed cost, plus the consolidation cost (once) when the
    user must move at least one leg (``moves`` > 0)."""
    return np.asarray(fixed_usd) + np.where(np.asarray(moves) > 0, consolidation_usd, 0.0)


def decide(
    annual_savings_usd: np.ndarray, cost_usd: np.ndarray, payback_years: float, open_: np.ndarray
) -> np.ndarray:
    """Who adopts now (bool): users still open to a decision (``open_``) whose savings (dollars a
    year) over ``payback_years`` strictly exceed their cost (dollars)."""
    return np.asarray(open_, dtype=bool) & (
        np.asarray(annual_savings_usd) * payback_years > np.asarray(cost_usd)
    )


def lognormal_draws(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    """``n`` lognormal draws with ``median`` (in the median's unit) and log-sd ``sigma``."""
    return median * np.exp(sigma * rng.standard_normal(n))


def lead_times(rng: np.random.Generator, median_days: float, sigma: float, n: int) -> np.ndarray:
    """Lognormal lead times rounded to whole business days, at least 1 (int array)."""
    return np.maximum(np.rint(lognormal_draws(rng, median_days, sigma, n)), 1).astype(np.int64)


def cleared_share(
    day,
    cash_mandate: dt.date,
    repo_mandate: dt.date,
    shares: tuple[float, float, float],
) -> np.ndarray:
    """Share (fraction) of cash/repo activity cleared at FICC on ``day`` (a date or an array of
    dates): ``shares[0]`` before ``cash_mandate``, ``shares[1]`` from it, ``shares[2]`` from
    ``repo_mandate`` (each mandate applies on its date)."""
    days = np.asarray(day, dtype="datetime64[D]")
    steps = (days >= np.datetime64(cash_mandate, "D")).astype(int) + (
        days >= np.datetime64(repo_mandate, "D")
    ).astype(int)
    return np.asarray(shares, dtype=float)[steps]


def consolidation_target(
    futures_firm: np.ndarray,
    cash_firm: np.ndarray,
    offers: np.ndarray,
    size_weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The BD-FCM a user should consolidate at, and how many legs (0-2) it must move there.

    ``futures_firm``, ``cash_firm``: the user's firm indices (n,); ``offers`` (m,): whether each
    firm is a BD-FCM offering customer XM; ``size_weight`` (m,): firm sizes. The target is the
    user's current futures or cash firm if it is such a BD-FCM (one move; when both are, the
    larger by size weight, then the lower index), else the largest such firm (two moves).
    Target -1 and moves 0 where no firm offers XM.
    """
    offers = np.asarray(offers, dtype=bool)
    fut, cash = np.asarray(futures_firm), np.asarray(cash_firm)
    rank = np.where(offers, np.asarray(size_weight, dtype=float), -np.inf)
    if not offers.any():
        return np.full(fut.shape, -1), np.zeros(fut.shape, dtype=np.int64)
    largest = int(np.argmax(rank))  # first of the largest: the lower index wins ties
    cash_first = (rank[cash] > rank[fut]) | ((rank[cash] == rank[fut]) & (cash < fut))
    best_own = np.where(cash_first, cash, fut)
    target = np.where(offers[best_own], best_own, largest)
    moves = (fut != target).astype(np.int64) + (cash != target).astype(np.int64)
    return target, moves


def size_buckets(cash_dv01: np.ndarray) -> np.ndarray:
    """Size bucket (0 small, 1 medium, 2 large: ``SIZE_LABELS``) of each user by the terciles of
    its cash-leg DV01 (dollars per bp, absolute value) across the population."""
    size = np.abs(np.asarray(cash_dv01, dtype=float))
    edges = np.quantile(size, [1 / 3, 2 / 3])
    return np.searchsorted(edges, size, side="right").clip(0, 2)


def user_ims(
    cme: VarModel,
    ficc: VarModel,
    rule: str,
    cap: float,
    legs: tuple[np.ndarray, np.ndarray],
    daily_bp: np.ndarray,
    ratios: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Standalone and cross-margined IM (dollars) of each user's XM-eligible legs.

    ``legs``: futures and (cleared) cash key-rate DV01 (dollars per bp, (n, 5) each), or with
    their basis columns (n, 5 + F; ``sim.margin.exposure.with_basis``); ``daily_bp``: the
    history of daily changes (bp, key rates then basis, ``sim.margin.var``). Standalone = CME
    IM of the futures leg + FICC IM of the cash leg, each times the user's ``ratios`` (n, 2),
    what it posts per dollar of that CCP's IM (``sim.margin.portfolio.posted_ratios``; None:
    1); XM = standalone x (1 - reduction) under ``rule`` and ``cap``.
    """
    fut, cash = legs
    cme_legs, ficc_legs = xm_legs(cme, fut, cash, daily_bp), xm_legs(ficc, fut, cash, daily_bp)
    k = np.ones((fut.shape[0], 2)) if ratios is None else np.asarray(ratios, float)
    standalone = k[:, 0] * cme_legs.futures + k[:, 1] * ficc_legs.cash
    r = xm_reduction(rule, cap, cme_legs, ficc_legs)
    return standalone, standalone * (1.0 - r)


def accrued_savings(
    annual_usd: np.ndarray, adopted_day: np.ndarray, from_day: int, to_day: int
) -> np.ndarray:
    """Funding savings (dollars) realised in business days [from_day, to_day) by users adopted
    on ``adopted_day`` (business-day index; a large value for none), at ``annual_usd`` dollars
    a year over ``BUSINESS_DAYS_PER_YEAR`` business days."""
    days = np.clip(to_day - np.maximum(from_day, np.asarray(adopted_day)), 0, None)
    return np.asarray(annual_usd) * days / BUSINESS_DAYS_PER_YEAR


def market_shares(firm: np.ndarray, weight: np.ndarray, n_firms: int) -> np.ndarray:
    """Share (fraction) of the total ``weight`` (users: 1 each; or DV01, dollars per bp) held at
    each of ``n_firms`` firms, given each user's firm index ``firm``; zeros if the total is 0."""
    totals = np.bincount(np.asarray(firm), weights=np.asarray(weight, float), minlength=n_firms)
    total = totals.sum()
    return totals / total if total > 0 else totals


def share_table(
    firms: tuple[np.ndarray, np.ndarray], legs: tuple[np.ndarray, np.ndarray], n_firms: int
) -> dict[str, np.ndarray]:
    """Per firm (arrays of ``n_firms``), on each leg (``futures``, ``cash``): its users, its
    share (fraction) of users and its share of the leg's DV01 (absolute, dollars per bp).
    ``firms``: each user's futures and cash firm index; ``legs``: key-rate DV01s (n, 5)."""
    out: dict[str, np.ndarray] = {}
    for leg, firm, exposure in zip(("futures", "cash"), firms, legs, strict=True):
        users = np.bincount(firm, minlength=n_firms)
        out[f"{leg}_users"] = users
        out[f"{leg}_share"] = np.round(users / max(len(firm), 1), 6)
        dv01 = np.abs(exposure.sum(axis=1))
        out[f"{leg}_dv01_share"] = np.round(market_shares(firm, dv01, n_firms), 6)
    return out


def tally(labels: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per label, the count (or sum, for numeric arrays) of each named array over its users:
    ``{label: {name: total}}``; bool arrays give counts, float arrays sums (dollars)."""
    labels = np.asarray(labels)
    out: dict[str, dict[str, float]] = {}
    for label in sorted(set(labels.tolist())):
        sel = labels == label
        out[str(label)] = {
            name: (int(v[sel].sum()) if v.dtype == bool else round(float(v[sel].sum()), 2))
            for name, v in masks.items()
        }
    return out


def tally_by_type_and_size(
    types: np.ndarray, sizes: np.ndarray, flags: dict[str, np.ndarray], money: dict
) -> dict[str, dict]:
    """``tally`` of ``flags`` (bool) and ``money`` (dollars) by type, each type with a
    ``by_size`` tally of the ``flags`` by size label."""
    out = tally(types, {**flags, **money})
    for key, cell in tally(np.char.add(types, np.char.add("|", sizes)), flags).items():
        user_type, size = key.rsplit("|", 1)
        out[user_type].setdefault("by_size", {})[size] = cell
    return out


def day_index(cal: SimCalendar, day: dt.date) -> int:
    """Business-day index of ``day`` (the next business day if it is not one); past the
    calendar's spare days, ``len(cal.days)``: beyond the run."""
    return bisect.bisect_left(cal.days, day)


def date_of(cal: SimCalendar, i: int) -> dt.date:
    """Date of business day ``i``, also past the calendar's end."""
    if i < len(cal.days):
        return cal.days[i]
    return business_days(cal.days[-1], i - len(cal.days) + 2)[-1]


def nth_business_day(year: int, month: int, n: int) -> dt.date:
    """The ``n``-th business day (1-based) of a month, or its last business day if it has fewer."""
    last = dt.date(year, month, _calendar.monthrange(year, month)[1])
    days = [d for d in business_days(dt.date(year, month, 1), n) if d <= last]
    return days[-1]


def month_key(day: dt.date) -> int:
    """Months since year 0 (``year * 12 + month - 1``): consecutive months differ by 1."""
    return day.year * 12 + day.month - 1


def month_start(key: int) -> dt.date:
    """The first business day of month ``key`` (``month_key``)."""
    return nth_business_day(key // 12, key % 12 + 1, 1)


def evaluation_days(days: list[dt.date], nth: int) -> list[int]:
    """Indices into ``days`` (business days, ascending) of each month's ``nth`` business day."""
    wanted = {nth_business_day(y, m, nth) for y, m in {(d.year, d.month) for d in days}}
    return [i for i, d in enumerate(days) if d in wanted]


COUNT_FIELDS = ("users", "eligible", "onboarding", "queued", "adopted")
MONEY_FIELDS = ("cost_paid_usd", "im_saved_usd", "savings_realised_usd")


def count_records(date: dt.date, counts: dict[str, dict]) -> list[AdoptionCountRecord]:
    """``adoption_counts`` rows from ``tally_by_type_and_size``: per type, size ``all`` with the
    money (dollars), then per size bucket with counts only."""
    rows = []
    for user_type, cell in counts.items():
        money = [cell[k] for k in MONEY_FIELDS]
        rows.append(AdoptionCountRecord(date, user_type, "all", *_counts(cell), *money))
        for size, by_size in cell.get("by_size", {}).items():
            rows.append(AdoptionCountRecord(date, user_type, size, *_counts(by_size)))
    return rows


def _counts(cell: dict) -> list[int]:
    return [int(cell.get(k, 0)) for k in COUNT_FIELDS]
