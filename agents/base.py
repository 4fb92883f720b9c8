"""The thin agent base: an id, the run it lives in, a message-type dispatch table, and money
movements that respect the payment rails' windows."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from sim.errors import LedgerError
from sim.records import PaymentRecord
from sim.run import Run
from sim.settlement.ledger import CASH
from sim.settlement.rails import BOOK, settles_in_window


class Payment(NamedTuple):
    """One movement an agent executes: ``cents`` of ``asset`` from ``src`` to ``dst`` over
    ``rail`` for ``purpose`` (and the call ``call_id`` it pays, if any), credited at ``value``
    cents (default ``cents``), instructed at minute ``instructed`` (default: when it settles),
    between ``parties`` (payer, payee; default: the executing agent and ``dst``), for the
    obligation of customer ``beneficiary`` (required out of a customer's segregated sub-account:
    ``sim.settlement.ledger``)."""

    src: str
    dst: str
    cents: int
    purpose: str
    call_id: str = ""
    asset: str = CASH
    rail: str = BOOK
    value: int | None = None
    instructed: float | None = None
    parties: tuple[str, str] | None = None
    beneficiary: str | None = None

    def record(self, payment_id: str, settled: float, via: str) -> PaymentRecord:
        """The payment as settled at minute ``settled`` by agent ``via``."""
        payer, payee = self.parties or (via, self.dst)
        value = self.cents if self.value is None else self.value
        instructed = settled if self.instructed is None else self.instructed
        return PaymentRecord(  # in field order: a payment is made once per transfer (hot path)
            payment_id, self.call_id, self.purpose, payer, payee, self.src, self.dst, self.asset,
            self.cents, value, instructed, settled, via, self.rail,
        )  # fmt: skip


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
        """Move ``cents`` of ``asset`` now on this agent's authority (``Payment`` says what the
        arguments mean)."""
        args = (value, instructed, parties, beneficiary)
        self.settle_payment(Payment(src, dst, cents, purpose, call_id, asset, rail, *args))

    def settle_payment(self, payment: Payment) -> None:
        """Settle ``payment`` now and record it; a rail outside its window is a bug, not a
        delay."""
        now = self.env.now
        if not settles_in_window(self.run.calendar, self.run.rails, payment.rail, now):
            raise LedgerError(f"{self.agent_id}: {payment.rail} is closed at minute {now}")
        self.run.ledger.transfer(
            payment.src, payment.dst, payment.cents, payment.asset, payment.beneficiary
        )
        self.run.recorder.add(payment.record(self.run.next_id("P"), now, self.agent_id))
