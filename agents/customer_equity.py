"""A clearing firm's book of its customers' equity, per customer and CCP (or per XM account).

Per key (``CustomerEquity.key``: customer and CCP; under ``firms.xm_customer_equity: joint``
one key, customer and ``"xm"``, for a customer's ``customer_xm`` accounts at both CCPs, its one
CEA section 4d cross-margin account at the BD-FCM) the firm keeps the customer's equity: cash
(collateral plus variation margin, may fall below zero) and Treasuries (face), and what it has
called from the customer and not yet received. The house requirement is the CCP's IM times what
the firm collects per dollar of it (``sim.config.firms.customer_multiplier``: the type's house
multiplier, and at least the CCP's speculative ratio, CME's 110% of maintenance, from a
speculative customer); a key's requirement is the sum of the latest house requirement of each
CCP booked into it (one CCP's, unless the key is joint). A cycle's ``position`` nets equity and
calls in flight with the cycle's variation margin against it
(``sim.settlement.collateral.shortfall``), valuing Treasuries at the firm's haircut.
"""

from __future__ import annotations

from collections import defaultdict

from sim.config import FirmsConfig
from sim.config.firms import customer_multiplier
from sim.run import Run
from sim.settlement.collateral import Shortfall, shortfall, value_cents
from sim.settlement.ledger import SECURITIES

Key = tuple[str, str]  # (customer, CCP), or (customer, JOINT) for a joint XM account
XM_ACCOUNT = "customer_xm"
JOINT = "xm"


class CustomerEquity:
    def __init__(self, run: Run, cfg: FirmsConfig, user_types: dict[str, str]) -> None:
        self.run, self.cfg, self.user_types = run, cfg, user_types
        self.cash: dict[Key, int] = defaultdict(int)
        self.securities: dict[Key, int] = defaultdict(int)
        self.called: dict[Key, int] = defaultdict(int)
        self.joint = cfg.xm_customer_equity == "joint"
        self.required: dict[Key, dict[str, int]] = defaultdict(dict)  # latest, per CCP
        self.multipliers: dict[tuple[str, str], float] = {}  # (customer, CCP): ``multiplier``

    def key(self, user: str, ccp: str, account: str) -> Key:
        """The key of ``user``'s equity for its ``account`` at ``ccp``: one key for both CCPs'
        ``customer_xm`` accounts under ``xm_customer_equity: joint``, else per CCP."""
        if self.joint and account == XM_ACCOUNT:
            return (user, JOINT)
        return (user, ccp)

    def keys_of(self, user: str) -> list[Key]:
        """The keys under which the firm holds equity of ``user`` (a joint key once)."""
        return sorted(k for k in self.cash if k[0] == user)

    def multiplier(self, user: str, ccp: str) -> float:
        """What the firm collects from ``user`` per dollar of ``ccp``'s IM (dimensionless;
        fixed for the run: the customer's type and the configuration, so worked out once)."""
        known = self.multipliers.get((user, ccp))
        if known is not None:
            return known
        kind, cfg = self.user_types[user], self.run.config
        segment = cfg.population.types.get(kind)
        speculative = segment is not None and segment.cftc_category == "speculative"
        known = customer_multiplier(self.cfg, kind, speculative, getattr(cfg, ccp).multiplier)
        self.multipliers[(user, ccp)] = known
        return known

    def open(self, user: str, ccp: str, account: str, im_cents: int) -> int:
        """``user`` has posted in cash the house requirement on ``im_cents`` of IM at ``ccp``
        (in ``account``); returns the house add-on (what it posted above the CCP's IM, cents)."""
        key = self.key(user, ccp, account)
        posted = round(im_cents * self.multiplier(user, ccp))
        self.cash[key] += posted
        self.required[key][ccp] = posted
        return posted - im_cents

    def position(self, key: Key, ccp: str, vm: int, im: int) -> Shortfall:
        """What the customer owes or may take back after variation margin ``vm`` (cents,
        + = gain) against the key's requirement, ``ccp``'s part now the house requirement on
        its IM ``im`` (cents; the other CCP's part of a joint key as last booked)."""
        self.required[key][ccp] = round(im * self.multiplier(key[0], ccp))
        return self.standing(key, vm)

    def standing(self, key: Key, vm: int = 0) -> Shortfall:
        """The key's equity and calls in flight, with ``vm``, against its requirement."""
        face = self.securities[key]
        securities = (
            value_cents(face, self.run.collateral_price(), self.cfg.collateral_haircut)
            if face
            else 0
        )
        required = sum(self.required[key].values())
        return shortfall(self.cash[key] + self.called[key], securities, vm, required)

    def still_free(self, key: Key, excess: int) -> int:
        """How much of ``excess`` found earlier may be paid back now: all of it per CCP (as
        before); of a joint key none while calls are outstanding, else at most its excess now
        (the other CCP's statement may have come in between)."""
        if key[1] != JOINT:
            return excess
        return 0 if self.has_calls(key) else min(excess, self.standing(key).excess)

    def book_vm(self, key: Key, vm: int) -> None:
        self.cash[key] += vm

    def call(self, key: Key, cents: int) -> None:
        """The firm calls ``cents`` from the customer."""
        self.called[key] += cents

    def call_ended(self, key: Key, cents: int) -> None:
        """A call of ``cents`` was paid in full or defaulted."""
        self.called[key] -= cents

    def has_calls(self, key: Key) -> bool:
        return bool(self.called[key])

    def credit(self, key: Key, asset: str, cents: int) -> None:
        """The customer paid ``cents`` of ``asset`` (cash, or Treasuries' face) into equity."""
        if asset == SECURITIES:
            self.securities[key] += cents
        else:
            self.cash[key] += cents

    def withdraw(self, key: Key, cents: int) -> None:
        """The firm returned ``cents`` of cash equity to the customer."""
        self.cash[key] -= cents
