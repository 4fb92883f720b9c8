"""Configuration of the clearing firms. Money in US dollars, DV01 in dollars per bp, clock times
``"HH:MM"`` ET, durations in minutes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sim.config.base import Clock, Frozen, check_clock


class FirmsConfig(Frozen):
    """Clearing firms. ``house_multiplier`` over the CCP requirement for customers, per end-user
    type in ``house_multiplier_by_type`` where given. The operations desk has ``desk_staff``
    people, each handling one customer call in ``handling_minutes``. ``house_dv01_usd``: the
    DV01 of the largest firm's own (house) book, smaller firms in proportion to their size.
    Every business day at ``substitution_clock`` (before CME's 12:00 cutoff for collateral
    requests; ``null`` for never) a firm offers the CCPs the customers' Treasuries in its
    segregated account in place of cash.

    ``speculative_multiplier_at``: where a CCP's speculative initial ratio (``multiplier``,
    CME's 110% of maintenance) applies. ``fcm`` (default, DESIGN.md section 2): the CCP collects
    maintenance (1.0x) on every account and the firm collects from each speculative customer
    (``population.types.*.cftc_category``) the larger of its house multiplier and that ratio,
    from hedgers its house multiplier (``customer_multiplier``); ``ccp`` (before issue 12): the
    CCP charges the ratio on every account, houses and hedgers included.

    ``xm_customer_equity``: ``joint`` (default): a cross-margined customer's equity and house
    requirement are netted across both legs in its one XM account at the BD-FCM (a CEA section
    4d cross-margin account), so a CME loss is met by the FICC gain; ``per_ccp`` (before): kept
    per CCP, the loss called in cash while the gain comes back later as excess.
    ``xm_one_call_per_cycle`` (``joint`` only): true (default), the firm calls such a customer
    at most once per margin cycle (a business day and mark: CME's end of day and FICC's start
    of day on the same close, or FICC's noon and CME's intraday), a second CCP statement's
    shortfall added to the cycle's call or carried to the next cycle (``agents.xm_cycle``);
    false (before): each CCP statement may call it.

    ``capital_usd``: an average firm's adjusted net capital (dollars), each firm's in proportion
    to its size weight (``size_weight / mean size weight``); only reported against its minimum
    requirement (``sim.metrics.capital``: CFTC Regulation 1.17, SEC Rule 15c3-1). An
    assumption of the order of CFTC FCM financial data (aggregate adjusted net capital of the
    FCMs over their number; not checked against one report).

    ``segregation``: ``per_customer`` (CFTC Regulation 1.22, SEC Rule 15c3-3): each
    customer's money at the firm sits in its own sub-account of a CEA section 4d pool (futures
    and customer XM accounts) or an SEC 15c3-3 reserve pool (FICC customer accounts outside
    XM); a customer's share of a CCP call is paid from its own sub-account, the rest advanced
    by the firm from its residual interest (its own money in segregation) and own cash, never
    from another customer's (``agents.segregation``); the default, with the CCPs attributing
    customer accounts per customer (``CcpConfig.lsoc``); ``pooled`` (before issue 13): one
    segregated account for all customers, a CCP call paid from it first.
    ``residual_interest_deadline`` (``per_customer`` only): by when the firm must hold residual
    interest covering its customers' margin deficits (their open calls): ``immediate``
    (default) as soon as it calls the customer; ``cftc_1_22c`` (CFTC Regulation 1.22(c)):
    the deficits of each business day by 18:00 ET the next business day.

    ``daylight_overdraft_cap`` (``agents.firm_limits``): true (default), the firm's settlement
    bank lets its cash account run negative (a daylight overdraft) down to
    ``daylight_overdraft_cap_multiple`` times the firm's capital (``capital_usd`` scaled as
    above), within its ``credit_line_usd``; a CCP payment that would go beyond waits for
    incoming funds (customers' payments, CCP payouts, reimbursed pre-funding) until the call's
    final deadline, then fails as before. The multiple 0.4 is the Federal Reserve's de minimis
    net debit cap (Payment System Risk policy: 40% of capital) standing for the bank's limit on
    the firm (an assumption: banks' intraday limits on FCMs are not public). False: no cap, a
    payment the firm cannot make at once fails then (before issue 13).

    ``customer_credit_limit_multiple`` (``per_customer`` only; CFTC Regulation 1.73: a
    clearing FCM sets risk-based limits per customer): the most the firm advances for one
    customer (its pre-funding outstanding) as a multiple of the customer's house requirement.
    The firm still pays the CCP in full (its obligation), but a customer beyond its limit is
    in breach: its open and later calls lose their grace period, so one unpaid at its due time
    starts the customer's close-out then. Default ``null``: unlimited (no public figure)."""

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
    speculative_multiplier_at: Literal["fcm", "ccp"] = "fcm"
    xm_customer_equity: Literal["joint", "per_ccp"] = "joint"
    xm_one_call_per_cycle: bool = True
    capital_usd: float = Field(3e9, gt=0)
    segregation: Literal["per_customer", "pooled"] = "per_customer"
    residual_interest_deadline: Literal["immediate", "cftc_1_22c"] = "immediate"
    daylight_overdraft_cap: bool = True
    daylight_overdraft_cap_multiple: float = Field(0.4, ge=0.0)
    customer_credit_limit_multiple: float | None = Field(None, ge=0.0)

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


def customer_multiplier(
    cfg: FirmsConfig, user_type: str, speculative: bool, ccp_ratio: float
) -> float:
    """What the firm collects from a customer of ``user_type`` per dollar of the CCP's IM
    (dimensionless): its house multiplier, and, when the speculative ratio ``ccp_ratio`` is
    applied at the firm (``speculative_multiplier_at`` ``fcm``) and the customer is
    ``speculative``, at least that ratio (an FCM collects at least 110% of maintenance)."""
    house = cfg.house_multiplier_by_type.get(user_type, cfg.house_multiplier)
    if cfg.speculative_multiplier_at == "fcm" and speculative:
        return max(house, ccp_ratio)
    return house
