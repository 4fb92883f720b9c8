"""Validated, frozen configuration of one run. Built once from a spec; errors name the field.

Units: money in US dollars (``*_usd``), DV01 in dollars per bp, clock times ``"HH:MM"`` ET,
durations in minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.calendar import parse_clock
from sim.instruments import KEY_TENORS
from sim.margin import VarModel


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Clock = str


def _check_clock(value: str) -> str:
    try:
        parse_clock(value)
    except (ValueError, AttributeError):
        raise ValueError(f"must be a clock time 'HH:MM' (ET), got {value!r}") from None
    return value


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
            _check_clock(clock)
        return v

    @field_validator("start_curve_pct")
    @classmethod
    def _tenors(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != set(KEY_TENORS):
            raise ValueError(f"must give exactly the key tenors {list(KEY_TENORS)}")
        return v


class CcpConfig(Frozen):
    """One CCP's margin model (see ``sim.margin.VarModel`` for the fields' meaning) and cycle.
    The margin run happens at ``run_clock`` on each business
    day; the call is issued at ``call_clock`` (on the next business day if ``call_next_day``) and
    is due at ``due_clock`` (next business day if ``due_next_day``)."""

    confidence: float = Field(0.99, gt=0.5, lt=1.0)
    mpor_days: int = Field(ge=1, le=20)
    lookback_days: int = Field(ge=60, le=20000)
    multiplier: float = Field(1.0, ge=1.0, le=10.0)
    ewma_lambda: float | None = Field(None, gt=0.5, lt=1.0)
    stress_weight: float = Field(0.0, ge=0.0, le=1.0)
    stress_window_days: int = Field(250, ge=20, le=5000)
    floor_bp: float = Field(0.0, ge=0.0, le=100.0)
    apc_buffer: float = Field(0.0, ge=0.0, le=1.0)
    run_clock: Clock
    call_clock: Clock
    call_next_day: bool
    due_clock: Clock
    due_next_day: bool
    late_tolerance_minutes: float = Field(60.0, ge=0.0)
    factor_publish_delay_minutes: float = Field(0.0, ge=0.0)

    _clocks = field_validator("run_clock", "call_clock", "due_clock")(_check_clock)

    @model_validator(mode="after")
    def _order(self) -> CcpConfig:
        run = parse_clock(self.run_clock)
        call = parse_clock(self.call_clock) + 1440 * self.call_next_day
        due = parse_clock(self.due_clock) + 1440 * self.due_next_day
        if not run <= call < due:
            raise ValueError(
                "cycle times must satisfy run_clock <= call_clock < due_clock (counting *_next_day)"
            )
        return self

    def var_model(self) -> VarModel:
        """The pure margin model of these parameters."""
        return VarModel(
            self.confidence,
            self.mpor_days,
            self.lookback_days,
            self.multiplier,
            self.ewma_lambda,
            self.stress_weight,
            self.stress_window_days,
            self.floor_bp,
            self.apc_buffer,
        )


def _cme_default() -> CcpConfig:
    return CcpConfig(
        mpor_days=2,
        lookback_days=2520,
        multiplier=1.1,
        ewma_lambda=0.97,
        stress_weight=0.25,
        run_clock="19:00",
        call_clock="19:00",
        call_next_day=False,
        due_clock="08:30",
        due_next_day=True,
    )


def _ficc_default() -> CcpConfig:
    return CcpConfig(
        mpor_days=3,
        lookback_days=1260,
        stress_weight=0.5,
        floor_bp=1.0,
        run_clock="18:00",
        call_clock="08:30",
        call_next_day=True,
        due_clock="09:30",
        due_next_day=True,
    )


class XmConfig(Frozen):
    """Cross-margining policy: ``enabled`` switches XM accounts on for eligible end users;
    ``rule`` is ``min_cap`` (each CCP's factor, the smaller applied, capped; DESIGN.md section 2),
    ``joint_split`` (one joint requirement shared pro rata, capped) or ``none``."""

    enabled: bool = False
    rule: Literal["min_cap", "joint_split", "none"] = "min_cap"
    cap: float = Field(0.80, ge=0.0, le=1.0)


class FirmsConfig(Frozen):
    n_bd_fcm: int = Field(6, ge=1)
    n_fcm: int = Field(4, ge=0)
    n_bd: int = Field(4, ge=0)
    share_bd_fcm_offering_xm: float = Field(0.67, ge=0.0, le=1.0)
    own_liquidity_usd: float = Field(3e9, ge=0)
    credit_line_usd: float = Field(1e9, ge=0)
    house_multiplier: float = Field(1.0, ge=1.0, le=5.0)
    min_transfer_usd: float = Field(10_000.0, ge=0)


class EndUserTypeConfig(Frozen):
    """A population segment. ``template``: basis (long cash, short futures), overlay (long
    futures on top of long cash), hedged_book (long cash partly hedged with short futures).
    ``dv01_median_usd``: median cash-leg DV01 (dollars per bp), lognormal with ``dv01_sigma``;
    ``hedge_ratio``: futures DV01 / cash DV01, normal with ``hedge_ratio_sd``."""

    share: float = Field(gt=0)
    template: Literal["basis", "overlay", "hedged_book"]
    dv01_median_usd: float = Field(gt=0)
    dv01_sigma: float = Field(0.8, ge=0)
    hedge_ratio: float = Field(ge=0)
    hedge_ratio_sd: float = Field(0.05, ge=0)
    cash_buffer_multiple: float = Field(1.5, ge=0)
    p_same_bd_fcm: float = Field(0.4, ge=0, le=1)


def _default_types() -> dict[str, EndUserTypeConfig]:
    return {
        "hedge_fund": EndUserTypeConfig(
            share=0.45,
            template="basis",
            dv01_median_usd=150_000,
            hedge_ratio=1.0,
            cash_buffer_multiple=1.3,
            p_same_bd_fcm=0.45,
        ),
        "asset_manager": EndUserTypeConfig(
            share=0.35,
            template="overlay",
            dv01_median_usd=80_000,
            hedge_ratio=0.3,
            hedge_ratio_sd=0.1,
            cash_buffer_multiple=2.0,
            p_same_bd_fcm=0.35,
        ),
        "regional_bank": EndUserTypeConfig(
            share=0.20,
            template="hedged_book",
            dv01_median_usd=30_000,
            hedge_ratio=0.6,
            hedge_ratio_sd=0.15,
            cash_buffer_multiple=2.5,
            p_same_bd_fcm=0.3,
        ),
    }


class PopulationConfig(Frozen):
    n_end_users: int = Field(300, ge=1, le=1_000_000)
    n_custodians: int = Field(2, ge=1)
    types: dict[str, EndUserTypeConfig] = Field(default_factory=_default_types)

    @field_validator("types")
    @classmethod
    def _non_empty(cls, v: dict[str, EndUserTypeConfig]) -> dict[str, EndUserTypeConfig]:
        if not v:
            raise ValueError("must declare at least one end-user type")
        return v


class OperationsConfig(Frozen):
    """Working hours and latencies. End users act in [user_open, user_close) ET on business days
    after an exponential response time; custodians process in [custodian_open,
    custodian_cutoff) after a lognormal latency (median, log-sd)."""

    user_open: Clock = "07:00"
    user_close: Clock = "18:00"
    user_response_mean_minutes: float = Field(45.0, gt=0)
    custodian_open: Clock = "08:00"
    custodian_cutoff: Clock = "18:45"
    custodian_latency_median_minutes: float = Field(30.0, gt=0)
    custodian_latency_sigma: float = Field(0.8, ge=0)
    customer_due_clock: Clock = "11:00"
    customer_min_notice_minutes: float = Field(120.0, ge=0)
    grace_business_days: int = Field(1, ge=0, le=10)
    firm_pay_lead_minutes: float = Field(30.0, ge=0)

    _clocks = field_validator(
        "user_open", "user_close", "custodian_open", "custodian_cutoff", "customer_due_clock"
    )(_check_clock)


class SimConfig(Frozen):
    """Everything one replication needs. ``world`` names the builder of the agents
    (``module:function``), so that ``sim`` does not import ``agents``."""

    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    cme: CcpConfig = Field(default_factory=_cme_default)
    ficc: CcpConfig = Field(default_factory=_ficc_default)
    xm: XmConfig = Field(default_factory=XmConfig)
    firms: FirmsConfig = Field(default_factory=FirmsConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    operations: OperationsConfig = Field(default_factory=OperationsConfig)
    world: str = "agents.world:build_world"

    @model_validator(mode="after")
    def _lookbacks(self) -> SimConfig:
        longest = max(self.cme.lookback_days, self.ficc.lookback_days)
        if self.market.lookback_days < longest:
            raise ValueError(
                f"market.lookback_days ({self.market.lookback_days}) must cover the longest"
                f" margin look-back ({longest})"
            )
        return self


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
