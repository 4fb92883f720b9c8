"""Re-use of the margin cross-margining frees, by a target-leverage rule over time.

An XM end user of a type with ``leverage_appetite`` a > 0 targets the book whose margin re-uses
a share a of what XM freed at the opening: scale ``s* = 1 + a x freed / XM IM`` (both legs;
freed = standalone IM - XM IM, dollars). A type with ``reuse_speed`` 1 jumps there before the run
(the rule before issue 11); with ``reuse_speed`` k < 1 the user closes a share k of the remaining
gap each business day at ``REVIEW`` (16:00 ET, after the futures settlement), ``s_t = s_{t-1} +
k (s* - s_{t-1})``, buying both legs through its firms. It pauses while its free liquidity is
below ``liquidation.buffer_target`` x its current requirements (a fund does not re-lever while
it is short), and stops for good once it has deleveraged. The purchases are new basis trades:
their flow moves the basis the other way from forced sales (``sim.market.feedback``), the
compression the issue's freed arbitrage capital brings.
"""

from __future__ import annotations

from agents.base import Agent
from agents.deleveraging import pricing_day, sale_flow
from sim.calendar import parse_clock
from sim.run import Run

REVIEW = parse_clock("16:00")


class ReuseDesk(Agent):
    """The daily re-levering of the users in ``targets`` (agent id: target scale)."""

    def __init__(self, run: Run, targets: dict[str, float]) -> None:
        super().__init__(run, "reuse")
        self.targets = targets
        self.scales = dict.fromkeys(targets, 1.0)

    def start(self) -> None:
        if self.targets:
            self.env.process(self.daily())

    def daily(self):
        for day in range(self.run.calendar.n_days):
            yield self.env.timeout(self.run.calendar.at(day, REVIEW) - self.env.now)
            for user_id in sorted(self.targets):
                self.relever(self.run.agents[user_id])

    def relever(self, user) -> None:
        """Move ``user`` a ``reuse_speed`` step towards its target scale (module docstring)."""
        if user.deleveraged:
            return
        required = sum(user.requirements.values())
        buffer = self.run.config.liquidation.buffer_target * required
        if required and user.liquidity_cents() < buffer:
            return
        now, target = self.scales[user.agent_id], self.targets[user.agent_id]
        step = now + user.kind.reuse_speed * (target - now)
        factor = step / now
        if factor <= 1.0 + 1e-12:
            return
        self.scales[user.agent_id] = step
        user.tell_firms(factor, "scale_up")
        if self.run.config.market.impact.model == "depth":
            bought = -sale_flow(user.positions, factor - 1.0)
            self.run.feedback.trade(pricing_day(self.run), bought)
        user.scale_book(factor)
        self.run.log("scale_up", user.agent_id, scale=factor)
