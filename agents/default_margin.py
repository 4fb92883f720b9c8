"""The defaulter's margin layer at a CCP, split by owner (CEA section 4d; CFTC Part 22 LSOC).

A CCP may use a defaulting member's customer collateral only for customer losses: under LSOC
(``CcpConfig.lsoc``) a customer's collateral, as the CCP attributes it (``agents.ccp_lsoc``),
only for that customer's own loss (no fellow-customer risk); without LSOC a customer account's
collateral for the losses of that account as a whole. The member's house collateral may meet any
of its losses, its customers' deficits included. So at the close-out (``agents.member_default``)
the rows the CCP took over are grouped by owner: per customer (LSOC) or per customer account
(without), and the house (its house accounts). Each customer group's loss -- its rows' losses
after the XM sharing rule plus the variation margin of its part of the calls that ended unpaid
-- is met from its own collateral (cash, then Treasuries at the CCP's haircut sold to the
market); what its collateral cannot meet joins the house's loss, which the house collateral
meets; the rest goes down the waterfall (``sim.margin.waterfall.segregated_margin``). A
customer's gain is credited to its own collateral (and attribution); the house's net gain goes
to its first house account.

What is left of an unported customer's collateral stays in the defaulter's customer account,
attributed to it: the CCP holds it for the customer (for the defaulter's trustee, CFTC Part 190),
logged ``customer_collateral_held`` per customer (without LSOC per customer account). A ported
customer's collateral still attributed at the defaulter (a withheld pay-out booked after its
move) first follows it to its new firm (``agents.porting.Porting.follow``), and so does a gain
credited to it at the close-out (of its part of calls that ended unpaid, or of rows of it the CCP
took over): nothing is held at the defaulter for a customer that has a new firm. Every transfer into
the close-out account names its group (``call_id``: ``<firm>:<customer>`` under LSOC,
``<firm>:<customer account>`` without, ``<firm>:house``). Money in cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.margin.waterfall import segregated_margin
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import SECURITIES

HOUSE = "house"


@dataclass(frozen=True)
class Group:
    """One owner of collateral at the CCP: ``label`` (``<firm>:<customer>`` under LSOC,
    ``<firm>:<customer account>`` without, ``<firm>:house``),
    its ledger accounts ``names``, the LSOC customer ``user`` ("" if not attributed) and its
    close-out loss (cents, < 0 a gain)."""

    label: str
    names: tuple[str, ...]
    user: str
    loss: int


@dataclass(frozen=True)
class MarginLayer:
    """The margin layer of one close-out (cents): the loss, margin used, loss left for the
    later layers, margin usable (house collateral plus each customer's up to its own loss)
    and gains returned to the customers and the house; the customer groups (whose leftover
    collateral ``DefaultMargin.hold`` logs once ported customers' has followed them)."""

    loss: int
    used: int
    rest: int
    usable: int
    returned: int
    customers: tuple[Group, ...] = ()


class DefaultMargin:
    """The margin layer of the CCPs ``ccps`` (module docstring)."""

    def __init__(self, run, ccps: dict) -> None:
        self.run, self.ccps = run, ccps

    def groups(self, c: str, firm: str, frozen: dict, row_loss: np.ndarray):
        """(customer groups, house group) of ``firm``'s close-out at ``c``: ``frozen`` the rows
        taken over and the unpaid VM per (account, customer); ``row_loss`` per row (cents)."""
        ccp = self.ccps[c]
        losses: dict[tuple[str, str], int] = {}
        for i, loss in zip(frozen["rows"].tolist(), row_loss.tolist(), strict=True):
            key = self.key(c, ccp.book.accounts[i], ccp.book.users[i])
            losses[key] = losses.get(key, 0) + int(loss)
        for (account, user), cents in frozen["unpaid"].items():
            key = self.key(c, account, user)
            losses[key] = losses.get(key, 0) + int(cents)
        house = tuple(ccp.accounts.name(f, a) for f, a in ccp.groups if f == firm and is_house(a))
        customers = [
            Group(f"{firm}:{user or account}", (ccp.accounts.name(firm, account),), user, loss)
            for (account, user), loss in sorted(losses.items())
            if account != HOUSE
        ]
        return customers, Group(f"{firm}:{HOUSE}", house, "", losses.get((HOUSE, ""), 0))

    def key(self, c: str, account: str, user: str) -> tuple[str, str]:
        """The group of a row or unpaid part: (customer account, LSOC customer or "") or the
        house; an unattributed part of an LSOC account is the member's (the house's)."""
        if is_house(account):
            return HOUSE, ""
        if self.ccps[c].accounts.per_customer(account):
            return (account, user) if user else (HOUSE, "")
        return account, ""

    def settle(self, c: str, firm: str, frozen: dict, row_loss: np.ndarray) -> MarginLayer:
        """Meet each customer's loss from its own collateral, then the house's (with the
        customers' shortfalls) from the house collateral; credit the gains (module docstring)."""
        customers, house = self.groups(c, firm, frozen, row_loss)
        taken, returned = [], 0
        for g in customers:
            self.run.log("default_group", c, firm, counterparty=g.label, mode="customer",
                         amount_cents=g.loss)  # fmt: skip
            taken.append(self.take(c, g, min(max(g.loss, 0), self.value(c, g))))
            if g.loss < 0:
                self.credit(c, g, -g.loss)
                returned -= g.loss
        loss = np.array([g.loss for g in customers], dtype=np.int64)
        house_value = self.value(c, house)
        got, short, house_taken, rest = segregated_margin(
            loss, np.array(taken, dtype=np.int64), house.loss, house_value
        )
        usable = int(got.sum()) + house_value
        self.log_shortfalls(c, firm, customers, short)
        self.run.log("default_group", c, firm, counterparty=house.label, mode=HOUSE,
                     amount_cents=house.loss)  # fmt: skip
        self.take(c, house, house_taken)
        house_net = house.loss + int(short.sum())
        if house_net < 0:
            self.credit(c, self.gain_account(c, firm, house), -house_net)
            returned -= house_net
        total = int(loss.sum()) + house.loss
        layer = (total, int(got.sum()) + house_taken, rest, usable, returned)
        return MarginLayer(*layer, tuple(customers))

    def gain_account(self, c: str, firm: str, house: Group) -> Group:
        """Where the house's gain goes: its first house account (without one, the member's first
        account at ``c``, unattributed)."""
        if house.names:
            return house
        ccp = self.ccps[c]
        first = next(ccp.accounts.name(f, a) for f, a in ccp.groups if f == firm)
        return Group(house.label, (first,), "", 0)

    def log_shortfalls(self, c: str, firm: str, customers: list[Group], short) -> None:
        """A customer's loss beyond its own collateral, which the house's resources meet."""
        for g, cents in zip(customers, short.tolist(), strict=True):
            if cents:
                self.run.log("default_customer_shortfall", c, firm, counterparty=g.label,
                             amount_cents=int(cents))  # fmt: skip

    def holdings(self, c: str, g: Group) -> list[tuple[str, int, int]]:
        """Per ledger account of ``g``: the cash and face that are ``g``'s (an LSOC customer's
        attribution, at least 0 and at most what the account holds)."""
        ledger, lsoc = self.run.ledger, self.ccps[c].accounts.lsoc
        out = []
        for name in g.names:
            cash, face = max(ledger.balance(name), 0), max(ledger.balance(name, SECURITIES), 0)
            if g.user:
                slot = lsoc.held[name].get(g.user, [0, 0])
                cash, face = min(cash, max(slot[0], 0)), min(face, max(slot[1], 0))
            out.append((name, int(cash), int(face)))
        return out

    def value(self, c: str, g: Group) -> int:
        """``g``'s collateral at ``c`` (cents): cash and Treasuries at the CCP's haircut."""
        price, haircut = self.run.collateral_price(), self.ccps[c].cfg.haircut
        return sum(
            cash + value_cents(face, price, haircut) for _, cash, face in self.holdings(c, g)
        )

    def take(self, c: str, g: Group, cents: int) -> int:
        """Move ``cents`` of ``g``'s collateral to the close-out: cash first, then Treasuries
        sold to the market at the CCP's haircut value; returns ``cents``."""
        ccp, dst, want = self.ccps[c], f"ccp:{c}:closeout", cents
        price, haircut = self.run.collateral_price(), ccp.cfg.haircut
        for name, cash, face in self.holdings(c, g) if cents > 0 else ():
            cash = min(cents, cash)
            if cash:
                ccp.transfer(name, dst, cash, "default_margin", g.label)
                cents -= cash
            value = min(cents, value_cents(face, price, haircut))
            sold = min(face_for_value(value, price, haircut), face) if value > 0 else 0
            if value > 0:
                ccp.transfer(name, "external", sold, "default_margin", g.label, asset=SECURITIES)
                ccp.transfer("external", dst, value, "default_margin", g.label)
                cents -= value
            self.attribute(c, g, name, (-cash, -sold))
        return want - cents

    def credit(self, c: str, g: Group, cents: int) -> None:
        """A gain of ``cents`` goes from the close-out to ``g``'s (first) account."""
        name = g.names[0]
        self.ccps[c].transfer(f"ccp:{c}:closeout", name, cents, "default_gain", g.label)
        self.attribute(c, g, name, (cents, 0))

    def attribute(self, c: str, g: Group, name: str, change: tuple[int, int]) -> None:
        """Change an LSOC customer's attribution in ``name`` by (cash, face)."""
        if g.user:
            slot = self.ccps[c].accounts.lsoc.slot(name, g.user)
            slot[0], slot[1] = slot[0] + change[0], slot[1] + change[1]

    def hold(self, c: str, firm: str, customers: tuple[Group, ...]) -> None:
        """Log what is left of each customer's collateral, held for it (module docstring; after
        ``settle``, once what is attributed to ported customers has followed them)."""
        for g in customers:
            left = self.value(c, g)
            if left > 0:
                self.run.log("customer_collateral_held", c, firm, counterparty=g.label,
                             amount_cents=left)  # fmt: skip


def is_house(account: str) -> bool:
    return account.startswith(HOUSE)
