"""Procyclicality metrics of a clearing run (``sim.margin.procyclicality``: Murphy, Vause and
Wilhelm 2014).

Run-level rows ``im_peak_to_trough``, ``im_max_increase_<n>d_usd`` and
``im_max_increase_<n>d_frac`` (n = 1, 5, 30) per IM series, named by ``entity_type``:

- ``aggregate``: the sum of all end users' IM at both CCPs at each close (the dated
  ``end_user_im_total_usd``), positions as they evolve; ``aggregate:cme``, ``aggregate:ficc``:
  its part at one CCP;
- ``fixed:accounts``: the sum over end users of the IM of each one's opening book held fixed
  (the book at the start of the run, after any opening re-levering), margined at each close
  with the run's models on that close's look-back and the run's XM rule and cap for XM
  accounts, assuming the XM link is up. The look-back's basis carries the run's price impact as
  it stands after the run (a sale after a close moves that day's basis here, not in the CCP's
  close run), so while no position changes it reproduces the run's IM exactly;
  ``fixed:account_median``: the median over end users of each one's own measure (users whose
  fixed IM is ever zero are left out of the ratios);
- ``fixed:<portfolio>``: each reference portfolio of ``sim.margin.backtest`` (``outright``,
  ``basis``, ``curve``) held fixed, cross-margined when the run's XM is on.

Dated rows: ``vol_10y_20d_bp``, the sample standard deviation of the last 20 daily 10Y changes
(bp per day, the look-back's days before the run included), and ``im_to_vol_usd_per_bp``,
aggregate IM over it (entity type ``aggregate``): the margin-to-volatility path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.margin.backtest import REFERENCE_PORTFOLIOS
from sim.margin.exposure import book_exposures, with_basis
from sim.margin.procyclicality import (
    WINDOWS,
    FixedBooks,
    fixed_book_im,
    largest_increase,
    margin_to_volatility,
    peak_to_trough,
    rolling_std,
)
from sim.market.instruments import KEY_TENORS

RunRow = tuple[str, str, float]  # (metric, entity_type, value)


def measures(im: np.ndarray, label: str | list[str]) -> list[RunRow]:
    """Peak-to-trough and the largest 1-, 5- and 30-day increases of each column of ``im``
    (dollars, (T,) or (T, n)) as rows labelled ``label`` (one per column)."""
    labels = [label] if isinstance(label, str) else label
    values = {"im_peak_to_trough": peak_to_trough(im)}
    for days in WINDOWS:
        values[f"im_max_increase_{days}d_usd"], values[f"im_max_increase_{days}d_frac"] = (
            largest_increase(im, days)
        )
    return [(m, lab, float(v[j])) for m, v in values.items() for j, lab in enumerate(labels)]


def median_measures(im: np.ndarray, label: str) -> list[RunRow]:
    """The median over the columns of ``im`` (dollars, (T, n)) of each measure, NaN ignored
    (NaN where no column has one)."""
    rows = measures(im, [str(j) for j in range(im.shape[1])])
    out: list[RunRow] = []
    for metric in dict.fromkeys(m for m, _, _ in rows):
        vals = np.array([v for m, _, v in rows if m == metric])
        vals = vals[~np.isnan(vals)]
        out.append((metric, label, float(np.median(vals)) if vals.size else float("nan")))
    return out


def fixed_books(run) -> FixedBooks:
    """The end users' opening books (``agents.ccp.Ccp.opening``), then the reference
    portfolios, as margin exposures with basis columns."""
    cme, ficc, n = run.agents["cme"], run.agents["ficc"], len(run.population.users)
    fut, _, family = cme.opening
    cash = ficc.opening[1]
    refs = book_exposures(list(REFERENCE_PORTFOLIOS.values()))
    xm_on = run.config.xm.enabled and run.config.xm.rule != "none"
    return FixedBooks(
        np.vstack([with_basis(fut[:n], family[:n]), refs.margin_legs()[0]]),
        np.vstack([with_basis(cash[:n], None), refs.margin_legs()[1]]),
        np.concatenate([cme.book.xm[:n], np.full(len(REFERENCE_PORTFOLIOS), xm_on)]),
    )


def fixed_im_path(run) -> np.ndarray:
    """IM (dollars, (days, books)) of ``fixed_books`` at each close of the run."""
    cfg, books = run.config, fixed_books(run)
    cme, ficc = cfg.cme.var_model(), cfg.ficc.var_model()
    return np.array(
        [
            fixed_book_im(cme, ficc, books, run.margin_history(d), cfg.xm.rule, cfg.xm.cap)
            for d in range(run.calendar.n_days)
        ]
    )


def fixed_rows(run) -> list[RunRow]:
    """Measures of the fixed books: all end users summed, their median, each reference."""
    im, n = fixed_im_path(run), len(run.population.users)
    users = im[:, :n]
    rows = measures(users.sum(axis=1), "fixed:accounts")
    rows += median_measures(users, "fixed:account_median")
    return rows + measures(im[:, n:], [f"fixed:{p}" for p in REFERENCE_PORTFOLIOS])


def aggregate_rows(daily: pd.DataFrame, n_days: int) -> list[RunRow]:
    """Measures of the end users' IM at each close (``daily``: end users' account-day rows),
    at both CCPs and at each; a day without rows counts as zero IM."""
    rows: list[RunRow] = []
    for label, part in [("aggregate", daily)] + [
        (f"aggregate:{c}", g) for c, g in daily.groupby("ccp", observed=True)
    ]:
        path = part.groupby("date_index")["im_usd"].sum().reindex(range(n_days), fill_value=0.0)
        rows += measures(path.to_numpy(), label)
    return rows


def volatility_rows(run, daily: pd.DataFrame) -> list[tuple]:
    """Dated rows (date, entity_type, metric, value): the 10Y rolling volatility and the
    aggregate IM over it at each close."""
    market, n = run.market, run.calendar.n_days
    ten = market.changes_bp[: market.lookback_days + n, KEY_TENORS.index("10Y")]
    vol = rolling_std(ten)[-n:]
    im = daily.groupby("date_index")["im_usd"].sum().reindex(range(n), fill_value=0.0)
    ratio = margin_to_volatility(im.to_numpy(), vol)
    dates = [pd.Timestamp(d) for d in run.calendar.days]
    return [(dates[d], "10Y", "vol_10y_20d_bp", float(vol[d])) for d in range(n)] + [
        (dates[d], "aggregate", "im_to_vol_usd_per_bp", float(ratio[d])) for d in range(n)
    ]


def procyclicality_rows(run, daily: pd.DataFrame) -> tuple[list[RunRow], list[tuple]]:
    """Run-level and dated procyclicality rows of a clearing run (``daily``: end users'
    account-day rows); none for a run without both CCPs."""
    if not {"cme", "ficc"} <= set(run.agents) or not len(daily):
        return [], []
    n = run.calendar.n_days
    return fixed_rows(run) + aggregate_rows(daily, n), volatility_rows(run, daily)
