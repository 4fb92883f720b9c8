"""Configuration of customer cross-margining adoption studies (``agents.worlds.adoption``).

Units: money in US dollars (``*_usd``), funding spreads in bp a year, lead times in business
days, shares as fractions. Heterogeneous costs and lead times are lognormal: ``*_median_*`` is
the median, ``*_sigma`` the log-standard deviation (0 = every user the same).

Dates (DESIGN.md section 2): customer XM live on ``live_date``; the SEC Treasury clearing mandate
moves cash trades into FICC clearing from ``cash_mandate_date`` and repo from
``repo_mandate_date``. The share of an end user's cash/repo activity cleared at FICC, which
scales the cash leg's DV01 that can be cross-margined, steps from ``cleared_share_before`` to
``cleared_share_after_cash`` and then ``cleared_share_after_repo`` on those dates.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from sim.config.base import Frozen


def _default_spreads() -> dict[str, float]:
    return {"hedge_fund": 300.0, "asset_manager": 100.0, "regional_bank": 50.0}


class AdoptionConfig(Frozen):
    """Adoption of customer XM by end users.

    Each month, on its ``evaluation_day_of_month``-th business day from ``live_date`` on, every
    end user that has not yet decided compares its expected annual savings (IM saved, dollars,
    times its ``funding_spread_bp`` by end-user type, ``default_funding_spread_bp`` for types
    not listed) over ``payback_years`` with the cost of adopting: a fixed cost (legal set-up,
    operational readiness) and, when it must move a leg to a BD-FCM offering XM, a consolidation
    cost. An adopter goes live after its lead time (business days) and once its firm has an
    onboarding slot: each firm starts at most ``onboarding_per_firm_per_month`` onboardings per
    calendar month, first come first served.
    """

    live_date: dt.date = dt.date(2026, 4, 30)
    cash_mandate_date: dt.date = dt.date(2026, 12, 31)
    repo_mandate_date: dt.date = dt.date(2027, 6, 30)
    cleared_share_before: float = Field(0.5, ge=0.0, le=1.0)
    cleared_share_after_cash: float = Field(0.75, ge=0.0, le=1.0)
    cleared_share_after_repo: float = Field(1.0, ge=0.0, le=1.0)
    evaluation_day_of_month: int = Field(1, ge=1, le=19)
    funding_spread_bp: dict[str, float] = Field(default_factory=_default_spreads)
    default_funding_spread_bp: float = Field(150.0, ge=0.0, le=10_000.0)
    fixed_cost_median_usd: float = Field(250_000.0, ge=0.0)
    fixed_cost_sigma: float = Field(0.7, ge=0.0, le=5.0)
    consolidation_cost_median_usd: float = Field(1_000_000.0, ge=0.0)
    consolidation_cost_sigma: float = Field(0.7, ge=0.0, le=5.0)
    lead_time_median_days: float = Field(40.0, ge=1.0, le=2500.0)
    lead_time_sigma: float = Field(0.5, ge=0.0, le=5.0)
    payback_years: float = Field(2.0, gt=0.0, le=50.0)
    onboarding_per_firm_per_month: int = Field(10, ge=1, le=100_000)

    @field_validator("funding_spread_bp")
    @classmethod
    def _spreads(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: s for k, s in v.items() if not 0.0 <= s <= 10_000.0}
        if bad:
            raise ValueError(f"spreads must be in [0, 10000] bp a year, got {bad}")
        return v

    @model_validator(mode="after")
    def _order(self) -> AdoptionConfig:
        if not self.live_date <= self.cash_mandate_date <= self.repo_mandate_date:
            raise ValueError(
                "dates must satisfy live_date <= cash_mandate_date <= repo_mandate_date, got "
                f"{self.live_date}, {self.cash_mandate_date}, {self.repo_mandate_date}"
            )
        shares = self.cleared_shares
        if not shares[0] <= shares[1] <= shares[2]:
            raise ValueError(
                "the mandates can only raise the cleared share: need cleared_share_before <= "
                f"cleared_share_after_cash <= cleared_share_after_repo, got {shares}"
            )
        return self

    def spread_bp(self, user_type: str) -> float:
        """Funding spread (bp a year) of an end-user type."""
        return self.funding_spread_bp.get(user_type, self.default_funding_spread_bp)

    @property
    def cleared_shares(self) -> tuple[float, float, float]:
        """Cleared shares (fractions) before the cash mandate, from it, and from the repo mandate
        (``sim.population.adoption.cleared_share``)."""
        return (
            self.cleared_share_before,
            self.cleared_share_after_cash,
            self.cleared_share_after_repo,
        )
