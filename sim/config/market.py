"""Configuration of the market model: start curve, look-back, model and history files, replay,
intraday marks and the futures-cash basis."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Frozen, check_clock
from sim.market.impact import ImpactParams, default_cash_family_share, default_futures_adv
from sim.market.instruments import KEY_TENORS


class BasisConfig(Frozen):
    """Futures-cash basis factor (``sim.intraday.BasisParams``: assumptions, not fits)."""

    kappa: float = Field(0.15, ge=0.0, le=1.0)
    vol_calm_bp: float = Field(0.3, ge=0.0)
    vol_stressed_bp: float = Field(2.0, ge=0.0)
    family_corr: float = Field(0.7, ge=0.0, le=1.0)
    price_impact_bp_per_bn: float = Field(0.5, ge=0.0)


class ImpactConfig(Frozen):
    """``model``: ``per_bn`` (legacy: ``basis.price_impact_bp_per_bn`` per $1bn sold, in
    absolute dollars) or ``depth`` (``sim.market.feedback``). Price impact relative to market
    depth (``sim.market.impact.ImpactParams``: the sources and assumptions are there):
    square-root-law coefficient, the share of peak impact a seller pays on average, Treasury
    futures volume (contracts per business day by contract), cash Treasury volume (USD of face
    per business day) and its share by futures family, and the share of depth left in the
    stressed regime."""

    model: Literal["per_bn", "depth"] = "depth"
    coeff: float = Field(1.0, ge=0.0)
    cost_fraction: float = Field(2.0 / 3.0, ge=0.0, le=1.0)
    futures_adv: dict[str, float] = Field(default_factory=default_futures_adv)
    cash_adv_usd: float = Field(900e9, gt=0.0)
    cash_family_share: dict[str, float] = Field(default_factory=default_cash_family_share)
    stressed_depth_factor: float = Field(0.5, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _valid_params(self) -> ImpactConfig:
        self.params()
        return self

    def params(self) -> ImpactParams:
        """The pure model's parameters."""
        return ImpactParams(**self.model_dump(exclude={"model"}))


def default_start_curve() -> dict[str, float]:
    """Par yields (percent) of a run that neither sets nor replays its start curve."""
    return {"3M": 4.0, "2Y": 3.6, "5Y": 3.7, "10Y": 4.1, "30Y": 4.7}


class MarketConfig(Frozen):
    """Market model. ``start_curve_pct``: par yields (percent) at the close before the start
    date; when unset, a replay with a history file (``replay_from``) reads them from the file on
    that close, any other run takes ``default_start_curve`` (an explicit value overrides both).
    ``model_file``: a calibrated model JSON (default: the one shipped with the package).
    ``history_file``: a par-yield history (treasury.gov or FRED layout) for a real look-back;
    with ``replay_from`` the run days replay it from that date (without a file, a replay runs
    the model in its stressed regime instead). ``intraday_clocks``: ET times of the intraday
    marks the CCPs' intraday cycles use. ``impact``: price impact relative to market depth for
    the liquidation engine (``sim.market.liquidation``). ``dv01_yield``: ``day`` margins (and
    settles variation on) DV01s at the day's par yields, futures with their cheapest-to-deliver's
    par DV01 (``sim.margin.exposure.dv01_scale``; contract counts and face unchanged);
    ``fixed`` keeps them at the 4% reference yield (before issue 12)."""

    start_curve_pct: dict[str, float] | None = None
    lookback_days: int = Field(2520, ge=260, le=20000)
    model_file: str | None = None
    history_file: str | None = None
    replay_from: dt.date | None = None
    intraday_clocks: list[str] = Field(default_factory=lambda: ["12:00", "13:30"])
    basis: BasisConfig = Field(default_factory=BasisConfig)
    impact: ImpactConfig = Field(default_factory=ImpactConfig)
    dv01_yield: Literal["day", "fixed"] = "day"

    @field_validator("intraday_clocks")
    @classmethod
    def _intraday(cls, v: list[str]) -> list[str]:
        for clock in v:
            check_clock(clock)
        return v

    @field_validator("start_curve_pct")
    @classmethod
    def _tenors(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None and set(v) != set(KEY_TENORS):
            raise ValueError(f"must give exactly the key tenors {list(KEY_TENORS)}")
        return v
