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
