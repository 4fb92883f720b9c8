"""Configuration of how books are sold: an end user's deleveraging and a clearing firm's
close-out of a defaulted customer (``sim.market.liquidation``, ``agents.end_user``,
``agents.clearing_firm``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.base import Frozen


class LiquidationConfig(Frozen):
    """``deleverage``: what an end user short of liquidity for a call does.

    - ``fixed_fraction`` (legacy): it sells its type's ``deleverage_fraction`` of both legs,
      raises no cash, and the call defaults.
    - ``raise_cash``: it sells the smallest fraction ``f`` of both legs whose released margin
      covers its shortfall: both CCPs' IM is positively homogeneous in the positions, so the
      call's IM part falls by ``f`` x the house requirement it was computed on; the firm
      recomputes the call and the user pays it. The sale's impact cost (``market.impact``) is
      charged at the day's close, when the day's total flow sets the price. A shortfall that
      selling everything cannot cover (a variation-margin loss beyond its liquidity) is left to
      default.

    ``closeout``: what a firm does with a defaulted customer's positions: ``delete`` (legacy:
    they vanish at no cost) or ``liquidate``: it sells them over ``closeout_days`` business days
    on the simulated path with impact; the loss against the default mark is met from the
    customer's equity at the firm, the rest from the firm's own cash.

    The buffer policy (``raise_cash`` users): after paying a call, a user whose free liquidity
    (cash, credit and Treasuries at the firms' haircut) is below ``buffer_floor`` x its current
    margin requirements sells enough of both legs to bring it back to ``buffer_target`` x the
    smaller requirements, counting the margin the sale releases as liquidity
    (``agents.end_user.EndUser.keep_buffer``; ``buffer_floor: 0``: no policy). ``buffer_target``
    1.25 is calibrated: with it hedge funds' ``deleveraged_share`` in the March 2020 replay on the
    Treasury history (``march2020``, standalone) is about 0.16, the share of their Treasury
    securities large hedge funds sold on net in March 2020 ($173bn of about $1.1tn held:
    Banegas, Monin and Petrasek, FEDS Notes, 6 Oct 2021); 0.75 before issue 13 gave about 0.10."""

    deleverage: Literal["fixed_fraction", "raise_cash"] = "raise_cash"
    closeout: Literal["delete", "liquidate"] = "liquidate"
    closeout_days: int = Field(2, ge=1, le=20)
    buffer_floor: float = Field(0.5, ge=0.0, le=10.0)
    buffer_target: float = Field(1.25, gt=0.0, le=10.0)

    @model_validator(mode="after")
    def _target_above_floor(self) -> LiquidationConfig:
        if self.buffer_floor > self.buffer_target:
            raise ValueError(
                f"buffer_target ({self.buffer_target}) must be at least buffer_floor"
                f" ({self.buffer_floor})"
            )
        return self
