"""An end user (hedge fund, asset manager, regional bank, ...): answers margin calls.

Its operations team works [user_open, user_close) ET on business days; a call is looked at after
an exponential response time counted from the next working moment. If its free cash (cash not
already promised to earlier calls) covers the call it instructs its custodian to pay; otherwise it
records a liquidity shortfall and the call runs towards default.
"""

from __future__ import annotations

from typing import ClassVar

from agents.base import Agent
from sim.calendar import parse_clock
from sim.config import OperationsConfig
from sim.messages import MarginCall, PaymentInstruction, PaymentSettled
from sim.model import Run


class EndUser(Agent):
    handlers: ClassVar[dict[type, str]] = {MarginCall: "on_call", PaymentSettled: "on_settled"}

    def __init__(
        self,
        run: Run,
        user_id: str,
        user_type: str,
        custodian: str,
        ops: OperationsConfig,
        cash_cents: int,
    ) -> None:
        super().__init__(run, user_id)
        self.user_type, self.custodian = user_type, custodian
        self.cash = f"eu:{user_id}:cash"
        self.reserved = 0
        self.hours = (parse_clock(ops.user_open), parse_clock(ops.user_close))
        self.response_mean = ops.user_response_mean_minutes
        self.rng = run.streams.get("end_user.behaviour")
        run.ledger.open(self.cash, cash_cents)

    def on_call(self, call: MarginCall) -> None:
        start = self.run.calendar.next_business_time(self.env.now, *self.hours)
        delay = float(self.rng.exponential(self.response_mean))
        self.env.process(self.respond(call, start + delay))

    def respond(self, call: MarginCall, at: float):
        yield self.env.timeout(at - self.env.now)
        free = self.run.ledger.balance(self.cash) - self.reserved
        if free < call.amount_cents:
            self.run.log(
                "liquidity_shortfall", self.agent_id, call.call_id, str(call.amount_cents - free)
            )
            return
        self.reserved += call.amount_cents
        firm_seg = f"firm:{call.payee}:seg"
        self.run.send(
            self.custodian,
            PaymentInstruction(
                self.run.next_id("P"),
                call.call_id,
                self.agent_id,
                call.payee,
                self.cash,
                firm_seg,
                call.amount_cents,
                self.env.now,
            ),
        )

    def on_settled(self, msg: PaymentSettled) -> None:
        self.reserved -= msg.amount_cents
