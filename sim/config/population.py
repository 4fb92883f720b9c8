"""Configuration of the end-user population by type. Money in US dollars, DV01 in dollars per
bp."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.config.base import Frozen
from sim.config.public_data import PublicDataConfig
from sim.config.repo import RepoConfig


class EndUserTypeConfig(Frozen):
    """A population segment. ``template``: basis (long cash, short futures), overlay (long
    futures on top of long cash), hedged_book (long cash partly hedged with short futures).
    ``dv01_median_usd``: median cash-leg DV01 (dollars per bp), lognormal with ``dv01_sigma``;
    ``hedge_ratio``: futures DV01 / cash DV01, normal with ``hedge_ratio_sd``. Liquidity:
    ``cash_buffer_multiple`` x standalone IM in cash and ``securities_multiple`` x standalone IM
    in unencumbered Treasuries (face), a committed credit line of ``credit_line_multiple`` x
    standalone IM costing ``credit_spread_bp`` a year on what is drawn, and an uncommitted line of
    ``uncommitted_line_multiple`` x that lenders cut in stress; all on the basis
    ``funding.buffer_basis`` names (``sim.config.funding``). A fund pays redemptions of
    ``redemption_rate_daily`` of its base per stressed business day. ``payment_policy``: how
    the IM part of a call is met. Short of liquidity, the user sells ``deleverage_fraction`` of
    its positions. ``leverage_appetite``: the share of the margin XM frees that it re-uses to
    scale its positions up; ``reuse_speed``: the share of the gap to that target it closes each
    business day (1: at once, before the run; ``agents.reuse``). ``cash_holding``: how the long
    cash Treasuries are held when ``population.ficc_leg`` is ``cleared_repo``
    (``sim.population.legs``): ``repo`` finances ``repo_financed_share`` of them in sponsored
    repo cleared at FICC (sponsor: the user's cash firm), the rest in custody; ``custody``
    holds them all settled in custody, with no FICC position (``repo_financed_share`` must then
    be 0). ``cftc_category``: ``speculative`` or ``hedger`` (CFTC/CME account classification):
    the FCM collects the CCP's speculative initial ratio (``cme.multiplier``) on a speculative
    customer's maintenance requirement, maintenance from a hedger (``firms``).
    ``custody_borrowing``: the share of its custody Treasuries' face it can borrow in cash on
    the day against them (a bank's Federal Home Loan Bank advances, the Fed's discount window or
    repo with its dealer), added to its committed credit line at the open under
    ``cleared_repo`` (``sim.population.legs.custody_face_usd``; the capacity is not reduced by
    later sales, whose proceeds come back as cash)."""

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
    uncommitted_line_multiple: float = Field(0.0, ge=0)
    redemption_rate_daily: float = Field(0.0, ge=0, le=1)
    payment_policy: Literal["cash_first", "securities_first"] = "cash_first"
    deleverage_fraction: float = Field(0.25, ge=0, le=1)
    leverage_appetite: float = Field(0.0, ge=0, le=1)
    reuse_speed: float = Field(1.0, gt=0, le=1)
    p_same_bd_fcm: float = Field(0.4, ge=0, le=1)
    cash_holding: Literal["repo", "custody"] = "custody"
    repo_financed_share: float = Field(0.0, ge=0, le=1)
    cftc_category: Literal["speculative", "hedger"] = "speculative"
    custody_borrowing: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _holding(self) -> EndUserTypeConfig:
        repo, share = self.cash_holding == "repo", self.repo_financed_share
        if repo and share == 0:
            raise ValueError("repo_financed_share: must be above 0 when cash_holding is repo")
        if not repo and share != 0:
            raise ValueError(f"repo_financed_share: {share} needs cash_holding: repo")
        return self


_DEFAULT_TYPES: dict[str, dict] = {
    "hedge_fund": {
        "share": 0.45,
        "template": "basis",
        "dv01_median_usd": 240_000,
        "hedge_ratio": 1.0,
        "cash_buffer_multiple": 1.3,
        "securities_multiple": 0.3,
        "credit_line_multiple": 0.3,
        "p_same_bd_fcm": 0.45,
        "cash_holding": "repo",  # sponsored repo (sim.config.repo)
        "repo_financed_share": 1.0,
        "cftc_category": "speculative",
    },
    "asset_manager": {
        "share": 0.35,
        "template": "overlay",
        "dv01_median_usd": 80_000,
        "hedge_ratio": 0.3,
        "hedge_ratio_sd": 0.1,
        "cash_buffer_multiple": 2.0,
        "securities_multiple": 1.0,
        "payment_policy": "securities_first",
        "p_same_bd_fcm": 0.35,
        "cftc_category": "speculative",
    },
    "regional_bank": {
        "share": 0.20,
        "template": "hedged_book",
        "dv01_median_usd": 30_000,
        "hedge_ratio": 0.6,
        "hedge_ratio_sd": 0.15,
        "cash_buffer_multiple": 2.5,
        "securities_multiple": 2.0,
        "credit_line_multiple": 1.0,
        "credit_spread_bp": 50.0,
        "payment_policy": "securities_first",
        "p_same_bd_fcm": 0.3,
        "cftc_category": "hedger",
        "custody_borrowing": 0.95,  # lendable value of Treasuries (assumption: see the registry)
    },
}  # the default segments' parameters (fields of ``EndUserTypeConfig``)


def _default_types() -> dict[str, EndUserTypeConfig]:
    return {name: EndUserTypeConfig(**fields) for name, fields in _DEFAULT_TYPES.items()}


class PopulationConfig(Frozen):
    """End users by type. ``model``: ``legacy`` draws types by ``share`` and one (cash, futures)
    pair per user (``sim.population.population``); ``public_data`` counts, sizes and firms from
    public data (``public_data``; ``sim.population.public_data``). ``scale``, when set, sizes
    the population as that share of the real market (``sim.population.sizing``) and then
    decides ``n_end_users`` and the firm counts; ``public_data`` without it takes the scale
    from ``n_end_users``. ``ficc_leg``: the end users' FICC positions, ``outright`` (the
    long notes themselves, held at FICC for the whole run) or ``cleared_repo`` (the cleared
    repo financing them, on ``repo`` terms, per type's ``cash_holding``;
    ``sim.population.legs``)."""

    model: Literal["legacy", "public_data"] = "public_data"
    n_end_users: int = Field(300, ge=1, le=1_000_000)
    scale: float | None = Field(None, gt=0.0, le=10.0)
    types: dict[str, EndUserTypeConfig] = Field(default_factory=_default_types)
    public_data: PublicDataConfig = Field(default_factory=PublicDataConfig)
    ficc_leg: Literal["outright", "cleared_repo"] = "cleared_repo"
    repo: RepoConfig = Field(default_factory=RepoConfig)

    @field_validator("types")
    @classmethod
    def _non_empty(cls, v: dict[str, EndUserTypeConfig]) -> dict[str, EndUserTypeConfig]:
        if not v:
            raise ValueError("must declare at least one end-user type")
        return v

    @model_validator(mode="after")
    def _public_types(self) -> PopulationConfig:
        """In ``public_data`` mode some declared type must have end users in the market."""
        if self.model != "public_data":
            return self
        declared = {k: n for k, n in self.public_data.end_users.items() if k in self.types}
        if not sum(declared.values()):
            raise ValueError(
                f"public_data.end_users: no end users for the declared types {sorted(self.types)}"
            )
        return self
