"""A clearing firm (FCM, BD or BD-FCM): turns CCP statements into customer calls, pays the CCP.

Per customer and CCP the firm keeps the customer's equity (cents: collateral posted plus
variation margin) and the amount already called. On a CCP statement it adds the customer's
variation margin to the equity and calls the customer, net, when the equity plus what is already
called falls below the house requirement (CCP IM x ``house_multiplier``) by at least the minimum
transfer amount. It pays each CCP call shortly before the deadline from the segregated account,
pre-funding from its own cash (down to its credit line) when customers have not paid yet, and
reimburses itself when their money arrives. A customer call not paid by its final deadline
defaults.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

from agents.base import Agent
from sim.calendar import parse_clock
from sim.config import FirmsConfig, OperationsConfig
from sim.ledger import to_cents
from sim.messages import CycleStatement, MarginCall, PaymentSettled
from sim.model import Run


class ClearingFirm(Agent):
    handlers: ClassVar[dict[type, str]] = {
        CycleStatement: "on_statement",
        PaymentSettled: "on_payment",
    }

    def __init__(
        self,
        run: Run,
        firm_id: str,
        kind: str,
        offers_xm: bool,
        cfg: FirmsConfig,
        ops: OperationsConfig,
    ) -> None:
        super().__init__(run, firm_id)
        self.kind, self.offers_xm, self.cfg, self.ops = kind, offers_xm, cfg, ops
        self.cash, self.seg = f"firm:{firm_id}:cash", f"firm:{firm_id}:seg"
        self.equity: dict[tuple[str, str], int] = defaultdict(int)
        self.called: dict[tuple[str, str], int] = defaultdict(int)
        self.issued: dict[str, MarginCall] = {}
        self.prefund_outstanding = 0
        self.mta = to_cents(cfg.min_transfer_usd)
        run.ledger.open(self.cash, to_cents(cfg.own_liquidity_usd), to_cents(cfg.credit_line_usd))

    def open_segregated(self, balance_cents: int) -> None:
        self.run.ledger.open(self.seg, balance_cents)

    def on_statement(self, st: CycleStatement) -> None:
        for user, im, vm in zip(st.customers, st.im_cents, st.vm_cents, strict=True):
            key = (user, st.ccp)
            self.equity[key] += vm
            required = round(im * self.cfg.house_multiplier)
            deficit = required - self.equity[key] - self.called[key]
            if deficit >= max(self.mta, 1):
                self.call_customer(user, st, deficit)
            elif -deficit >= max(self.mta, 1) and not self.called[key]:
                self.return_excess(user, key, -deficit, st.cycle_id)
        if st.call is not None:
            self.env.process(self.pay_ccp(st.call))

    def return_excess(self, user: str, key: tuple[str, str], excess: int, ref: str) -> None:
        """Pay a customer's equity above the house requirement back to its cash account (as
        end users sweep excess daily), as far as the segregated account holds it."""
        amount = min(excess, self.run.ledger.balance(self.seg))
        if amount > 0:
            self.equity[key] -= amount
            self.transfer(self.seg, f"eu:{user}:cash", amount, "excess_return", ref)

    def call_customer(self, user: str, st: CycleStatement, amount: int) -> None:
        now, cal, ops = self.env.now, self.run.calendar, self.ops
        clock = parse_clock(ops.customer_due_clock)
        due = cal.next_clock(now + ops.customer_min_notice_minutes, clock)
        final = cal.next_clock(due, clock, ops.grace_business_days)
        parent = st.call.call_id if st.call is not None else ""
        call = MarginCall(
            self.run.next_id("C"),
            "customer",
            st.ccp,
            user,
            self.agent_id,
            st.account,
            amount,
            now,
            due,
            final,
            parent,
        )
        paid = self.run.calls.issue(call)
        self.issued[call.call_id] = call
        self.called[(user, st.ccp)] += amount
        self.env.process(self.await_customer(call, paid))
        self.run.send(user, call)

    def await_customer(self, call: MarginCall, paid):
        yield paid | self.env.timeout(call.final_min - self.env.now)
        if not paid.triggered:
            self.run.calls.default(call.call_id, self.env.now)
            self.called[(call.payer, call.ccp)] -= call.amount_cents
            self.run.log("customer_default", self.agent_id, call.call_id, call.payer)

    def on_payment(self, msg: PaymentSettled) -> None:
        """A customer's payment arrived: it adds to the customer's equity; it settles the call
        unless the call already defaulted (a payment after default is kept as a deposit)."""
        call = self.issued.pop(msg.call_id)
        key = (msg.payer, call.ccp)
        self.equity[key] += msg.amount_cents
        if self.run.calls.is_open(msg.call_id):
            self.called[key] -= call.amount_cents
            self.run.calls.settle(msg.call_id, msg.settled_min)
        else:
            self.run.log("payment_after_default", self.agent_id, msg.call_id, msg.payer)
        back = min(self.prefund_outstanding, msg.amount_cents, self.run.ledger.balance(self.seg))
        if back > 0:
            self.prefund_outstanding -= back
            self.transfer(self.seg, self.cash, back, "reimburse", msg.call_id)

    def pay_ccp(self, call: MarginCall):
        pay_at = max(call.due_min - self.ops.firm_pay_lead_minutes, self.env.now)
        yield self.env.timeout(pay_at - self.env.now)
        ledger = self.run.ledger
        from_seg = min(call.amount_cents, max(ledger.balance(self.seg), 0))
        prefund = call.amount_cents - from_seg
        if prefund and not ledger.can_pay(self.cash, prefund):
            self.run.log("firm_liquidity_shortfall", self.agent_id, call.call_id, str(prefund))
            return
        dst = f"ccp:{call.ccp}:{self.agent_id}:{call.account}"
        if from_seg:
            self.transfer(self.seg, dst, from_seg, "ccp_call", call.call_id)
        if prefund:
            self.transfer(self.cash, dst, prefund, "prefund", call.call_id)
            self.prefund_outstanding += prefund
            self.run.calls.add_prefund(call.call_id, prefund)
        self.run.send(
            call.ccp,
            PaymentSettled(
                self.run.next_id("P"),
                call.call_id,
                self.agent_id,
                call.ccp,
                call.amount_cents,
                self.env.now,
            ),
        )
