"""Configuration of end users' funding beyond their opening liquidity: what the buffers are sized
on, when lenders cut uncommitted credit lines, and how funds meet redemptions in stress.

Per end-user type (``EndUserTypeConfig``): ``cash_buffer_multiple``, ``securities_multiple``
and ``credit_line_multiple`` (committed) size the opening liquidity, ``uncommitted_line_multiple``
an uncommitted line the lender may cut, ``redemption_rate_daily`` the redemptions a fund meets
per stressed business day. Every default here keeps the legacy behaviour (standalone buffers, no
uncommitted lines, no redemptions); the sources for stressed values are in the docstrings and
in ``sim.config.assumptions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import Field, field_validator

from sim.config.base import Clock, Frozen, check_clock


class FundingConfig(Frozen):
    """End users' funding.

    ``buffer_basis``: ``standalone`` sizes every user's cash, securities and credit lines as
    multiples of its standalone IM (CME + FICC, before any XM reduction) in every scenario, so
    that all scenarios on a seed start from the same liquidity (the legacy framing); ``scenario``
    sizes them on the user's opening IM in the scenario itself (XM IM for an XM user, after any
    re-use of freed margin), i.e. a target buffer of k x current IM, the way a fund sizes its
    liquidity on the margin it actually posts (Form PF Q.46-47 asks for unencumbered cash and
    the margin posted; SEC Form PF instructions, 2023).

    Uncommitted lines are cut at ``review_clock`` ET of a business day (after the 15:00 futures
    settlement, so the day's move is known) when ``cut_on`` fires: ``stressed_regime`` the market
    path is in its stressed regime that day (``sim.market.path``), ``yield_move`` the largest
    absolute daily key-rate change reaches ``cut_move_bp``, ``either`` both triggers. Dealers
    and banks pulled back uncommitted funding in March 2020 (Fed Financial Stability Report,
    May 2020, "funding risk"; FEDS Note 6 Oct 2021 on hedge funds' repo and margin). A cut
    withdraws only the undrawn part of the line: what is already drawn stays lent.

    Redemptions: a fund of a type with ``redemption_rate_daily`` > 0 pays, ``redemption_lag_days``
    business days after each stressed business day, that rate times its base: ``cash`` its
    opening cash, ``nav`` an assumed NAV of ``nav_im_multiple`` x its standalone IM (the same in
    every scenario). Bond mutual funds lost about 5% of assets in March 2020, a few tenths of a
    percent a business day (Falato, Goldstein and Hortacsu, "Financial fragility in the COVID-19
    crisis", J. Monetary Econ. 2021; Fed FSR May 2020); hedge funds face quarterly notice, so an
    intramonth daily rate is a stress assumption."""

    buffer_basis: Literal["scenario", "standalone"] = "scenario"
    cut_on: Literal["stressed_regime", "yield_move", "either"] = "stressed_regime"
    cut_move_bp: float = Field(15.0, gt=0)
    review_clock: Clock = "16:00"
    redemption_base: Literal["cash", "nav"] = "cash"
    nav_im_multiple: float = Field(10.0, gt=0)
    redemption_lag_days: int = Field(1, ge=0, le=60)

    @field_validator("review_clock")
    @classmethod
    def _clock(cls, v: str) -> str:
        return check_clock(v)


class _Funded(Protocol):
    uncommitted_line_multiple: float
    redemption_rate_daily: float


def funding_active(types: Mapping[str, _Funded]) -> bool:
    """Whether any end-user type has an uncommitted line or redeems: only then do lenders and
    investors act (``agents.fund_funding``) and the funding metrics exist, so the legacy
    defaults leave runs and their outputs untouched."""
    return any(
        t.uncommitted_line_multiple > 0 or t.redemption_rate_daily > 0 for t in types.values()
    )
