"""A CCP's book of customer and house positions, and its members' accounts (``MemberAccounts``).

Collateral at the CCP sits in ledger account ``ccp:<ccp>:<firm>:<account>`` as cash and Treasuries
(valued at the CCP's haircut). Per account and cycle the CCP settles one net amount
(``sim.settlement.collateral.shortfall``): variation margin only in cash, the rest of the
requirement in cash or Treasuries; a shortfall is called, an excess paid out at the cycle's
pay-out time (``CycleConfig.payout_clock``; by default its due time), unless the member was
declared in default by then (the payout stays in its account, ``withheld``). A payout's
payments are recorded as instructed at the cycle's settlement (the minute its calls were
issued), which ties them to their settlement cycle (``sim.metrics.liquidity_gap``). Under
LSOC (``CcpConfig.lsoc``) a customer account settles customer by customer
(``agents.ccp_lsoc``): a call for the sum of the customers' deficits and a payout of the sum of
their excesses, both in one cycle if need be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from agents.base import Agent
from agents.ccp_lsoc import Lsoc, LsocSettlement
from sim.messages import CollateralReleased, MarginCall
from sim.run import Run
from sim.settlement.collateral import Shortfall, face_for_value, shortfall, value_cents
from sim.settlement.ledger import SECURITIES
from sim.settlement.rails import FEDWIRE_FUNDS, FEDWIRE_SECURITIES


@dataclass
class CcpBook:
    """Positions as arrays, one row per end user (or firm house book) with a leg here.

    Exposures are key-rate DV01s (dollars per bp, (n, 5)) of the futures and cash legs, and the
    futures DV01 per basis family ((n, F)); both legs are kept so that XM accounts can be
    margined jointly. Rows change when positions are deleveraged, liquidated or scaled.
    """

    users: tuple[str, ...]
    user_types: tuple[str, ...]
    firms: tuple[str, ...]
    accounts: tuple[str, ...]
    futures_exp: np.ndarray
    cash_exp: np.ndarray
    family_dv01: np.ndarray
    xm: np.ndarray
    index: dict[str, int] = field(init=False)
    version: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.index = {u: i for i, u in enumerate(self.users)}

    def groups(self) -> dict[tuple[str, str], np.ndarray]:
        out: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(zip(self.firms, self.accounts, strict=True)):
            out.setdefault(key, []).append(i)
        return {k: np.array(v) for k, v in sorted(out.items())}

    def scale(self, user: str, leg: str, factor: float) -> None:
        self.version += 1
        row = self.index[user]
        if leg == "futures":
            self.futures_exp[row] *= factor
            self.family_dv01[row] *= factor
        else:
            self.cash_exp[row] *= factor


@dataclass
class AccountState:
    """What is in flight for one member account: unpaid calls (value), variation margin not yet
    booked, and payouts not yet made (cents)."""

    outstanding: int = 0
    pending_vm: int = 0
    pending_release: int = 0


class MemberAccounts:
    """The member accounts of one CCP: the collateral each clearing-firm account holds there
    (ledger account ``ccp:<ccp>:<firm>:<account>``), what is in flight for it, and its calls,
    payouts, variation booking and collateral substitutions.

    Money moves on the authority of ``ccp`` (the agent's ``transfer`` and ``until_open``);
    Treasuries count at ``haircut``; a call still unpaid ``late_tolerance`` minutes after its due
    time defaults; ``lsoc``: customer accounts attributed per customer (``agents.ccp_lsoc``).
    """

    def __init__(
        self,
        run: Run,
        ccp: Agent,
        keys: Iterable[tuple[str, str]],
        haircut: float,
        late_tolerance: float,
        lsoc: bool = False,
    ) -> None:
        self.run, self.env, self.ccp = run, run.env, ccp
        self.ccp_id = ccp.agent_id
        self.haircut, self.late_tolerance = haircut, late_tolerance
        self.state = {self.name(firm, account): AccountState() for firm, account in keys}
        self.lsoc = Lsoc(run, haircut) if lsoc else None

    def name(self, firm: str, account: str) -> str:
        return f"ccp:{self.ccp_id}:{firm}:{account}"

    @staticmethod
    def payout_account(firm: str, account: str) -> str:
        return f"firm:{firm}:{'cash' if account.startswith('house') else 'seg'}"

    def open(self, firm: str, account: str, users: list[str], posted: list[int]) -> None:
        """Open the account with the cash its customers ``users`` (or the house) have already
        posted (``posted`` cents each: the IM of the day before the run)."""
        self.run.ledger.open(self.name(firm, account), sum(posted))
        if self.per_customer(account):
            self.lsoc.open(self.name(firm, account), users, posted)

    def ensure(self, name: str) -> None:
        """Open account ``name`` empty if a ported customer is the first in it."""
        if name not in self.state:
            self.run.ledger.open(name)
            self.state[name] = AccountState()

    def per_customer(self, account: str) -> bool:
        """Whether ``account`` settles customer by customer (LSOC, a customer account)."""
        return self.lsoc is not None and not account.startswith("house")

    def net(self, name: str, vm: int, im: int) -> Shortfall:
        state = self.state[name]
        ledger = self.run.ledger
        cash = ledger.balance(name) + state.pending_vm + state.outstanding - state.pending_release
        price = self.run.collateral_price()
        sec = value_cents(ledger.balance(name, SECURITIES), price, self.haircut)
        return shortfall(cash, sec, vm, im)

    def settle(self, cycle: str, firm: str, account: str, vm: int, im: int, times: tuple):
        """Call or schedule the payout of one netted account; ``times``: (the call's due minute,
        the payout's minute); returns (call or None, payout cents)."""
        (due, pay_at), name = times, self.name(firm, account)
        sf = self.net(name, vm, im)
        self.state[name].pending_vm += vm
        if sf.amount > 0:
            return self.issue(cycle, firm, account, sf, (due, pay_at, vm)), 0
        self.release(firm, account, vm, sf.excess, pay_at)
        return None, sf.excess

    def settle_rows(self, cycle: str, firm: str, account: str, rows: tuple, times: tuple):
        """Settle one account: ``rows`` ((customers, their IMs, their VMs), the account's IM),
        cents; per customer under LSOC, else netted. Returns (call or None, payout cents, per
        customer (deficits, excesses), empty if netted)."""
        (users, ims, vms), im_sum = rows
        if not self.per_customer(account):
            call, payout = self.settle(cycle, firm, account, sum(vms), im_sum, times)
            return call, payout, ((), ())
        call, payout, done = self.settle_customers(cycle, firm, account, (users, ims, vms), times)
        parts = tuple(tuple(getattr(done.own[u], k) for u in users) for k in ("amount", "excess"))
        return call, payout, parts

    def settle_customers(self, cycle: str, firm: str, account: str, rows: tuple, times: tuple):
        """Settle a customer account under LSOC: ``rows`` (customers, their IMs, their VMs in
        cents); returns (call or None, payout cents, the ``LsocSettlement``)."""
        (due, pay_at), name = times, self.name(firm, account)
        done: LsocSettlement = self.lsoc.settle(name, *rows)
        self.state[name].pending_vm += done.vm_call + done.vm_payout
        call = None
        if done.call is not None:
            call = self.issue(cycle, firm, account, done.call, (due, pay_at, done.vm_call))
            self.lsoc.called(call.call_id, name, done, dict(zip(rows[0], rows[2], strict=True)))
        if call is None or done.payout or done.vm_payout:
            self.release(firm, account, done.vm_payout, done.payout, pay_at, done.plan)
        return call, done.payout, done

    def issue(self, cycle: str, firm: str, account: str, sf: Shortfall, times: tuple):
        """Call ``sf`` (``times``: due and payout minutes, the VM booked once it is paid)."""
        due, pay_at, vm = times
        call = self.call(cycle, firm, account, sf, due)
        self.state[self.name(firm, account)].outstanding += call.amount_cents
        paid = self.run.calls.issue(call)
        self.env.process(self.await_payment(call, paid, vm))
        if self.ccp.liquidity.finite:
            self.env.process(self.ccp.liquidity.bridge(call, paid, pay_at))
        return call

    def release(self, firm: str, account: str, vm: int, excess: int, at: float, plan=None):
        """Schedule the payout of ``excess`` (with the booking of ``vm``) at minute ``at``."""
        name = self.name(firm, account)
        self.state[name].pending_release += excess
        self.env.process(self.payout(name, firm, account, vm, excess, at, plan))

    def call(self, cycle: str, firm: str, account: str, sf: Shortfall, due: float) -> MarginCall:
        """The call on ``firm``'s ``account`` for shortfall ``sf``, due at minute ``due``."""
        return MarginCall(
            self.run.next_id("C"),
            "ccp",
            self.ccp_id,
            cycle,
            firm,
            self.ccp_id,
            account,
            sf.cash_due,
            sf.im_due,
            self.env.now,
            due,
            due + self.late_tolerance,
        )

    def await_payment(self, call: MarginCall, paid, vm: int):
        yield paid | self.env.timeout(call.final_min - self.env.now)
        name = self.name(call.payer, call.account)
        state = self.state[name]
        state.outstanding -= call.amount_cents
        state.pending_vm -= vm
        if paid.triggered:
            self.book_vm(name, vm)
        else:
            if self.lsoc is not None:
                self.lsoc.defaulted(call.call_id)
            self.run.calls.default(call.call_id, self.env.now)
            if call.call_id not in self.run.calls.declared:  # else ended at the declaration
                self.run.log("ccp_call_default", self.ccp_id, call.call_id, counterparty=call.payer)
            self.ccp.liquidity.cover_default(call)

    def payout(self, name: str, firm: str, account: str, vm: int, excess: int, at: float, plan):
        """At minute ``at`` book ``vm`` and pay out ``excess``: cash first (under LSOC the
        customers' planned cash, ``plan``), then Treasuries for the rest; nothing is paid to a
        member declared in default by the time the payment goes (``withheld``)."""
        settled_at = self.env.now
        yield self.env.timeout(max(at - settled_at, 0.0))
        state = self.state[name]
        state.pending_vm -= vm
        state.pending_release -= excess
        self.book_vm(name, vm)
        want = excess if plan is None else sum(c for c, _ in plan.values())
        cash = min(want, max(self.run.ledger.balance(name), 0))
        dst = self.payout_account(firm, account)
        if cash > 0:
            yield from self.ccp.until_open(FEDWIRE_FUNDS)
            if self.withheld(name, excess):
                self.unreleased(name, plan, 0)
                return
            self.ccp.transfer(name, dst, cash, "release", rail=FEDWIRE_FUNDS, instructed=settled_at)
        face = yield from self.pay_securities(name, dst, excess - cash, settled_at, plan)
        if face < 0:  # withheld: nothing more is paid
            self.unreleased(name, plan, max(cash, 0))
            return
        if account.startswith("house") or (plan is not None and not excess):
            return
        parts = () if plan is None else self.lsoc.released(name, plan, max(cash, 0), face)
        msg = CollateralReleased(self.ccp_id, firm, account, max(cash, 0), face, parts)
        self.run.send(firm, msg)  # the firm attributes it to its customers

    def pay_securities(self, name: str, dst: str, rest: int, settled_at: float, plan):
        """Pay ``rest`` cents of value in Treasuries (under LSOC the planned face, plus any
        cash the account lacked); returns the face paid (-1: withheld)."""
        held, price = self.run.ledger.balance(name, SECURITIES), self.run.collateral_price()
        if rest <= 0 or held <= 0:
            return 0
        face = face_for_value(rest, price, self.haircut)
        if plan is not None:
            planned = sum(f for _, f in plan.values())
            missing = rest - sum(value_cents(f, price, self.haircut) for _, f in plan.values())
            face = planned + (face_for_value(missing, price, self.haircut) if missing > 0 else 0)
        face = min(face, held)
        if face <= 0:
            return 0
        yield from self.ccp.until_open(FEDWIRE_SECURITIES)
        if self.withheld(name, rest):
            return -1
        self.ccp.transfer(
            name, dst, face, "release", asset=SECURITIES, rail=FEDWIRE_SECURITIES,
            value=rest, instructed=settled_at,
        )  # fmt: skip
        return face

    def withheld(self, name: str, cents: int) -> bool:
        """Whether a payout of ``cents`` from member account ``name`` (``ccp:<ccp>:<firm>:
        <account>``) is withheld: a CCP pays nothing to a member in default; the money stays in
        its account as margin for the close-out (``agents.member_default``), logged
        ``payout_withheld``."""
        if name.split(":")[2] not in getattr(self.ccp, "defaulted", ()):
            return False
        self.run.log("payout_withheld", self.ccp_id, name, amount_cents=cents)
        return True

    def unreleased(self, name: str, plan, cash: int) -> None:
        """A payout under LSOC was withheld after ``cash`` of it was paid: what was planned for
        each customer and not paid is attributed back to it (it stays in the account)."""
        if plan is not None and self.lsoc is not None:
            self.lsoc.released(name, plan, cash, 0)

    def substitute(self, firm: str, account: str, face_cents: int, user: str = "") -> None:
        """Take Treasuries for cash in a member account, as far as the account holds cash not
        needed for variation margin in flight and the Treasuries' value covers it (under LSOC,
        and of a named customer ``user``, as far as that customer's cash there)."""
        name = self.name(firm, account)
        state, ledger = self.state[name], self.run.ledger
        spare = ledger.balance(name) + min(state.pending_vm, 0) - state.pending_release
        if user and self.per_customer(account):
            spare = min(spare, self.lsoc.spare(name, user))
        price, haircut = self.run.collateral_price(), self.haircut
        value = min(spare, value_cents(face_cents, price, haircut))
        rails_open = all(
            self.run.rails[r].contains(self.run.calendar, self.env.now)
            for r in (FEDWIRE_FUNDS, FEDWIRE_SECURITIES)
        )
        if value <= 0 or not rails_open:
            return
        face = min(face_for_value(value, price, haircut), face_cents)
        seg = self.payout_account(firm, account)
        parties = (firm, self.ccp_id)
        self.ccp.transfer(seg, name, face, "substitution", asset=SECURITIES,
                          rail=FEDWIRE_SECURITIES, value=value, parties=parties)  # fmt: skip
        self.ccp.transfer(name, seg, value, "substitution", rail=FEDWIRE_FUNDS)
        if self.per_customer(account):
            self.lsoc.substituted(name, user, face, value)

    def paid(self, call_id: str, faces: tuple) -> None:
        """A call was paid (``faces``: the Treasuries delivered per customer, for LSOC)."""
        if self.lsoc is not None:
            self.lsoc.paid(call_id, faces)

    def book_vm(self, name: str, vm: int) -> None:
        """Pass variation margin to (loss) or from (gain) the rest of the market; a loss beyond
        the account's cash is advanced from the CCP's liquidity facility
        (``agents.ccp_liquidity``) and recorded."""
        if vm > 0:
            self.ccp.transfer("external", name, vm, "vm")
            return
        if vm == 0:
            return
        own = min(-vm, max(self.run.ledger.balance(name), 0))
        if own:
            self.ccp.transfer(name, "external", own, "vm")
        if -vm - own:
            self.ccp.liquidity.draw("external", -vm - own, "vm_advance", name)
            self.run.log("ccp_liquidity", self.ccp_id, name, amount_cents=-vm - own)
