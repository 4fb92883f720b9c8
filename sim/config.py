"""Validated, frozen configuration of one run. Built once from a spec; errors name the field.

Units: money in US dollars (``*_usd``), DV01 in dollars per bp, clock times ``"HH:MM"`` ET,
durations in minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.adoption_config import AdoptionConfig
from sim.agent_config import (
    CustodianConfig,
    EndUserTypeConfig,
    FirmsConfig,
    OperationsConfig,
    OutageConfig,
    PopulationConfig,
)
from sim.ccp_config import AdhocConfig, CcpConfig, CycleConfig, cme_default, ficc_default
from sim.config_base import Clock, Frozen, check_clock
from sim.instruments import KEY_TENORS
from sim.sizing import scaled_counts

__all__ = [
    "AdhocConfig",
    "CcpConfig",
    "Clock",
    "CustodianConfig",
    "CycleConfig",
    "EndUserTypeConfig",
    "FirmsConfig",
    "MarketConfig",
    "OperationsConfig",
    "OutageConfig",
    "PopulationConfig",
    "SimConfig",
    "XmConfig",
    "build_config",
    "deep_merge",
    "default_config_dict",
]


class CalendarConfig(Frozen):
    start: dt.date = dt.date(2026, 5, 1)
    business_days: int = Field(60, ge=1, le=5000)


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


class LinkOutage(Frozen):
    """The CCPs' XM link is down from ``start`` (ET) for ``duration_minutes``: figures sent in
    that time are lost, and cycles that need them fall back to standalone margin."""

    start: dt.datetime
    duration_minutes: float = Field(gt=0)


class XmConfig(Frozen):
    """Cross-margining policy: ``enabled`` switches XM accounts on for eligible end users;
    ``rule`` is ``min_cap`` (each CCP's factor, the smaller applied, capped; DESIGN.md section 2),
    ``joint_split`` (one joint requirement shared pro rata, capped) or ``none``;
    ``eligibility``: who may cross-margin (``sim.eligibility``); ``link_outages``: times when
    the CCPs cannot exchange XM figures."""

    enabled: bool = False
    rule: Literal["min_cap", "joint_split", "none"] = "min_cap"
    cap: float = Field(0.80, ge=0.0, le=1.0)
    eligibility: Literal["identical", "affiliate", "any_pair"] = "identical"
    link_outages: list[LinkOutage] = Field(default_factory=list)


class SimConfig(Frozen):
    """Everything one replication needs. ``world`` names the builder of the agents
    (``module:function``), so that ``sim`` does not import ``agents``."""

    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    cme: CcpConfig = Field(default_factory=cme_default)
    ficc: CcpConfig = Field(default_factory=ficc_default)
    xm: XmConfig = Field(default_factory=XmConfig)
    firms: FirmsConfig = Field(default_factory=FirmsConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    operations: OperationsConfig = Field(default_factory=OperationsConfig)
    adoption: AdoptionConfig = Field(default_factory=AdoptionConfig)
    world: str = "agents.world:build_world"

    @model_validator(mode="before")
    @classmethod
    def _scaled(cls, data: Any) -> Any:
        """``population.scale`` decides the end-user and firm counts (``sim.sizing``)."""
        population = data.get("population") if isinstance(data, dict) else None
        scale = population.get("scale") if isinstance(population, dict) else None
        if not isinstance(scale, int | float) or isinstance(scale, bool) or scale <= 0:
            return data
        counts = scaled_counts(float(scale))
        n_users = counts.pop("n_end_users")
        return {
            **data,
            "population": {**population, "n_end_users": n_users},
            "firms": {**(data.get("firms") or {}), **counts},
        }

    @model_validator(mode="after")
    def _lookbacks(self) -> SimConfig:
        longest = max(self.cme.lookback_days, self.ficc.lookback_days)
        if self.market.lookback_days < longest:
            raise ValueError(
                f"market.lookback_days ({self.market.lookback_days}) must cover the longest"
                f" margin look-back ({longest})"
            )
        return self

    def intraday_clocks(self) -> list[str]:
        """ET times at which intraday marks are needed: the spec's and every CCP's."""
        clocks = set(self.market.intraday_clocks)
        return sorted(clocks | self.cme.intraday_clocks() | self.ficc.intraday_clocks())


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into ``base`` recursively; a ``None`` value deletes the key."""
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def default_config_dict() -> dict:
    """Every field of ``SimConfig`` at its default, as plain JSON-compatible data."""
    return SimConfig().model_dump(mode="json")


def build_config(overrides: dict | None = None) -> SimConfig:
    """A validated config: the defaults deep-merged with ``overrides`` (partial, nested)."""
    return SimConfig.model_validate(deep_merge(default_config_dict(), overrides or {}))
