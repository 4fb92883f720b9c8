"""A clearing firm (FCM, BD or BD-FCM): turns CCP statements into customer calls, pays the CCP.

The firm owns the book of its customers' equity (``agents.customer_equity``) and its treasury
(``agents.firm_treasury``: own cash, segregated account, payments). On a CCP statement it adds
each customer's variation margin and, against the house requirement (CCP IM x the multiplier of
the customer's type), calls the customer for a shortfall of at least the minimum transfer
amount, or returns cash excess. Each customer call passes the operations desk (``desk_staff``
people, ``handling_minutes`` each), so desk queues delay calls. A customer call not paid by its
final deadline defaults and the firm liquidates the customer's positions it clears. House
accounts are paid from the firm's own cash. A firm a CCP declares in default stops clearing
there (``agents.firm_default``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

import simpy

from agents.base import Agent
from agents.closeout import close_out, leg_book
from agents.customer_equity import CustomerEquity, Key
from agents.firm_default import cease_clearing, drop_unissued
from agents.firm_deficits import OpenDeficits
from agents.firm_limits import CreditLimits
from agents.firm_treasury import FirmTreasury
from agents.segregation import POOLS
from agents.xm_cycle import CycleCalls, grown
from sim.calendar import parse_clock
from sim.config import FirmsConfig, OperationsConfig
from sim.market.instruments import CATALOG
from sim.messages import (
    CollateralReleased,
    CycleStatement,
    Deleveraged,
    MarginCall,
    MemberDeclared,
    PaymentSettled,
    PositionChange,
)
from sim.records import DeskRecord
from sim.run import Run
from sim.settlement.collateral import Shortfall
from sim.settlement.ledger import to_cents

LEG_OF_CCP = {"cme": "futures", "ficc": "cash"}


class ClearingFirm(Agent):
    """``customer_accounts``: the (CCP, account) customer accounts the firm clears."""

    handlers: ClassVar[dict[type, str]] = {
        CycleStatement: "on_statement",
        PaymentSettled: "on_payment",
        PositionChange: "on_position",
        Deleveraged: "on_deleveraged",
        CollateralReleased: "on_released",
        MemberDeclared: "on_declared",
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
        customer_accounts: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(run, firm_id)
        self.kind, self.offers_xm, self.cfg, self.ops = kind, offers_xm, cfg, ops
        self.customer_accounts = tuple(sorted(customer_accounts))
        self.customers = CustomerEquity(run, cfg, user_types)
        lead = ops.firm_pay_lead_minutes
        self.treasury = FirmTreasury(run, self, self.customers, cfg, lead, haircut)
        self.issued: dict[str, MarginCall] = {}
        self.received: dict[str, int] = {}
        self.cycles = CycleCalls(run, cfg.xm_one_call_per_cycle, self.received)
        self.mta = max(to_cents(cfg.min_transfer_usd), 1)
        self.desk = simpy.Resource(self.env, capacity=cfg.desk_staff)
        self.books: dict[str, dict[str, float]] = {}  # customer: its legs cleared here
        self.closing: set[str] = set()  # customers whose close-out is running
        self.defaulted: set[str] = set()  # customers closed out (liquidation.closeout)
        self.declared_at: set[str] = set()  # CCPs that declared the firm in default
        self.limits = self.credit_limits(cfg.customer_credit_limit_multiple)
        self.deficits = OpenDeficits(self)  # its customers' deficits per pool

    def credit_limits(self, multiple: float | None) -> CreditLimits | None:
        """Per-customer credit limits (``per_customer`` segregation only), checked at every
        change of a customer's pre-funding."""
        pools = self.treasury.pools
        if multiple is None or pools is None:
            return None
        pools.on_advance = self.check_limit
        return CreditLimits(self.run, self.agent_id, multiple)

    @property
    def ledger_accounts(self) -> tuple[str, ...]:
        """The firm's own cash account and its customers' segregated account (and, per
        customer, its residual interest in each pool)."""
        pools = self.treasury.pools
        extra = () if pools is None else tuple(pools.residual(p) for p in POOLS)
        return (self.treasury.cash, self.treasury.seg, *extra)

    def open_customers(self, posted: Iterable[tuple[str, str, str, int]]) -> None:
        """Open the run: each (customer, CCP, account, CCP IM in cents) has posted the house
        requirement in cash, and what it posted above the CCP's IM sits in the segregated
        account."""
        rows = [(*row, self.customers.open(*row)) for row in posted]
        self.treasury.open_segregated(rows)

    def know_positions(self, user: str, positions: dict[str, float]) -> None:
        """The customer's positions (symbol: face USD or contracts) on the legs it clears here."""
        self.books[user] = dict(positions)

    def adopt_customer(self, user: str, ccp: str, account: str, cash: int, face: int) -> None:
        """A customer ported here (``agents.porting``) with ``cash`` and ``face`` of Treasuries
        at ``ccp`` (cents): that collateral is its equity here from now on."""
        key = self.customers.key(user, ccp, account)
        self.customers.cash[key] += cash
        self.customers.securities[key] += face
        self.treasury.know(user, ccp, account)
        if self.treasury.pools is not None:
            self.treasury.pools.last_im[(user, ccp)] = cash + face

    def call_key(self, call: MarginCall) -> Key:
        """The equity key of the customer ``call`` is on."""
        return self.customers.key(call.payer, call.ccp, call.account)

    def start(self) -> None:
        """Offer collateral substitutions daily, if the firms do; per customer, check residual
        interest daily under ``cftc_1_22c``."""
        clock = self.cfg.substitution_clock
        if clock:
            self.env.process(self.treasury.substitutions(clock, self.customer_accounts))
        pools = self.treasury.pools
        if pools is not None:
            pools.deficits, self.deficits.on_change = self.deficits.deficits, pools.set_deficit
            if self.cfg.residual_interest_deadline == "cftc_1_22c":
                self.env.process(pools.daily_check())

    def rebalance(self, call_id: str) -> None:
        """Call ``call_id`` changed: count its customer's deficit anew and rebalance residual
        interest (``agents.segregation``)."""
        if self.treasury.pools is not None:
            self.deficits.track(call_id)
            self.treasury.rebalance(call_id)

    def on_statement(self, st: CycleStatement) -> None:
        if st.call is not None:
            self.env.process(self.treasury.pay_ccp(st.call))
        if st.account.startswith("house"):
            return
        rows = list(zip(st.customers, st.im_cents, st.vm_cents, strict=True))
        self.treasury.attribute(st.ccp, st.account, rows, st.call, st.payout_cents, st.deficits)
        for user, im, vm in rows:
            self.treasury.know(user, st.ccp, st.account)
            if user not in self.defaulted:  # closed out: the firm calls it no more
                self.settle_customer(st, user, im, vm)

    def settle_customer(self, st: CycleStatement, user: str, im: int, vm: int) -> None:
        """Book ``user``'s VM of ``st`` and, against its requirement with IM ``im``, call it
        (``call_or_fold``) or return its excess."""
        key = self.customers.key(user, st.ccp, st.account)
        position = self.customers.position(key, st.ccp, vm, im)
        self.customers.book_vm(key, vm)
        if position.amount >= self.mta:
            self.call_or_fold(user, key, st, position)
        elif (
            position.excess >= self.mta
            and not self.customers.has_calls(key)
            and user not in self.closing
        ):
            self.treasury.return_excess(user, key, position.excess, st.cycle_id)

    def call_or_fold(self, user: str, key: Key, st: CycleStatement, position: Shortfall) -> None:
        """Call ``user`` for ``position``, or (``firms.xm_one_call_per_cycle``, a joint key)
        add it to the call of the cycle, or absorb it (``agents.xm_cycle``)."""
        how, call_id = self.cycles.fold(key, st, position)
        if how != "absorbed":
            self.customers.call(key, position.amount)
        if how == "call":
            self.env.process(self.call_customer(user, st, position))
            return
        if how == "added" and call_id:
            amended = grown(self.issued[call_id], position)
            self.issued[call_id] = amended
            self.run.calls.amend(amended)
            self.rebalance(call_id)
        ref = call_id or st.cycle_id
        self.run.log(f"customer_call_{how}", self.agent_id, ref, counterparty=user,
                     amount_cents=position.amount)  # fmt: skip

    def on_released(self, msg: CollateralReleased) -> None:
        """A CCP released collateral of a customer account: per customer, to the customers it
        was released for."""
        if self.treasury.pools is not None:
            pools = self.treasury.pools
            pools.released(msg.ccp, msg.account, msg.cash_cents, msg.face_cents, msg.parts)

    def on_declared(self, msg: MemberDeclared) -> None:
        cease_clearing(self, msg.ccp)

    def call_customer(self, user: str, st: CycleStatement, position: Shortfall):
        """The desk takes the call; it goes to the customer, and defaults if unpaid by its
        final deadline (unless cancelled meanwhile, ``agents.firm_default``)."""
        yield from self.desk_turn()
        if st.ccp in self.declared_at:
            drop_unissued(self, self.customers.key(user, st.ccp, st.account), st, position)
            return
        call = self.customer_call(user, st, position)
        more = self.cycles.issued(self.customers.key(user, st.ccp, st.account), st, call.call_id)
        if more.amount:
            call = grown(call, more)
        paid = self.run.calls.issue(call)
        self.issued[call.call_id] = call
        self.rebalance(call.call_id)
        self.run.send(user, call)
        yield from self.await_customer(call, paid)

    def await_customer(self, call: MarginCall, paid):
        """Wait for ``call`` until its final deadline, or, once the customer is beyond its
        credit limit (``agents.firm_limits``), only until its due time; unpaid, it defaults
        (unless cancelled meanwhile, ``agents.firm_default``)."""
        final = self.env.timeout(call.final_min - self.env.now)
        if self.limits is None:
            yield paid | final
        else:
            yield paid | final | self.limits.breach(call.payer)
            if not paid.triggered and self.env.now < call.final_min:
                yield paid | self.env.timeout(max(call.due_min - self.env.now, 0.0))
                if not paid.triggered and self.run.calls.is_open(call.call_id):
                    self.run.log("customer_limit_closeout", self.agent_id, call.call_id,
                                 counterparty=call.payer)  # fmt: skip
        if not paid.triggered and self.run.calls.is_open(call.call_id):
            self.default_customer(call)

    def check_limit(self, user: str) -> None:
        """The firm's advance for ``user`` changed: check it against its credit limit (its
        pre-funding outstanding in both pools against its house requirement at the firm)."""
        pools, customers = self.treasury.pools, self.customers
        advanced = sum(pools.owed[(pool, user)] for pool in POOLS)
        required = sum(sum(customers.required[k].values()) for k in customers.keys_of(user))
        self.limits.update(user, advanced, required)

    def desk_turn(self):
        """Wait for a free desk person, who handles the call in ``handling_minutes``."""
        with self.desk.request() as turn:
            self.run.recorder.add(
                DeskRecord(self.env.now, self.agent_id, len(self.desk.queue), self.desk.count)
            )
            yield turn
            yield self.env.timeout(self.cfg.handling_minutes)

    def customer_call(self, user: str, st: CycleStatement, position: Shortfall) -> MarginCall:
        """The call on ``user`` for ``position``: due at the customer due clock after the minimum
        notice, final ``grace_business_days`` later."""
        now, cal, ops = self.env.now, self.run.calendar, self.ops
        clock = parse_clock(ops.customer_due_clock)
        due = cal.next_clock(now + ops.customer_min_notice_minutes, clock)
        final = cal.next_clock(due, clock, ops.grace_business_days)
        parent = st.call.call_id if st.call is not None else ""
        return MarginCall(
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
            position.requirement,
        )

    def on_payment(self, msg: PaymentSettled) -> None:
        """A customer's payment arrived: it adds to the customer's equity (cash first reimburses
        pre-funding) and, once the call's amount is covered, settles the call (unless it already
        defaulted: then it is a deposit)."""
        call = self.issued[msg.call_id]
        self.customers.credit(self.call_key(call), msg.asset, msg.amount_cents)
        self.treasury.receive(self.call_key(call), msg.asset, msg.amount_cents, msg.call_id)
        self.received[msg.call_id] = self.received.get(msg.call_id, 0) + msg.value_cents
        if self.received[msg.call_id] >= call.amount_cents:
            self.close_paid(call, msg.settled_min)
        self.rebalance(msg.call_id)

    def close_paid(self, call: MarginCall, settled_min: float) -> None:
        """``call`` is covered: it settles (or, already defaulted, the money is a deposit)."""
        del self.issued[call.call_id], self.received[call.call_id]
        if self.run.calls.is_open(call.call_id):
            self.customers.call_ended(self.call_key(call), call.amount_cents)
            self.run.calls.settle(call.call_id, settled_min)
        else:
            self.run.log(
                "payment_after_default", self.agent_id, call.call_id, counterparty=call.payer
            )

    def on_deleveraged(self, msg: Deleveraged) -> None:
        """The customer sold ``fraction`` of both legs: IM is positively homogeneous in the
        positions, so the call's IM part falls by ``fraction`` x the requirement it was computed
        on (rounded up, at most the IM part); the call is amended, settled if already covered."""
        call = self.issued[msg.call_id]
        cut = min(call.im_cents, math.ceil(msg.fraction * call.required_cents))
        amended = replace(call, im_cents=call.im_cents - cut)
        self.issued[msg.call_id] = amended
        self.customers.call_ended(self.call_key(call), cut)
        self.run.calls.amend(amended)
        self.run.log("call_recomputed", self.agent_id, msg.call_id, amount_cents=cut)
        if self.received.setdefault(msg.call_id, 0) >= amended.amount_cents:
            self.close_paid(amended, self.env.now)
        self.rebalance(msg.call_id)

    def default_customer(self, call: MarginCall) -> None:
        """The customer missed its final deadline: the call defaults and the firm liquidates
        the customer's positions at the CCP of the call (both legs of an XM account)."""
        call = self.issued.get(call.call_id, call)  # as amended
        self.run.calls.default(call.call_id, self.env.now)
        self.deficits.track(call.call_id)  # before anything the default sets off
        self.customers.call_ended(self.call_key(call), call.amount_cents)
        self.run.log("customer_default", self.agent_id, call.call_id, counterparty=call.payer)
        legs = ("futures", "cash") if call.account.endswith("xm") else (LEG_OF_CCP[call.ccp],)
        if self.run.config.liquidation.closeout == "liquidate":
            legs = self.close_out_customer(call, legs)
        for leg in legs:
            self.on_position(PositionChange(call.payer, leg, 0.0, "liquidation"))
        self.rebalance(call.call_id)

    def close_out_customer(self, call: MarginCall, legs: tuple[str, ...]) -> tuple[str, ...]:
        """Close out every leg the firm clears for the defaulted customer (at least ``legs``):
        sold on the path (``agents.closeout``); the firm calls it no more (its unpaid debt is
        written off, ``customer_writeoff``). Returns the legs closed."""
        user = call.payer
        book = self.books.get(user, {})
        held = {CATALOG[s].side for s, q in book.items() if q}
        legs = legs + tuple(sorted(held - set(legs)))
        self.defaulted.add(user)
        for key in self.customers.keys_of(user):
            debt = -min(self.customers.cash[key], 0)
            if debt:
                self.customers.cash[key] = 0
                self.run.log("customer_writeoff", self.agent_id, user, amount_cents=debt)
        sold = leg_book(book, legs)
        if sold:
            self.closing.add(user)
            self.env.process(close_out(self, user, sold, call.call_id))
        return legs

    def on_position(self, msg: PositionChange) -> None:
        """Forward a position change of a customer's leg to both CCPs and record it."""
        self.run.log(msg.reason, self.agent_id, msg.user, leg=msg.leg, scale=msg.scale)
        book = self.books.get(msg.user)
        if book is not None:
            for s in leg_book(book, (msg.leg,)):
                book[s] *= msg.scale
        for ccp in ("cme", "ficc"):
            self.run.send(ccp, msg)
