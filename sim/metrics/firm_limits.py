"""Metrics of clearing firms' timing and day-end limits (``agents.firm_limits``), run level.

- CME's collateral cutoffs: ``collateral_cutoff_cash_usd``, the value of Treasuries firms would
  have delivered for CCP calls after a cycle's cutoff and paid in cash instead, and
  ``collateral_cutoff_payments``, how many deliveries that hit (``collateral_cutoff_cash``
  events).
- Daylight-overdraft cap: ``overdraft_queued_payments`` (CCP payments that waited for funds,
  ``payment_queued``), ``overdraft_queue_delay_minutes`` (mean minutes from queueing to the
  payment, ``payment_released``, over the payments made; 0 if none), ``overdraft_queue_unpaid``
  (queued payments never made), and ``daylight_overdraft_peak_usd``: the largest overdraft
  (negative balance) of any firm's own cash account ``firm:<firm>:cash`` at any minute. Its
  balance path is rebuilt from the ``payments`` table (cash in and out, in settlement order)
  and the first daily audit of ``balances_daily`` (``sim.run.Run.daily_audit`` at
  ``AUDIT_CLOCK``), which fixes the opening balance.
- ``firm_liquidity_shortfalls``: CCP payments a firm could not make (``firm_liquidity_shortfall``).
- Per-customer credit limits: ``customer_credit_breaches`` and ``customer_limit_closeouts``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AUDIT_CLOCK = "23:00"  # sim.run.Run.daily_audit's default clock
OWN_CASH = r"^firm:[^:]+:cash$"  # a firm's own cash account
Row = tuple[str, str, float]


def _count(events: pd.DataFrame, kind: str) -> float:
    return float((events["kind"] == kind).sum())


def queue_delays(events: pd.DataFrame) -> np.ndarray:
    """Minutes from each queued payment's ``payment_queued`` to its ``payment_released``."""
    queued = events[events["kind"] == "payment_queued"].groupby("ref")["time_min"].min()
    released = events[events["kind"] == "payment_released"].set_index("ref")["time_min"]
    return (released - queued.reindex(released.index)).to_numpy(dtype=float)


def account_flows(cash: pd.DataFrame, accounts: set[str]) -> dict[str, tuple[np.ndarray, ...]]:
    """Each of ``accounts``' cash flows in ``cash`` payments (dollars, + in, - out, zero flows
    left out) and their settlement minutes, in table order."""
    dst, src, names = cash["dst_account"], cash["src_account"], list(accounts)
    amount = cash["amount_usd"].to_numpy(dtype=float)
    moves = (src != dst).to_numpy(dtype=bool) & (amount != 0)  # a self-transfer moves nothing
    into, out = dst.isin(names).to_numpy() & moves, src.isin(names).to_numpy() & moves
    codes, uniques = pd.factorize(pd.concat([dst[into], src[out]], ignore_index=True))
    flow = np.concatenate([amount[into], -amount[out]])
    row = np.concatenate([np.flatnonzero(into), np.flatnonzero(out)])
    order = np.lexsort((row, codes))  # by account, then table order
    codes, flow, row = codes[order], flow[order], row[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else []
    settled = cash["settled_min"].to_numpy(dtype=float)
    bounds = zip(starts, [*starts[1:], len(codes)], strict=True)
    return {uniques[codes[a]]: (flow[a:b], settled[row[a:b]]) for a, b in bounds}


def overdraft_peak_usd(payments: pd.DataFrame, balances: pd.DataFrame, audit_min: float) -> float:
    """The largest overdraft (dollars, >= 0) of any firm's own cash account over the run,
    ``audit_min`` the minute of the first daily audit in ``balances``."""
    own = balances["account"].str.match(OWN_CASH)
    first = balances[(balances["date_index"] == 0) & own]
    columns = ["src_account", "dst_account", "amount_usd", "settled_min"]
    cash = payments.loc[payments["asset"] == "USD", columns]
    flows = account_flows(cash, set(first["account"]))
    peak, none = 0.0, (np.zeros(0), np.zeros(0))
    for account, audited in zip(first["account"], first["cash_usd"], strict=True):
        flow, times = flows.get(account, none)
        opening = audited - flow[times <= audit_min].sum()
        lowest = min(opening, opening + np.cumsum(flow).min()) if len(flow) else opening
        peak = max(peak, -lowest)
    return float(round(peak, 2))


def limit_rows(tables: dict[str, pd.DataFrame], calendar) -> list[Row]:
    """The metrics of the module docstring from a run's ``events``, ``payments`` and
    ``balances_daily`` tables."""
    events = tables["events"]
    cut = events[events["kind"] == "collateral_cutoff_cash"]
    delays = queue_delays(events)
    audit = calendar.at(0, AUDIT_CLOCK)
    peak = overdraft_peak_usd(tables["payments"], tables["balances_daily"], audit)
    return [
        ("collateral_cutoff_cash_usd", "all", float(cut["amount_usd"].sum())),
        ("collateral_cutoff_payments", "all", float(len(cut))),
        ("overdraft_queued_payments", "all", _count(events, "payment_queued")),
        ("overdraft_queue_delay_minutes", "all", float(delays.mean()) if len(delays) else 0.0),
        ("overdraft_queue_unpaid", "all", _count(events, "payment_queued") - len(delays)),
        ("daylight_overdraft_peak_usd", "all", peak),
        ("firm_liquidity_shortfalls", "all", _count(events, "firm_liquidity_shortfall")),
        ("customer_credit_breaches", "all", _count(events, "customer_credit_breach")),
        ("customer_limit_closeouts", "all", _count(events, "customer_limit_closeout")),
    ]
