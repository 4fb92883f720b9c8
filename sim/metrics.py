"""Metrics of one run, from its tables, as a long table.

Columns: ``date`` (NaT for run-level rows), ``entity``, ``entity_type``, ``metric``, ``value``.
Run-level metrics (one value per run; the summary and paired comparisons use these):

- ``end_user_im_usd`` per end-user type and ``all``: average over run days of an end user's total
  initial margin at both CCPs (dollars).
- ``end_user_im_total_usd`` (``all``): average daily sum of all end users' IM (dollars).
- ``xm_savings_usd`` (``all``): average daily standalone IM minus actual IM (dollars).
- ``xm_accounts``, ``xm_mean_reduction``: XM customer accounts and their mean applied reduction.
- ``calls`` / ``calls_late_share`` / ``calls_defaulted`` per call level (``ccp``, ``customer``).
- ``call_latency_p50_min`` / ``call_latency_p95_min`` per level: issue to settlement, minutes.
- ``prefunding_usd`` (``all``): total firm pre-funding of CCP calls over the run (dollars).
- ``xm_fallbacks`` (``all``): accounts margined standalone for lack of the partner's factor.
- ``liquidity_shortfalls`` (``all``): calls an end user could not pay from free cash.
Daily rows: ``end_user_im_total_usd`` and ``xm_savings_usd`` per date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["date", "entity", "entity_type", "metric", "value"]


def _by_type(metric: str, values: pd.Series) -> list[dict]:
    """Run-level rows of ``metric``, one per entity type (the series' index)."""
    return [_one(metric, v, str(k)) for k, v in values.items()]


def _one(metric: str, value: float, entity_type: str = "all") -> dict:
    return {
        "date": pd.NaT,
        "entity": "all",
        "entity_type": entity_type,
        "metric": metric,
        "value": float(value),
    }


def margin_metrics(daily: pd.DataFrame, n_days: int) -> list[dict]:
    per_user = daily.groupby(["entity", "entity_type"], observed=True)["im_usd"].sum() / n_days
    by_type = per_user.groupby(level="entity_type", observed=True).mean()
    rows = _by_type("end_user_im_usd", by_type)
    rows.append(_one("end_user_im_usd", per_user.mean()))
    rows.append(_one("end_user_im_total_usd", daily["im_usd"].sum() / n_days))
    rows.append(
        _one("xm_savings_usd", (daily["standalone_im_usd"] - daily["im_usd"]).sum() / n_days)
    )
    xm = daily[daily["account"] == "customer_xm"]
    rows.append(_one("xm_accounts", xm["entity"].nunique()))
    rows.append(_one("xm_mean_reduction", xm["reduction"].mean() if len(xm) else 0.0))
    return rows


def call_metrics(calls: pd.DataFrame) -> list[dict]:
    rows = []
    for level in ("ccp", "customer"):
        c = calls[calls["level"] == level]
        settled = c[c["status"] != "defaulted"]
        latency = settled["settled_min"] - settled["issued_min"]
        rows += [
            _one("calls", len(c), level),
            _one("calls_late_share", (c["status"] == "late").mean() if len(c) else 0.0, level),
            _one("calls_defaulted", (c["status"] == "defaulted").sum(), level),
            _one(
                "call_latency_p50_min", np.nanpercentile(latency, 50) if len(latency) else 0, level
            ),
            _one(
                "call_latency_p95_min", np.nanpercentile(latency, 95) if len(latency) else 0, level
            ),
        ]
    rows.append(_one("prefunding_usd", calls["prefunded_cents"].sum() / 100.0))
    return rows


def daily_rows(daily: pd.DataFrame, dates: list) -> list[dict]:
    by_day = daily.groupby("date_index")
    im = by_day["im_usd"].sum()
    savings = by_day["standalone_im_usd"].sum() - im
    rows = []
    for metric, series in (("end_user_im_total_usd", im), ("xm_savings_usd", savings)):
        rows += [
            {
                "date": pd.Timestamp(dates[int(d)]),
                "entity": "all",
                "entity_type": "all",
                "metric": metric,
                "value": float(v),
            }
            for d, v in series.items()
        ]
    return rows


def run_metrics(tables: dict[str, pd.DataFrame], run) -> pd.DataFrame:
    """The long metrics table of a finished run."""
    daily, events = tables["accounts_daily"], tables["events"]
    rows = margin_metrics(daily, run.calendar.n_days) + call_metrics(tables["calls"])
    rows.append(_one("xm_fallbacks", (events["kind"] == "xm_fallback").sum()))
    rows.append(_one("liquidity_shortfalls", (events["kind"] == "liquidity_shortfall").sum()))
    rows += daily_rows(daily, run.calendar.days)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["date"] = pd.to_datetime(out["date"])
    return out
