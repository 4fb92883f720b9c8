"""Porting of a defaulter's customers to surviving clearing firms (``default_management.porting``).

At a member default (``agents.member_default``) each declaring CCP offers the defaulter's
customers, in the order of their ids, to the surviving firms of the right kind (at CME an FCM
or BD-FCM, at FICC a BD or BD-FCM), in the order of their ids: first to a firm that can take
every leg the customer has at the declaring CCPs (for an XM customer one offering XM first),
then leg by leg. A firm takes at most ``porting_per_firm_per_day`` customers a business day and
accepts an offer with probability ``porting_acceptance`` (stream ``default_management.porting``).
Only a CCP with LSOC (``CcpConfig.lsoc``) ports: without per-customer attribution a customer's
collateral cannot be told from the others'. Offers are made at the declaration only; a leg no
firm accepted is closed out with the house (``agents.member_default``).

``porting_latency_minutes`` after the declaration each accepted leg moves: its row in the CCP's
book to the new firm's customer account, and its LSOC-attributed cash and Treasuries (at most
what the defaulter's account holds) from ``ccp:<c>:<defaulter>:<account>`` to the new firm's
account (a ledger transfer); the new firm books that collateral as the customer's equity and
learns its positions, and the end user's firm for that leg becomes the new firm, so later calls
come from it. Until the move the rows sit in the defaulter's account, which the CCP no longer
settles. An XM customer whose legs do not all move to one firm offering XM becomes two
standalone legs (``customer`` accounts; the CCPs keep its rows in their XM figures but
margin them standalone, ``Ccp.split``): the IM jump, standalone less XM IM of its ported legs
at the last close, is logged (``porting_xm_split``). What the customer had at the defaulter
above its CCP collateral (the house add-on) stays with the defaulter. What the move could not
take because the account did not hold it yet (a pay-out counted in the attribution as booked,
booked later and withheld from the defaulter) stays attributed to the customer there and
follows it to the new account at the defaulter's close-out (``Porting.follow``). Money in
cents.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.market.instruments import CATALOG
from sim.settlement.ledger import SECURITIES, to_cents

ELIGIBLE = {"cme": ("fcm", "bd_fcm"), "ficc": ("bd", "bd_fcm")}
LEG = {"cme": "futures", "ficc": "cash"}


class Porting:
    """The porting of the defaulters' customers at the CCPs ``ccps`` (module docstring)."""

    def __init__(self, run, ccps: dict) -> None:
        self.run, self.ccps, self.cfg = run, ccps, run.config.default_management
        self.rng = run.streams.get("default_management.porting")
        self.firms = {f.firm_id: f for f in run.population.firms}
        self.taken: dict[tuple[str, int], int] = defaultdict(int)  # (firm, day): customers
        self.moved: dict[tuple[str, str, str], tuple[str, str]] = {}  # (c, src, user): new

    def customers(self, firm: str, where: list[str]) -> dict[str, dict[str, int]]:
        """Customer: {CCP: row} of ``firm``'s customer rows at the LSOC CCPs of ``where``."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for c in where:
            ccp = self.ccps[c]
            if not ccp.cfg.lsoc:
                continue
            for (f, account), idx in ccp.groups.items():
                if f == firm and not account.startswith("house"):
                    for i in idx:
                        out[ccp.book.users[i]][c] = int(i)
        return dict(sorted(out.items()))

    def candidates(self, firm: str, legs) -> list[str]:
        """Surviving firms (not ``firm``, in default nowhere) of the right kind for every leg."""
        down = set().union(*(ccp.defaulted for ccp in self.ccps.values()))
        return sorted(
            f
            for f, spec in self.firms.items()
            if f != firm and f not in down and all(spec.kind in ELIGIBLE[c] for c in legs)
        )

    def offer(self, f: str, day: int) -> bool:
        """Offer a customer to ``f``: it accepts if it has capacity today and the draw says so."""
        if self.taken[(f, day)] >= self.cfg.porting_per_firm_per_day:
            return False
        if self.rng.random() >= self.cfg.porting_acceptance:
            return False
        self.taken[(f, day)] += 1
        return True

    def place(self, firm: str, legs: dict[str, int], xm: bool, day: int) -> dict[str, str]:
        """{CCP: new firm} for the customer's legs ``legs`` that a firm accepted."""
        whole = self.candidates(firm, legs)
        if xm:
            whole.sort(key=lambda f: not self.firms[f].offers_xm)
        for f in whole:
            if self.offer(f, day):
                return dict.fromkeys(legs, f)
        out = {}
        for c in legs if len(legs) > 1 else ():
            for f in self.candidates(firm, [c]):
                if f not in whole and self.offer(f, day):
                    out[c] = f
                    break
        return out

    def plan(self, firm: str, where: list[str], day: int) -> dict[str, dict[str, str]]:
        """At the declaration: customer: {CCP: new firm} of the legs to port; one
        ``customer_porting`` event per customer (mode ported, partial or not_ported)."""
        plan = {}
        for user, legs in self.customers(firm, where).items():
            xm = any(self.is_xm(c, i, user) for c, i in legs.items())
            got = self.place(firm, legs, xm, day)
            mode = "ported" if len(got) == len(legs) else "partial" if got else "not_ported"
            self.run.log("customer_porting", user, firm, mode=mode)
            if got:
                plan[user] = got
        return plan

    def move_all(self, firm: str, plan: dict[str, dict[str, str]]):
        """After the latency, move every planned leg (``move``)."""
        yield self.run.env.timeout(self.cfg.porting_latency_minutes)
        for user, legs in plan.items():
            self.move_customer(firm, user, legs)

    def move_customer(self, firm: str, user: str, legs: dict[str, str]) -> None:
        """Move ``user``'s legs; split an XM customer that does not stay XM at one firm."""
        rows = {c: self.ccps[c].book.index.get(user) for c in self.ccps}
        xm = [c for c, i in rows.items() if self.is_xm(c, i, user)]
        targets = set(legs.values())
        keep = len(legs) == len(xm) == 2 and self.firms[next(iter(targets))].offers_xm
        split = bool(xm) and not (keep and len(targets) == 1)
        if split:
            jump = sum(self.jump(c, rows[c]) for c in legs if c in xm)
            self.run.log("porting_xm_split", user, firm, amount_cents=int(jump))
            for c in xm:
                self.ccps[c].split.add(user)
        for c, new in legs.items():
            self.move(c, firm, user, new)
        end_user = self.run.agents[user]
        for c, new in legs.items():
            end_user.firms[LEG[c]] = new
            book = {s: q for s, q in end_user.positions.items() if CATALOG[s].side == LEG[c]}
            firm_agent = self.run.agents[new]
            firm_agent.know_positions(user, {**firm_agent.books.get(user, {}), **book})
        self.run.log("customer_ported", user, firm, counterparty=min(targets))

    def jump(self, c: str, row: int) -> int:
        """Standalone less XM IM of the row at its last close (cents)."""
        ccp = self.ccps[c]
        return int(to_cents(ccp.last_standalone[row] - ccp.last_im[row]))

    def is_xm(self, c: str, row: int | None, user: str) -> bool:
        """Whether ``user``'s row at ``c`` is margined in XM (not already split)."""
        ccp = self.ccps[c]
        return row is not None and bool(ccp.book.xm[row]) and user not in ccp.split

    def move(self, c: str, old: str, user: str, new: str) -> None:
        """Move the row of ``user`` at CCP ``c`` to ``new``'s customer account with its
        attributed collateral; ``new`` books the collateral as the customer's equity."""
        ccp, book = self.ccps[c], self.ccps[c].book
        row = book.index[user]
        account = "customer_xm" if self.is_xm(c, row, user) else "customer"
        src, dst = ccp.accounts.name(old, book.accounts[row]), ccp.accounts.name(new, account)
        cash, face = self.collateral(c, src, user)
        ccp.accounts.ensure(dst)
        self.carry(c, (src, dst), user, (cash, face))
        self.moved[(c, src, user)] = (new, account)
        rebook(ccp, row, new, account)
        self.run.agents[new].adopt_customer(user, c, account, cash, face)

    def carry(self, c: str, route: tuple[str, str], user: str, amounts: tuple[int, int]):
        """Move ``user``'s ``amounts`` (cash, face) from ``route[0]`` to ``route[1]`` at ``c``,
        attributed to it there."""
        ccp, (src, dst), (cash, face) = self.ccps[c], route, amounts
        if cash:
            ccp.transfer(src, dst, cash, "porting", user)
        if face:
            ccp.transfer(src, dst, face, "porting", user, asset=SECURITIES)
        slot = ccp.accounts.lsoc.slot(dst, user)
        slot[0], slot[1] = slot[0] + cash, slot[1] + face

    def collateral(self, c: str, src: str, user: str) -> tuple[int, int]:
        """The customer's attributed cash and Treasuries (face) at ``src``, at least 0 and at
        most what the account holds; what it moves leaves its attribution there (the rest, e.g.
        a pay-out counted as booked but not yet in the account, stays attributed and follows
        it at the close-out, ``follow``)."""
        ledger, lsoc = self.run.ledger, self.lsoc(c)
        held = lsoc.held[src].get(user, [0, 0])
        cash = min(max(held[0], 0), max(ledger.balance(src), 0))
        face = min(max(held[1], 0), max(ledger.balance(src, SECURITIES), 0))
        if [held[0] - cash, held[1] - face] == [0, 0]:
            lsoc.held[src].pop(user, None)
        else:
            lsoc.held[src][user] = [held[0] - cash, held[1] - face]
        return int(cash), int(face)

    def lsoc(self, c: str):
        return self.ccps[c].accounts.lsoc

    def follow(self, c: str, firm: str) -> None:
        """At ``firm``'s close-out at ``c`` (before the margin layer, and again after it for the
        gains it credits): what is still attributed to a customer ported from it (a withheld
        pay-out booked after the move, a close-out gain) moves to the customer's new account, as
        far as the old account holds it (payments of purpose porting)."""
        for (ccp, src, user), (new, account) in sorted(self.moved.items()):
            if ccp != c or src.split(":")[2] != firm or user not in self.lsoc(c).held[src]:
                continue
            cash, face = self.collateral(c, src, user)
            if cash or face:
                self.carry(c, (src, ccp_name(c, new, account)), user, (cash, face))
                self.run.agents[new].adopt_customer(user, c, account, cash, face)


def ccp_name(c: str, firm: str, account: str) -> str:
    """The ledger account of ``firm``'s ``account`` at CCP ``c``."""
    return f"ccp:{c}:{firm}:{account}"


def rebook(ccp, row: int, new: str, account: str) -> None:
    """Move ``ccp``'s book row ``row`` to ``new``'s ``account`` (the old group stays, maybe
    empty, so that the defaulter's account is still found by its close-out)."""
    book = ccp.book
    key = (book.firms[row], book.accounts[row])
    book.firms = (*book.firms[:row], new, *book.firms[row + 1 :])
    book.accounts = (*book.accounts[:row], account, *book.accounts[row + 1 :])
    book.version += 1
    groups = dict(ccp.groups)
    groups[key] = groups[key][groups[key] != row]
    groups[(new, account)] = np.sort(np.append(groups.get((new, account), []), row)).astype(int)
    ccp.groups.clear()
    ccp.groups.update(sorted(groups.items()))
