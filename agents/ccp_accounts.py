"""A CCP's book of customer and house positions, and its members' accounts (``MemberAccounts``).

Collateral at the CCP sits in ledger account ``ccp:<ccp>:<firm>:<account>`` as cash and Treasuries
(valued at the CCP's haircut). Per account and cycle the CCP settles one net amount
(``sim.settlement.collateral.shortfall``): variation margin only in cash, the rest of the
requirement in cash or Treasuries; a shortfall is called, an excess paid out at the cycle's
pay-out time (``CycleConfig.payout_clock``; by default its due time). A payout's payments are
recorded as instructed at the cycle's settlement (the minute its calls were issued), which ties
them to their settlement cycle (``sim.metrics.liquidity_gap``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from agents.base import Agent
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
    time defaults.
    """

    def __init__(
        self,
        run: Run,
        ccp: Agent,
        keys: Iterable[tuple[str, str]],
        haircut: float,
        late_tolerance: float,
    ) -> None:
        self.run, self.env, self.ccp = run, run.env, ccp
        self.ccp_id = ccp.agent_id
        self.haircut, self.late_tolerance = haircut, late_tolerance
        self.state = {self.name(firm, account): AccountState() for firm, account in keys}

    def name(self, firm: str, account: str) -> str:
        return f"ccp:{self.ccp_id}:{firm}:{account}"

    @staticmethod
    def payout_account(firm: str, account: str) -> str:
        return f"firm:{firm}:{'cash' if account.startswith('house') else 'seg'}"

    def open(self, firm: str, account: str, posted_cents: int) -> None:
        """Open the account with ``posted_cents`` of cash already posted (the IM of the day
        before the run)."""
        self.run.ledger.open(self.name(firm, account), posted_cents)

    def net(self, name: str, vm: int, im: int) -> Shortfall:
        state = self.state[name]
        ledger = self.run.ledger
        cash = ledger.balance(name) + state.pending_vm + state.outstanding - state.pending_release
        price = self.run.collateral_price()
        sec = value_cents(ledger.balance(name, SECURITIES), price, self.haircut)
        return shortfall(cash, sec, vm, im)

    def settle(self, cycle: str, firm: str, account: str, vm: int, im: int, times: tuple):
        """Call or schedule the payout of one account; ``times``: (the call's due minute, the
        payout's minute); returns (call or None, payout cents)."""
        (due, pay_at), name = times, self.name(firm, account)
        state = self.state[name]
        sf = self.net(name, vm, im)
        state.pending_vm += vm
        if sf.amount > 0:
            call = self.call(cycle, firm, account, sf, due)
            state.outstanding += call.amount_cents
            paid = self.run.calls.issue(call)
            self.env.process(self.await_payment(call, paid, vm))
            if self.ccp.liquidity.finite:
                self.env.process(self.ccp.liquidity.bridge(call, paid, pay_at))
            return call, 0
        state.pending_release += sf.excess
        self.env.process(self.payout(name, firm, account, vm, sf.excess, pay_at))
        return None, sf.excess

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
            self.run.calls.default(call.call_id, self.env.now)
            self.run.log("ccp_call_default", self.ccp_id, call.call_id, counterparty=call.payer)
            self.ccp.liquidity.cover_default(call)

    def payout(self, name: str, firm: str, account: str, vm: int, excess: int, at: float):
        settled_at = self.env.now
        yield self.env.timeout(max(at - settled_at, 0.0))
        state = self.state[name]
        state.pending_vm -= vm
        state.pending_release -= excess
        self.book_vm(name, vm)
        cash = min(excess, max(self.run.ledger.balance(name), 0))
        dst = self.payout_account(firm, account)
        if cash > 0:
            yield from self.ccp.until_open(FEDWIRE_FUNDS)
            self.ccp.transfer(name, dst, cash, "release", rail=FEDWIRE_FUNDS, instructed=settled_at)
        rest = excess - cash
        held, face = self.run.ledger.balance(name, SECURITIES), 0
        if rest > 0 and held > 0:
            yield from self.ccp.until_open(FEDWIRE_SECURITIES)
            face = min(face_for_value(rest, self.run.collateral_price(), self.haircut), held)
            self.ccp.transfer(
                name, dst, face, "release", asset=SECURITIES, rail=FEDWIRE_SECURITIES,
                value=rest, instructed=settled_at,
            )  # fmt: skip
        if not account.startswith("house"):  # the firm attributes it to its customers
            self.run.send(firm, CollateralReleased(self.ccp_id, firm, account, max(cash, 0), face))

    def substitute(self, firm: str, account: str, face_cents: int) -> None:
        """Take Treasuries for cash in a member account, as far as the account holds cash not
        needed for variation margin in flight and the Treasuries' value covers it."""
        name = self.name(firm, account)
        state, ledger = self.state[name], self.run.ledger
        spare = ledger.balance(name) + min(state.pending_vm, 0) - state.pending_release
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
        self.ccp.transfer(
            seg,
            name,
            face,
            "substitution",
            asset=SECURITIES,
            rail=FEDWIRE_SECURITIES,
            value=value,
            parties=(firm, self.ccp_id),
        )
        self.ccp.transfer(name, seg, value, "substitution", rail=FEDWIRE_FUNDS)

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
