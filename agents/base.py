"""The thin agent base: an id, the run it lives in, and a message-type dispatch table."""

from __future__ import annotations

from typing import Any, ClassVar

from sim.model import Run


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

    def transfer(self, src: str, dst: str, cents: int, purpose: str, call_id: str = "") -> None:
        """Move money now on this agent's authority and record the payment (payer = src owner
        as seen by the agent: the agent itself for firms, the account for CCP bookings)."""
        self.run.ledger.transfer(src, dst, cents)
        now = self.env.now
        payer = self.agent_id if call_id else src
        row = (
            self.run.next_id("P"),
            call_id,
            purpose,
            payer,
            dst,
            src,
            dst,
            cents,
            now,
            now,
            self.agent_id,
        )
        self.run.recorder.add("payments", row)
