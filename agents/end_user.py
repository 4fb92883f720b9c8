"""An end user (hedge fund, asset manager, regional bank, ...): answers margin calls.

Its operations team works [user_open, user_close) ET on business days; a call is looked at after
an exponential response time counted from the next working moment. Variation margin is paid in
cash; the initial-margin part with cash (drawing on the committed credit line when needed) or
unencumbered Treasuries, in the order of its ``payment_policy``, through its custodian. If its
liquidity cannot cover the call it deleverages (``liquidation.deleverage``):

- ``fixed_fraction``: it sells ``deleverage_fraction`` of both legs and leaves the call to
  default;
- ``raise_cash``: it sells the smallest fraction of both legs whose released margin covers the
  shortfall, tells the firm (which recomputes the call) and pays the recomputed call; the
  sale's impact cost is paid at the pricing day's close (``agents.deleveraging``). When even
  selling everything cannot cover (a VM loss beyond its cash), it sells nothing and the call
  defaults.

Forced sales of cash against futures move the futures-cash basis (``market.impact.model``).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from agents.base import Agent
from agents.deleveraging import (
    fraction_covering,
    impact_cost_cents,
    per_bn_impact,
    pricing_day,
    sale_flow,
)
from sim.calendar import parse_clock
from sim.config import EndUserTypeConfig, OperationsConfig
from sim.messages import (
    Deleveraged,
    MarginCall,
    PaymentInstruction,
    PaymentSettled,
    PositionChange,
)
from sim.run import SETTLEMENT_CLOCK, Run
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import CASH, SECURITIES

LATE_COST_MINUTES = 1.0  # after a sale past its pricing day's close, when its cost is paid


class EndUser(Agent):
    handlers: ClassVar[dict[type, str]] = {
        MarginCall: "on_call",
        PaymentSettled: "on_settled",
    }

    def __init__(
        self,
        run: Run,
        user_id: str,
        user_type: str,
        custodian: str,
        firms: dict[str, str],
        kind: EndUserTypeConfig,
        ops: OperationsConfig,
        basis: tuple[int, float],
        positions: dict[str, float] | None = None,
    ) -> None:
        super().__init__(run, user_id)
        self.user_type, self.custodian, self.firms, self.kind = user_type, custodian, firms, kind
        self.cash, self.securities = f"eu:{user_id}:cash", f"eu:{user_id}:sec"
        self.reserved = {CASH: 0, SECURITIES: 0}
        self.hours = (parse_clock(ops.user_open), parse_clock(ops.user_close))
        self.response_mean = ops.user_response_mean_minutes
        self.rng = run.streams.get(f"end_user.behaviour.{user_id}")  # its own: CRN
        self.family, self.cash_face = basis  # futures family index (-1: none), cash face (USD)
        self.haircut = run.config.firms.collateral_haircut
        self.positions = dict(positions or {})  # symbol: face USD or contracts, both legs
        self.requirements: dict[str, int] = {}  # CCP: the latest call's requirement (cents)
        self.deleveraged = False  # sold some of its book (it re-levers no more: agents.reuse)

    def open_liquidity(self, cash_cents: int, credit_cents: int, securities_cents: int) -> None:
        """Open the run holding ``cash_cents`` of cash with a committed credit line of
        ``credit_cents``, and ``securities_cents`` of unencumbered Treasuries (face)."""
        self.run.ledger.open(self.cash, cash_cents, credit_cents)
        self.run.ledger.open(self.securities, 0, 0, securities_cents)

    def on_call(self, call: MarginCall) -> None:
        start = self.run.calendar.next_business_time(self.env.now, *self.hours)
        delay = float(self.rng.exponential(self.response_mean))
        self.env.process(self.respond(call, start + delay))

    def free(self, asset: str) -> int:
        if asset == CASH:
            return int(self.run.ledger.available(self.cash)) - self.reserved[CASH]
        return self.run.ledger.balance(self.securities, SECURITIES) - self.reserved[SECURITIES]

    def plan(self, call: MarginCall) -> tuple[int, int, int] | None:
        """(cash cents, securities face, securities value) that pay ``call``, or None."""
        price = self.run.collateral_price()
        sec_value = max(value_cents(self.free(SECURITIES), price, self.haircut), 0)
        cash_free = self.free(CASH) - call.cash_cents
        if cash_free < 0 or cash_free + sec_value < call.im_cents:
            return None
        use_sec = (
            min(call.im_cents, sec_value)
            if self.kind.payment_policy == "securities_first"
            else max(call.im_cents - cash_free, 0)
        )
        face = face_for_value(use_sec, price, self.haircut) if use_sec else 0
        return call.cash_cents + call.im_cents - use_sec, min(face, self.free(SECURITIES)), use_sec

    def respond(self, call: MarginCall, at: float):
        yield self.env.timeout(at - self.env.now)
        if self.run.calls.ended.get(call.call_id) == "cancelled":
            return  # its firm was declared in default (agents.firm_default)
        if self.run.calls.is_open(call.call_id):
            call = self.run.calls.call(call.call_id)  # as it stands (it may have grown)
        plan = self.plan(call)
        if plan is None and self.run.config.liquidation.deleverage == "raise_cash":
            if not self.raise_cash(call):
                self.run.log("liquidity_shortfall", self.agent_id, call.call_id,
                             amount_cents=call.amount_cents)  # fmt: skip
                return
            if not self.run.calls.is_open(call.call_id):
                return  # the recomputed call was already covered
            call = self.run.calls.call(call.call_id)
            plan = self.plan(call)
        if plan is None:
            self.deleverage(call)
            return
        cash, face, sec_value = plan
        self.run.calls.instructed(call.call_id, self.env.now)
        if face:
            self.instruct(call, SECURITIES, self.securities, face, sec_value)
        if cash:
            self.instruct(call, CASH, self.cash, cash, cash)
        self.keep_buffer(call)

    def keep_buffer(self, call: MarginCall) -> None:
        """The buffer policy (``liquidation.buffer_floor``, ``buffer_target``): when the free
        liquidity left after paying falls below ``buffer_floor`` x its current requirements R (the
        latest call's per CCP), sell the smallest fraction f of both legs that brings it back to
        ``buffer_target`` t x the smaller requirements, counting the margin the sale releases
        (f x R, returned as excess at the next cycles; IM is positively homogeneous):
        ``free + f R = t (1 - f) R``, so ``f = (t R - free) / ((1 + t) R)``."""
        cfg = self.run.config.liquidation
        self.requirements[call.ccp] = call.required_cents or self.requirements.get(call.ccp, 0)
        required = sum(self.requirements.values())
        if cfg.buffer_floor <= 0 or required <= 0:
            return
        free = self.liquidity_cents()
        if free >= cfg.buffer_floor * required:
            return
        target = cfg.buffer_target * required
        fraction = min(max((target - max(free, 0)) / (target + required), 0.0), 1.0)
        self.sell(call.call_id, fraction, scale=fraction)

    def liquidity_cents(self) -> int:
        """Free cash (credit included) and free Treasuries at the firms' haircut value."""
        price = self.run.collateral_price()
        return self.free(CASH) + max(value_cents(self.free(SECURITIES), price, self.haircut), 0)

    def instruct(self, call: MarginCall, asset: str, src: str, amount: int, value: int) -> None:
        self.reserved[asset] += amount
        dst = f"firm:{call.payee}:seg"
        self.run.send(
            self.custodian,
            PaymentInstruction(
                self.run.next_id("P"),
                call.call_id,
                self.agent_id,
                call.payee,
                asset,
                src,
                dst,
                amount,
                value,
                self.env.now,
            ),
        )

    def deleverage(self, call: MarginCall) -> None:
        """Short of liquidity: sell ``deleverage_fraction`` of both legs; the call defaults."""
        fraction = self.kind.deleverage_fraction
        self.run.log(
            "liquidity_shortfall", self.agent_id, call.call_id, amount_cents=call.amount_cents
        )
        if fraction <= 0:
            return
        self.sell(call.call_id, fraction)

    def raise_cash(self, call: MarginCall) -> bool:
        """Sell the smallest fraction of both legs whose released margin covers what the user's
        free cash and Treasuries leave of ``call`` (IM is positively homogeneous in positions:
        selling ``f`` cuts the call's IM part by ``f`` x its requirement); False when no sale
        can (the VM part exceeds its cash, or the shortfall exceeds the IM part)."""
        if not self.run.calls.is_open(call.call_id):
            return False  # it already defaulted: selling cannot save it
        cash_free = self.free(CASH)
        need = call.amount_cents - self.liquidity_cents()
        if cash_free < call.cash_cents or need > call.im_cents or call.required_cents <= 0:
            return False
        crowd = self.run.feedback.crowds.get(self.user_type, 0.0)
        own = sale_flow(self.positions, 1.0)
        fraction = fraction_covering(self.run, need, call.required_cents, crowd, own)
        if fraction is None:
            return False
        self.sell(call.call_id, fraction, scale=fraction)
        self.run.send(call.payee, Deleveraged(self.agent_id, call.call_id, fraction))
        return True

    def sell(self, ref: str, fraction: float, scale: float | None = None) -> None:
        """Sell ``fraction`` of both legs for call ``ref``: the firms forward the change to the
        CCPs, the sale is logged (``scale``: the fraction, where the rule records it) and fed to
        the market."""
        self.tell_firms(1.0 - fraction, "deleverage")
        face = fraction * self.cash_face
        self.run.log("deleverage_sale", self.agent_id, ref, face_usd=face, scale=scale)
        self.feed_sale(fraction)

    def tell_firms(self, factor: float, reason: str) -> None:
        """Scale both legs by ``factor`` at the firms that clear them (and so at the CCPs)."""
        for leg, firm in self.firms.items():
            self.run.send(firm, PositionChange(self.agent_id, leg, factor, reason))

    def feed_sale(self, fraction: float) -> None:
        """The sale's market impact (``agents.deleveraging``); the book shrinks."""
        self.deleveraged = True
        if self.run.config.market.impact.model == "per_bn":
            per_bn_impact(self.run, self.family, fraction * self.cash_face)
        else:
            day, flow = pricing_day(self.run), sale_flow(self.positions, fraction)
            self.run.feedback.trade(day, flow)
            self.env.process(self.pay_impact_cost(day, flow))
        self.scale_book(1.0 - fraction)

    def scale_book(self, factor: float) -> None:
        """The user's own record of its book (positions and cash face) scaled by ``factor``."""
        self.cash_face *= factor
        self.positions = {s: q * factor for s, q in self.positions.items()}

    def pay_impact_cost(self, day: int, flow: np.ndarray):
        """At the pricing day's close, pay the sale's impact cost to the market (what free cash
        allows; the rest is logged unpaid). A sale after the last run day's close (the run's
        final morning, priced on that day) pays a minute later, once every sale of its minute
        is in the day's flow: so the cost does not depend on the order of simultaneous sales
        (a twin selling first would otherwise change the other's cost)."""
        close = self.run.calendar.at(day, SETTLEMENT_CLOCK)
        yield self.env.timeout(close - self.env.now if close > self.env.now else LATE_COST_MINUTES)
        cost = impact_cost_cents(self.run, day, flow)
        paid = max(min(cost, math.floor(self.free(CASH))), 0)
        if paid:
            self.transfer(self.cash, "external", paid, "impact_cost")
        self.run.log("impact_cost", self.agent_id, amount_cents=paid)
        if cost > paid:
            self.run.log("impact_cost_unpaid", self.agent_id, amount_cents=cost - paid)

    def on_settled(self, msg: PaymentSettled) -> None:
        self.reserved[msg.asset] -= msg.amount_cents
