"""The thin agent base: an id, the run it lives in, a message-type dispatch table, and money
movements that respect the payment rails' windows."""

from __future__ import annotations

from typing import Any, ClassVar

from sim.errors import LedgerError
from sim.records import PaymentRecord
from sim.run import Run
from sim.settlement.ledger import CASH
from sim.settlement.rails import BOOK


class Agent:
    """Subclasses map message types to handler method names in ``handlers``."""

    handlers: ClassVar[dict[type, str]] = {}

    def __init__(self, run: Run, agent_id: str) -> None:
        self.run = run
        self.env = run.env
        self.agent_id = agent_id
        run.register(self)

    def receive(self, message: Any) -> None:
        try:
            name = self.handlers[type(message)]
        except KeyError:
            raise TypeError(
                f"{type(self).__name__} {self.agent_id} cannot handle {type(message).__name__}"
            ) from None
        getattr(self, name)(message)

    def until_open(self, rail: str):
        """Wait (a SimPy generator) until ``rail`` accepts payments."""
        if rail != BOOK:
            at = self.run.rails[rail].next_open(self.run.calendar, self.env.now)
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)

    def transfer(
        self,
        src: str,
        dst: str,
        cents: int,
        purpose: str,
        call_id: str = "",
        *,
        asset: str = CASH,
        rail: str = BOOK,
        value: int | None = None,
        instructed: float | None = None,
        parties: tuple[str, str] | None = None,
        beneficiary: str | None = None,
    ) -> None:
        """Move and record ``cents`` of ``asset`` from ``src`` to ``dst`` now over ``rail`` for
        ``purpose`` (paying call ``call_id``), credited at ``value`` (default ``cents``),
        instructed at ``instructed`` (default now), between ``parties`` (default this agent and
        ``dst``), for customer ``beneficiary``'s obligation (``sim.settlement.ledger``). A rail
        outside its window is a bug, not a delay. Hot path: no intermediate objects."""
        run, now = self.run, self.env.now
        if rail != BOOK and not run.rails[rail].contains(run.calendar, now):
            raise LedgerError(f"{self.agent_id}: {rail} is closed at minute {now}")
        run.ledger.transfer(src, dst, cents, asset, beneficiary)
        payer, payee = parties or (self.agent_id, dst)
        value = cents if value is None else value
        instructed = now if instructed is None else instructed
        record = (call_id, purpose, payer, payee, src, dst, asset, cents, value, instructed, now)
        run.recorder.add(PaymentRecord(run.next_id("P"), *record, self.agent_id, rail))
