"""The market path of one run: daily key-rate par-yield changes, look-back first, with the
futures-cash basis and intraday marks of each run day.

Without a history file the margin models' look-back is synthetic: ``lookback_days`` daily
changes drawn from the calibrated regime-switching model (``sim/market/market_model.json``, fitted
to U.S. Treasury par-yield history) before the run starts. The simulated days continue the same
Markov chain, so the look-back grows with every simulated day and margin reacts to the path. With a
history file the look-back is real and the run days may replay a historical window
(``sim.market.sources``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.calendar import parse_clock
from sim.config import MarketConfig
from sim.market.basis import FAMILIES, BasisParams, simulate_basis
from sim.market.calibration import SHIPPED_MODEL, load_model, regime_vols
from sim.market.history import KEY_TENORS
from sim.market.intraday import fraction_of_day, intraday_paths
from sim.market.sources import closes


@dataclass(frozen=True)
class MarketPath:
    """Daily changes (bp, shape (L + D, 5), oldest first): L look-back days, then D run days;
    per run day the futures-cash basis of each family (bp, (D, F), ``sim.market.basis.FAMILIES``)
    and the intraday marks at ``intraday_clocks`` (bp change from the previous close, (D, M, 5))."""

    changes_bp: np.ndarray
    regimes: np.ndarray
    lookback_days: int
    start_curve_pct: np.ndarray
    source: str
    basis_bp: np.ndarray
    intraday_bp: np.ndarray
    intraday_clocks: tuple[str, ...]
    vol_bp_by_regime: np.ndarray | None = None  # the model's key-rate vols (bp/day, (2, 5))

    @property
    def n_days(self) -> int:
        return self.changes_bp.shape[0] - self.lookback_days

    def history(self, day: int) -> np.ndarray:
        """Daily changes known at the close of run day ``day`` (-1: before the first day)."""
        return self.changes_bp[: self.lookback_days + day + 1]

    def change(self, day: int) -> np.ndarray:
        """Key-rate change (bp) from the previous close to the close of run day ``day``."""
        return self.changes_bp[self.lookback_days + day]

    def par_yields_pct(self, days: np.ndarray) -> np.ndarray:
        """Key-rate par yields (percent, (len(days), 5), ``KEY_TENORS``) at the close of each
        run day in ``days``: ``start_curve_pct`` is the close before the first day (day -1),
        moved by the daily changes after it (day >= 0) or before it (day < -1, down to
        ``-lookback_days - 1``)."""
        steps = np.vstack([np.zeros((1, self.changes_bp.shape[1])), self.changes_bp.cumsum(0)])
        moved = steps[self.lookback_days + np.asarray(days) + 1] - steps[self.lookback_days]
        return self.start_curve_pct + moved / 100.0

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
    """The run's market from the calibrated model and/or a history file (``sim.market.sources``).
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
        regime_vols(params),
    )
