"""Configuration of the market model: start curve, look-back, model and history files, replay,
intraday marks and the futures-cash basis."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from sim.config.base import Frozen, check_clock
from sim.market.instruments import KEY_TENORS


class BasisConfig(Frozen):
    """Futures-cash basis factor (``sim.intraday.BasisParams``: assumptions, not fits)."""

    kappa: float = Field(0.15, ge=0.0, le=1.0)
    vol_calm_bp: float = Field(0.3, ge=0.0)
    vol_stressed_bp: float = Field(2.0, ge=0.0)
    family_corr: float = Field(0.7, ge=0.0, le=1.0)
    price_impact_bp_per_bn: float = Field(0.5, ge=0.0)


class MarketConfig(Frozen):
    """Market model. ``start_curve_pct``: par yields (percent) on the start date.
    ``model_file``: a calibrated model JSON (default: the one shipped with the package).
    ``history_file``: a par-yield history (treasury.gov or FRED layout) for a real look-back;
    with ``replay_from`` the run days replay it from that date (without a file, a replay runs
    the model in its stressed regime instead). ``intraday_clocks``: ET times of the intraday
    marks the CCPs' intraday cycles use."""

    start_curve_pct: dict[str, float] = Field(
        default_factory=lambda: {"3M": 4.0, "2Y": 3.6, "5Y": 3.7, "10Y": 4.1, "30Y": 4.7}
    )
    lookback_days: int = Field(2520, ge=260, le=20000)
    model_file: str | None = None
    history_file: str | None = None
    replay_from: dt.date | None = None
    intraday_clocks: list[str] = Field(default_factory=lambda: ["12:00", "13:30"])
    basis: BasisConfig = Field(default_factory=BasisConfig)

    @field_validator("intraday_clocks")
    @classmethod
    def _intraday(cls, v: list[str]) -> list[str]:
        for clock in v:
            check_clock(clock)
        return v

    @field_validator("start_curve_pct")
    @classmethod
    def _tenors(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != set(KEY_TENORS):
            raise ValueError(f"must give exactly the key tenors {list(KEY_TENORS)}")
        return v
