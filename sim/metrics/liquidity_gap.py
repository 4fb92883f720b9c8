"""The intraday liquidity gap a clearing firm bridges between paying a CCP and being paid by it.

A CCP settles all its member accounts at once per cycle (one settlement: the CCP and the minute
it issued the cycle's calls and payouts). A firm pays the calls of its short accounts by their
due time and is paid the excess of its long accounts at the cycle's pay-out time (CME: collected
at 08:30 ET, paid out at 09:30 ET, DESIGN.md section 2; ``CycleConfig.payout_clock``). Until the
payouts arrive, the firm has advanced money the same settlement owes it back. Per firm,
settlement ``s`` and minute ``t``, with ``P_s(t)`` what the firm has paid on the settlement's
calls by ``t`` (value, cash and Treasuries), ``R_s(t)`` what it has received of the
settlement's payouts by ``t`` and ``O_s`` all the payouts it receives (dollars):

    gap_s(t) = min(P_s(t), O_s - R_s(t)),   gap(t) = sum over settlements of gap_s(t).

A firm that only pays (or only receives) has no gap: it pays its net. The firm's gap on a
business day is the largest ``gap(t)`` over the day (the level carried in from the day before
included). Firm-days: every firm of the population on every business day of the run and the
morning after the last close (when that close's calls and payouts settle; later movements count
there). Metrics: ``intraday_liquidity_gap_peak_usd`` (largest firm-day) and
``intraday_liquidity_gap_mean_usd`` (mean over firm-days).

Calls are the CCP level's of the ``calls`` table (``ccp`` and ``issued_min`` name the
settlement); the firm's payments on them are ``payments`` rows with their ``call_id`` (purposes
``ccp_call``, ``prefund``, ``house_call``); payouts are ``release`` rows, paid by the CCP
(``payer``) to the firm's account (``dst_account`` ``firm:<firm>:...``) and instructed at the
settlement's minute (``instructed_min``, ``agents.ccp_accounts``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

CALL_PURPOSES = ("ccp_call", "prefund", "house_call")
Row = tuple[str, str, float]


def _cents(usd: pd.Series) -> np.ndarray:
    return np.rint(usd.to_numpy(dtype=float) * 100).astype(np.int64)


def settlement_moves(calls: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Firm-CCP movements of settlements in the order they settled: ``firm``, ``ccp``,
    ``issued_min`` (the settlement), ``settled_min``, ``cents`` (value) and ``paid`` (True: the
    firm paid the CCP; False: a payout to the firm)."""
    ccp_calls = calls.loc[calls["level"] == "ccp", ["call_id", "ccp", "issued_min"]]
    calls_paid = payments["purpose"].isin(CALL_PURPOSES)
    paid = payments.loc[calls_paid, ["call_id", "payer", "settled_min", "value_usd"]]
    paid = paid.merge(ccp_calls, on="call_id")
    paid = paid.assign(firm=paid["payer"], paid=True)
    released = ["dst_account", "payer", "instructed_min", "settled_min", "value_usd"]
    out = payments.loc[payments["purpose"] == "release", released]
    out = out.assign(
        firm=out["dst_account"].str.split(":").str[1],
        ccp=out["payer"],
        issued_min=out["instructed_min"],
        paid=False,
    )
    cols = ["firm", "ccp", "issued_min", "settled_min", "value_usd", "paid"]
    both = pd.concat([paid[cols], out[cols]], ignore_index=True)
    order = np.argsort(both["settled_min"].to_numpy(), kind="stable")  # ties: record order
    both = both.iloc[order].reset_index(drop=True)
    return both.assign(cents=_cents(both.pop("value_usd")))


def gap_path(moves: pd.DataFrame) -> list[tuple[float, int]]:
    """One firm's ``gap(t)`` (cents) after each of its ``moves`` (``settlement_moves`` rows of
    one firm, in order): (minute, gap)."""
    key = moves.groupby(["ccp", "issued_min"], sort=False, dropna=False).ngroup()
    columns = (key, moves["settled_min"], moves["cents"], moves["paid"])
    return _path(*(c.to_numpy().tolist() for c in columns))


def _path(key: list, minutes: list, cents: list, paid: list) -> list[tuple[float, int]]:
    """``gap_path`` of one firm's moves as lists: settlement key, minute, cents, paid."""
    owed: dict = defaultdict(int)
    for k, c, p in zip(key, cents, paid, strict=True):
        owed[k] += 0 if p else int(c)
    paid_in: dict = defaultdict(int)
    gap, path = 0, []
    for k, t, c, p in zip(key, minutes, cents, paid, strict=True):
        before = min(paid_in[k], owed[k])
        if p:
            paid_in[k] += int(c)
        else:
            owed[k] -= int(c)
        gap += min(paid_in[k], owed[k]) - before
        path.append((float(t), gap))
    return path


def daily_peaks(path: list[tuple[float, int]], calendar, n_days: int) -> np.ndarray:
    """The largest gap (cents) of each business day ``0..n_days - 1`` of a firm's ``path``
    (later minutes count on the last day), the level carried in from the day before included."""
    starts = [calendar.at(i, 0) for i in range(len(calendar.days))]  # as calendar.day_index
    day = np.searchsorted(starts, np.array([t for t, _ in path], float), side="right") - 1
    days = np.clip(day, 0, n_days - 1)
    gaps = np.array([g for _, g in path], dtype=np.int64)
    last = np.searchsorted(days, np.arange(n_days), side="right") - 1  # last move by each day
    carried = np.zeros(n_days, dtype=np.int64)  # the level at each day's start
    carried[1:] = np.where(last[:-1] >= 0, gaps[np.maximum(last[:-1], 0)] if len(gaps) else 0, 0)
    np.maximum.at(carried, days, gaps)
    return carried


def gap_rows(
    calls: pd.DataFrame, payments: pd.DataFrame, firms: list[str], calendar, n_days: int
) -> list[Row]:
    """``intraday_liquidity_gap_peak_usd`` and ``_mean_usd`` over the firm-days of ``firms``
    and business days ``0..n_days`` (the run's ``n_days`` and the morning after)."""
    moves = settlement_moves(calls, payments)
    key = moves.groupby(["ccp", "issued_min"], sort=False, dropna=False).ngroup().to_numpy()
    columns = [key, *(moves[c].to_numpy() for c in ("settled_min", "cents", "paid"))]
    peaks = np.zeros((len(firms), n_days + 1), dtype=np.int64)
    rows_of = moves.groupby("firm", sort=False).indices  # each firm's rows, in order
    for i, firm in enumerate(firms):
        if firm in rows_of:
            path = _path(*(c[rows_of[firm]].tolist() for c in columns))
            peaks[i] = daily_peaks(path, calendar, n_days + 1)
    peak = float(peaks.max()) / 100 if peaks.size else 0.0
    mean = float(peaks.mean()) / 100 if peaks.size else 0.0
    return [
        ("intraday_liquidity_gap_peak_usd", "all", peak),
        ("intraday_liquidity_gap_mean_usd", "all", mean),
    ]
