"""LSOC at a CCP (legally segregated, operationally commingled; ``CcpConfig.lsoc``).

A member's customer account ``ccp:<ccp>:<firm>:<account>`` holds all its customers' collateral
in one ledger account (operationally commingled), but the CCP attributes it customer by customer
(legally segregated, CFTC Part 22): per customer its cash and Treasuries (face), counting what is
in flight (a call's part as if paid, a release's part as if paid out, variation margin as if
booked, as ``MemberAccounts.net`` does for a netted account). At a cycle each customer's own
requirement meets its own collateral and variation margin (``sim.settlement.collateral
.shortfall``): the account's call is the sum of the customers' deficits and its payout the sum
of their excesses, so one customer's excess never reduces another's call. A customer's release
is planned from its own cash first, then its Treasuries. A defaulted call undoes its customers'
parts and their unbooked variation margin; Treasuries delivered for a call or substituted for
cash are attributed to the customer the firm names (or, unnamed, in proportion to the call's
IM parts or the customers' cash). At a member default (``agents.member_default``) a payout
withheld is attributed back to the customers it was planned for, and a call's payment arriving
after the declaration to the customers of its parts: the attribution is what the CCP holds for
each customer when it closes the defaulter out (``agents.default_margin``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agents.segregation import split
from sim.run import Run
from sim.settlement.collateral import Shortfall, face_for_value, shortfall, value_cents


@dataclass(frozen=True)
class LsocSettlement:
    """One account's settlement: per customer its shortfall (``own``), the call (``None`` if no
    customer is short) and the payout, the variation margin booked with the call (the short
    customers') and with the payout (the rest), and the release planned per customer
    (customer: (cash, face) cents)."""

    own: dict[str, Shortfall]
    call: Shortfall | None
    payout: int
    vm_call: int
    vm_payout: int
    plan: dict[str, tuple[int, int]]


class Lsoc:
    """The per-customer attribution of one CCP's customer accounts; Treasuries at ``haircut``."""

    def __init__(self, run: Run, haircut: float) -> None:
        self.run, self.haircut = run, haircut
        self.held: dict[str, dict[str, list[int]]] = defaultdict(dict)  # account: user: [c, f]
        self.parts: dict[str, tuple[str, dict[str, tuple[int, int, int]]]] = {}  # call_id
        self.undone: dict[str, tuple[str, dict[str, tuple[int, int, int]]]] = {}  # defaulted

    def open(self, name: str, users: list[str], cents: list[int]) -> None:
        """Each customer has posted ``cents`` in cash (its IM of the day before)."""
        for user, c in zip(users, cents, strict=True):
            self.held[name][user] = [int(c), 0]

    def slot(self, name: str, user: str) -> list[int]:
        return self.held[name].setdefault(user, [0, 0])

    def settle(self, name: str, users, ims, vms) -> LsocSettlement:
        """Each customer's requirement ``ims`` against its own collateral and variation margin
        ``vms`` (cents); its attribution moves as if the settlement were done."""
        price = self.run.collateral_price()
        own, plan, vm_call, vm_payout = {}, {}, 0, 0
        for user, im, vm in zip(users, ims, vms, strict=True):
            slot = self.slot(name, user)
            sf = shortfall(slot[0], value_cents(slot[1], price, self.haircut), vm, im)
            if sf.amount > 0:  # VM due in cash: the rest stays, as for a netted account
                sf = sf._replace(excess=0)
            own[user] = sf
            slot[0] += vm + sf.amount
            if sf.amount > 0:
                vm_call += vm
                continue
            vm_payout += vm
            if sf.excess > 0:
                plan[user] = self.plan_release(slot, sf.excess, price)
        cash_due = sum(s.cash_due for s in own.values())
        im_due = sum(s.im_due for s in own.values())
        call = Shortfall(cash_due, im_due, 0) if cash_due + im_due > 0 else None
        payout = sum(s.excess for s in own.values())
        return LsocSettlement(own, call, payout, vm_call, vm_payout, plan)

    def plan_release(self, slot: list[int], excess: int, price: float) -> tuple[int, int]:
        """The customer's release of ``excess``: its cash first, then its Treasuries (face)."""
        cash = min(excess, max(slot[0], 0))
        face = face_for_value(excess - cash, price, self.haircut) if excess > cash else 0
        face = min(face, slot[1])
        slot[0], slot[1] = slot[0] - cash, slot[1] - face
        return cash, face

    def called(self, call_id: str, name: str, settlement: LsocSettlement, vms: dict[str, int]):
        """Remember call ``call_id``'s parts per customer: (amount, IM part, variation margin)."""
        parts = {u: (s.amount, s.im_due, vms[u]) for u, s in settlement.own.items() if s.amount}
        self.parts[call_id] = (name, parts)

    def paid(self, call_id: str, faces: tuple[tuple[str, int, int], ...]) -> None:
        """The call was paid, with Treasuries ``faces`` (customer, face, value): each
        customer's delivered Treasuries take the place of cash in its attribution."""
        name, parts = self.parts.pop(call_id, ("", {}))
        if not name:
            return
        for user, face, value in faces:
            if user:
                self.convert(name, {user: (face, value)})
                continue
            weights = {u: float(p[1]) for u, p in parts.items()} or {"": 1.0}
            face_parts, value_parts = split(face, weights), split(value, weights)
            self.convert(name, {u: (face_parts.get(u, 0), v) for u, v in value_parts.items()})

    def convert(self, name: str, delivered: dict[str, tuple[int, int]]) -> None:
        for user, (face, value) in delivered.items():
            if user:
                slot = self.slot(name, user)
                slot[0], slot[1] = slot[0] - value, slot[1] + face

    def defaulted(self, call_id: str) -> None:
        """The call defaulted: its customers' parts and variation margin were never booked (kept
        in ``undone``: each customer's unpaid variation margin is its own close-out loss)."""
        name, parts = self.parts.pop(call_id, ("", {}))
        if name:
            self.undone[call_id] = (name, parts)
        for user, (amount, _, vm) in parts.items():
            self.slot(name, user)[0] -= amount + vm

    def paid_late(self, call_id: str, faces: tuple[tuple[str, int, int], ...]) -> None:
        """A payment of call ``call_id``, ended at its payer's default declaration, reached the
        account: each customer's part is its collateral there (its variation margin stays
        unbooked), Treasuries delivered attributed as for a call paid in time."""
        name, parts = self.undone.pop(call_id, ("", {}))
        if not name:
            return
        for user, (amount, _, _) in parts.items():
            self.slot(name, user)[0] += amount
        self.parts[call_id] = (name, parts)
        self.paid(call_id, faces)

    def released(self, name: str, plan: dict[str, tuple[int, int]], cash: int, face: int):
        """The account paid out ``cash`` and ``face``; per customer as planned, or if the
        account's composition differed, the cash in proportion to the planned cash and the
        face to what cash left of each part (the attribution corrected to match). Returns
        (customer, cash, face) rows."""
        planned_cash = sum(c for c, _ in plan.values())
        planned_face = sum(f for _, f in plan.values())
        if (cash, face) == (planned_cash, planned_face):
            return tuple((u, c, f) for u, (c, f) in sorted(plan.items()))
        cash_parts = split(cash, {u: float(c) for u, (c, _) in plan.items()}) if cash else {}
        price = self.run.collateral_price()
        left = {u: c + value_cents(f, price, self.haircut) - cash_parts.get(u, 0)
                for u, (c, f) in plan.items()}  # fmt: skip
        face_parts = split(face, {u: float(v) for u, v in left.items()}) if face else {}
        rows = []
        for user, (c, f) in sorted(plan.items()):
            got_c, got_f = cash_parts.get(user, 0), face_parts.get(user, 0)
            slot = self.slot(name, user)
            slot[0], slot[1] = slot[0] + c - got_c, slot[1] + f - got_f
            rows.append((user, got_c, got_f))
        return tuple(rows)

    def spare(self, name: str, user: str) -> int:
        """The customer's cash at the CCP, as attributed (cents, at least 0)."""
        return max(self.slot(name, user)[0], 0)

    def substituted(self, name: str, user: str, face: int, value: int) -> None:
        """The CCP took ``face`` of Treasuries for ``value`` of cash: the named customer's, or
        unnamed in proportion to the customers' cash."""
        if user:
            self.convert(name, {user: (face, value)})
            return
        weights = {u: float(max(s[0], 0)) for u, s in self.held[name].items()} or {"": 1.0}
        face_parts, value_parts = split(face, weights), split(value, weights)
        self.convert(name, {u: (face_parts.get(u, 0), v) for u, v in value_parts.items()})

    def totals(self, name: str) -> tuple[int, int]:
        """The account's attributed cash and face, summed over its customers (cents)."""
        slots = self.held[name].values()
        return sum(s[0] for s in slots), sum(s[1] for s in slots)
