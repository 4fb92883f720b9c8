"""Operations metrics of one run: call outcomes, latency per hop, throughput, desk queues,
liquidity (pre-funding, credit, shortfalls, deleveraging). Latencies are in wall-clock minutes
and in business minutes (the minutes the hop's desk or rail was open, ``hop_windows``). Each
function returns run-level rows ``(metric, entity_type, value)``; hops and levels are the entity
types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calendar import SimCalendar, parse_clock
from sim.settlement.rails import FEDWIRE_FUNDS, FEDWIRE_FUNDS_THIRD_PARTY, rails

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
    rows.append(("prefunding_usd", "all", calls["prefunded_usd"].sum()))
    return rows


def prefunding_rows(calls: pd.DataFrame, payments: pd.DataFrame) -> list[Row]:
    """Per clearing firm (entity type: the firm's id): the money it advanced to the CCPs for its
    customers (``prefunding_usd``), and the peak of its advances outstanding, advanced
    (``prefund`` payments) less taken back (``reimburse``), over the run
    (``prefunding_peak_usd``; entity type ``all``: the peak of all firms' outstanding sum)."""
    ccp = calls[calls["level"] == "ccp"]
    rows: list[Row] = [
        ("prefunding_usd", firm, float(v))
        for firm, v in ccp.groupby("payer")["prefunded_usd"].sum().sort_index().items()
    ]
    flows = payments[payments["purpose"].isin(("prefund", "reimburse"))]
    signed = flows["amount_usd"].where(flows["purpose"] == "prefund", -flows["amount_usd"])
    flows = flows.assign(signed=signed).sort_values("settled_min", kind="stable")
    peak = lambda s: max(float(s.cumsum().max()), 0.0) if len(s) else 0.0  # noqa: E731
    rows.append(("prefunding_peak_usd", "all", peak(flows["signed"])))
    for firm in sorted(ccp["payer"].unique()):
        rows.append(
            ("prefunding_peak_usd", firm, peak(flows.loc[flows["payer"] == firm, "signed"]))
        )
    return rows


Interval = tuple[pd.Series, pd.Series]  # (start minute, end minute) per call


def hop_intervals(calls: pd.DataFrame) -> dict[str, Interval]:
    """(start, end) simulation minutes per hop: CCP call issued -> paid; CCP call -> customer
    call (desk); customer call -> payment instructed (end user); instructed -> settled
    (custodian); customer call issued -> settled (the whole customer call)."""
    ccp = calls[calls["level"] == "ccp"].set_index("call_id")
    cust = calls[calls["level"] == "customer"]
    parent_issued = cust["parent_id"].map(ccp["issued_min"]).astype(float)  # float when empty
    return {
        "ccp_settlement": (ccp["issued_min"], ccp["settled_min"]),
        "firm_desk": (parent_issued, cust["issued_min"]),
        "end_user": (cust["issued_min"], cust["instructed_min"]),
        "custodian": (cust["instructed_min"], cust["settled_min"]),
        "customer_call": (cust["issued_min"], cust["settled_min"]),
    }


def hop_latencies(calls: pd.DataFrame) -> dict[str, pd.Series]:
    """Minutes per hop (``hop_intervals``), on the wall clock."""
    return {hop: end - start for hop, (start, end) in hop_intervals(calls).items()}


def hop_windows(config) -> dict[str, tuple[int, int]]:
    """The daily window [open, close) ET, in minutes after midnight, in which each hop's desk
    or rail works: a firm's desk and its CCP payments run on the Fedwire Funds day (21:00 the
    evening before to 19:00); end users work ``operations.user_open``-``user_close`` (also the
    clock of a whole customer call, the customer's obligation); custodians pay third-party
    Fedwire Funds transfers to ``operations.funds_third_party_cutoff``."""
    windows = rails(config.operations.funds_third_party_cutoff)
    ops = config.operations
    funds = windows[FEDWIRE_FUNDS]
    third_party = windows[FEDWIRE_FUNDS_THIRD_PARTY]
    user = (parse_clock(ops.user_open), parse_clock(ops.user_close))
    return {
        "ccp_settlement": (funds.open_min, funds.close_min),
        "firm_desk": (funds.open_min, funds.close_min),
        "end_user": user,
        "custodian": (third_party.open_min, third_party.close_min),
        "customer_call": user,
    }


def business_latencies(
    calls: pd.DataFrame, calendar: SimCalendar, windows: dict[str, tuple[int, int]]
) -> dict[str, pd.Series]:
    """Business minutes per hop: the minutes of the interval during which the hop's window
    (``hop_windows``) was open on business days, so a call issued at 19:00 and paid at 08:00
    the next business day counts only the hours the payer could work."""
    latencies = {}
    for hop, (start, end) in hop_intervals(calls).items():
        opened = windows[hop]
        minutes = calendar.open_minutes(end.to_numpy(float), *opened) - calendar.open_minutes(
            start.to_numpy(float), *opened
        )
        latencies[hop] = pd.Series(minutes, index=end.index)
    return latencies


def latency_rows(
    calls: pd.DataFrame, calendar: SimCalendar | None = None, windows=None
) -> list[Row]:
    """Median and 95th percentile per hop, in wall-clock minutes and, given the run's calendar
    and the hops' windows, in business minutes."""
    rows: list[Row] = []
    kinds = [("min", hop_latencies(calls))]
    if calendar is not None:
        kinds.append(("business_min", business_latencies(calls, calendar, windows)))
    for suffix, latencies in kinds:
        for hop, minutes in latencies.items():
            rows += [
                (f"latency_p50_{suffix}", hop, _pct(minutes, 50)),
                (f"latency_p95_{suffix}", hop, _pct(minutes, 95)),
            ]
    return rows


def _peak_per_entity(entity: pd.Series, minutes: pd.Series) -> float:
    """Largest number of rows one entity has in one clock hour."""
    if entity.empty:
        return 0.0
    return float(pd.DataFrame({"e": entity, "h": minutes // 60}).value_counts().max())


def payment_hours(payments: pd.DataFrame) -> pd.Series:
    """How many ``payments`` each handler (``via``) settled on each rail in each clock hour
    (index levels ``via``, ``rail``, ``hour``): what ``throughput`` reads of the payments."""
    keys = pd.DataFrame(
        {"via": payments["via"], "rail": payments["rail"], "hour": payments["settled_min"] // 60}
    )
    return keys.groupby(["via", "rail", "hour"]).size()


def _entity_peaks(calls: pd.DataFrame, hours: pd.Series) -> list[Row]:
    """The busiest single entity's peak hour: calls issued by each CCP and by each clearing firm
    (the payees of CCP and of customer calls), payments handled (``via``) by any agent
    (``hours``: ``payment_hours``)."""
    ccp_calls = calls[calls["level"] == "ccp"]
    firm_calls = calls[calls["level"] == "customer"]
    per_via = hours.groupby(level=["via", "hour"]).sum()
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
        ("entity_payments_per_hour_peak", "all", float(per_via.max()) if len(hours) else 0.0),
    ]


def throughput(
    calls: pd.DataFrame, payments: pd.DataFrame, hours: pd.Series | None = None
) -> list[Row]:
    """Peak and mean per clock hour (over hours with any activity) of calls issued per level
    and payments settled per rail, across all entities; and the busiest single entity's peak
    hour: calls issued by each CCP and by each clearing firm, payments handled (``via``) by
    each CCP, firm and custodian. ``hours``: ``payment_hours`` of ``payments`` (counted here if
    None; given, ``payments`` is not read)."""
    hours = payment_hours(payments) if hours is None else hours
    rows = _entity_peaks(calls, hours)
    for level, c in calls.groupby("level"):
        per_hour = (c["issued_min"] // 60).value_counts()
        rows += [
            ("calls_per_hour_peak", str(level), per_hour.max()),
            ("calls_per_hour_mean", str(level), per_hour.mean()),
        ]
    for rail, per_hour in hours.groupby(level=["rail", "hour"]).sum().groupby(level="rail"):
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
    drawn = (-users["cash_usd"]).clip(lower=0)
    spread_bp = users["entity_type"].map(spreads_bp).astype(float)  # float when empty
    cost = (drawn * spread_bp / 1e4 / 360.0).sum()
    daily_drawn = drawn.groupby(users["date_index"]).sum()
    paid = payments[payments["purpose"] == "customer_call"]
    need = paid["value_usd"].groupby(paid["settled_min"] // 1440).sum()
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


def funding_rows(events: pd.DataFrame) -> list[Row]:
    """End users' funding in stress (``agents.fund_funding``): undrawn uncommitted credit lenders
    withdrew, redemptions funds paid, and redemptions they could not pay."""
    kinds = ("credit_line_cut", "redemption", "redemption_shortfall")
    names = ("credit_lines_cut_usd", "redemptions_usd", "redemptions_unpaid_usd")
    return [
        (name, "all", float(events.loc[events["kind"] == kind, "amount_usd"].sum()))
        for name, kind in zip(names, kinds, strict=True)
    ]


def repo_rows(events: pd.DataFrame) -> list[Row]:
    """End users' cleared repo at its rolls (``agents.worlds.repo``): the net haircut cash paid
    to sponsors (< 0: returned), the net carry received (< 0: paid), the repo interest left
    unpaid and the face sold because a haircut increase could not be funded (dollars)."""
    kind = events["kind"]
    sold = events.loc[(kind == "deleverage_sale") & (events["ref"] == "repo_roll"), "face_usd"]
    kinds = ("repo_roll", "repo_carry", "repo_interest_unpaid")
    names = ("repo_haircut_paid_usd", "repo_carry_usd", "repo_interest_unpaid_usd")
    return [
        (name, "all", float(events.loc[kind == k, "amount_usd"].sum()))
        for name, k in zip(names, kinds, strict=True)
    ] + [("repo_deleveraged_face_usd", "all", float(sold.sum()))]


FALLBACK_MODES = ("standalone", "last_good", "last_good_expired", "hold")


def xm_rows(events: pd.DataFrame) -> list[Row]:
    """XM continuity (``agents.xm_continuity``): firm XM account-cycles without the partner's
    figures by the fallback applied (``last_good_expired``: last_good too old, so standalone),
    and position breaks started (customer-CCP breaks)."""
    fell = events[events["kind"] == "xm_fallback"]
    expired = fell["expired"].astype(bool)
    mode = fell["mode"].where(~expired, "last_good_expired")
    starts = (events["kind"] == "xm_break") & (events["mode"] == "start")
    rows = [("xm_fallbacks_by_mode", m, float((mode == m).sum())) for m in FALLBACK_MODES]
    return [*rows, ("xm_breaks", "all", float(starts.sum()))]
