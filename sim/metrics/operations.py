"""Operations metrics of one run: call outcomes, latency per hop, throughput, desk queues,
liquidity (pre-funding, credit, shortfalls, deleveraging). Each function returns run-level rows
``(metric, entity_type, value)``; hops and levels are the entity types."""

from __future__ import annotations

import numpy as np
import pandas as pd

Row = tuple[str, str, float]


def _pct(values: pd.Series, q: float) -> float:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else 0.0


def call_outcomes(calls: pd.DataFrame) -> list[Row]:
    rows: list[Row] = []
    for level in ("ccp", "customer"):
        c = calls[calls["level"] == level]
        late = (c["status"] == "late").sum()
        defaulted = (c["status"] == "defaulted").sum()
        rows += [
            ("calls", level, len(c)),
            ("calls_late_share", level, late / len(c) if len(c) else 0.0),
            ("calls_defaulted", level, defaulted),
            ("missed_deadlines", level, late + defaulted),
        ]
    rows.append(
        ("adhoc_calls", "ccp", ((calls["level"] == "ccp") & (calls["cycle"] == "adhoc")).sum())
    )
    rows.append(("prefunding_usd", "all", calls["prefunded_cents"].sum() / 100.0))
    return rows


def hop_latencies(calls: pd.DataFrame) -> dict[str, pd.Series]:
    """Minutes per hop: CCP call issued -> paid; CCP call -> customer call (desk); customer
    call -> payment instructed (end user); instructed -> settled (custodian)."""
    ccp = calls[calls["level"] == "ccp"].set_index("call_id")
    cust = calls[calls["level"] == "customer"]
    parent_issued = cust["parent_id"].map(ccp["issued_min"]).astype(float)  # float when empty
    return {
        "ccp_settlement": ccp["settled_min"] - ccp["issued_min"],
        "firm_desk": cust["issued_min"] - parent_issued,
        "end_user": cust["instructed_min"] - cust["issued_min"],
        "custodian": cust["settled_min"] - cust["instructed_min"],
        "customer_call": cust["settled_min"] - cust["issued_min"],
    }


def latency_rows(calls: pd.DataFrame) -> list[Row]:
    rows: list[Row] = []
    for hop, minutes in hop_latencies(calls).items():
        rows += [
            ("latency_p50_min", hop, _pct(minutes, 50)),
            ("latency_p95_min", hop, _pct(minutes, 95)),
        ]
    return rows


def _peak_per_entity(entity: pd.Series, minutes: pd.Series) -> float:
    """Largest number of rows one entity has in one clock hour."""
    if entity.empty:
        return 0.0
    return float(pd.DataFrame({"e": entity, "h": minutes // 60}).value_counts().max())


def _entity_peaks(calls: pd.DataFrame, payments: pd.DataFrame) -> list[Row]:
    """The busiest single entity's peak hour: calls issued by each CCP and by each clearing firm
    (the payees of CCP and of customer calls), payments handled (``via``) by any agent."""
    ccp_calls = calls[calls["level"] == "ccp"]
    firm_calls = calls[calls["level"] == "customer"]
    return [
        (
            "entity_calls_per_hour_peak",
            "ccp",
            _peak_per_entity(ccp_calls["payee"], ccp_calls["issued_min"]),
        ),
        (
            "entity_calls_per_hour_peak",
            "firm",
            _peak_per_entity(firm_calls["payee"], firm_calls["issued_min"]),
        ),
        (
            "entity_payments_per_hour_peak",
            "all",
            _peak_per_entity(payments["via"], payments["settled_min"]),
        ),
    ]


def throughput(calls: pd.DataFrame, payments: pd.DataFrame) -> list[Row]:
    """Peak and mean per clock hour (over hours with any activity) of calls issued per level
    and payments settled per rail, across all entities; and the busiest single entity's peak
    hour: calls issued by each CCP and by each clearing firm, payments handled (``via``) by
    each CCP, firm and custodian."""
    rows = _entity_peaks(calls, payments)
    for level, c in calls.groupby("level"):
        per_hour = (c["issued_min"] // 60).value_counts()
        rows += [
            ("calls_per_hour_peak", str(level), per_hour.max()),
            ("calls_per_hour_mean", str(level), per_hour.mean()),
        ]
    for rail, p in payments.groupby("rail"):
        per_hour = (p["settled_min"] // 60).value_counts()
        rows += [("payments_per_hour_peak", str(rail), per_hour.max())]
    return rows


def desk_rows(desk: pd.DataFrame) -> list[Row]:
    if desk.empty:
        return [("desk_queue_max", "all", 0.0), ("desk_queue_mean", "all", 0.0)]
    return [
        ("desk_queue_max", "all", desk["queue"].max()),
        ("desk_queue_mean", "all", desk["queue"].mean()),
    ]


def liquidity_rows(
    balances: pd.DataFrame,
    payments: pd.DataFrame,
    events: pd.DataFrame,
    spreads_bp: dict[str, float],
) -> list[Row]:
    """Credit drawn by end users (peak of the daily total, and its cost at each type's spread,
    act/360 per business day), peak daily liquidity need (customer payments settled in a day,
    at value), shortfalls and forced deleveraging."""
    users = balances[
        balances["account"].str.endswith(":cash") & balances["entity_type"].isin(list(spreads_bp))
    ]
    drawn = (-users["cash_cents"]).clip(lower=0) / 100.0
    spread_bp = users["entity_type"].map(spreads_bp).astype(float)  # float when empty
    cost = (drawn * spread_bp / 1e4 / 360.0).sum()
    daily_drawn = drawn.groupby(users["date_index"]).sum()
    paid = payments[payments["purpose"] == "customer_call"]
    need = (paid["value_cents"] / 100.0).groupby(paid["settled_min"] // 1440).sum()
    sales = events.loc[events["kind"] == "deleverage_sale", "face_usd"]
    return [
        ("credit_drawn_peak_usd", "all", daily_drawn.max() if len(daily_drawn) else 0.0),
        ("credit_cost_usd", "all", cost),
        ("peak_daily_liquidity_need_usd", "all", need.max() if len(need) else 0.0),
        ("liquidity_shortfalls", "all", (events["kind"] == "liquidity_shortfall").sum()),
        ("deleveraged_face_usd", "all", sales.sum()),
        ("customer_defaults", "all", (events["kind"] == "customer_default").sum()),
        ("ccp_liquidity_advances", "all", (events["kind"] == "ccp_liquidity").sum()),
        ("xm_fallbacks", "all", (events["kind"] == "xm_fallback").sum()),
    ]
