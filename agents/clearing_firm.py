"""A clearing firm (FCM, BD or BD-FCM): turns CCP statements into customer calls, pays the CCP.

Per customer and CCP the firm keeps the customer's equity: cash (collateral plus variation
margin, may fall below zero) and Treasuries (face). On a CCP statement it adds the customer's
variation margin and, against the house requirement (CCP IM x the multiplier of the customer's
type), calls the customer for a shortfall of at least the minimum transfer amount, or returns
cash excess. Each customer call passes the operations desk (``desk_staff`` people,
``handling_minutes`` each), so desk queues delay calls. A customer call not paid by its final
deadline defaults and the firm liquidates the customer's positions it clears. House accounts
are paid from the firm's own cash.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

import simpy

from agents.base import Agent
from agents.firm_payments import FirmPayments
from sim.calendar import parse_clock
from sim.config import FirmsConfig, OperationsConfig
from sim.messages import CycleStatement, MarginCall, PaymentSettled, PositionChange
from sim.records import DeskRecord
from sim.run import Run
from sim.settlement.collateral import Shortfall, shortfall, value_cents
from sim.settlement.ledger import to_cents

LEG_OF_CCP = {"cme": "futures", "ficc": "cash"}


class ClearingFirm(FirmPayments, Agent):
    handlers: ClassVar[dict[type, str]] = {
        CycleStatement: "on_statement",
        PaymentSettled: "on_payment",
        PositionChange: "on_position",
    }

    def __init__(
        self,
        run: Run,
        firm_id: str,
        kind: str,
        offers_xm: bool,
        cfg: FirmsConfig,
        ops: OperationsConfig,
        user_types: dict[str, str],
        haircut: dict[str, float],
    ) -> None:
        super().__init__(run, firm_id)
        self.kind, self.offers_xm, self.cfg, self.ops = kind, offers_xm, cfg, ops
        self.user_types, self.haircut = user_types, haircut
        self.cash, self.seg = f"firm:{firm_id}:cash", f"firm:{firm_id}:seg"
        self.equity: dict[tuple[str, str], int] = defaultdict(int)
        self.equity_sec: dict[tuple[str, str], int] = defaultdict(int)
        self.called: dict[tuple[str, str], int] = defaultdict(int)
        self.issued: dict[str, MarginCall] = {}
        self.received: dict[str, int] = {}
        self.prefund_outstanding = 0
        self.mta = max(to_cents(cfg.min_transfer_usd), 1)
        self.desk = simpy.Resource(self.env, capacity=cfg.desk_staff)
        run.ledger.open(self.cash, to_cents(cfg.own_liquidity_usd), to_cents(cfg.credit_line_usd))

    def open_segregated(self, cash_cents: int, securities_cents: int) -> None:
        self.run.ledger.open(self.seg, cash_cents, 0, securities_cents)

    def multiplier(self, user: str) -> float:
        kind = self.user_types[user]
        return self.cfg.house_multiplier_by_type.get(kind, self.cfg.house_multiplier)

    def customer_position(self, key: tuple[str, str], vm: int, im: int) -> Shortfall:
        price, haircut = self.run.collateral_price(), self.cfg.collateral_haircut
        securities = value_cents(self.equity_sec[key], price, haircut)
        required = round(im * self.multiplier(key[0]))
        return shortfall(self.equity[key] + self.called[key], securities, vm, required)

    def on_statement(self, st: CycleStatement) -> None:
        if st.call is not None:
            self.env.process(self.pay_ccp(st.call))
        if st.account.startswith("house"):
            return
        for user, im, vm in zip(st.customers, st.im_cents, st.vm_cents, strict=True):
            key = (user, st.ccp)
            position = self.customer_position(key, vm, im)
            self.equity[key] += vm
            if position.amount >= self.mta:
                self.called[key] += position.amount
                self.env.process(self.call_customer(user, st, position))
            elif position.excess >= self.mta and not self.called[key]:
                self.return_excess(user, key, position.excess, st.cycle_id)

    def call_customer(self, user: str, st: CycleStatement, position: Shortfall):
        with self.desk.request() as turn:
            self.run.recorder.add(
                DeskRecord(self.env.now, self.agent_id, len(self.desk.queue), self.desk.count)
            )
            yield turn
            yield self.env.timeout(self.cfg.handling_minutes)
        now, cal, ops = self.env.now, self.run.calendar, self.ops
        clock = parse_clock(ops.customer_due_clock)
        due = cal.next_clock(now + ops.customer_min_notice_minutes, clock)
        final = cal.next_clock(due, clock, ops.grace_business_days)
        parent = st.call.call_id if st.call is not None else ""
        call = MarginCall(
            self.run.next_id("C"),
            "customer",
            st.ccp,
            st.cycle,
            user,
            self.agent_id,
            st.account,
            position.cash_due,
            position.im_due,
            now,
            due,
            final,
            parent,
        )
        paid = self.run.calls.issue(call)
        self.issued[call.call_id] = call
        self.run.send(user, call)
        yield paid | self.env.timeout(final - self.env.now)
        if not paid.triggered:
            self.default_customer(call)

    def default_customer(self, call: MarginCall) -> None:
        """The customer missed its final deadline: the call defaults and the firm liquidates
        the customer's positions at the CCP of the call (both legs of an XM account)."""
        self.run.calls.default(call.call_id, self.env.now)
        self.called[(call.payer, call.ccp)] -= call.amount_cents
        self.run.log("customer_default", self.agent_id, call.call_id, counterparty=call.payer)
        legs = ("futures", "cash") if call.account.endswith("xm") else (LEG_OF_CCP[call.ccp],)
        for leg in legs:
            self.on_position(PositionChange(call.payer, leg, 0.0, "liquidation"))

    def on_position(self, msg: PositionChange) -> None:
        """Forward a position change of a customer's leg to both CCPs and record it."""
        self.run.log(msg.reason, self.agent_id, msg.user, leg=msg.leg, scale=msg.scale)
        for ccp in ("cme", "ficc"):
            self.run.send(ccp, msg)
