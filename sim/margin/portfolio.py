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
from sim.config.firms import customer_multiplier
from sim.errors import ConfigError
from sim.inputs import finite_number, load_yaml, read_text
from sim.margin.exposure import BookExposures, book_exposures
from sim.margin.var import N_KEY, VarModel
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


def charged_models(cfg: SimConfig) -> tuple[VarModel, VarModel]:
    """CME's and FICC's models as the CCPs charge: maintenance (without the speculative ratio)
    when the ratio is applied at the firm (``firms.speculative_multiplier_at: fcm``)."""
    at_fcm = cfg.firms.speculative_multiplier_at == "fcm"
    return cfg.cme.var_model(maintenance=at_fcm), cfg.ficc.var_model(maintenance=at_fcm)


def posted_ratios(cfg: SimConfig, user_type: str, speculative: bool) -> tuple[float, float]:
    """What a customer of ``user_type`` (CFTC category speculative or hedger) posts per dollar
    of CME's and of FICC's charged IM (``charged_models``; ``sim.config.firms``)."""
    return (
        customer_multiplier(cfg.firms, user_type, speculative, cfg.cme.multiplier),
        customer_multiplier(cfg.firms, user_type, speculative, cfg.ficc.multiplier),
    )


def portfolio_margin(
    positions: dict[str, float], daily_bp: np.ndarray, cfg: SimConfig, speculative: bool = True
) -> PortfolioMargin:
    """What a customer (``speculative`` or a hedger, CFTC category) posts for its CME and FICC
    legs, standalone; each CCP's reduction factor and the applied reduction (rule and cap of
    ``cfg.xm``) over the XM-eligible legs, and the cross-margined figures at each CCP: its
    standalone figure less the reduction times that of its eligible leg (ineligible positions,
    e.g. bills, keep their full margin). Dollars, on the history ``daily_bp``: daily key-rate
    changes (bp, (T, 5)), or key-rate then basis changes (bp, (T, 5 + F),
    ``sim.market.sources.margin_lookback``), which a CCP that sees the basis uses. The
    customer's ratio (``posted_ratios``) scales each CCP's charged IM (``charged_models``)."""
    cme_model, ficc_model = charged_models(cfg)
    k_cme, k_ficc = posted_ratios(cfg, "", speculative)
    fut, cash = _legs(book_exposures([positions]), daily_bp)
    im_cme = k_cme * float(cme_model.requirement(fut, daily_bp)[0])
    im_ficc = k_ficc * float(ficc_model.requirement(cash, daily_bp)[0])
    fut_xm, cash_xm = _legs(book_exposures([positions], eligible_only=True), daily_bp)
    cme = xm_legs(cme_model, fut_xm, cash_xm, daily_bp)
    ficc = xm_legs(ficc_model, fut_xm, cash_xm, daily_bp)
    r = float(xm_reduction(cfg.xm.rule, cfg.xm.cap, cme, ficc)[0])
    xm_cme = im_cme - r * k_cme * float(cme.futures[0])
    xm_ficc = im_ficc - r * k_ficc * float(ficc.cash[0])
    return PortfolioMargin(
        im_cme, im_ficc, float(cme.factor[0]), float(ficc.factor[0]), r, xm_cme, xm_ficc
    )


def margin_on_lookback(
    positions: dict[str, float],
    cfg: SimConfig,
    path: str | None,
    asof: str | None,
    seed: int,
    speculative: bool = True,
) -> tuple[PortfolioMargin, str]:
    """``portfolio_margin`` (for a ``speculative`` customer or a hedger) on the look-back of the
    longer of the two CCPs' look-backs up to ``asof`` (``sim.market.sources.margin_lookback``:
    a history file at ``path`` or synthetic yields, and the basis simulated with
    ``cfg.market.basis`` and ``seed``); and its source."""
    need = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    params = BasisParams(**cfg.market.basis.model_dump())
    daily, source = margin_lookback(path, asof, need, params, seed)
    return portfolio_margin(positions, daily, cfg, speculative), source


def _legs(books: BookExposures, daily_bp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Futures and cash legs (dollars per bp), with basis columns if the history has them."""
    if daily_bp.shape[1] > N_KEY:
        return books.margin_legs()
    return books.futures, books.cash
