"""Default-management metrics of one run (``agents.member_default``): member defaults, each
CCP's close-out loss against the defaulter's margin, the customers' losses beyond their own
collateral and what is left of it, held for them (``agents.default_margin``), the waterfall
layers used, the uncovered
loss, the inter-CCP transfer of joint XM close-outs, the CCP calls that ended defaulted, the
defaulters' customer calls cancelled at the declaration (``agents.firm_default``), the
porting of the defaulters' customers (``agents.porting``), and the credit surviving firms drew
from the declaration on.
Rows only for a run with a member default (a run without one has none, so the metrics of runs
before issue 13 are unchanged). Run-level rows ``(metric, entity_type, value)``, the CCP as
entity type (``all`` for the transfer); dollars from the events' ``amount_usd``.
"""

from __future__ import annotations

import pandas as pd

from sim.margin.waterfall import LAYERS

CCPS = ("cme", "ficc")
Row = tuple[str, str, float]


def _sum(events: pd.DataFrame, kind: str, ccp: str, mode: str | None = None) -> float:
    hit = (events["kind"] == kind) & (events["entity"] == ccp)
    if mode is not None:
        hit &= events["mode"] == mode
    return float(events.loc[hit, "amount_usd"].sum())


def default_rows(events: pd.DataFrame, calls: pd.DataFrame) -> list[Row]:
    """The metrics of the module docstring; none without a ``member_default`` event."""
    if not (events["kind"] == "member_default").any():
        return []
    ccp_calls = calls[(calls["level"] == "ccp") & (calls["status"] == "defaulted")]
    cancelled = calls[(calls["level"] == "customer") & (calls["status"] == "cancelled")]
    rows: list[Row] = []
    for c in CCPS:
        declared = (events["kind"] == "member_default") & (events["entity"] == c)
        rows += [
            ("member_defaults", c, float(declared.sum())),
            ("ccp_call_defaults", c, float((ccp_calls["ccp"] == c).sum())),
            ("customer_calls_cancelled", c, float((cancelled["ccp"] == c).sum())),
            ("default_closeout_loss_usd", c, _sum(events, "default_closeout", c)),
            ("default_margin_usd", c, _sum(events, "default_margin", c)),
            ("default_gains_returned_usd", c, _sum(events, "default_returned", c)),
            ("default_customer_shortfall_usd", c, _sum(events, "default_customer_shortfall", c)),
            ("customer_collateral_held_usd", c, _sum(events, "customer_collateral_held", c)),
            ("default_uncovered_usd", c, _sum(events, "default_uncovered", c)),
        ]
        rows += [(f"waterfall_{x}_usd", c, _sum(events, "default_layer", c, x)) for x in LAYERS]
    moved = events.loc[events["kind"] == "xm_loss_transfer", "amount_usd"].sum()
    return [*rows, ("inter_ccp_transfer_usd", "all", float(moved)), *porting_rows(events)]


def survivor_credit_rows(events: pd.DataFrame, daily: pd.DataFrame, first_day: int) -> list[Row]:
    """``survivor_liquidity_drawn_usd``: over the daily audits from ``first_day`` (the business
    day of the first declaration) on, the largest total of credit drawn (own cash account below
    zero, ``firm:<id>:cash``) by the firms no CCP declared in default; none without a
    ``member_default`` event."""
    declared = events[events["kind"] == "member_default"]
    if declared.empty:
        return []
    down = set(declared["ref"])
    own = daily[daily["account"].str.match(r"^firm:[^:]+:cash$")]
    firm = own["account"].str.split(":").str[1]
    later = own[(own["date_index"] >= first_day) & ~firm.isin(down)]
    drawn = (-later["cash_usd"].clip(upper=0)).groupby(later["date_index"]).sum()
    return [("survivor_liquidity_drawn_usd", "all", float(drawn.max()) if len(drawn) else 0.0)]


def porting_rows(events: pd.DataFrame) -> list[Row]:
    """Share of offered customers ported with every leg, mean minutes from the declaration of
    their firm to their move, and the IM jump of XM customers split."""
    offered = events[events["kind"] == "customer_porting"]
    share = float((offered["mode"] == "ported").mean()) if len(offered) else 0.0
    declared = events[events["kind"] == "member_default"].groupby("ref")["time_min"].min()
    moved = events[events["kind"] == "customer_ported"]
    at = [float(declared[r]) for r in moved["ref"]]
    waits = moved["time_min"].astype(float) - at if len(moved) else moved["time_min"]
    jump = events.loc[events["kind"] == "porting_xm_split", "amount_usd"].sum()
    return [
        ("ported_share", "all", share),
        ("time_to_port_minutes", "all", float(waits.mean()) if len(waits) else 0.0),
        ("porting_xm_im_jump_usd", "all", float(jump)),
    ]
