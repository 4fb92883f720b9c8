"""The market path of one run: daily key-rate par-yield changes, look-back first, with the
futures-cash basis and intraday marks of each run day.

Without a history file the margin models' look-back is synthetic: ``lookback_days`` daily
changes drawn from the calibrated regime-switching model (``sim/market/market_model.json``, fitted
to U.S. Treasury par-yield history) before the run starts. The simulated days continue the same
Markov chain, so the look-back grows with every simulated day and margin reacts to the path. With a
history file the look-back is real and the run days may replay a historical window
(``sim.market.sources``). Either way the look-back's futures-cash basis is simulated from the
basis model on its own stream (``sim.market.basis_lookback``), so that the margin models can see
basis risk (``margin_history``).
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
from sim.market.basis_lookback import (
    BASIS_LOOKBACK_STREAM,
    lookback_basis_changes,
    margin_history,
)
from sim.market.calibration import SHIPPED_MODEL, load_model, regime_vols
from sim.market.intraday import fraction_of_day, intraday_paths
from sim.market.sources import closes, start_curve


@dataclass(frozen=True)
class MarketPath:
    """Daily changes (bp, shape (L + D, 5), oldest first): L look-back days, then D run days;
    per run day the futures-cash basis of each family (bp, (D, F), ``sim.market.basis.FAMILIES``)
    and the intraday marks at ``intraday_clocks`` (bp change from the previous close, (D, M, 5));
    the look-back's simulated daily basis changes (bp, (L, F); None: no basis move)."""

    changes_bp: np.ndarray
    regimes: np.ndarray
    lookback_days: int
    start_curve_pct: np.ndarray
    source: str
    basis_bp: np.ndarray
    intraday_bp: np.ndarray
    intraday_clocks: tuple[str, ...]
    vol_bp_by_regime: np.ndarray | None = None  # the model's key-rate vols (bp/day, (2, 5))
    basis_back_bp: np.ndarray | None = None

    @property
    def n_days(self) -> int:
        return self.changes_bp.shape[0] - self.lookback_days

    def history(self, day: int) -> np.ndarray:
        """Daily changes known at the close of run day ``day`` (-1: before the first day)."""
        return self.changes_bp[: self.lookback_days + day + 1]

    def margin_history(self, day: int, impact_bp: np.ndarray | None = None) -> np.ndarray:
        """Daily factor changes (bp, (L + day + 1, 5 + F)) known at the close of run day ``day``:
        the key rates (``history``), then per family the basis: the look-back's simulated
        changes and the run days' changes of the basis level, with ``impact_bp`` (D, F, the
        run's price impact) added to it. The run's basis starts from 0 at the run start."""
        levels = self.basis_bp[: day + 1]
        if impact_bp is not None:
            levels = levels + impact_bp[: day + 1]
        run = np.diff(levels, axis=0, prepend=np.zeros((1, len(FAMILIES))))
        back = self.basis_back_bp
        back = np.zeros((self.lookback_days, len(FAMILIES))) if back is None else back
        return margin_history(self.history(day), np.vstack([back, run]))

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
    Streams ``market`` (closes), ``market.basis``, ``market.intraday``, ``market.basis_lookback``:
    changing one part of the market model shifts no draws of the others."""
    params = load_model(Path(cfg.model_file) if cfg.model_file else SHIPPED_MODEL)
    c = closes(cfg, n_days, start, params, stream("market"))
    basis = simulate_basis(c.run_regimes, len(FAMILIES), _params(cfg), stream("market.basis"))
    clocks = sorted(clocks if clocks is not None else cfg.intraday_clocks)
    fractions = np.array([fraction_of_day(parse_clock(t)) for t in clocks])
    marks = intraday_paths(c.run, c.run_regimes, fractions, params, stream("market.intraday"))
    curve = start_curve(cfg)
    return MarketPath(
        np.vstack([c.back, c.run]),
        np.concatenate([c.back_regimes, c.run_regimes]),
        cfg.lookback_days,
        curve,
        c.source + basis_note(cfg.history_file is None),
        basis,
        marks,
        tuple(clocks),
        regime_vols(params),
        _basis_back(cfg, c, stream(BASIS_LOOKBACK_STREAM)),
    )


def basis_note(synthetic: bool) -> str:
    """What a market source adds about the look-back's basis."""
    regimes = "the model's regime chain" if synthetic else "the history, expanding-window rule"
    return f"; basis look-back simulated from the basis model (regimes: {regimes})"


def _basis_back(cfg: MarketConfig, c, rng: np.random.Generator) -> np.ndarray:
    """The look-back's daily basis changes (bp, (L, F)) on its days' regimes: the model's
    chain for a synthetic look-back, the causal labels over the file for a real one
    (``sim.market.sources.history_regimes``, as the ``margin`` command's look-back)."""
    return lookback_basis_changes(c.back_regimes, _params(cfg), rng)


def _params(cfg: MarketConfig) -> BasisParams:
    return BasisParams(**cfg.basis.model_dump())
