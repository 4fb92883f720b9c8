"""Validated, frozen configuration of one run. Built once from a spec; errors name the field.

Units: money in US dollars (``*_usd``), DV01 in dollars per bp, clock times ``"HH:MM"`` ET,
durations in minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.calendar import simulated_window
from sim.config.adoption import AdoptionConfig
from sim.config.base import Frozen
from sim.config.ccp import CcpConfig, cme_default, ficc_default
from sim.config.defaults import (
    DefaultManagementConfig,
    ScheduledDefault,
    check_defaults,
    firm_names,
)
from sim.config.firms import FirmsConfig
from sim.config.funding import FundingConfig
from sim.config.liquidation import LiquidationConfig
from sim.config.market import MarketConfig
from sim.config.operations import OperationsConfig
from sim.config.population import PopulationConfig
from sim.config.public_data import PublicDataConfig
from sim.population.sizing import public_counts, scaled_counts


def _positive(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and x > 0


def _public_counts(population: dict) -> dict[str, int]:
    """Counts of a ``public_data`` population (its section validated here for its counts; the
    types it names that ``types`` does not declare left out)."""
    public = PublicDataConfig.model_validate(population.get("public_data") or {})
    declared = population.get("types") or {}
    market = {k: n for k, n in public.end_users.items() if k in declared}
    firms = {k: getattr(public, k) for k in ("n_bd_fcm", "n_fcm", "n_bd")}
    scale, n_users = population.get("scale"), population.get("n_end_users")
    if scale is None and not _positive(n_users):
        raise TypeError("n_end_users")
    return public_counts(market, firms, scale, n_users)


class CalendarConfig(Frozen):
    start: dt.date = dt.date(2026, 5, 1)
    business_days: int = Field(60, ge=1, le=5000)


class LinkOutage(Frozen):
    """The CCPs' XM link is down from ``start`` (ET) for ``duration_minutes``: figures sent in
    that time are lost, and cycles that need them fall back to standalone margin."""

    start: dt.datetime
    duration_minutes: float = Field(gt=0)


class PositionBreak(Frozen):
    """The CCPs' views of ``accounts``' positions disagree from ``start`` (ET): for
    ``duration_minutes``, or for that many of each CCP's cycles (``duration_cycles``; exactly one
    of the two). ``accounts`` are customer ids or firm XM accounts ``firm:account``."""

    accounts: list[str] = Field(min_length=1)
    start: dt.datetime
    duration_minutes: float | None = Field(None, gt=0)
    duration_cycles: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_duration(self) -> PositionBreak:
        if (self.duration_minutes is None) == (self.duration_cycles is None):
            raise ValueError(
                f"duration_minutes ({self.duration_minutes}) and duration_cycles"
                f" ({self.duration_cycles}): give exactly one of the two"
            )
        return self


class RandomBreaks(Frozen):
    """Each XM customer's account breaks on a business day with ``daily_probability`` (its own
    stream ``xm.position_breaks.<customer>``), from 00:00 ET of that day for ``duration_cycles``
    of each CCP's cycles."""

    daily_probability: float = Field(0.0, ge=0.0, le=1.0)
    duration_cycles: int = Field(1, ge=1)


class XmConfig(Frozen):
    """Cross-margining policy: ``enabled`` switches XM accounts on for eligible end users;
    ``rule`` is ``min_cap`` (each CCP's factor, the smaller applied, capped; DESIGN.md section 2),
    ``joint_split`` (one joint requirement shared pro rata, capped) or ``none``;
    ``eligibility``: who may cross-margin (``sim.population.eligibility``); ``link_outages``: times
    when the CCPs cannot exchange XM figures; ``fallback``: the margin of a cycle without the
    partner's figures (``standalone``; ``last_good``: the last reduction applied, for one business
    day, then standalone; ``hold``: the previous cycle's requirement, at most the standalone);
    ``position_breaks`` and ``random_breaks``: accounts whose positions the CCPs see differently,
    margined standalone."""

    enabled: bool = False
    rule: Literal["min_cap", "joint_split", "none"] = "min_cap"
    cap: float = Field(0.80, ge=0.0, le=1.0)
    eligibility: Literal["identical", "affiliate", "any_pair"] = "identical"
    link_outages: list[LinkOutage] = Field(default_factory=list)
    fallback: Literal["standalone", "last_good", "hold"] = "standalone"
    position_breaks: list[PositionBreak] = Field(default_factory=list)
    random_breaks: RandomBreaks = Field(default_factory=RandomBreaks)


class SimConfig(Frozen):
    """Everything one replication needs (the world that uses it is passed to the run beside
    it: ``sim.run.run``)."""

    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    cme: CcpConfig = Field(default_factory=cme_default)
    ficc: CcpConfig = Field(default_factory=ficc_default)
    xm: XmConfig = Field(default_factory=XmConfig)
    firms: FirmsConfig = Field(default_factory=FirmsConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    operations: OperationsConfig = Field(default_factory=OperationsConfig)
    adoption: AdoptionConfig = Field(default_factory=AdoptionConfig)
    liquidation: LiquidationConfig = Field(default_factory=LiquidationConfig)
    funding: FundingConfig = Field(default_factory=FundingConfig)
    defaults: list[ScheduledDefault] = Field(default_factory=list)
    default_management: DefaultManagementConfig = Field(default_factory=DefaultManagementConfig)

    @model_validator(mode="before")
    @classmethod
    def _scaled(cls, data: Any) -> Any:
        """``population.scale`` decides the end-user and firm counts (``sim.population.sizing``);
        with ``population.model: public_data`` from its own counts, and without a scale
        ``n_end_users`` decides the scale."""
        population = data.get("population") if isinstance(data, dict) else None
        if not isinstance(population, dict):
            return data
        scale = population.get("scale")
        public = population.get("model") == "public_data"
        if not _positive(scale) and not (public and scale is None):
            return data
        try:
            if public:  # the spec's own firm counts, replaced below, must still be valid
                FirmsConfig.model_validate(data.get("firms") or {})
            counts = _public_counts(population) if public else scaled_counts(float(scale))
        except (ValidationError, TypeError, ZeroDivisionError):
            return data  # reported, with its field, by the model's own validation
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

    @model_validator(mode="after")
    def _outages_inside(self) -> SimConfig:
        """Every outage (custodian or XM link) overlaps the simulated business days: one that
        does not would silently have no effect."""
        days, first, end = simulated_window(self.calendar.start, self.calendar.business_days)
        named = [(f"operations.outages[{i}]", o) for i, o in enumerate(self.operations.outages)]
        named += [(f"xm.link_outages[{i}]", o) for i, o in enumerate(self.xm.link_outages)]
        for field, outage in named:
            start = outage.start.replace(tzinfo=None)  # ET wall clock, as the calendar
            if start + dt.timedelta(minutes=outage.duration_minutes) <= first or start >= end:
                raise ValueError(
                    f"{field}: the outage from {start} for {outage.duration_minutes:g} minutes"
                    f" lies outside the simulated days; allowed: an outage overlapping"
                    f" {days[0]} to {days[-1]}"
                )
        return self

    @model_validator(mode="after")
    def _breaks_inside(self) -> SimConfig:
        """Every injected position break starts inside the simulated days."""
        _, first, end = simulated_window(self.calendar.start, self.calendar.business_days)
        for i, brk in enumerate(self.xm.position_breaks):
            start = brk.start.replace(tzinfo=None)  # ET wall clock, as the calendar
            if not first <= start < end:
                raise ValueError(
                    f"xm.position_breaks[{i}].start: {start} lies outside the simulated days;"
                    f" allowed: a time from {first} to before {end}"
                )
        return self

    @model_validator(mode="after")
    def _defaults_known(self) -> SimConfig:
        """Every scheduled default names a firm of the population, inside the simulated days."""
        f = self.firms
        names = firm_names(f.n_bd_fcm, f.n_fcm, f.n_bd)
        check_defaults(self.defaults, names, self.calendar.start, self.calendar.business_days)
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
