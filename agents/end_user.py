"""An end user (hedge fund, asset manager, regional bank, ...): answers margin calls.

Its operations team works [user_open, user_close) ET on business days; a call is looked at after
an exponential response time counted from the next working moment. Variation margin is paid in
cash; the initial-margin part with cash (drawing on the committed credit line when needed) or
unencumbered Treasuries, in the order of its ``payment_policy``, through its custodian. If its
liquidity cannot cover the call it deleverages: it sells ``deleverage_fraction`` of both legs
(the forced sale of cash against futures moves the futures-cash basis, ``add_basis_impact``) and
leaves the call to default.
"""

from __future__ import annotations

from typing import ClassVar

from agents.base import Agent
from sim.calendar import parse_clock
from sim.config import EndUserTypeConfig, OperationsConfig
from sim.messages import MarginCall, PaymentInstruction, PaymentSettled, PositionChange
from sim.run import Run
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import CASH, SECURITIES


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
        for leg, firm in self.firms.items():
            self.run.send(firm, PositionChange(self.agent_id, leg, 1.0 - fraction, "deleverage"))
        sold = fraction * self.cash_face
        self.run.log("deleverage_sale", self.agent_id, call.call_id, face_usd=sold)
        if self.family >= 0:
            day = max(self.run.calendar.day_index(self.env.now), 0)
            sold_bn = fraction * self.cash_face / 1e9
            impact = self.run.config.market.basis.price_impact_bp_per_bn * sold_bn
            self.run.add_basis_impact(min(day, self.run.calendar.n_days - 1), self.family, -impact)
        self.cash_face *= 1.0 - fraction

    def on_settled(self, msg: PaymentSettled) -> None:
        self.reserved[msg.asset] -= msg.amount_cents
