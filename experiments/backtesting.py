"""Backtests of the default CME and FICC margin models on the reference portfolios.

The history carries the futures-cash basis beside the key rates: simulated from the basis model
with the command's seed (``sim.market.basis_lookback``), regimes from the synthetic history's
chain or, for a real history, by the expanding-window rule. Realised P&L includes the basis (a
futures leg's DV01 on its family's basis); a model that does not see the basis
(``sees_basis``) computes its VaR on the key rates alone.

Rows, per reference portfolio, in two *views*: ``basis`` (every factor column: VaR and P&L see
the basis as configured) and ``key_rates`` (the key-rate columns only, neither models nor P&L
see the basis: the backtest as it was before the basis entered the models). Kinds: ``var``,
each CCP's VaR of the whole book against its P&L over the CCP's MPOR; ``xm_im``, the IM each
CCP actually charges its leg after the XM ``rule``'s reduction, against the leg's loss net of
its pro-rata-to-IM share of the other CCP's excess (``sim.margin.backtest.charged_backtest``);
``joint`` (model ``both``), the sum held at both CCPs against the whole book's loss over the
longer MPOR.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from experiments.inputs import date_in_range
from sim.config import SimConfig
from sim.errors import ConfigError
from sim.margin.backtest import (
    REFERENCE_PORTFOLIOS,
    backtest,
    charged_backtest,
    summarise_backtest,
)
from sim.margin.exposure import book_exposures
from sim.margin.var import N_KEY
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


VIEWS = ("basis", "key_rates")


def _view(daily: np.ndarray, cfg: SimConfig, view: str):
    """The history (bp), the reference books' (futures, cash) legs (dollars per bp) and the
    (CME, FICC) models of one view: every column, or the key rates alone."""
    fut, cash = book_exposures(list(REFERENCE_PORTFOLIOS.values())).margin_legs()
    models = (cfg.cme.var_model(), cfg.ficc.var_model())
    if view == "key_rates":
        daily, fut, cash = daily[:, :N_KEY], fut[:, :N_KEY], cash[:, :N_KEY]
        models = tuple(dataclasses.replace(m, sees_basis=False) for m in models)
    return daily, (fut, cash), models


def _labelled(rows: list[dict], view: str, kind: str, model: str) -> list[dict]:
    return [{"view": view, "kind": kind, "model": model, **r} for r in rows]


def backtest_rows(daily: np.ndarray, start: int, cfg: SimConfig, rule: str) -> list[dict]:
    """Summary rows (``summarise_backtest``) of every view, kind and model on the daily factor
    changes ``daily`` (bp, (T, 5 + F)) from test day ``start``, under XM rule ``rule``."""
    names, rows = list(REFERENCE_PORTFOLIOS), []
    confidence = min(cfg.cme.confidence, cfg.ficc.confidence)
    for view in VIEWS:
        hist, legs, models = _view(daily, cfg, view)
        for name, model, c in zip(("cme", "ficc"), models, (cfg.cme, cfg.ficc), strict=True):
            result = backtest(hist, legs[0] + legs[1], model, start=start)
            rows += _labelled(summarise_backtest(result, c.confidence, names), view, "var", name)
        charged = charged_backtest(hist, legs, models, rule=rule, cap=cfg.xm.cap, start=start)
        for name, result in charged.items():
            kind = "joint" if name == "both" else "xm_im"
            rows += _labelled(summarise_backtest(result, confidence, names), view, kind, name)
    return rows


def run_backtests(
    path: str | None, date_from: str | None, date_to: str | None, seed: int = 0,
    rule: str = "min_cap",
):  # fmt: skip
    """One summary row per view, kind, model and reference portfolio (``backtest_rows``), and
    the history's description (with the seed of the simulated basis)."""
    cfg = SimConfig()
    lookback = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    changes, regimes, start, source = _history(path, date_from, date_to, lookback, seed)
    basis = seeded_basis_changes(regimes, BasisParams(**cfg.market.basis.model_dump()), seed)
    rows = backtest_rows(margin_history(changes, basis), start, cfg, rule)
    return rows, f"{source}; basis simulated from the basis model (seed {seed}); XM rule {rule}"
