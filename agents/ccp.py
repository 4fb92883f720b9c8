"""A CCP (``cme`` or ``ficc``): margin cycles, XM factor exchange, calls and settlement.

Per business day at ``run_clock`` the CCP computes, for every customer account at once, the
standalone initial margin of its own leg and the day's variation margin; for XM accounts it also
computes its reduction factor and sends it to the other CCP. At ``call_clock`` it applies the XM
rule (falling back to standalone for an account whose partner factor has not arrived) and settles
one net amount per clearing-firm account: a call when the account is short, a payout otherwise.
Collateral at the CCP is cash in ledger account ``ccp:<ccp>:<firm>:<account>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.base import Agent
from sim.config import CcpConfig, XmConfig
from sim.margin import XmLegs, xm_reduction
from sim.messages import CycleStatement, MarginCall, PaymentSettled, ReductionFactors
from sim.model import Run


@dataclass(frozen=True)
class CcpBook:
    """The CCP's customer accounts as arrays (one row per end user with a leg here)."""

    users: tuple[str, ...]
    user_types: tuple[str, ...]
    firms: tuple[str, ...]
    accounts: tuple[str, ...]
    futures_exp: np.ndarray
    cash_exp: np.ndarray
    xm: np.ndarray

    def groups(self) -> dict[tuple[str, str], np.ndarray]:
        keys = list(zip(self.firms, self.accounts, strict=True))
        out: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(keys):
            out.setdefault(key, []).append(i)
        return {k: np.array(v) for k, v in sorted(out.items())}


def to_cents(dollars: np.ndarray) -> np.ndarray:
    return np.rint(dollars * 100.0).astype(np.int64)


class Ccp(Agent):
    handlers: ClassVar[dict[type, str]] = {
        ReductionFactors: "on_factors",
        PaymentSettled: "on_payment",
    }

    def __init__(
        self, run: Run, ccp_id: str, partner: str, cfg: CcpConfig, xm: XmConfig, book: CcpBook
    ) -> None:
        super().__init__(run, ccp_id)
        self.cfg, self.xm_cfg, self.book, self.partner = cfg, xm, book, partner
        self.model = cfg.var_model()
        self.own_exp = book.futures_exp if ccp_id == "cme" else book.cash_exp
        self.groups = book.groups()
        self.partner_legs: dict[int, XmLegs] = {}
        self.outstanding: dict[str, int] = {}
        self.xm_idx = np.flatnonzero(book.xm)

    def account_name(self, firm: str, account: str) -> str:
        return f"ccp:{self.agent_id}:{firm}:{account}"

    def margin(self, day: int) -> tuple[np.ndarray, XmLegs]:
        """Standalone IM (dollars) of every customer, and the IMs of the futures leg, cash leg and
        both combined of XM customers, all under this CCP's model in one stacked computation."""
        i, n, k = self.xm_idx, len(self.book.users), len(self.xm_idx)
        fut, cash = self.book.futures_exp[i], self.book.cash_exp[i]
        stacked = np.vstack([self.own_exp, fut, cash, fut + cash])
        im = self.model.requirement(stacked, self.run.market.history(day))
        return im[:n], XmLegs(im[n : n + k], im[n + k : n + 2 * k], im[n + 2 * k :])

    def start(self) -> None:
        self.env.process(self.cycles())

    def cycles(self):
        cal, cfg = self.run.calendar, self.cfg
        for day in range(cal.n_days):
            yield self.env.timeout(cal.at(day, cfg.run_clock) - self.env.now)
            standalone, legs = self.margin(day)
            vm = -(self.own_exp @ self.run.market.change(day))
            self.env.process(self.publish(day, legs))
            call_at = cal.at(day + cfg.call_next_day, cfg.call_clock)
            yield self.env.timeout(call_at - self.env.now)
            reduction = self.applied(day, legs)
            im = standalone * (1.0 - reduction)
            self.record_daily(day, im, standalone, vm, reduction)
            self.settle_accounts(day, im, vm, cal.at(day + cfg.due_next_day, cfg.due_clock))

    def publish(self, day: int, legs: XmLegs):
        if self.cfg.factor_publish_delay_minutes:
            yield self.env.timeout(self.cfg.factor_publish_delay_minutes)
        users = tuple(self.book.users[i] for i in self.xm_idx)
        self.run.send(
            self.partner,
            ReductionFactors(
                self.agent_id,
                day,
                users,
                tuple(legs.futures.tolist()),
                tuple(legs.cash.tolist()),
                tuple(legs.combined.tolist()),
            ),
        )

    def on_factors(self, msg: ReductionFactors) -> None:
        if msg.customers != tuple(self.book.users[i] for i in self.xm_idx):
            raise ValueError(f"{self.agent_id}: XM accounts differ from {msg.ccp}'s")
        legs = XmLegs(*(np.array(x) for x in (msg.futures_usd, msg.cash_usd, msg.combined_usd)))
        self.partner_legs[msg.date_index] = legs
        self.partner_legs.pop(msg.date_index - 5, None)

    def applied(self, day: int, mine: XmLegs) -> np.ndarray:
        """Reduction per customer: the XM rule where the partner's figures arrived, else 0."""
        reduction = np.zeros(len(self.book.users))
        if self.xm_cfg.rule == "none" or not len(self.xm_idx):
            return reduction
        theirs = self.partner_legs.get(day)
        if theirs is None:
            late = sorted({(self.book.firms[i], self.book.accounts[i]) for i in self.xm_idx})
            for firm, account in late:
                self.run.log("xm_fallback", self.agent_id, f"{firm}:{account}", f"day {day}")
            return reduction
        cme, ficc = (mine, theirs) if self.agent_id == "cme" else (theirs, mine)
        reduction[self.xm_idx] = xm_reduction(self.xm_cfg.rule, self.xm_cfg.cap, cme, ficc)
        return reduction

    def record_daily(self, day, im, standalone, vm, reduction) -> None:
        b, n = self.book, len(self.book.users)
        rows = zip(
            [day] * n,
            b.users,
            b.user_types,
            [self.agent_id] * n,
            b.accounts,
            im.tolist(),
            standalone.tolist(),
            vm.tolist(),
            reduction.tolist(),
            strict=True,
        )
        self.run.recorder.add_many("accounts_daily", list(rows))

    def settle_accounts(self, day: int, im: np.ndarray, vm: np.ndarray, due: float) -> None:
        im_c, vm_c = to_cents(im), to_cents(vm)
        for (firm, account), idx in self.groups.items():
            name = self.account_name(firm, account)
            im_sum, vm_sum = int(im_c[idx].sum()), int(vm_c[idx].sum())
            amount = im_sum - self.run.ledger.balance(name) - vm_sum - self.outstanding[name]
            call, payout = None, 0
            if amount > 0:
                call = self.issue_call(firm, account, amount, due, vm_sum)
            else:
                payout = self.settle_now(name, firm, im_sum, vm_sum)
            self.run.send(
                firm,
                CycleStatement(
                    self.run.next_id("Y"),
                    self.agent_id,
                    firm,
                    account,
                    day,
                    tuple(self.book.users[i] for i in idx),
                    tuple(im_c[idx].tolist()),
                    tuple(vm_c[idx].tolist()),
                    call,
                    payout,
                ),
            )

    def issue_call(self, firm: str, account: str, amount: int, due: float, vm: int) -> MarginCall:
        call = MarginCall(
            self.run.next_id("C"),
            "ccp",
            self.agent_id,
            firm,
            self.agent_id,
            account,
            amount,
            self.env.now,
            due,
            due + self.cfg.late_tolerance_minutes,
        )
        paid = self.run.calls.issue(call)
        self.outstanding[self.account_name(firm, account)] += amount
        self.env.process(self.await_payment(call, paid, vm))
        return call

    def await_payment(self, call: MarginCall, paid, vm: int):
        yield paid | self.env.timeout(call.final_min - self.env.now)
        name = self.account_name(call.payer, call.account)
        self.outstanding[name] -= call.amount_cents
        if paid.triggered:
            self.book_vm(name, vm)
        else:
            self.run.calls.default(call.call_id, self.env.now)
            self.run.log("ccp_call_default", self.agent_id, call.call_id, call.payer)

    def on_payment(self, msg: PaymentSettled) -> None:
        self.run.calls.settle(msg.call_id, msg.settled_min)

    def book_vm(self, name: str, vm: int) -> None:
        """Pass the account's variation margin to (loss) or from (gain) the rest of the market."""
        if vm > 0:
            self.transfer("external", name, vm, "vm")
        elif vm < 0:
            self.transfer(name, "external", -vm, "vm")

    def settle_now(self, name: str, firm: str, im_sum: int, vm_sum: int) -> int:
        """Book VM and release collateral above the requirement to the firm; returns the payout."""
        self.book_vm(name, vm_sum)
        excess = self.run.ledger.balance(name) - im_sum
        if excess > 0:
            self.transfer(name, f"firm:{firm}:seg", excess, "release")
        return max(excess, 0)
