"""One end user's portfolio and its margin at each CCP, standalone and cross-margined.

A portfolio file (YAML or JSON) holds ``positions``: instrument symbol -> quantity (cash in
dollars of face value, futures in contracts; negative = short), e.g.::

    name: basis
    positions: {UST10Y: 100000000, TN: -1004}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import SimConfig
from sim.errors import ConfigError
from sim.inputs import finite_number, load_yaml, read_text
from sim.margin.exposure import BookExposures, book_exposures
from sim.margin.var import N_KEY
from sim.margin.xm import xm_legs, xm_reduction
from sim.market.basis import BasisParams
from sim.market.instruments import CATALOG
from sim.market.sources import margin_lookback


@dataclass(frozen=True)
class PortfolioMargin:
    """Requirements in dollars; reductions as fractions."""

    im_cme: float
    im_ficc: float
    reduction_cme: float
    reduction_ficc: float
    reduction: float
    xm_im_cme: float
    xm_im_ficc: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 6) for k, v in self.__dict__.items()}


def load_portfolio(path: Path) -> dict[str, float]:
    """Read and check a portfolio file (UTF-8 YAML or JSON, no duplicate keys, finite numeric
    quantities); ``ConfigError`` names the file and the bad entry."""
    data = load_yaml(read_text(path, "portfolio"), str(path))
    positions = data.get("positions") if isinstance(data, dict) else None
    if not isinstance(positions, dict) or not positions:
        raise ConfigError(f"{path}: needs a non-empty mapping 'positions: {{SYMBOL: quantity}}'")
    out: dict[str, float] = {}
    for symbol, qty in positions.items():
        if symbol not in CATALOG:
            raise ConfigError(
                f"{path}: positions.{symbol}: unknown instrument; allowed: {', '.join(CATALOG)}"
            )
        if isinstance(qty, bool) or not isinstance(qty, int | float):
            raise ConfigError(f"{path}: positions.{symbol}: quantity must be a number, got {qty!r}")
        out[str(symbol)] = finite_number(qty, f"{path}: positions.{symbol}: quantity")
    return out


def portfolio_margin(
    positions: dict[str, float], daily_bp: np.ndarray, cfg: SimConfig
) -> PortfolioMargin:
    """CME and FICC standalone IM, each CCP's reduction factor and the applied reduction (rule
    and cap of ``cfg.xm``) over the XM-eligible legs, and the cross-margined IM at each CCP: its
    standalone IM less the reduction times the standalone IM of its eligible leg (ineligible
    positions, e.g. bills, keep their full margin). Dollars, on the history ``daily_bp``: daily
    key-rate changes (bp, (T, 5)), or key-rate then basis changes (bp, (T, 5 + F),
    ``sim.market.sources.margin_lookback``), which a CCP that sees the basis uses."""
    cme_model, ficc_model = cfg.cme.var_model(), cfg.ficc.var_model()
    fut, cash = _legs(book_exposures([positions]), daily_bp)
    im_cme = float(cme_model.requirement(fut, daily_bp)[0])
    im_ficc = float(ficc_model.requirement(cash, daily_bp)[0])
    fut_xm, cash_xm = _legs(book_exposures([positions], eligible_only=True), daily_bp)
    cme = xm_legs(cme_model, fut_xm, cash_xm, daily_bp)
    ficc = xm_legs(ficc_model, fut_xm, cash_xm, daily_bp)
    r = float(xm_reduction(cfg.xm.rule, cfg.xm.cap, cme, ficc)[0])
    return PortfolioMargin(
        im_cme,
        im_ficc,
        float(cme.factor[0]),
        float(ficc.factor[0]),
        r,
        im_cme - r * float(cme.futures[0]),
        im_ficc - r * float(ficc.cash[0]),
    )


def margin_on_lookback(
    positions: dict[str, float], cfg: SimConfig, path: str | None, asof: str | None, seed: int
) -> tuple[PortfolioMargin, str]:
    """``portfolio_margin`` on the look-back of the longer of the two CCPs' look-backs up to
    ``asof`` (``sim.market.sources.margin_lookback``: a history file at ``path`` or synthetic
    yields, and the basis simulated with ``cfg.market.basis`` and ``seed``); and its source."""
    need = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    params = BasisParams(**cfg.market.basis.model_dump())
    daily, source = margin_lookback(path, asof, need, params, seed)
    return portfolio_margin(positions, daily, cfg), source


def _legs(books: BookExposures, daily_bp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Futures and cash legs (dollars per bp), with basis columns if the history has them."""
    if daily_bp.shape[1] > N_KEY:
        return books.margin_legs()
    return books.futures, books.cash
