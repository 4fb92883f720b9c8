"""Configuration of the clearing firms, the end users and the operations (hours, custodians,
outages). Money in US dollars, DV01 in dollars per bp, clock times ``"HH:MM"`` ET, durations in
minutes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.config_base import Clock, Frozen, check_clock


class FirmsConfig(Frozen):
    """Clearing firms. ``house_multiplier`` over the CCP requirement for customers, per end-user
    type in ``house_multiplier_by_type`` where given. The operations desk has ``desk_staff``
    people, each handling one customer call in ``handling_minutes``. ``house_dv01_usd``: the
    DV01 of the largest firm's own (house) book, smaller firms in proportion to their size.
    Every business day at ``substitution_clock`` (before CME's 12:00 cutoff for collateral
    requests; ``null`` for never) a firm offers the CCPs the customers' Treasuries in its
    segregated account in place of cash."""

    n_bd_fcm: int = Field(6, ge=1)
    n_fcm: int = Field(4, ge=0)
    n_bd: int = Field(4, ge=0)
    share_bd_fcm_offering_xm: float = Field(0.67, ge=0.0, le=1.0)
    n_affiliated_pairs: int = Field(2, ge=0)
    share_single_offering_xm: float = Field(0.5, ge=0.0, le=1.0)
    own_liquidity_usd: float = Field(3e9, ge=0)
    credit_line_usd: float = Field(1e9, ge=0)
    house_multiplier: float = Field(1.0, ge=1.0, le=5.0)
    house_multiplier_by_type: dict[str, float] = Field(default_factory=dict)
    min_transfer_usd: float = Field(10_000.0, ge=0)
    collateral_haircut: float = Field(0.03, ge=0.0, lt=1.0)
    desk_staff: int = Field(4, ge=1)
    handling_minutes: float = Field(2.0, ge=0.0)
    house_dv01_usd: float = Field(200_000.0, ge=0.0)
    substitution_clock: Clock | None = "11:30"

    _substitution = field_validator("substitution_clock")(
        lambda v: v if v is None else check_clock(v)
    )

    @field_validator("house_multiplier_by_type")
    @classmethod
    def _multipliers(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: m for k, m in v.items() if not 1.0 <= m <= 5.0}
        if bad:
            raise ValueError(f"multipliers must be in [1, 5], got {bad}")
        return v


class EndUserTypeConfig(Frozen):
    """A population segment. ``template``: basis (long cash, short futures), overlay (long
    futures on top of long cash), hedged_book (long cash partly hedged with short futures).
    ``dv01_median_usd``: median cash-leg DV01 (dollars per bp), lognormal with ``dv01_sigma``;
    ``hedge_ratio``: futures DV01 / cash DV01, normal with ``hedge_ratio_sd``. Liquidity:
    ``cash_buffer_multiple`` x standalone IM in cash and ``securities_multiple`` x standalone IM
    in unencumbered Treasuries (face), a committed credit line of ``credit_line_multiple`` x
    standalone IM costing ``credit_spread_bp`` a year on what is drawn. ``payment_policy``: how
    the IM part of a call is met. Short of liquidity, the user sells ``deleverage_fraction`` of
    its positions. ``leverage_appetite``: the share of the margin XM frees that it re-uses to
    scale its positions up."""

    share: float = Field(gt=0)
    template: Literal["basis", "overlay", "hedged_book"]
    dv01_median_usd: float = Field(gt=0)
    dv01_sigma: float = Field(0.8, ge=0)
    hedge_ratio: float = Field(ge=0)
    hedge_ratio_sd: float = Field(0.05, ge=0)
    cash_buffer_multiple: float = Field(1.5, ge=0)
    securities_multiple: float = Field(0.5, ge=0)
    credit_line_multiple: float = Field(0.5, ge=0)
    credit_spread_bp: float = Field(150.0, ge=0)
    payment_policy: Literal["cash_first", "securities_first"] = "cash_first"
    deleverage_fraction: float = Field(0.25, ge=0, le=1)
    leverage_appetite: float = Field(0.0, ge=0, le=1)
    p_same_bd_fcm: float = Field(0.4, ge=0, le=1)


def _default_types() -> dict[str, EndUserTypeConfig]:
    return {
        "hedge_fund": EndUserTypeConfig(
            share=0.45,
            template="basis",
            dv01_median_usd=240_000,
            hedge_ratio=1.0,
            cash_buffer_multiple=1.3,
            securities_multiple=0.3,
            credit_line_multiple=0.3,
            p_same_bd_fcm=0.45,
        ),
        "asset_manager": EndUserTypeConfig(
            share=0.35,
            template="overlay",
            dv01_median_usd=80_000,
            hedge_ratio=0.3,
            hedge_ratio_sd=0.1,
            cash_buffer_multiple=2.0,
            securities_multiple=1.0,
            payment_policy="securities_first",
            p_same_bd_fcm=0.35,
        ),
        "regional_bank": EndUserTypeConfig(
            share=0.20,
            template="hedged_book",
            dv01_median_usd=30_000,
            hedge_ratio=0.6,
            hedge_ratio_sd=0.15,
            cash_buffer_multiple=2.5,
            securities_multiple=2.0,
            credit_line_multiple=1.0,
            credit_spread_bp=50.0,
            payment_policy="securities_first",
            p_same_bd_fcm=0.3,
        ),
    }


class PopulationConfig(Frozen):
    """End users by type. ``scale``, when set, sizes the population from public facts as that
    share of the real market (``sim.sizing``) and then decides ``n_end_users`` and the firm
    counts."""

    n_end_users: int = Field(300, ge=1, le=1_000_000)
    scale: float | None = Field(None, gt=0.0, le=10.0)
    types: dict[str, EndUserTypeConfig] = Field(default_factory=_default_types)

    @field_validator("types")
    @classmethod
    def _non_empty(cls, v: dict[str, EndUserTypeConfig]) -> dict[str, EndUserTypeConfig]:
        if not v:
            raise ValueError("must declare at least one end-user type")
        return v


class CustodianConfig(Frozen):
    """A custodian's processing time per instruction, lognormal (median minutes, log-sd), for
    cash and for securities. Real custodians' times are not public: these are parameters."""

    share: float = Field(gt=0)
    cash_median_minutes: float = Field(gt=0)
    cash_sigma: float = Field(ge=0)
    securities_median_minutes: float = Field(gt=0)
    securities_sigma: float = Field(ge=0)


def _default_custodians() -> dict[str, CustodianConfig]:
    return {
        "bny_like": CustodianConfig(
            share=0.55,
            cash_median_minutes=20,
            cash_sigma=0.6,
            securities_median_minutes=40,
            securities_sigma=0.7,
        ),
        "statestreet_like": CustodianConfig(
            share=0.45,
            cash_median_minutes=35,
            cash_sigma=0.8,
            securities_median_minutes=60,
            securities_sigma=0.8,
        ),
    }


class OutageConfig(Frozen):
    """``custodian`` processes nothing from ``start`` (ET) for ``duration_minutes``."""

    custodian: str
    start: dt.datetime
    duration_minutes: float = Field(gt=0)


class OperationsConfig(Frozen):
    """Working hours, latencies and deadlines. End users act in [user_open, user_close) ET on
    business days after an exponential response time. Customer calls are due at
    ``customer_due_clock`` at least ``customer_min_notice_minutes`` after issue and default
    ``grace_business_days`` later. Firms pay a CCP ``firm_pay_lead_minutes`` before its
    deadline. Custodians' cash payments are third-party Fedwire Funds transfers (cutoff
    ``funds_third_party_cutoff``)."""

    user_open: Clock = "07:00"
    user_close: Clock = "18:00"
    user_response_mean_minutes: float = Field(45.0, gt=0)
    custodians: dict[str, CustodianConfig] = Field(
        default_factory=_default_custodians, min_length=1
    )
    outages: list[OutageConfig] = Field(default_factory=list)
    funds_third_party_cutoff: Clock = "18:45"
    customer_due_clock: Clock = "11:00"
    customer_min_notice_minutes: float = Field(120.0, ge=0)
    grace_business_days: int = Field(1, ge=0, le=10)
    firm_pay_lead_minutes: float = Field(30.0, ge=0)

    _clocks = field_validator(
        "user_open", "user_close", "customer_due_clock", "funds_third_party_cutoff"
    )(check_clock)

    @model_validator(mode="after")
    def _outage_custodians(self) -> OperationsConfig:
        unknown = sorted({o.custodian for o in self.outages} - set(self.custodians))
        if unknown:
            raise ValueError(
                f"outages name unknown custodians {unknown}; known: {sorted(self.custodians)}"
            )
        return self
