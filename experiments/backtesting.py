"""Backtests of the default CME and FICC margin models on the reference portfolios.

The history carries the futures-cash basis beside the key rates: simulated from the basis model
with the command's seed (``sim.market.basis_lookback``), regimes from the synthetic history's
chain or, for a real history, by the expanding-window rule. Realised P&L includes the basis (a
futures leg's DV01 on its family's basis); a model that does not see the basis
(``sees_basis``) computes its VaR on the key rates alone.
"""

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
from sim.market.basis import BasisParams
from sim.market.basis_lookback import causal_stress_labels, margin_history, seeded_basis_changes
from sim.market.history import KEY_TENORS, complete_changes
from sim.market.sources import synthetic_with_regimes

SYNTHETIC_TEST_DAYS = 750


def _history(
    path: str | None, date_from: str | None, date_to: str | None, lookback: int, seed: int
):
    """Daily key-rate changes (bp), their regimes and the index of the first test day, and a
    description; synthetic without a file (drawn with ``seed``)."""
    if path is None:
        changes, regimes = synthetic_with_regimes(lookback + SYNTHETIC_TEST_DAYS, seed)
        source = f"synthetic (seed {seed}): {lookback} look-back + {SYNTHETIC_TEST_DAYS} days"
        return changes, regimes, lookback, source
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
    values = frame[list(KEY_TENORS)].to_numpy()
    return values, causal_stress_labels(values), start, source


def run_backtests(path: str | None, date_from: str | None, date_to: str | None, seed: int = 0):
    """One summary row per model and reference portfolio, and the history's description (with
    the seed of the simulated basis)."""
    cfg = SimConfig()
    lookback = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    changes, regimes, start, source = _history(path, date_from, date_to, lookback, seed)
    basis = seeded_basis_changes(regimes, BasisParams(**cfg.market.basis.model_dump()), seed)
    daily = margin_history(changes, basis)
    names = list(REFERENCE_PORTFOLIOS)
    exposures = book_exposures(list(REFERENCE_PORTFOLIOS.values())).margin_total()
    rows = []
    for model, c in (("cme", cfg.cme), ("ficc", cfg.ficc)):
        result = backtest(daily, exposures, c.var_model(), start=start)
        rows += [{"model": model, **r} for r in summarise_backtest(result, c.confidence, names)]
    return rows, f"{source}; basis simulated from the basis model (seed {seed})"
