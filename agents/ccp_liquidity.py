"""A CCP's liquidity resources: the committed facility it draws when it must pay cash it has not
collected (``sim.config.ccp.LiquidityConfig`` for the sizes and their sources).

The facility is ledger account ``ccp:<ccp>:liquidity``, whose credit limit is the facility:
``facility_usd`` times the run's share of the market (``sample_scale``), or unlimited when the
resources are not finite (the setting before issue 13). A need beyond what is left of it is met
from ``ccp:<ccp>:liquidity_uncovered`` (unlimited: the run goes on, as if the CCP found cash
outside the model) and recorded as a ``ccp_liquidity_shortfall`` event with the uncovered cents.
Needs drawn: a variation-margin loss beyond a member account's cash (``MemberAccounts.book_vm``)
and, with finite resources, the cash VM of a member call that defaulted (the CCP still pays the
winners: ``cover_default``), less the cash of a payment that reached the CCP after the call
ended at its payer's default declaration (``paid_late``: that cash is in the account). Draws
are not repaid within the run. With finite resources the CCP also bridges the cash VM of a call
still unpaid at its due time, when it pays out the winners, until the member pays (``bridge``):
no cash moves (the model's winners are paid by the market), but a bridge beyond what is left of
the facility, other bridges counted, is a shortfall too.
"""

from __future__ import annotations

import math

from agents.base import Agent
from sim.config.ccp import LiquidityConfig
from sim.messages import MarginCall
from sim.population.public_data import sample_scale
from sim.run import Run
from sim.settlement.ledger import to_cents


def facility_cents(cfg: LiquidityConfig, scale: float) -> float:
    """The facility (cents) of a run that is ``scale`` times the real market: ``facility_usd x
    scale`` rounded to the cent, or ``math.inf`` when the resources are not finite."""
    return float(to_cents(cfg.resources_usd(scale))) if cfg.finite else math.inf


class CcpLiquidity:
    """The liquidity resources of CCP ``ccp`` (an agent: payments move on its authority)."""

    def __init__(self, run: Run, ccp: Agent, cfg: LiquidityConfig) -> None:
        self.run, self.ccp, self.finite = run, ccp, cfg.finite
        ccp_id = ccp.agent_id
        self.account = f"ccp:{ccp_id}:liquidity"
        self.uncovered = f"ccp:{ccp_id}:liquidity_uncovered"
        self.limit = facility_cents(cfg, sample_scale(run.config.population))
        self.bridging = 0  # cents of late calls' cash VM bridged now
        self.late_cash: dict[str, int] = {}  # call ended at the declaration: cash paid after
        run.ledger.open(self.account, 0, self.limit)
        if self.finite:
            run.ledger.open(self.uncovered, 0, math.inf)

    def left(self) -> float:
        """What is left of the facility (cents; ``math.inf`` when unlimited)."""
        return self.run.ledger.available(self.account)

    def draw(self, dst: str, cents: int, purpose: str, ref: str) -> int:
        """Pay ``cents`` to ``dst`` from the facility, as far as it goes; the rest from the
        uncovered account, logged as a shortfall about ``ref``. Returns the uncovered cents."""
        covered = int(min(cents, max(self.left(), 0)))
        if covered:
            self.ccp.transfer(self.account, dst, covered, purpose)
        short = cents - covered
        if short:
            self.ccp.transfer(self.uncovered, dst, short, purpose)
            self.run.log(
                "ccp_liquidity_shortfall", self.ccp.agent_id, ref, amount_cents=short, mode=purpose
            )
        return short

    def paid_late(self, call_id: str, cash: int) -> None:
        """``cash`` cents of a payment of ``call_id`` reached the CCP after the call ended at its
        payer's default declaration (it stays in the member account)."""
        self.late_cash[call_id] = self.late_cash.get(call_id, 0) + cash

    def cover_default(self, call: MarginCall) -> None:
        """With finite resources, pay out the cash VM of defaulted ``call`` to the market from
        the facility (the defaulter's loss is the winners' gain the CCP still owes), only the
        part still unpaid: cash that reached the CCP after the declaration (``paid_late``) pays
        the VM first; unlimited, nothing moves, as before issue 13."""
        paid = min(self.late_cash.pop(call.call_id, 0), max(call.cash_cents, 0))
        unpaid = call.cash_cents - paid
        if self.finite and unpaid > 0:
            self.draw("external", unpaid, "default_vm", call.call_id)
            self.run.log(
                "ccp_default_funding", self.ccp.agent_id, call.call_id,
                counterparty=call.payer, amount_cents=unpaid,
            )  # fmt: skip

    def bridge(self, call: MarginCall, paid, pay_at: float):
        """A SimPy process for a member ``call`` (``paid``: its payment event): if it is unpaid
        when the CCP pays the cycle's winners (``pay_at``, minutes, not before the due time),
        bridge its cash VM until it is paid or defaults; a bridge beyond what is left of the
        facility, after the bridges already open, is logged as a shortfall."""
        yield self.run.env.timeout(max(call.due_min, pay_at, self.run.env.now) - self.run.env.now)
        if paid.triggered or call.cash_cents <= 0:
            return
        self.bridging += call.cash_cents
        short = int(min(call.cash_cents, self.bridging - max(self.left(), 0)))
        if short > 0:
            self.run.log(
                "ccp_liquidity_shortfall", self.ccp.agent_id, call.call_id,
                amount_cents=short, mode="late_vm",
            )  # fmt: skip
        yield paid | self.run.env.timeout(max(call.final_min - self.run.env.now, 0.0))
        self.bridging -= call.cash_cents
