"""A custodian: holds end users' cash and Treasuries and executes their payment instructions.

Each instruction takes a lognormal processing time (median and log-sd per asset: real
custodians' times are not public) and then settles at the first moment its rail is open: cash as a
third-party Fedwire Funds transfer (21:00 the evening before to the 18:45 cutoff), Treasuries over
Fedwire Securities (08:30-15:15). An instruction that is ready while the custodian is in an outage
waits for its end; one that misses its window waits for the next.
"""

from __future__ import annotations

import math
from typing import ClassVar

import pandas as pd

from agents.base import Agent
from sim.config import CustodianConfig, OutageConfig
from sim.messages import PaymentInstruction, PaymentSettled
from sim.run import Run
from sim.settlement.ledger import CASH, SECURITIES
from sim.settlement.rails import FEDWIRE_FUNDS_THIRD_PARTY, FEDWIRE_SECURITIES

RAIL_OF = {CASH: FEDWIRE_FUNDS_THIRD_PARTY, SECURITIES: FEDWIRE_SECURITIES}


class Custodian(Agent):
    handlers: ClassVar[dict[type, str]] = {PaymentInstruction: "on_instruction"}

    def __init__(
        self, run: Run, custodian_id: str, cfg: CustodianConfig, outages: list[OutageConfig]
    ) -> None:
        super().__init__(run, custodian_id)
        self.rng = run.streams.get(f"custodian.latency.{custodian_id}")
        self.latency = {
            CASH: (cfg.cash_median_minutes, cfg.cash_sigma),
            "UST": (cfg.securities_median_minutes, cfg.securities_sigma),
        }
        start = pd.Timestamp(run.calendar.start)
        self.outages = sorted(
            ((pd.Timestamp(o.start) - start).total_seconds() / 60.0, o.duration_minutes)
            for o in outages
            if o.custodian == custodian_id
        )
        self.outages = [(t0, t0 + d) for t0, d in self.outages]

    def ready_time(self, t: float, rail: str) -> float:
        """First minute >= t that is outside every outage and inside the rail's window."""
        window = self.run.rails[rail]
        while True:
            t = window.next_open(self.run.calendar, t)
            blocked = next((end for start, end in self.outages if start <= t < end), None)
            if blocked is None:
                return t
            t = blocked

    def on_instruction(self, ins: PaymentInstruction) -> None:
        median, sigma = self.latency[ins.asset]
        processed = self.env.now + median * math.exp(sigma * float(self.rng.standard_normal()))
        at = self.ready_time(processed, RAIL_OF[ins.asset])
        self.env.process(self.execute(ins, at))

    def execute(self, ins: PaymentInstruction, at: float):
        yield self.env.timeout(at - self.env.now)
        self.transfer(
            ins.src_account,
            ins.dst_account,
            ins.amount_cents,
            "customer_call",
            ins.call_id,
            asset=ins.asset,
            rail=RAIL_OF[ins.asset],
            value=ins.value_cents,
            instructed=ins.instructed_min,
            parties=(ins.payer, ins.payee),
        )
        done = PaymentSettled(
            ins.payment_id,
            ins.call_id,
            ins.payer,
            ins.payee,
            ins.asset,
            ins.amount_cents,
            ins.value_cents,
            self.env.now,
        )
        self.run.send(ins.payee, done)
        self.run.send(ins.payer, done)
