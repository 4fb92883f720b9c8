"""A custodian: holds end users' cash and executes their payment instructions.

Each instruction takes a lognormal processing latency (median and log-sd are parameters: real
custodians' times are not public) and then settles at the first moment inside the custodian's
operating window [custodian_open, custodian_cutoff) ET on a business day; the cutoff default is
Fedwire Funds' 18:45 third-party cutoff.
"""

from __future__ import annotations

import math
from typing import ClassVar

from agents.base import Agent
from sim.calendar import parse_clock
from sim.config import OperationsConfig
from sim.messages import PaymentInstruction, PaymentSettled
from sim.model import Run


class Custodian(Agent):
    handlers: ClassVar[dict[type, str]] = {PaymentInstruction: "on_instruction"}

    def __init__(self, run: Run, custodian_id: str, ops: OperationsConfig) -> None:
        super().__init__(run, custodian_id)
        self.rng = run.streams.get(f"custodian.latency.{custodian_id}")
        self.median, self.sigma = ops.custodian_latency_median_minutes, ops.custodian_latency_sigma
        self.window = (parse_clock(ops.custodian_open), parse_clock(ops.custodian_cutoff))

    def on_instruction(self, ins: PaymentInstruction) -> None:
        latency = self.median * math.exp(self.sigma * float(self.rng.standard_normal()))
        ready = self.run.calendar.next_business_time(self.env.now + latency, *self.window)
        self.env.process(self.execute(ins, ready))

    def execute(self, ins: PaymentInstruction, at: float):
        yield self.env.timeout(at - self.env.now)
        self.run.ledger.transfer(ins.src_account, ins.dst_account, ins.amount_cents)
        self.run.recorder.add(
            "payments",
            (
                ins.payment_id,
                ins.call_id,
                "customer_call",
                ins.payer,
                ins.payee,
                ins.src_account,
                ins.dst_account,
                ins.amount_cents,
                ins.instructed_min,
                self.env.now,
                self.agent_id,
            ),
        )
        done = PaymentSettled(
            ins.payment_id, ins.call_id, ins.payer, ins.payee, ins.amount_cents, self.env.now
        )
        self.run.send(ins.payee, done)
        self.run.send(ins.payer, done)
