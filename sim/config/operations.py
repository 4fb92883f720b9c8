"""Configuration of the operations: working hours, custodians, outages, deadlines. Clock times
``"HH:MM"`` ET, durations in minutes."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from sim.config.base import Clock, Frozen, check_clock


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
