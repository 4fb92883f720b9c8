"""Where a run's daily closes come from: the look-back and the run days, with regimes.

Four cases (``MarketConfig.history_file`` and ``replay_from``):

- no file, no replay: a synthetic look-back drawn from the calibrated model, then the run days
  continuing the same Markov chain;
- no file, replay: as above but every run day forced into the stressed regime (the stand-in for
  a historical stress window when the history is not available; the source says so);
- file, replay: the real look-back before ``replay_from`` and the real changes from it on;
- file, no replay: the file's last ``lookback_days`` complete days as look-back, then model days.

Regimes of real days (look-back and replayed run days) are the calibration's stress rule taken
causally (``history_regimes``: trailing 21-day volatility above its 80th percentile over the
file's days up to and including that day, an expanding window; a percentile of the whole file
would let a day's label see later data), so the basis path, intraday marks and repo haircuts
follow real stress as it was known on the day. Synthetic days keep their model chain's regimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import MarketConfig
from sim.config.market import default_start_curve
from sim.errors import ConfigError
from sim.market.basis import BasisParams
from sim.market.basis_lookback import causal_stress_labels, margin_history, seeded_basis_changes
from sim.market.calibration import SHIPPED_MODEL, load_model, simulate_changes
from sim.market.history import KEY_TENORS, complete_changes, read_history

STRESSED = 1


@dataclass(frozen=True)
class Closes:
    """Daily changes (bp) and regimes of the look-back and of the run days, and a description."""

    back: np.ndarray
    back_regimes: np.ndarray
    run: np.ndarray
    run_regimes: np.ndarray
    source: str


def _continue(params: dict[str, Any], n_days: int, last_regime: int, rng, force=None):
    """Run days drawn from the model, the first regime drawn from the transition matrix."""
    first = int(rng.random() < params["transition"][last_regime][1])
    return simulate_changes(params, n_days, rng, start_regime=first, force_regime=force)


def synthetic(cfg: MarketConfig, n_days: int, params: dict[str, Any], rng) -> Closes:
    back, back_reg = simulate_changes(params, cfg.lookback_days, rng)
    force = STRESSED if cfg.replay_from is not None else None
    run, run_reg = _continue(params, n_days, int(back_reg[-1]), rng, force)
    source = f"synthetic look-back of {cfg.lookback_days} days from {params['source']}"
    if force is not None:
        source += (
            f"; replay from {cfg.replay_from} asked for without a history file: the model is run"
            " in its stressed regime for those dates instead"
        )
    return Closes(back, back_reg, run, run_reg, source)


def history_regimes(frame: pd.DataFrame) -> np.ndarray:
    """Regime (0 calm, 1 stressed; int64) of each day of a history's key-rate changes (bp,
    columns ``KEY_TENORS``, oldest first), from that day and the days before it only
    (``causal_stress_labels``)."""
    return causal_stress_labels(frame[list(KEY_TENORS)].to_numpy())


def _real(path: str) -> tuple[pd.DataFrame, np.ndarray]:
    frame = complete_changes(path)
    return frame, history_regimes(frame)


def replay(cfg: MarketConfig, n_days: int, start: dt.date) -> Closes:
    frame, labels = _real(cfg.history_file)
    i = int((frame.index < pd.Timestamp(start)).sum())
    lo, hi = i - cfg.lookback_days, i + n_days
    if lo < 0 or hi > len(frame):
        raise ConfigError(
            f"market.history_file {cfg.history_file}: replaying {n_days} days from {start} needs "
            f"{cfg.lookback_days} complete days before it and {n_days} from it; the file has "
            f"{i} and {len(frame) - i}"
        )
    values = frame.to_numpy()
    dates = frame.index
    source = (
        f"{Path(cfg.history_file).name}: look-back {dates[lo].date()} to {dates[i - 1].date()},"
        f" replay {dates[i].date()} to {dates[hi - 1].date()}"
    )
    return Closes(values[lo:i], labels[lo:i], values[i:hi], labels[i:hi], source)


def real_lookback(cfg: MarketConfig, n_days: int, params: dict[str, Any], rng) -> Closes:
    frame, labels = _real(cfg.history_file)
    if len(frame) < cfg.lookback_days:
        raise ConfigError(
            f"market.history_file {cfg.history_file}: {len(frame)} complete days, the look-back "
            f"needs {cfg.lookback_days}"
        )
    back, back_reg = frame.to_numpy()[-cfg.lookback_days :], labels[-cfg.lookback_days :]
    run, run_reg = _continue(params, n_days, int(back_reg[-1]), rng)
    dates = frame.index[-cfg.lookback_days :]
    source = (
        f"{Path(cfg.history_file).name}: look-back {dates[0].date()} to {dates[-1].date()},"
        f" then {n_days} days from the model fitted to {params['source']}"
    )
    return Closes(back, back_reg, run, run_reg, source)


def closes(cfg: MarketConfig, n_days: int, start: dt.date, params, rng) -> Closes:
    """The look-back and run days of ``cfg`` (see the module docstring for the cases)."""
    if cfg.history_file is None:
        return synthetic(cfg, n_days, params, rng)
    if cfg.replay_from is not None:
        return replay(cfg, n_days, cfg.replay_from)
    return real_lookback(cfg, n_days, params, rng)


def synthetic_changes(n_days: int, seed: int) -> np.ndarray:
    """``n_days`` daily key-rate changes (bp) drawn from the shipped model with ``seed``."""
    return synthetic_with_regimes(n_days, seed)[0]


def synthetic_with_regimes(n_days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``synthetic_changes`` and the regime (0 calm, 1 stressed) of each day, from its chain."""
    return simulate_changes(load_model(SHIPPED_MODEL), n_days, np.random.default_rng(seed))


def history_lookback(
    path: str | None, asof: str | None, lookback_days: int, seed: int = 0
) -> tuple[np.ndarray, str]:
    """Daily key-rate changes (bp, oldest first) for margining on ``asof``, and their source.

    With ``path`` (treasury.gov or FRED layout) the last ``lookback_days`` complete days up to
    ``asof`` (default: the file's last day; a date outside the file is refused); without, a
    synthetic look-back drawn from the shipped model with ``seed``.
    """
    changes, _, source = lookback_with_regimes(path, asof, lookback_days, seed)
    return changes, source


def margin_lookback(
    path: str | None, asof: str | None, lookback_days: int, params: BasisParams, seed: int = 0
) -> tuple[np.ndarray, str]:
    """``history_lookback`` with the basis: daily key-rate then basis changes (bp, (L, 5 + F))
    and their source. The basis is simulated from the basis model ``params`` on the run stream
    of root ``seed`` (``sim.market.basis_lookback``), the regimes of a synthetic look-back from
    its chain, of a real one by the expanding-window rule over the file up to ``asof``."""
    changes, regimes, source = lookback_with_regimes(path, asof, lookback_days, seed)
    basis = seeded_basis_changes(regimes, params, seed)
    note = f"; basis simulated from the basis model (seed {seed})"
    return margin_history(changes, basis), source + note


def lookback_with_regimes(
    path: str | None, asof: str | None, lookback_days: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, str]:
    """``history_lookback``'s changes (bp, (L, 5)), each day's regime (0/1, causal) and source."""
    if path is None:
        changes, regimes = synthetic_with_regimes(lookback_days, seed)
        return changes, regimes, f"synthetic look-back of {lookback_days} days (seed {seed})"
    changes = complete_changes(path)
    if asof is not None and not changes.empty:
        first, last = changes.index[0], changes.index[-1]
        if not first <= pd.Timestamp(asof) <= last:
            raise ConfigError(
                f"{path}: asof {asof} is outside the history; allowed: {first.date()} to "
                f"{last.date()}"
            )
        changes = changes[changes.index <= pd.Timestamp(asof)]
    if len(changes) < lookback_days:
        raise ConfigError(
            f"{path}: {len(changes)} complete days up to {asof or 'its end'}, the margin "
            f"look-back needs {lookback_days}"
        )
    values = changes[list(KEY_TENORS)].to_numpy()
    window = changes.index[-lookback_days:]
    source = f"{Path(path).name}, {window[0].date()} to {window[-1].date()}"
    regimes = causal_stress_labels(values)[-lookback_days:]
    return values[-lookback_days:], regimes, source


def history_curve_before(path: str, start: dt.date) -> np.ndarray:
    """Key-rate par yields (percent, (5,), ``KEY_TENORS``) of the history file ``path`` at the
    last close before ``start`` (a tenor missing that day: its last published value)."""
    levels = read_history(path)[list(KEY_TENORS)].ffill()
    before = levels[levels.index < pd.Timestamp(start)]
    if before.empty or before.iloc[-1].isna().any():
        raise ConfigError(f"market.history_file {path}: no complete curve before {start}")
    return before.iloc[-1].to_numpy(dtype=float)


def start_curve(cfg: MarketConfig) -> np.ndarray:
    """The run's start curve (percent, (5,)): ``start_curve_pct`` when set, else the history's
    curve before ``replay_from`` for a replay with a file, else ``default_start_curve``."""
    if cfg.start_curve_pct is not None:
        return np.array([cfg.start_curve_pct[t] for t in KEY_TENORS])
    if cfg.history_file is not None and cfg.replay_from is not None:
        return history_curve_before(cfg.history_file, cfg.replay_from)
    return np.array([default_start_curve()[t] for t in KEY_TENORS])
