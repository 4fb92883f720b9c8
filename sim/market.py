"""The market path of one run: daily key-rate par-yield changes, look-back first, with the
futures-cash basis and intraday marks of each run day.

Without a history file the margin models' look-back is synthetic: ``lookback_days`` daily
changes drawn from the calibrated regime-switching model (``sim/market_model.json``, fitted to
U.S. Treasury par-yield history) before the run starts. The simulated days continue the same
Markov chain, so the look-back grows with every simulated day and margin reacts to the path.
With a history file the look-back is real and the run days may replay a historical window
(``sim.market_sources``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calendar import parse_clock
from sim.calibration import SHIPPED_MODEL, load_model, simulate_changes
from sim.config import MarketConfig
from sim.errors import ConfigError
from sim.history import KEY_TENORS
from sim.intraday import FAMILIES, BasisParams, fraction_of_day, intraday_paths, simulate_basis
from sim.market_sources import closes


@dataclass(frozen=True)
class MarketPath:
    """Daily changes (bp, shape (L + D, 5), oldest first): L look-back days, then D run days;
    per run day the futures-cash basis of each family (bp, (D, F), ``sim.intraday.FAMILIES``)
    and the intraday marks at ``intraday_clocks`` (bp change from the previous close, (D, M, 5))."""

    changes_bp: np.ndarray
    regimes: np.ndarray
    lookback_days: int
    start_curve_pct: np.ndarray
    source: str
    basis_bp: np.ndarray
    intraday_bp: np.ndarray
    intraday_clocks: tuple[str, ...]

    @property
    def n_days(self) -> int:
        return self.changes_bp.shape[0] - self.lookback_days

    def history(self, day: int) -> np.ndarray:
        """Daily changes known at the close of run day ``day`` (-1: before the first day)."""
        return self.changes_bp[: self.lookback_days + day + 1]

    def change(self, day: int) -> np.ndarray:
        """Key-rate change (bp) from the previous close to the close of run day ``day``."""
        return self.changes_bp[self.lookback_days + day]

    def curve(self, day: int) -> np.ndarray:
        """Par yields (percent) at the close of run day ``day``."""
        run = self.changes_bp[self.lookback_days : self.lookback_days + day + 1]
        return self.start_curve_pct + run.sum(axis=0) / 100.0

    def intraday(self, day: int, clock: str) -> np.ndarray:
        """Key-rate change (bp) from the previous close to ``clock`` ET on run day ``day``."""
        return self.intraday_bp[day, self.intraday_clocks.index(clock)]


def build_market(
    cfg: MarketConfig,
    n_days: int,
    start: dt.date,
    stream: Callable[[str], np.random.Generator],
    clocks: list[str] | None = None,
) -> MarketPath:
    """The run's market from the calibrated model and/or a history file (``sim.market_sources``).
    Streams: ``market`` (closes), ``market.basis``, ``market.intraday``, so that changing one
    part of the market model does not shift the draws of the others."""
    params = load_model(Path(cfg.model_file) if cfg.model_file else SHIPPED_MODEL)
    c = closes(cfg, n_days, start, params, stream("market"))
    basis = simulate_basis(
        c.run_regimes, len(FAMILIES), BasisParams(**cfg.basis.model_dump()), stream("market.basis")
    )
    clocks = sorted(clocks if clocks is not None else cfg.intraday_clocks)
    fractions = np.array([fraction_of_day(parse_clock(t)) for t in clocks])
    marks = intraday_paths(c.run, c.run_regimes, fractions, params, stream("market.intraday"))
    curve = np.array([cfg.start_curve_pct[t] for t in KEY_TENORS])
    return MarketPath(
        np.vstack([c.back, c.run]),
        np.concatenate([c.back_regimes, c.run_regimes]),
        cfg.lookback_days,
        curve,
        c.source,
        basis,
        marks,
        tuple(clocks),
    )


def synthetic_changes(n_days: int, seed: int) -> np.ndarray:
    """``n_days`` daily key-rate changes (bp) drawn from the shipped model with ``seed``."""
    changes, _ = simulate_changes(load_model(SHIPPED_MODEL), n_days, np.random.default_rng(seed))
    return changes


def complete_changes(path: str, until: str | None = None) -> pd.DataFrame:
    """Daily key-rate changes (bp) of a history file on days with every key tenor, up to and
    including ``until`` (YYYY-MM-DD) when given."""
    from sim.history import daily_changes_bp, read_history

    changes = daily_changes_bp(read_history(path)).dropna()
    if until is not None:
        changes = changes[changes.index <= pd.Timestamp(until)]
    return changes[list(KEY_TENORS)]


def history_lookback(
    path: str | None, asof: str | None, lookback_days: int, seed: int = 0
) -> tuple[np.ndarray, str]:
    """Daily key-rate changes (bp, oldest first) for margining on ``asof``, and their source.

    With ``path`` (treasury.gov or FRED layout) the last ``lookback_days`` complete days up to
    ``asof`` (default: the file's last day); without, a synthetic look-back drawn from the
    shipped model with ``seed``.
    """
    if path is None:
        changes = synthetic_changes(lookback_days, seed)
        return changes, f"synthetic look-back of {lookback_days} days (seed {seed})"
    changes = complete_changes(path, asof)
    if len(changes) < lookback_days:
        raise ConfigError(
            f"{path}: {len(changes)} complete days up to {asof or 'its end'}, the margin "
            f"look-back needs {lookback_days}"
        )
    window = changes.iloc[-lookback_days:]
    source = f"{Path(path).name}, {window.index[0].date()} to {window.index[-1].date()}"
    return window[list(KEY_TENORS)].to_numpy(), source
