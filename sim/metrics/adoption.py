"""Metrics of an adoption study, from the events ``agents.worlds.adoption`` logs.

Dated rows (one per count date): ``eligible_share``, ``onboarding_share`` and ``adopted_share``
of end users, per end-user type, per size tercile (``size:small|medium|large``) and ``all``.
Run-level rows: the same shares at the end; ``time_to_adopt_days`` (mean business days from
decision to adoption) and ``days_from_live`` (mean calendar days from the live date);
``consolidations`` (adopters that moved a leg); ``adoption_cost_usd``, ``im_saved_usd`` and
``savings_realised_usd`` (sums over types at the last count); the Herfindahl index of end users
per clearing firm on each leg at the start and end (``hhi_users_<leg>_<start|end>``, 0-10,000).

Events (``run.log``; detail JSON with sorted keys, money in dollars, dates ISO, days business
days unless said):

- ``adoption_decision`` (entity user id, ref onboarding firm): ``type``, ``size``, ``firm``,
  ``eligible`` (before consolidating), ``moved`` (legs to move), ``fixed_cost_usd``,
  ``consolidation_cost_usd`` (0 if nothing moves), ``cost_usd``, ``standalone_im_usd``,
  ``xm_im_usd``, ``annual_savings_usd``, ``cleared_share``, ``lead_days``, ``decided``,
  ``ready`` (decision + lead time).
- ``adoption_onboarding`` (same entity and ref): the decision's keys plus ``month`` (``YYYY-MM``
  of the slot), ``started`` and ``queued_days``.
- ``adopted`` (same): the decision's keys plus ``started``, ``adopted``, ``days_to_adopt`` (from
  the decision) and ``days_from_live`` (calendar days).
- ``adoption_counts`` (entity ``all``, ref date) on day 0, each evaluation day and the last day:
  ``{type: {users, eligible, onboarding, queued, adopted, cost_paid_usd, im_saved_usd,
  savings_realised_usd, by_size: {small|medium|large: {users, eligible, onboarding, queued,
  adopted}}}}``. ``eligible``: users eligible under the rule given their current firms, plus
  adopters (eligible by construction once consolidated), so adopted <= eligible always;
  ``onboarding``: decided, not adopted; ``queued``: of those, waiting for a slot;
  ``cost_paid_usd``: costs committed by deciders; ``im_saved_usd``: IM adopters save at the last
  evaluation; ``savings_realised_usd``: adopters' cumulative funding savings to the count day
  (the last count: to the end of the run). Size buckets: terciles of the cash-leg DV01.
- ``market_share`` (entity firm id, ref ``start`` or ``end``): ``kind``, ``offers_xm`` and per
  leg (``futures``, ``cash``) ``<leg>_users``, ``<leg>_share`` and ``<leg>_dv01_share``
  (fractions of users and of DV01 at the firm).
"""

from __future__ import annotations

import json

import pandas as pd

SHARES = ("eligible", "onboarding", "adopted")


def _share_rows(date: pd.Timestamp, label: str, counts: dict) -> list[tuple]:
    users = counts.get("users", 0) or 0
    return [(date, label, f"{s}_share", counts.get(s, 0) / users if users else 0.0) for s in SHARES]


def _count_rows(date: pd.Timestamp, detail: dict) -> list[tuple]:
    rows, total = [], dict.fromkeys(("users", *SHARES), 0)
    sizes: dict[str, dict[str, float]] = {}
    for user_type, counts in detail.items():
        rows += _share_rows(date, user_type, counts)
        for key in total:
            total[key] += counts.get(key, 0)
        for size, c in counts.get("by_size", {}).items():
            bucket = sizes.setdefault(size, dict.fromkeys(total, 0))
            for key in bucket:
                bucket[key] += c.get(key, 0)
    rows += _share_rows(date, "all", total)
    for size, counts in sizes.items():
        rows += _share_rows(date, f"size:{size}", counts)
    return rows


def _hhi(shares: pd.Series) -> float:
    total = shares.sum()
    return float(((shares / total * 100) ** 2).sum()) if total else 0.0


def adoption_rows(events: pd.DataFrame) -> tuple[list[tuple], list[tuple]]:
    """(dated rows (date, entity_type, metric, value), run-level rows (metric, type, value))."""
    counts = events[events["kind"] == "adoption_counts"]
    if counts.empty:
        return [], []
    dated: list[tuple] = []
    for ref, detail in zip(counts["ref"], counts["detail"], strict=True):
        dated += _count_rows(pd.Timestamp(ref), json.loads(detail))
    final = [(m, t, v) for d, t, m, v in dated if d == max(r[0] for r in dated)] if dated else []
    adopted = [json.loads(d) for d in events.loc[events["kind"] == "adopted", "detail"]]
    run_level = final + _adoption_summary(adopted, counts) + _shares(events)
    return dated, run_level


def _adoption_summary(adopted: list[dict], counts: pd.DataFrame) -> list[tuple]:
    last = json.loads(counts["detail"].iloc[-1]) if len(counts) else {}
    total = {
        k: sum(c.get(k, 0.0) for c in last.values())
        for k in ("cost_paid_usd", "im_saved_usd", "savings_realised_usd")
    }
    mean = (lambda key: sum(a[key] for a in adopted) / len(adopted)) if adopted else None
    return [
        ("time_to_adopt_days", "all", mean("days_to_adopt") if mean else 0.0),
        ("days_from_live", "all", mean("days_from_live") if mean else 0.0),
        ("consolidations", "all", float(sum(bool(a.get("moved")) for a in adopted))),
        ("adoption_cost_usd", "all", total["cost_paid_usd"]),
        ("im_saved_usd", "all", total["im_saved_usd"]),
        ("savings_realised_usd", "all", total["savings_realised_usd"]),
    ]


def _shares(events: pd.DataFrame) -> list[tuple]:
    shares = events[events["kind"] == "market_share"]
    rows = []
    for when in ("start", "end"):
        details = [json.loads(d) for d in shares.loc[shares["ref"] == when, "detail"]]
        for leg in ("futures", "cash"):
            users = pd.Series([d.get(f"{leg}_users", 0) for d in details], dtype=float)
            rows.append((f"hhi_users_{leg}_{when}", "all", _hhi(users)))
    return rows
