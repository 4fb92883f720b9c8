"""CCP liquidity metrics of one run: the Cover-1 liquidity check and the use of each CCP's
liquidity resources (``agents.ccp_liquidity``; sizes in ``sim.config.ccp.LiquidityConfig``).

Cover-1 (CFTC 39.33(c) for a systemically important DCO, SEC 17Ad-22(e)(7) for a covered
clearing agency: liquid resources to meet the payment obligations of the member family that
would cause the largest need): a member's need on a day is the total of the CCP's calls on it
(cash and initial margin, ``amount_usd``) due that day (calendar day of ``due_min``), summed over
its corporate family (``firms.family``: affiliates fail together); the check compares the
largest such need over the run with the CCP's qualifying liquid resources. Each function returns
run-level rows ``(metric, entity_type, value)``, the CCP (``cme``, ``ficc``) as entity type.
"""

from __future__ import annotations

import math

import pandas as pd

CCPS = ("cme", "ficc")
Row = tuple[str, str, float]


def largest_member_need(calls: pd.DataFrame, families: dict[str, str]) -> dict[str, float]:
    """Per CCP, the largest payment obligation (dollars) of one member family on one day: the
    CCP calls (``level`` ``ccp``) due that calendar day, summed over the family's firms (a firm
    missing from ``families`` stands alone); 0 for a CCP without calls."""
    ccp = calls[calls["level"] == "ccp"]
    family = ccp["payer"].map(lambda firm: families.get(firm) or firm)
    day = (ccp["due_min"] // 1440).astype(int)
    daily = ccp["amount_usd"].groupby([ccp["ccp"], family, day]).sum()
    worst = daily.groupby(level=0).max() if len(daily) else pd.Series(dtype=float)
    return {c: float(worst.get(c, 0.0)) for c in CCPS}


def cover1_ratio(resources_usd: float, need_usd: float) -> float:
    """Qualifying liquid resources over the largest member need (>= 1: Cover-1 met); NaN when
    the resources are unlimited or there was no need."""
    if math.isinf(resources_usd) or need_usd <= 0:
        return math.nan
    return resources_usd / need_usd


def cover1_rows(calls: pd.DataFrame, families: dict[str, str], resources: dict) -> list[Row]:
    """``ccp_cover1_need_usd``, ``ccp_liquid_resources_usd`` (NaN when unlimited) and
    ``ccp_cover1_liquidity_ratio`` per CCP; ``resources``: dollars per CCP."""
    need = largest_member_need(calls, families)
    rows: list[Row] = []
    for c in CCPS:
        held = resources[c]
        rows += [
            ("ccp_cover1_need_usd", c, need[c]),
            ("ccp_liquid_resources_usd", c, math.nan if math.isinf(held) else held),
            ("ccp_cover1_liquidity_ratio", c, cover1_ratio(held, need[c])),
        ]
    return rows


def usage_rows(events: pd.DataFrame) -> list[Row]:
    """Per CCP: liquidity drawn (VM advanced beyond members' cash and defaulted calls' cash VM
    paid out, dollars), the part beyond its resources (dollars) and how many needs exceeded
    them."""
    kind, entity = events["kind"], events["entity"]
    drawn = kind.isin(["ccp_liquidity", "ccp_default_funding"])
    short = kind == "ccp_liquidity_shortfall"
    rows: list[Row] = []
    for c in CCPS:
        mine = entity == c
        rows += [
            ("ccp_liquidity_drawn_usd", c, float(events.loc[drawn & mine, "amount_usd"].sum())),
            ("ccp_liquidity_shortfall_usd", c, float(events.loc[short & mine, "amount_usd"].sum())),
            ("ccp_liquidity_shortfalls", c, float((short & mine).sum())),
        ]
    return rows
