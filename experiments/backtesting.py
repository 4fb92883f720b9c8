"""Backtests of the default CME and FICC margin models on the reference portfolios."""

from __future__ import annotations

import pandas as pd

from experiments.inputs import date_in_range
from sim.config import SimConfig
from sim.errors import ConfigError
from sim.margin.backtest import (
    REFERENCE_PORTFOLIOS,
    backtest,
    summarise_backtest,
)
from sim.margin.exposure import book_exposures
from sim.market.history import complete_changes
from sim.market.sources import synthetic_changes

SYNTHETIC_TEST_DAYS = 750


def _history(path: str | None, date_from: str | None, date_to: str | None, lookback: int):
    """Daily changes (bp) and the index of the first test day; synthetic without a file."""
    if path is None:
        changes = synthetic_changes(lookback + SYNTHETIC_TEST_DAYS, seed=0)
        return changes, lookback, f"synthetic: {lookback} look-back + {SYNTHETIC_TEST_DAYS} days"
    frame = complete_changes(path)
    if not frame.empty:
        date_in_range(date_from, "--from", frame.index[0], frame.index[-1])
        date_in_range(date_to, "--to", frame.index[0], frame.index[-1])
    if date_to is not None:
        frame = frame[frame.index <= pd.Timestamp(date_to)]
    start = int((frame.index < pd.Timestamp(date_from)).sum()) if date_from else lookback
    if start < lookback or start >= len(frame) - 3:
        raise ConfigError(
            f"{path}: the test window needs {lookback} days of history before it and some days"
            f" in it; --from {date_from} leaves {start} before"
        )
    source = f"{path}, tests {frame.index[start].date()} to {frame.index[-1].date()}"
    return frame.to_numpy(), start, source


def run_backtests(path: str | None, date_from: str | None, date_to: str | None):
    """One summary row per model and reference portfolio, and the history's description."""
    cfg = SimConfig()
    lookback = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    daily, start, source = _history(path, date_from, date_to, lookback)
    names = list(REFERENCE_PORTFOLIOS)
    exposures = book_exposures(list(REFERENCE_PORTFOLIOS.values())).total
    rows = []
    for model, c in (("cme", cfg.cme), ("ficc", cfg.ficc)):
        result = backtest(daily, exposures, c.var_model(), start=start)
        rows += [{"model": model, **r} for r in summarise_backtest(result, c.confidence, names)]
    return rows, source
