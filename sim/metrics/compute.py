"""Metrics of one run, from its tables, as a long table.

Columns: ``date`` (NaT for run-level rows), ``scope`` (``run`` for run-level rows, ``day`` for
daily ones: sum or average a metric within one scope only), ``entity``, ``entity_type``,
``metric``, ``value``.
Run-level margin metrics (end users only; house books are excluded):

- ``end_user_im_usd`` per end-user type and ``all`` (the headline): average over run days of what
  an end user posts to its firms for both CCPs' initial margin (dollars): the CCPs' IM times
  what the firm collects per dollar of it (``AccountDayRecord.customer_multiplier``: the house
  multiplier, and CME's 110% of maintenance from speculative customers).
- ``ccp_im_usd`` and ``customer_margin_usd`` per end-user type and ``all``: average daily total
  IM the CCPs hold for end users, and what the end users post to their firms (dollars).
- ``im_by_account_usd`` per ``<ccp>:<account kind>``: average daily total IM at the CCP (dollars).
- ``end_user_im_total_usd``: average daily sum of what all end users post (dollars).
- ``xm_savings_usd``: average daily standalone minus actual margin end users post (dollars).
- ``xm_accounts``, ``xm_mean_reduction``: XM customer accounts and their mean applied reduction.

Operations metrics (``sim.metrics.operations``): call counts, late shares, defaults and missed
deadlines per level; latency percentiles per hop (minutes); calls and payments per hour; desk
queues; pre-funding, credit drawn and its cost, peak daily liquidity need, shortfalls, forced
deleveraging, CCP liquidity advances and XM fallbacks, firms' intraday liquidity gap between paying
a CCP settlement and receiving its payouts (``sim.metrics.liquidity_gap``); under ``cleared_repo``
the repo's haircut cash, net carry, unpaid interest and the face sold at rolls. Network metrics:
``hhi_end_users_futures``/``_cash`` and ``hhi_margin`` (0-10,000) and ``users_exposed_max_share``
per CCP (the largest share of end users one firm's failure cuts off). Population metric of the
``public_data`` model: ``top50_hf_share``, the largest ``round(50 x scale)`` hedge funds' share
of hedge funds' gross Treasury exposure (Form PF's top 50 at scale 1). Adoption metrics of adoption
studies: ``sim.metrics.adoption``. Procyclicality (peak-to-trough, largest 1-, 5- and 30-day IM
increases of aggregate and fixed-book IM, the margin-to-volatility path):
``sim.metrics.procyclicality``. Coverage metrics (realised horizon loss against IM held):
``sim.metrics.coverage``. CCP liquidity (Cover-1, facility use) and firms' capital against
their regulatory minimum: ``sim.metrics.ccp_liquidity``, ``sim.metrics.capital``. Daily rows:
``end_user_im_total_usd`` and ``xm_savings_usd`` per date.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from sim.config.funding import funding_active
from sim.metrics.adoption import adoption_rows
from sim.metrics.capital import capital_rows, capital_table, firm_bases
from sim.metrics.ccp_liquidity import cover1_rows, usage_rows
from sim.metrics.checking import check_metrics
from sim.metrics.coverage import coverage_metrics
from sim.metrics.default_management import default_rows, survivor_credit_rows
from sim.metrics.firm_limits import limit_rows
from sim.metrics.liquidity_gap import gap_rows
from sim.metrics.market import basis_rows, deleveraged_share_rows
from sim.metrics.operations import (
    call_outcomes,
    desk_rows,
    funding_rows,
    hop_windows,
    latency_rows,
    liquidity_rows,
    prefunding_rows,
    repo_rows,
    throughput,
    xm_rows,
)
from sim.metrics.procyclicality import procyclicality_rows
from sim.population.network import concentration, end_users, exposure_by_firm, set_margin
from sim.population.public_data import effective_scale, sample_scale, top_funds, top_share

COLUMNS = ["date", "entity", "entity_type", "metric", "value"]


def _one(metric: str, value: float, entity_type: str = "all") -> dict:
    return {
        "date": pd.NaT,
        "entity": "all",
        "entity_type": entity_type,
        "metric": metric,
        "value": float(value),
    }


def posted(daily: pd.DataFrame) -> pd.DataFrame:
    """``daily`` with what the customer posts to its firm against each row's IM and standalone
    IM (``posted_usd``, ``posted_standalone_usd``; dollars)."""
    ratio = daily.get("customer_multiplier", 1.0)
    return daily.assign(
        posted_usd=daily["im_usd"] * ratio, posted_standalone_usd=daily["standalone_im_usd"] * ratio
    )


def level_rows(daily: pd.DataFrame, n_days: int) -> list[dict]:
    """``ccp_im_usd`` and ``customer_margin_usd`` per end-user type and all (dollars)."""
    rows = []
    for metric, column in (("ccp_im_usd", "im_usd"), ("customer_margin_usd", "posted_usd")):
        by_type = daily.groupby("entity_type", observed=True)[column].sum() / n_days
        rows += [_one(metric, v, str(k)) for k, v in by_type.items()]
        rows.append(_one(metric, daily[column].sum() / n_days))
    return rows


def margin_metrics(daily: pd.DataFrame, n_days: int) -> list[dict]:
    daily = posted(daily)
    per_user = daily.groupby(["entity", "entity_type"], observed=True)["posted_usd"].sum() / n_days
    by_type = per_user.groupby(level="entity_type", observed=True).mean()
    rows = [_one("end_user_im_usd", v, str(k)) for k, v in by_type.items()]
    rows.append(_one("end_user_im_usd", per_user.mean()))
    by_account = daily.groupby(daily["ccp"] + ":" + daily["account"])["im_usd"].sum() / n_days
    rows += [_one("im_by_account_usd", v, str(k)) for k, v in by_account.items()]
    rows.append(_one("end_user_im_total_usd", daily["posted_usd"].sum() / n_days))
    saved = (daily["posted_standalone_usd"] - daily["posted_usd"]).sum() / n_days
    rows.append(_one("xm_savings_usd", saved))
    rows += level_rows(daily, n_days)
    xm = daily[daily["account"] == "customer_xm"]
    rows.append(_one("xm_accounts", xm["entity"].nunique()))
    rows.append(_one("xm_mean_reduction", xm["reduction"].mean() if len(xm) else 0.0))
    return rows


def daily_rows(daily: pd.DataFrame, dates: list) -> list[dict]:
    by_day = posted(daily).groupby("date_index")
    im = by_day["posted_usd"].sum()
    savings = by_day["posted_standalone_usd"].sum() - im
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


def network_rows(graph: nx.MultiDiGraph, daily: pd.DataFrame) -> list[dict]:
    """Concentration (HHI of end users per firm on each leg, and of customer IM per firm when
    the run margined: each user's mean daily IM is stored on its node as ``im_usd``) and the
    largest share of end users a single firm's failure cuts off from each CCP (shortest-path
    exposure on the relationship network at the start)."""
    if len(daily):
        set_margin(graph, daily.groupby("entity")["im_usd"].mean().to_dict())
    rows = [_one(k, v) for k, v in concentration(graph).items()]
    n = max(len(end_users(graph)), 1)
    exposed = exposure_by_firm(graph)
    for ccp in ("cme", "ficc"):
        worst = max((len(e[ccp]) for e in exposed.values()), default=0)
        rows.append(_one("users_exposed_max_share", worst / n, ccp))
    return rows


def population_rows(run) -> list[dict]:
    """``top50_hf_share`` of a ``public_data`` population (none for the legacy one)."""
    pop = run.config.population
    if pop.model != "public_data":
        return []
    kind = pop.public_data.gross_type
    share = top_share(run.population, kind, top_funds(effective_scale(pop)))
    return [_one("top50_hf_share", share, kind)]


def operations_rows(tables: dict[str, pd.DataFrame], run) -> list[tuple[str, str, float]]:
    """Operations metrics (``sim.metrics.operations``) of a run with calls; credit costs at each
    end-user type's spread, business-minute latencies on the run's calendar. Payments per hour
    from ``tables["payment_hours"]`` when given (``sim.metrics.inputs``)."""
    config = run.config
    spreads = {k: t.credit_spread_bp for k, t in config.population.types.items()}
    calls, payments = tables["calls"], tables["payments"]
    return (
        call_outcomes(calls)
        + prefunding_rows(calls, payments)
        + latency_rows(calls, run.calendar, hop_windows(config))
        + throughput(calls, payments, tables.get("payment_hours"))
        + desk_rows(tables["desk"])
        + liquidity_rows(tables["balances_daily"], payments, tables["events"], spreads)
        + (funding_rows(tables["events"]) if funding_active(config.population.types) else [])
        + (repo_rows(tables["events"]) if config.population.ficc_leg == "cleared_repo" else [])
        + (xm_rows(tables["events"]) if config.xm.enabled else [])
        + gap_rows(calls, payments, _firm_ids(run), run.calendar, run.calendar.n_days)
    )


def _firm_ids(run) -> list[str]:
    return [f.firm_id for f in getattr(getattr(run, "population", None), "firms", ())]


def market_rows(tables: dict[str, pd.DataFrame], run) -> list[dict]:
    """Deleveraging and basis metrics (``sim.metrics.market``) of a clearing run."""
    if not len(tables["accounts_daily"]):
        return []
    run_level, dated = basis_rows(run)
    run_level += deleveraged_share_rows(run, tables["events"])
    return [_one(m, v, e) for m, e, v in run_level] + [
        {"date": d, "entity": "all", "entity_type": e, "metric": m, "value": v}
        for d, e, m, v in dated
    ]


def _procyclicality(run, daily: pd.DataFrame) -> list[dict]:
    """Procyclicality metrics (``sim.metrics.procyclicality``) of a clearing run."""
    run_level, dated = procyclicality_rows(run, daily)
    return [_one(m, v, e) for m, e, v in run_level] + [
        {"date": d, "entity": "all", "entity_type": e, "metric": m, "value": v}
        for d, e, m, v in dated
    ]


def coverage_rows(daily: pd.DataFrame, run) -> list[dict]:
    """Coverage metrics (``sim.metrics.coverage``) of end users' ``daily`` rows, on the run's
    realised daily key-rate and basis changes (impact included)."""
    if not len(daily):
        return []
    n_days, cfg = run.calendar.n_days, run.config
    changes = run.margin_history(n_days - 1)[-n_days:]
    mpor = {"cme": cfg.cme.mpor_days, "ficc": cfg.ficc.mpor_days}
    return [_one(m, v, e) for m, e, v in coverage_metrics(daily, changes, mpor, cfg.xm.cap)]


def liquidity_capital_rows(tables: dict[str, pd.DataFrame], daily: pd.DataFrame, run) -> list:
    """CCP liquidity (Cover-1 and the use of the facilities, ``sim.metrics.ccp_liquidity``) and
    firms' limits (``sim.metrics.firm_limits``) of a run with calls, and firms' capital against
    their minimum (``sim.metrics.capital``) of a run that margined."""
    cfg, rows = run.config, []
    if len(tables["calls"]):
        scale = sample_scale(cfg.population)
        held = {c: getattr(cfg, c).liquidity.resources_usd(scale) for c in ("cme", "ficc")}
        families = dict(zip(tables["firms"]["firm"], tables["firms"]["family"], strict=True))
        rows += cover1_rows(tables["calls"], families, held) + usage_rows(tables["events"])
        rows += default_rows(tables["events"], tables["calls"])
        balances, first = tables["balances_daily"], first_declared_day(tables, run)
        rows += survivor_credit_rows(tables["events"], balances, first)
        rows += limit_rows(tables, run.calendar)
    if len(daily):
        bases = firm_bases(daily, tables["relationships"])
        rows += capital_rows(capital_table(bases, tables["firms"], cfg.firms.capital_usd))
    return [_one(m, v, e) for m, e, v in rows]


def first_declared_day(tables: dict[str, pd.DataFrame], run) -> int:
    """The business day of the run's first member-default declaration (0 without one)."""
    events = tables["events"]
    at = events.loc[events["kind"] == "member_default", "time_min"]
    return run.calendar.day_index(float(at.min())) if len(at) else 0


def run_metrics(tables: dict[str, pd.DataFrame], run, graph: nx.MultiDiGraph) -> pd.DataFrame:
    """The long metrics table of a finished run: margin and operations metrics of a clearing
    run, adoption metrics of an adoption study (whichever tables have rows). ``tables``: the
    run's whole tables, or what ``sim.metrics.inputs.metric_tables`` reads of them (the same
    metrics)."""
    rows: list[dict] = []
    daily = tables["accounts_daily"]
    daily = daily[daily["entity_type"] != "house"]
    if len(daily):
        rows += margin_metrics(daily, run.calendar.n_days) + daily_rows(daily, run.calendar.days)
    if len(tables["calls"]):
        rows += [_one(m, v, e) for m, e, v in operations_rows(tables, run)]
    rows += network_rows(graph, daily) + population_rows(run) + coverage_rows(daily, run)
    rows += market_rows(tables, run) + _procyclicality(run, daily)
    rows += liquidity_capital_rows(tables, daily, run)
    dated, run_level = adoption_rows(tables)
    rows += [_one(m, v, e) for m, e, v in run_level]
    rows += [
        {"date": d, "entity": "all", "entity_type": e, "metric": m, "value": float(v)}
        for d, e, m, v in dated
    ]
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["date"] = pd.to_datetime(out["date"])
    out.insert(1, "scope", np.where(out["date"].isna(), "run", "day"))
    return check_metrics(out)
